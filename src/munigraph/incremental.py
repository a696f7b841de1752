"""Incremental builds: after some data files changed, re-do only what they affect.

The previous build is copied (an Oxigraph checkpoint: hard links, instant), then:
1. the named graphs of changed, added and removed files are replaced (only those files are parsed);
2. the *scope* is computed: the entities named in the old or new version of those graphs, the partnerships among
   them or with a status change among them, and those partnerships' status changes and local governments, on the
   store as it was and as it is now (see expand). Every rule reads a bounded neighbourhood (see
   ontology/rules.ttl), so a derived triple can only change if its subject or object is in the scope, or it
   describes a derived node (an implied status change) that points into the scope;
3. those derived triples are deleted and the rules are run again restricted to the scope, order by order: each
   rule once per scope variable of its pattern, with VALUES binding that variable to SCOPE_CHUNK scope values
   at a time (Oxigraph joins one VALUES block of thousands with the whole store), put at the top of the rule's
   WHERE group and inside its sub-selects and UNION branches (sparqltext.bind_within: with VALUES at the top
   alone Oxigraph evaluates those parts over the whole store);
4. the default graph (the merge of all named graphs) is patched: what left a graph and is in no graph any more
   goes, what came in is added;
5. only the focus nodes whose validation results can differ are validated again: the subjects of the triples
   that changed (in any named graph, derived ones included), the nodes pointing at them, and what the SPARQL
   constraints' mg:revalidationReach selects from them, before and after the change (validate.affected_focus);
   the previous build's other findings stand. Without the previous findings, or with a blank node among the
   changed triples (VALUES cannot name it), the whole store is validated;
6. the network index is the previous one with the scope's partnerships and local governments read again
   (network.update_index).
The result equals a full build's (tested); anything the increment cannot know (other rules, shapes, ontology,
base, build date or munigraph version) makes the build a full one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import __version__
from .vocab import DERIVED_GRAPH, MG, MGG, META_GRAPH

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DERIVED = ox.NamedNode(DERIVED_GRAPH)
META = ox.NamedNode(META_GRAPH)
NETWORK_GRAPH = ox.NamedNode(MGG + "network")
MAX_CHANGED_SHARE = 0.5  # above this share of changed data files a full build is as quick
SCOPE_CHUNK = 100  # scope values bound per run of a rule (see step 3 above)


@dataclass
class Plan:
    """What changed since the previous build, by named graph."""

    previous: Path
    changed: list = field(default_factory=list)  # InputFile whose content hash differs
    added: list = field(default_factory=list)  # InputFile new since the previous build
    removed: list[str] = field(default_factory=list)  # graph IRIs whose file is gone
    unchanged: int = 0

    @property
    def nothing(self) -> bool:
        return not (self.changed or self.added or self.removed)

    def summary(self) -> dict:
        return {"previous": self.previous.name, "changed": [f.shown for f in self.changed], "added": [f.shown for f in self.added],
                "removed": self.removed, "reused": self.unchanged}


def settings_hash(settings, build_date: dt.date, project_files: list[Path]) -> str:
    """Everything besides the data files that a build's content depends on."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}\n{settings.base}\n{build_date.isoformat()}\n".encode())
    for path in project_files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def previous_state(store_dir: Path) -> tuple[Path, dict[str, str], str | None] | None:
    """The current build, its data graphs' content hashes and its settings hash (None when there is no build)."""
    from .store import current_build
    location = current_build(store_dir)
    if location is None:
        return None
    try:
        store = ox.Store.read_only(str(location))
    except OSError:
        return None
    hashes = {s["g"].value: s["h"].value for s in store.query(
        f"SELECT ?g ?h WHERE {{ GRAPH <{META_GRAPH}> {{ ?g a <{MG}SourceGraph> ; <{MG}contentHash> ?h }} }}")}
    found = list(store.query(f"SELECT ?h WHERE {{ GRAPH <{META_GRAPH}> {{ ?b <{MG}settingsHash> ?h }} }}"))
    del store
    return location, hashes, (found[0]["h"].value if found else None)


