"""SPARQL text handling: parameter binding as RDF terms, and the guard against network access."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from munigraph.errors import RefusedQuery
from munigraph.sparqltext import bind, guard, query_form, significant


def test_bind_inserts_values_at_top_of_where():
    text = "SELECT ?x WHERE { ?x ?p ?name }"
    out = bind(text, {"name": Literal("Koszalin")})
    assert out.startswith("SELECT ?x WHERE {")
    assert 'VALUES (?name) { ("Koszalin") }' in out


def test_bind_keeps_hostile_text_inside_one_literal():
    evil = 'Koszalin" } ; DROP ALL ; #'
    out = bind("SELECT ?x WHERE { ?x ?p ?name }", {"name": Literal(evil)})
    toks = [t for t in significant(out) if t.kind == "string"]
    assert len(toks) == 1 and "DROP ALL" in toks[0].text
    assert "DROP" not in [t.text.upper() for t in significant(out) if t.kind == "word"]


def test_bind_unbound_optional_is_undef_and_iri_is_iri():
    out = bind("SELECT * WHERE { ?s ?p ?o }", {"a": URIRef("https://w3id.org/munigraph/id/gov/pl/koszalin"), "date": None})
    assert "VALUES (?a ?date) { (<https://w3id.org/munigraph/id/gov/pl/koszalin> UNDEF) }" in out


def test_bind_ignores_where_in_comments_and_strings():
    text = '# WHERE { in a comment\nSELECT ?x WHERE { ?x ?p "WHERE {" }'
    out = bind(text, {"x": Literal("v")})
    assert out.index("VALUES") > out.index('SELECT ?x WHERE {')


@pytest.mark.parametrize("query,needle", [
    ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
    ("select * { service silent <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("LOAD <http://example.org/data.ttl>", "LOAD"),
    ("SELECT * FROM <http://example.org/remote> { ?s ?p ?o }", "FROM <http://example.org/remote>"),
    ("PREFIX ex: <http://example.org/> SELECT * FROM NAMED ex:g { GRAPH ?g { ?s ?p ?o } }", "FROM <http://example.org/g>"),
])
def test_guard_refuses_network_access(query, needle):
    with pytest.raises(RefusedQuery, match="refused") as info:
        guard(query, local_graphs={"https://w3id.org/munigraph/graph/derived"})
    assert needle in str(info.value)


def test_guard_allows_local_graphs_and_words_in_strings():
    guard("SELECT * FROM <https://w3id.org/munigraph/graph/derived> { ?s ?p 'SERVICE LOAD' }",
          local_graphs={"https://w3id.org/munigraph/graph/derived"})
    guard("SELECT * { ?s <http://example.org/SERVICE> ?o } # SERVICE in a comment", local_graphs=set())


def test_query_form():
    assert query_form("PREFIX a: <x:> # SELECT\nASK { ?s ?p ?o }") == "ASK"
    assert query_form("CONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("INSERT DATA { <a:b> <a:c> <a:d> }") == "UPDATE"


def test_bind_several_values_makes_one_row_each():
    out = bind("SELECT * WHERE { ?s ?p ?o }", {"c": [URIRef("http://e/a"), URIRef("http://e/b")], "d": None})
    assert "VALUES (?c ?d) { (<http://e/a> UNDEF) (<http://e/b> UNDEF) }" in out


# --- bind_within: scope values inside sub-selects and UNION branches (incremental rules) ----------------------------

BIND_WITHIN_DATA = """
<urn:p1> <urn:partner> <urn:a> , <urn:b> ; <urn:start> "2001" , "1999" .
<urn:p2> <urn:partner> <urn:a> , <urn:c> ; <urn:start> "2005" .
<urn:p3> <urn:partner> <urn:b> , <urn:c> ; <urn:before> "2010" .
"""

BIND_WITHIN_QUERY = """
SELECT ?p ?first ?n ?start WHERE {
  { SELECT ?p (MIN(?s) AS ?first) WHERE { ?p <urn:start> ?s } GROUP BY ?p }
  { SELECT (COUNT(*) AS ?n) WHERE { ?q <urn:partner> ?g } }
  { ?p <urn:start> ?start } UNION { ?p <urn:before> ?start }
  FILTER NOT EXISTS { ?p <urn:gone> ?x }
}"""


def test_bind_within_binds_the_parts_that_read_the_variable():
    from munigraph.sparqltext import bind_within
    block = "VALUES ?p { <urn:p1> }"
    bound = bind_within(BIND_WITHIN_QUERY, "p", block)
    # the WHERE group, the sub-select grouped by ?p, both UNION branches; not the count of all partners (which does
    # not project ?p: a join there would change its count), nor the FILTER's group
    assert bound.count(block) == 4
    assert "{ SELECT (COUNT(*) AS ?n) WHERE { ?q" in bound and "NOT EXISTS { ?p" in bound


@pytest.mark.parametrize("values", [["urn:p1"], ["urn:p2", "urn:p3"], ["urn:p1", "urn:p2", "urn:p3", "urn:none"]])
def test_bind_within_gives_the_answers_of_the_whole_query_for_those_values(values):
    import pyoxigraph as ox

    from munigraph.sparqltext import bind_within
    store = ox.Store()
    store.load(BIND_WITHIN_DATA.encode(), format=ox.RdfFormat.TURTLE)
    rows = lambda text: sorted(tuple(str(s[v]) for v in ("p", "first", "n", "start")) for s in store.query(text))  # noqa: E731
    whole = [row for row in rows(BIND_WITHIN_QUERY) if row[0][1:-1] in values]
    bound = rows(bind_within(BIND_WITHIN_QUERY, "p", "VALUES ?p { " + " ".join(f"<{v}>" for v in values) + " }"))
    assert bound == whole and (whole or values == ["urn:none"])
    assert all(row[2] == '"6"^^<http://www.w3.org/2001/XMLSchema#integer>' for row in bound)  # the unbound count
