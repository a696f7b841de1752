"""Derived relations: the rules of ontology/rules.ttl run to a fixpoint into the graph mgg:derived."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, RDFS, SH

from .errors import MunigraphError
from .vocab import DERIVED_GRAPH, MG, XSD

MGNS = Namespace(MG)
MAX_ROUNDS = 50


@dataclass
class Rule:
    iri: str
    label: str
    order: float
    produces: list[str]
    construct: str | None  # None for a rule implemented in Python
    implementation: str | None = None


@dataclass
class RuleReport:
    rule: str
    label: str
    order: float
    derived: int = 0
    rounds: int = 0


@dataclass
class RulesResult:
    reports: list[RuleReport] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.derived for r in self.reports)


def load_rules(path: Path) -> list[Rule]:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several kinds
        raise MunigraphError(f"{path}: cannot read the rules: {exc}") from None
    rules = []
    for iri in sorted(set(graph.subjects(RDF.type, MGNS.DerivationRule)), key=str):
        order = graph.value(iri, SH.order)
        construct = graph.value(iri, SH.construct)
        impl = graph.value(iri, MGNS.implementation)
        if construct is None and impl is None:
            raise MunigraphError(f"{path}: rule <{iri}> has neither sh:construct nor mg:implementation")
        prefixes = ""
        for decl_holder in graph.objects(iri, SH.prefixes):
            for decl in graph.objects(decl_holder, SH.declare):
                prefixes += f"PREFIX {graph.value(decl, SH.prefix)}: <{graph.value(decl, SH.namespace)}>\n"
        rules.append(Rule(
            iri=str(iri),
            label=str(graph.value(iri, RDFS.label) or iri),
            order=float(order) if order is not None else 0.0,
            produces=sorted(str(p) for p in graph.objects(iri, MGNS.produces)),
            construct=(prefixes + str(construct)) if construct is not None else None,
            implementation=str(impl) if impl is not None else None,
        ))
    seen: dict[str, str] = {}
    for rule in rules:
        for prop in rule.produces:
            if prop in seen:
                raise MunigraphError(f"{path}: rules <{seen[prop]}> and <{rule.iri}> both produce <{prop}>; each derived property must come from one rule")
            seen[prop] = rule.iri
    return sorted(rules, key=lambda r: (r.order, r.iri))


def run_rules(store: ox.Store, rules: list[Rule], build_date: dt.date, progress=None) -> RulesResult:
    """Run each order's rules together until none derives anything new, then the next order."""
    derived = ox.NamedNode(DERIVED_GRAPH)
    # The build date is a constant of the build: written into the rule text as a typed literal.
    build_date_term = f'"{build_date.isoformat()}"^^<{XSD}date>'
    result = RulesResult()
    for _, group in groupby(rules, key=lambda r: r.order):
        group = list(group)
        reports = {r.iri: RuleReport(r.iri, r.label, r.order) for r in group}
        result.reports.extend(reports.values())
        for round_no in range(1, MAX_ROUNDS + 1):
            new_in_round = 0
            for rule in group:
                if rule.implementation:
                    triples = _builtin(rule.implementation)(store)
                else:
                    text = rule.construct.replace("$buildDate", build_date_term)
                    triples = store.query(text, use_default_graph_as_union=True)
                fresh = [ox.Quad(t.subject, t.predicate, t.object, derived) for t in triples]
                fresh = [q for q in fresh if q not in store]
                if fresh:
                    store.extend(fresh)
                reports[rule.iri].derived += len(fresh)
                reports[rule.iri].rounds = round_no
                new_in_round += len(fresh)
            if progress:
                progress(group, round_no, new_in_round)
            if new_in_round == 0:
                break
        else:
            raise MunigraphError(f"rules of order {group[0].order} did not reach a fixpoint in {MAX_ROUNDS} rounds")
    return result


# --- built-in rules --------------------------------------------------------------------------------

_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ß": "ss", "đ": "d", "Đ": "d", "æ": "ae", "Æ": "ae",
                       "–": "-", "—": "-", "‐": "-", "‑": "-", "’": "'", "ı": "i"})


def search_key(text: str) -> str:
    """A name folded for look-up: 'Iwano-Frankiwsk' -> 'iwano-frankiwsk', 'Trakų' -> 'traku', 'Q62868' -> 'q62868'."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


_LABELS = f"""
SELECT ?x ?name WHERE {{
  {{ ?x <{RDFS.label}> ?name }} UNION {{ ?x <http://www.w3.org/2004/02/skos/core#altLabel> ?name }}
  UNION {{ ?x <{MG}wikidata> ?name }}
  FILTER(isIRI(?x))
}}"""


def search_keys(store: ox.Store):
    key = ox.NamedNode(MG + "searchKey")
    seen = set()
    for sol in store.query(_LABELS, use_default_graph_as_union=True):
        k = search_key(sol["name"].value)
        pair = (sol["x"].value, k)
        if k and pair not in seen:
            seen.add(pair)
            yield ox.Triple(sol["x"], key, ox.Literal(k))


_BUILTINS = {"munigraph.rules.search_keys": search_keys}


def _builtin(name: str):
    try:
        return _BUILTINS[name]
    except KeyError:
        raise MunigraphError(f"unknown built-in rule implementation {name!r}; known: {', '.join(_BUILTINS)}") from None


def explain(rules: list[Rule], predicate: str, derived_by: str | None = None) -> Rule | None:
    """The rule behind a derived triple: its subject's mg:derivedBy if any, else the rule producing its predicate."""
    for rule in rules:
        if derived_by and rule.iri == derived_by:
            return rule
    for rule in rules:
        if predicate in rule.produces:
            return rule
    return None