def plan(store_dir: Path, files: list, current_settings_hash: str, file_hashes: dict[str, str], rules: list) -> Plan | None:
    """A plan for an incremental build, or None when a full build is needed."""
    if any(rule.construct and not rule.scope_variables for rule in rules):
        return None  # a rule that does not say how to restrict it can only run whole
    state = previous_state(store_dir)
    if state is None:
        return None
    location, previous_hashes, previous_settings = state
    if previous_settings != current_settings_hash:
        return None
    data = [f for f in files if f.kind == "data"]
    result = Plan(previous=location)
    for item in data:
        before = previous_hashes.get(item.graph)
        if before is None:
            result.added.append(item)
        elif before != file_hashes[item.graph]:
            result.changed.append(item)
        else:
            result.unchanged += 1
    present = {f.graph for f in data}
    result.removed = sorted(g for g in previous_hashes if g not in present)
    if len(result.changed) + len(result.added) + len(result.removed) > MAX_CHANGED_SHARE * max(1, len(data)):
        return None
    return result


# --- the scope ------------------------------------------------------------------------------

def graph_terms(store: ox.Store, graph: str, base: str) -> set[str]:
    """The entity IRIs (under the base) that a named graph mentions as subject or object."""
    out = set()
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(base):
                out.add(term.value)
    return out


def expand(store: ox.Store, seeds: set[str], base: str) -> set[str]:
    """The seeds, the partnerships among them or with a status change among them, and those partnerships' status
    changes and partners (entities under the base only). Reads the default graph, the merge.

    Not the other partnerships of a local government among the seeds: what the rules derive about a partnership
    reads only the partnership and its status changes, and what they derive about a government (its
    mg:twinnedWith links, its mg:activePartnerCount) is derived again from the government itself, which is in
    the scope (see ontology/rules.ttl: a rule that derives something about a partnership from its partners'
    data would need them back)."""
    # (SCOPE_CHUNK values per query: with all of them in one VALUES, Oxigraph joins them with the whole store)
    partnerships = set()
    for values in _values(seeds):
        for pattern in (f"VALUES ?p {{ {values} }} ?p a <{MG}Partnership> .",
                        f"VALUES ?x {{ {values} }} ?p <{MG}statusChange> ?x ."):
            partnerships |= {s["p"].value for s in store.query(f"SELECT DISTINCT ?p WHERE {{ {pattern} }}")}
    out = set(seeds) | partnerships
    for values in _values(partnerships):
        for s in store.query(f"""SELECT DISTINCT ?x WHERE {{ VALUES ?p {{ {values} }}
                                   {{ ?p <{MG}partner> ?x }} UNION {{ ?p <{MG}statusChange> ?x }} }}"""):
            if s["x"].value.startswith(base):
                out.add(s["x"].value)
    return out


def _values(iris: set[str]):
    """The IRIs as VALUES text, SCOPE_CHUNK at a time."""
    ordered = sorted(iris)
    for k in range(0, len(ordered), SCOPE_CHUNK):
        yield " ".join(f"<{iri}>" for iri in ordered[k:k + SCOPE_CHUNK])


def delete_derived(store: ox.Store, scope: set[str]) -> list[ox.Quad]:
    """Remove the derived triples whose subject or object is in the scope, and every triple of a derived node
    (one with mg:derivedBy) that has such a triple. Returns what was removed."""
    derived_by = ox.NamedNode(MG + "derivedBy")
    doomed: set = set()
    nodes: set = set()
    for iri in scope:
        term = ox.NamedNode(iri)
        for quad in store.quads_for_pattern(term, None, None, DERIVED):
            doomed.add(quad)
        for quad in store.quads_for_pattern(None, None, term, DERIVED):
            doomed.add(quad)
            if isinstance(quad.subject, ox.NamedNode) and next(iter(store.quads_for_pattern(quad.subject, derived_by, None, DERIVED)), None):
                nodes.add(quad.subject)
    for node in nodes:
        doomed.update(store.quads_for_pattern(node, None, None, DERIVED))
    removed = sorted(doomed, key=str)
    remove_all(store, removed)
    return removed


# --- rules restricted to the scope ----------------------------------------------------------

