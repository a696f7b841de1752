"""Derived relations: each rule's output on the curated data, traceability, fixpoint."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest

from munigraph.errors import MunigraphError
from munigraph.rules import load_rules, run_rules, search_key
from munigraph.vocab import project_root

MG = "https://w3id.org/munigraph/ontology#"
ID = "https://w3id.org/munigraph/id/"
DERIVED = "https://w3id.org/munigraph/graph/derived"


def ask(store, query: str) -> bool:
    return store.query("PREFIX mg: <%s> PREFIX id: <%s> PREFIX mgv: <https://w3id.org/munigraph/vocab/> %s" % (MG, ID, query))


def merge_into_default(store: ox.Store) -> None:
    """What the build keeps: the default graph as the merge of the named graphs (the rules read it)."""
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")


def test_twinned_with_is_symmetric_and_derived(store):
    assert ask(store, f"ASK {{ GRAPH <{DERIVED}> {{ <{ID}gov/pl/koszalin> mg:twinnedWith <{ID}gov/lt/trakai-district> . "
                      f"<{ID}gov/lt/trakai-district> mg:twinnedWith <{ID}gov/pl/koszalin> }} }}")
    # never curated
    assert not ask(store, f"ASK {{ GRAPH ?g {{ ?a mg:twinnedWith ?b }} FILTER(?g != <{DERIVED}>) }}")


def test_governs_both_ways(store):
    assert ask(store, f"ASK {{ <{ID}place/lt/trakai> mg:governedBy <{ID}gov/lt/trakai-district> . "
                      f"<{ID}gov/lt/trakai-district> mg:governs <{ID}place/lt/trakai> }}")


@pytest.mark.parametrize("partnership,status", [
    ("ru-serpukhov--ua-ivano-frankivsk", "status-terminated"),
    ("ru-tver--ua-ivano-frankivsk", "status-terminated"),        # undated change, no dated one
    ("by-lida--pl-koszalin", "status-unknown"),                 # 2022: council decision not known
    ("by-lida-district--lv-jekabpils", "status-expired"),
    ("lt-trakai-district--pl-koszalin", "status-active"),
    ("by-grodno--pl-skarzysko-kamienna", "status-suspended"),
])
def test_current_status(store, partnership, status):
    rows = store.select(f"SELECT ?s WHERE {{ <{ID}partnership/{partnership}> <{MG}currentStatus> ?s }}").rows
    assert [str(r[0]).rsplit("/", 1)[-1] for r in rows] == [status]


def test_effective_start_prefers_the_precise_claim(store):
    rows = store.select(f"SELECT ?d ?day WHERE {{ <{ID}partnership/lt-trakai-district--pl-koszalin> <{MG}effectiveStartDate> ?d ; <{MG}startSortDate> ?day }}").rows
    assert [(str(d), str(day)) for d, day in rows] == [("2019-12-02", "2019-12-02")]
    gladsaxe = store.select(f"SELECT ?d WHERE {{ <{ID}partnership/dk-gladsaxe--pl-koszalin> <{MG}effectiveStartDate> ?d }}").rows
    assert [str(r[0]) for r in gladsaxe] == ["1967"]  # sources disagree: the earliest claim


def test_active_partner_count_matches_partners_query(store, mg):
    rows = store.select(f"SELECT ?n WHERE {{ <{ID}gov/pl/koszalin> <{MG}activePartnerCount> ?n }}").rows
    partners = mg("query", "partners", "--param", "municipality=Koszalin", "--format", "csv").csv()
    active = {r["partner"] for r in partners if r["status"].endswith("status-active")}
    assert int(rows[0][0]) == len(active) == 14


def test_every_derived_triple_traces_to_one_rule(store):
    untraced = store.select(f"""PREFIX mg: <{MG}>
        SELECT DISTINCT ?p WHERE {{
          GRAPH <{DERIVED}> {{ ?s ?p ?o }}
          FILTER NOT EXISTS {{ ?rule mg:produces ?p }}
          FILTER NOT EXISTS {{ GRAPH <{DERIVED}> {{ ?s mg:derivedBy ?r }} }}
        }}""").rows
    assert untraced == []
    rules = load_rules(project_root() / "ontology" / "rules.ttl")
    produced = [p for r in rules for p in r.produces]
    assert len(produced) == len(set(produced))


def test_rules_file_with_two_rules_producing_one_property_is_refused(tmp_path):
    text = (project_root() / "ontology" / "rules.ttl").read_text(encoding="utf-8")
    text = text.replace("mg:produces mg:sortDate , mg:datePrecision ;", "mg:produces mg:sortDate , mg:datePrecision , mg:twinnedWith ;")
    bad = tmp_path / "rules.ttl"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(MunigraphError, match="both produce <https://w3id.org/munigraph/ontology#twinnedWith>"):
        load_rules(bad)


def test_fixpoint_on_a_small_graph():
    store = ox.Store()
    g = ox.NamedNode("https://w3id.org/munigraph/graph/t")
    mg = lambda local: ox.NamedNode(MG + local)
    a, b, c = (ox.NamedNode(ID + f"gov/xx/{n}") for n in "abc")
    for name, x, y in (("ab", a, b), ("bc", b, c)):
        p = ox.NamedNode(ID + f"partnership/{name}")
        store.add(ox.Quad(p, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), mg("Partnership"), g))
        store.add(ox.Quad(p, mg("partner"), x, g))
        store.add(ox.Quad(p, mg("partner"), y, g))
        store.add(ox.Quad(p, mg("startDate"), ox.Literal("2001", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")), g))
    merge_into_default(store)
    result = run_rules(store, load_rules(project_root() / "ontology" / "rules.ttl"), dt.date(2020, 1, 1))
    assert result.total > 0
    links = list(store.query(f"SELECT ?x ?y ?v WHERE {{ ?x <{MG}twinnedWith> ?v . ?y <{MG}twinnedWith> ?v FILTER(STR(?x) < STR(?y)) }}"))
    assert [(s["x"], s["y"], s["v"]) for s in links] == [(a, c, b)]  # a and c share b
    counts = {s["g"].value: int(s["n"].value) for s in store.query(f"SELECT ?g ?n WHERE {{ ?g <{MG}activePartnerCount> ?n }}")}
    assert counts == {a.value: 1, b.value: 2, c.value: 1}
    again = run_rules(store, load_rules(project_root() / "ontology" / "rules.ttl"), dt.date(2020, 1, 1))
    assert again.total == 0  # nothing new: a fixpoint


def test_search_key_folds_case_and_diacritics():
    assert search_key("Trakų rajono savivaldybė") == "traku rajono savivaldybe"
    assert search_key("Łódź") == "lodz"
    assert search_key("Iwano‑Frankiwsk") == "iwano-frankiwsk"
    assert search_key("  Köslin ") == "koslin"


def test_partnership_never_reported_changed_is_active(store):
    rows = store.select(f"SELECT ?s WHERE {{ <{ID}partnership/pl-lublin--ua-ivano-frankivsk> <{MG}currentStatus> ?s }}").rows
    assert [str(r[0]).rsplit("/", 1)[-1] for r in rows] == ["status-active"]
    missing = store.select(f"""SELECT ?p WHERE {{ ?p a <{MG}Partnership> FILTER NOT EXISTS {{ ?p <{MG}currentStatus> ?s }} }}""").rows
    assert missing == []


def _rule(name: str, order: float, produces: str, construct: str):
    from munigraph.rules import Rule
    prefixes = f"PREFIX mg: <{MG}>\n"
    return Rule(f"urn:test:{name}", name, order, [MG + produces], prefixes + construct)


def test_an_order_that_reads_its_own_output_runs_to_a_fixpoint():
    """A chain inside one order (b from a, c from b) is followed round by round; independent rules run once."""
    from munigraph.rules import reads_own_output
    store = ox.Store()
    x = ox.NamedNode("urn:test:x")
    store.add(ox.Quad(x, ox.NamedNode(MG + "a"), ox.Literal("1"), ox.NamedNode("urn:test:g")))
    merge_into_default(store)
    chain = [_rule("to-c", 5, "c", "CONSTRUCT { ?s mg:c ?o } WHERE { ?s mg:b ?o }"),  # listed first: needs a second round
             _rule("to-b", 5, "b", "CONSTRUCT { ?s mg:b ?o } WHERE { ?s mg:a ?o }")]
    assert reads_own_output(chain)
    result = run_rules(store, chain, dt.date(2020, 1, 1))
    assert {r.rule: r.derived for r in result.reports} == {"urn:test:to-c": 1, "urn:test:to-b": 1}
    assert max(r.rounds for r in result.reports) == 3  # derive b, then c, then a round that finds nothing new
    independent = [_rule("copy-a", 7, "d", "CONSTRUCT { ?s mg:d ?o } WHERE { ?s mg:a ?o }"),
                   _rule("copy-b", 7, "e", "CONSTRUCT { ?s mg:e ?o } WHERE { ?s mg:b ?o . FILTER NOT EXISTS { ?s mg:zzz ?o } }")]
    assert not reads_own_output(independent)
    result = run_rules(store, independent, dt.date(2020, 1, 1))
    assert [r.rounds for r in result.reports] == [1, 1] and result.total == 2
    # a rule whose WHERE names what its own order produces (here in a NOT EXISTS) keeps the check
    assert reads_own_output([_rule("self", 8, "f", "CONSTRUCT { ?s mg:f 1 } WHERE { ?s mg:a ?o . FILTER NOT EXISTS { ?s mg:f ?any } }")])

