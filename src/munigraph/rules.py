"""Derived relations: the rules of ontology/rules.ttl run to a fixpoint into the graph mgg:derived."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
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
    construct: str | None  # None for a rule implemented in Python only
    implementation: str | None = None  # a built-in rule in Python (munigraph.rules._BUILTINS)
    scope_variables: list[str] = field(default_factory=list)  # for incremental builds (mg:scopeVariable)


@dataclass
class RuleReport:
    rule: str
    label: str
    order: float
    derived: int = 0
    rounds: int = 0
    seconds: float = 0.0


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
            scope_variables=sorted(str(v) for v in graph.objects(iri, MGNS.scopeVariable)),
        ))
    seen: dict[str, str] = {}
    for rule in rules:
        for prop in rule.produces:
            if prop in seen:
                raise MunigraphError(f"{path}: rules <{seen[prop]}> and <{rule.iri}> both produce <{prop}>; each derived property must come from one rule")
            seen[prop] = rule.iri
    return sorted(rules, key=lambda r: (r.order, r.iri))


def run_rules(store: ox.Store, rules: list[Rule], build_date: dt.date, progress=None) -> RulesResult:
    """Run each order's rules together until none derives anything new, then the next order.

    The rules read the default graph, which the build keeps as the merge of all named graphs; each derived
    triple goes into mgg:derived and into the default graph. An order whose rules read nothing that the same
    order derives needs one round (a second could find nothing new), so the fixpoint check is skipped there: at
    scale each round costs as much as the derivation itself."""
    derived = ox.NamedNode(DERIVED_GRAPH)
    default = ox.DefaultGraph()
    # The build date is a constant of the build: written into the rule text as a typed literal.
    build_date_term = f'"{build_date.isoformat()}"^^<{XSD}date>'
    result = RulesResult()
    # What the derived graph holds (empty in a new build), to tell new triples: a set in memory instead of a store
    # look-up per quad, of 16-byte digests rather than term objects (millions of them at European scale).
    seen = {_digest(q) for q in store.quads_for_pattern(None, None, None, derived)}
    for _, group in groupby(rules, key=lambda r: r.order):
        group = list(group)
        reports = {r.iri: RuleReport(r.iri, r.label, r.order) for r in group}
        result.reports.extend(reports.values())
        rounds = MAX_ROUNDS if reads_own_output(group) else 1
        for round_no in range(1, rounds + 1):
            new_in_round = 0
            for rule in group:
                started = time.perf_counter()
                if rule.implementation:
                    triples = _builtin(rule.implementation)(store)
                else:
                    triples = store.query(rule.construct.replace("$buildDate", build_date_term))
                fresh = [0]

                def quads(triples=triples, fresh=fresh):
                    for t in triples:
                        key = _digest(t)
                        if key not in seen:
                            seen.add(key)
                            fresh[0] += 1
                            yield ox.Quad(t.subject, t.predicate, t.object, derived)
                            yield ox.Quad(t.subject, t.predicate, t.object, default)
                # The bulk loader: no transaction (a build writes into a database nobody else reads yet), and
                # the quads are streamed, never all in memory.
                store.bulk_extend(quads())
                reports[rule.iri].derived += fresh[0]
                reports[rule.iri].rounds = round_no
                reports[rule.iri].seconds += time.perf_counter() - started
                new_in_round += fresh[0]
            if progress:
                progress(group, round_no, new_in_round)
            if new_in_round == 0 or rounds == 1:
                break
        else:
            raise MunigraphError(f"rules of order {group[0].order} did not reach a fixpoint in {MAX_ROUNDS} rounds")
    return result


def _digest(triple) -> bytes:
    return hashlib.blake2b(f"{triple.subject} {triple.predicate} {triple.object}".encode(), digest_size=16).digest()


_PREFIX_LINE = re.compile(r"^\s*PREFIX\s+(\w*):\s*<([^>]*)>", re.MULTILINE | re.IGNORECASE)
_TYPED = re.compile(r"(?:\ba|rdf:type|<http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type>)\s+(<[^>]+>|\w*:[\w-]+)")


def reads_own_output(group: list[Rule]) -> bool:
    """Whether some rule of the group reads a property (or class) that a rule of the group derives. Built-in rules
    and rules with text we cannot split are taken to read everything (so they keep the fixpoint check)."""
    produced: set[str] = {MG + "derivedBy"}
    for rule in group:
        produced.update(rule.produces)
        if rule.construct:
            prefixes = dict(_PREFIX_LINE.findall(rule.construct))
            template = re.split(r"\bWHERE\b", rule.construct.split("CONSTRUCT", 1)[-1], maxsplit=1, flags=re.IGNORECASE)[0]
            for name in _TYPED.findall(template):
                produced.add(_expand(name, prefixes))
    for rule in group:
        if not rule.construct:
            if len(group) > 1:
                return True
            continue
        parts = re.split(r"\bWHERE\b", rule.construct, maxsplit=1, flags=re.IGNORECASE)
        if len(parts) != 2:
            return True
        prefixes = dict(_PREFIX_LINE.findall(rule.construct))
        where = parts[1]
        for iri in produced:
            forms = [f"<{iri}>"] + [f"{p}:{iri[len(ns):]}" for p, ns in prefixes.items() if iri.startswith(ns)]
            if any(re.search(re.escape(form) + r"(?![\w-])", where) for form in forms):
                return True
    return False


def _expand(name: str, prefixes: dict[str, str]) -> str:
    if name.startswith("<"):
        return name[1:-1]
    prefix, local = name.split(":", 1)
    return prefixes.get(prefix, prefix + ":") + local


# --- built-in rules --------------------------------------------------------------------------------

_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ß": "ss", "đ": "d", "Đ": "d", "æ": "ae", "Æ": "ae",
                       "–": "-", "—": "-", "‐": "-", "‑": "-", "’": "'", "ı": "i"})


def search_key(text: str) -> str:
    """A name folded for look-up: 'Iwano-Frankiwsk' -> 'iwano-frankiwsk', 'Trakų' -> 'traku', 'Q62868' -> 'q62868'."""
    if text.isascii():  # most names and every QID: nothing to fold but case and spaces (a million labels at L)
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


_LABELS = f"""
SELECT ?x ?name WHERE {{
  {{ ?x <{RDFS.label}> ?name }} UNION {{ ?x <http://www.w3.org/2004/02/skos/core#altLabel> ?name }}
  UNION {{ ?x <{MG}wikidata> ?name }}
  FILTER(isIRI(?x))
}}"""


def search_keys(store: ox.Store, scope: set[str] | None = None):
    """mg:searchKey of every label, alternative label and QID (of the entities in `scope` only, if given)."""
    key = ox.NamedNode(MG + "searchKey")
    seen = set()
    query = _LABELS
    if scope is not None:
        if not scope:
            return
        query = query.replace("FILTER(isIRI(?x))", "VALUES ?x { " + " ".join(f"<{iri}>" for iri in sorted(scope)) + " }")
    keys: dict[str, str] = {}  # the same name comes in several languages and for several entities
    for sol in store.query(query):  # the default graph: the build keeps it as the merge of the named graphs
        name = sol["name"].value
        k = keys.get(name)
        if k is None:
            k = keys[name] = search_key(name)
        pair = (sol["x"].value, k)
        if k and pair not in seen:
            seen.add(pair)
            yield ox.Triple(sol["x"], key, ox.Literal(k))


_BUILTINS = {"munigraph.rules.search_keys": search_keys}


def scoped_builtin(name: str):
    """The built-in rule `name` restricted to a set of entity IRIs (for incremental builds)."""
    _builtin(name)
    return {"munigraph.rules.search_keys": lambda store, scope: search_keys(store, scope)}[name]


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