def run_scoped(store: ox.Store, rules: list, build_date: dt.date, scope: set[str], base: str):
    """Each rule again, restricted to the scope, order by order (to a fixpoint where an order reads its own
    output). Returns the quads added and how many each rule derived."""
    from itertools import groupby

    from .rules import MAX_ROUNDS, XSD, reads_own_output, scoped_builtin
    from .sparqltext import bind_within

    build_date_term = f'"{build_date.isoformat()}"^^<{XSD}date>'
    terms = [f"<{iri}>" for iri in sorted(scope)]
    counts: dict[str, int] = {}
    added: list[ox.Quad] = []
    for _, group in groupby(rules, key=lambda r: r.order):
        group = list(group)
        rounds = MAX_ROUNDS if reads_own_output(group) else 1
        for _round in range(rounds):
            new = 0
            fresh_set: set = set()
            for rule in group:
                if rule.construct is None:  # a rule in Python only
                    produced = scoped_builtin(rule.implementation)(store, scope)
                    batches = [produced]
                else:
                    text = rule.construct.replace("$buildDate", build_date_term)
                    # the default graph alone: here it is already the merge of the named graphs (kept so step by step)
                    batches = [store.query(bind_within(text, name, f"VALUES ?{name} {{ {' '.join(terms[k:k + SCOPE_CHUNK])} }}"))
                               for name in rule.scope_variables for k in range(0, len(terms), SCOPE_CHUNK)]
                fresh = []
                for batch in batches:
                    for t in batch:
                        quad = ox.Quad(t.subject, t.predicate, t.object, DERIVED)
                        if quad not in store and quad not in fresh_set:
                            fresh_set.add(quad)
                            fresh.append(quad)
                store.extend(fresh)
                store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in fresh)
                counts[rule.iri] = counts.get(rule.iri, 0) + len(fresh)
                added += fresh
                new += len(fresh)
            if new == 0:
                break
    return added, counts


# --- what to validate again -----------------------------------------------------------------

def changed_subjects(before: list[ox.Quad], after: list[ox.Quad]) -> set[str] | None:
    """The IRIs that are subjects of a quad in one list and not the other (what changed, graph by graph); None if
    such a quad has a blank node (then the whole store is validated)."""
    out = set()
    for quad in set(before).symmetric_difference(after):
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            return None
        out.add(quad.subject.value)
    return out


# --- the default graph ----------------------------------------------------------------------

def patch_default_graph(store: ox.Store, left: list[ox.Quad], came: list) -> None:
    """The default graph is the merge of the named graphs: remove what left a graph and is in none now, add what
    came into one."""
    gone = []
    for quad in left:
        triple = (quad.subject, quad.predicate, quad.object)
        if not any(q.graph_name != ox.DefaultGraph() for q in store.quads_for_pattern(*triple, None)):
            gone.append(ox.Quad(*triple, ox.DefaultGraph()))
    remove_all(store, gone)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in came)


def remove_all(store: ox.Store, quads: list[ox.Quad], chunk: int = 5000) -> None:
    """Remove many quads in a few transactions (DELETE DATA in chunks; quads with blank nodes one by one, since
    DELETE DATA cannot name them)."""
    plain = [q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))]
    for q in quads:
        if any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object)):
            store.remove(q)
    for k in range(0, len(plain), chunk):
        lines = []
        for q in plain[k:k + chunk]:
            triple = f"{q.subject} {q.predicate} {q.object} ."
            lines.append(triple if isinstance(q.graph_name, ox.DefaultGraph) else f"GRAPH {q.graph_name} {{ {triple} }}")
        store.update("DELETE DATA { " + "\n".join(lines) + " }")


def settings_files(ontology_dir: Path) -> list[Path]:
    return [ontology_dir / name for name in ("munigraph.ttl", "vocabularies.ttl", "rules.ttl", "shapes.ttl")]


def dump_json(path: Path, value) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(json.dumps(value, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


class MergedView:
    """The store seen through its default graph alone, which an incremental build keeps equal to the merge of the
    named graphs: queries asking for the union of all graphs would otherwise see every triple twice (once in its
    named graph, once in the merge), which multiplies joins."""

    def __init__(self, store: ox.Store):
        self._store = store

    def query(self, text: str, **options):
        options.pop("use_default_graph_as_union", None)
        return self._store.query(text, **options)

    def __getattr__(self, name):
        return getattr(self._store, name)
