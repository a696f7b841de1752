"""The embedded Oxigraph store: opening, querying, and swapping in a finished build. (A remote store, a SPARQL
endpoint with the same interface, is remote.RemoteStore.)

Layout of the store folder (default `.munigraph/`):

    builds/<stamp>/     one Oxigraph database per build
    current             symlink to the build that answers queries

A build writes a new database under builds/ and only then repoints `current` with an atomic rename,
so a failed or interrupted build never disturbs the store that is answering queries.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import MunigraphError, StoreMissing
from .vocab import XSD

XSD_STRING = XSD + "string"


@dataclass
class SelectResult:
    """Variables in query order and rows of rdflib terms (None where unbound)."""

    variables: list[str]
    rows: list[tuple[Node | None, ...]]

    def dicts(self) -> list[dict[str, Node | None]]:
        return [dict(zip(self.variables, row)) for row in self.rows]


def to_rdflib(term) -> Node | None:
    """Convert a pyoxigraph term to the rdflib term the rest of the code works with."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    raise MunigraphError(f"unsupported term in results: {term!r}")


def to_oxigraph(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise MunigraphError(f"unsupported term: {term!r}")


class EmbeddedStore:
    """Read access to one Oxigraph database; its default graph is the merge of all named graphs (see build)."""

    def __init__(self, oxstore: ox.Store, location: Path | None = None):
        self.ox = oxstore
        self.location = location

    @classmethod
    def open(cls, store_dir: Path) -> "EmbeddedStore":
        current = current_build(store_dir)
        if current is None:
            raise StoreMissing(f"{store_dir}: no built graph here; run `munigraph build` first")
        return cls(ox.Store.read_only(str(current)), current)

    def raw_query(self, query: str, **options):
        return self.ox.query(query, **options)

    def query(self, query: str):
        """Run a SPARQL query: SelectResult for SELECT, bool for ASK, rdflib Graph for CONSTRUCT/DESCRIBE."""
        try:
            result = self.raw_query(query)
        except SyntaxError as exc:
            raise MunigraphError(f"SPARQL syntax error: {exc.args[0] if exc.args else exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [tuple(to_rdflib(sol[v]) for v in variables) for sol in result]
            return SelectResult(variables, rows)
        graph = Graph()
        for triple in result:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def select(self, query: str) -> SelectResult:
        result = self.query(query)
        if not isinstance(result, SelectResult):
            raise MunigraphError("expected a SELECT query")
        return result

    def select_values(self, query: str) -> list[tuple]:
        """SELECT rows as plain strings (IRIs and lexical forms; language tags of literals are lost): the fast
        path for bulk reads such as the network projection, without building rdflib terms."""
        result = self.raw_query(query)
        variables = result.variables
        return [tuple(None if (t := sol[v]) is None else t.value for v in variables) for sol in result]

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs())


# --- the store folder -------------------------------------------------------------------------

def current_build(store_dir: Path) -> Path | None:
    link = Path(store_dir) / "current"
    if not link.exists():
        return None
    return link.resolve()


def new_build_dir(store_dir: Path) -> Path:
    builds = Path(store_dir) / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 1_000_000:06d}"
    path = builds / stamp
    path.mkdir()
    return path


def swap_in(store_dir: Path, build_dir: Path) -> None:
    """Point `current` at build_dir atomically, then remove every build but the new one and the one before it."""
    store_dir = Path(store_dir)
    previous = current_build(store_dir)
    link = store_dir / "current"
    tmp = store_dir / f".current-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path("builds") / build_dir.name)
    os.replace(tmp, link)
    keep = {build_dir.resolve(), previous}
    for old in (store_dir / "builds").iterdir():
        if old.is_dir() and old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


def discard(build_dir: Path) -> None:
    """Remove a failed build; the database's background threads may still be closing files, so retry briefly."""
    for _ in range(20):
        shutil.rmtree(build_dir, ignore_errors=True)
        if not build_dir.exists():
            return
        time.sleep(0.05)


def __getattr__(name):
    # RemoteStore lives in remote.py (it needs this module's SelectResult first); kept importable from here
    if name == "RemoteStore":
        from .remote import RemoteStore
        return RemoteStore
    raise AttributeError(name)
