"""`munigraph diff OLD NEW`: what changed between two releases, in words a person reads (or JSON).

OLD and NEW are release folders (their dumps/munigraph.nq is read) or dump files (.nq or .trig keep the named
graphs; .nt or .ttl are one graph). Graphs are compared as graphs: where blank nodes occur they are matched by
graph isomorphism (rdflib's canonicalisation), not by their labels.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.compare import graph_diff, to_isomorphic

from ..errors import MunigraphError
from ..store import to_rdflib
from ..vocab import DERIVED_GRAPH, MG, META_GRAPH, MGG

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE}
DEFAULT = "(default graph)"


def load(path: Path) -> dict[str, set]:
    """graph name -> set of rdflib triples."""
    path = Path(path)
    if path.is_dir():
        candidate = path / "dumps" / "munigraph.nq"
        if not candidate.is_file():
            raise MunigraphError(f"{path}: not a release folder (no dumps/munigraph.nq)")
        path = candidate
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise MunigraphError(f"{path}: expected a release folder or a .nq, .trig, .nt or .ttl file")
    graphs: dict[str, set] = defaultdict(set)
    try:
        for q in ox.parse(path=str(path), format=fmt):
            name = q.graph_name.value if isinstance(q, ox.Quad) and isinstance(q.graph_name, ox.NamedNode) else DEFAULT
            graphs[name].add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    except SyntaxError as exc:
        raise MunigraphError(f"{path}:{exc.lineno}:{exc.offset}: {exc.args[0] if exc.args else exc}") from None
    return graphs


def _diff(old: set, new: set) -> tuple[set, set]:
    """(removed, added) triples; blank nodes matched by isomorphism."""
    has_bnodes = any(isinstance(t, BNode) for triple in old | new for t in triple)
    if not has_bnodes:
        return old - new, new - old
    g_old, g_new = Graph(), Graph()
    for t in old:
        g_old.add(t)
    for t in new:
        g_new.add(t)
    _, only_old, only_new = graph_diff(to_isomorphic(g_old), to_isomorphic(g_new))
    return set(only_old), set(only_new)


@dataclass
class Change:
    entities_added: list[dict] = field(default_factory=list)
    entities_removed: list[dict] = field(default_factory=list)
    status_changes: list[dict] = field(default_factory=list)
    per_source: list[dict] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.entities_added or self.entities_removed or self.status_changes or self.per_source)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _merged(graphs: dict[str, set]) -> set:
    out = set()
    for name, triples in graphs.items():
        out |= triples
    return out


def _label(merged: set, iri) -> str:
    labels = sorted((o for s, p, o in merged if s == iri and str(p) == RDFS_LABEL), key=lambda l: (getattr(l, "language", "") != "en", str(l)))
    return str(labels[0]) if labels else str(iri)


def _typed(merged: set) -> dict:
    """Entities: typed IRIs, leaving out the named graphs themselves (described in mgg:meta)."""
    return {s: o for s, p, o in merged if str(p) == RDF_TYPE and not isinstance(s, BNode) and not str(s).startswith(MGG)}


def _statuses(merged: set) -> dict:
    return {s: o for s, p, o in merged if str(p) == MG + "currentStatus"}


def compare(old_path: Path, new_path: Path) -> Change:
    old, new = load(old_path), load(new_path)
    old_all, new_all = _merged(old), _merged(new)
    change = Change()
    old_typed, new_typed = _typed(old_all), _typed(new_all)
    for iri in sorted(set(new_typed) - set(old_typed), key=str):
        change.entities_added.append({"iri": str(iri), "label": _label(new_all, iri), "type": str(new_typed[iri])})
    for iri in sorted(set(old_typed) - set(new_typed), key=str):
        change.entities_removed.append({"iri": str(iri), "label": _label(old_all, iri), "type": str(old_typed[iri])})
    sources = {}
    for s, p, o in new_all | old_all:
        if str(p) == PROV_DERIVED and str(s).startswith(MGG):
            sources[str(s)] = str(o)
    addresses = {str(s): str(o) for s, p, o in new_all | old_all if str(p) == MG + "address"}
    old_status, new_status = _statuses(old_all), _statuses(new_all)
    for partnership in sorted(set(old_status) & set(new_status), key=str):
        before, after = old_status[partnership], new_status[partnership]
        if before == after:
            continue
        partners = sorted((o for s, p, o in new_all if s == partnership and str(p) == MG + "partner"), key=str)
        # the status change that brought the new status: its date and the source that reports it
        date, source = None, None
        for name, triples in new.items():
            for s, p, o in triples:
                if (partnership, _uri(MG + "statusChange"), s) in new_all and str(p) == MG + "status" and o == after:
                    dates = [str(d) for c, q, d in new_all if c == s and str(q) == MG + "date"]
                    if dates and name not in (DERIVED_GRAPH, META_GRAPH):
                        date = max(dates)
                        source = addresses.get(sources.get(name, ""), sources.get(name, name))
        change.status_changes.append({
            "partnership": str(partnership), "partners": [_label(new_all, x) for x in partners],
            "before": str(before).rsplit("-", 1)[-1], "after": str(after).rsplit("-", 1)[-1], "date": date, "source": source})
    for name in sorted(set(old) | set(new)):
        if name in (META_GRAPH, DERIVED_GRAPH, DEFAULT):
            continue
        removed, added = _diff(old.get(name, set()), new.get(name, set()))
        if removed or added:
            change.per_source.append({"graph": name, "source": addresses.get(sources.get(name, ""), sources.get(name)),
                                      "added": len(added), "retracted": len(removed),
                                      "examples_added": sorted(_fmt(t) for t in added)[:5],
                                      "examples_retracted": sorted(_fmt(t) for t in removed)[:5]})
    return change


def _uri(text: str):
    from rdflib import URIRef
    return URIRef(text)


def _fmt(triple) -> str:
    return " ".join(t.n3() for t in triple)


def as_text(change: Change) -> str:
    if change.empty():
        return "no changes"
    lines = []
    for item in change.status_changes:
        when = f", {item['date']}" if item["date"] else ""
        source = f", source {item['source']}" if item["source"] else ""
        lines.append(f"{' – '.join(item['partners'])}: {item['before']} → {item['after']}{when}{source}")
    for item in change.entities_added:
        lines.append(f"added: {item['label']} <{item['iri']}> ({item['type'].rsplit('#', 1)[-1]})")
    for item in change.entities_removed:
        lines.append(f"removed: {item['label']} <{item['iri']}> ({item['type'].rsplit('#', 1)[-1]})")
    for item in change.per_source:
        where = item["source"] or item["graph"]
        lines.append(f"{where}: {item['added']} fact(s) added, {item['retracted']} retracted")
    return "\n".join(lines)
