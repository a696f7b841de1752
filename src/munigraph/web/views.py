"""The HTML pages built and rendered next to the store: in a query worker process (executor.py), or for a remote
store in the server itself.

A page is many small queries (an entity page: its statements, the links to it, labels, sources, partners,
agreements, the JSON-LD). Sent one by one from the server, each was a round trip to a worker with rdflib terms
pickled both ways, which cost more than most of the queries. So the server sends the worker one operation per
page, {"kind": "page", "view": ..., "base": ..., "languages": [...]}, and gets the HTML back. The page as a whole
runs under the server's time limit: a page past it is stopped with its worker, like any query. What each page
shows is still decided in render.py and describe.py (shared with the static site of `munigraph export`).
"""

from __future__ import annotations

import pyoxigraph as ox

from ..errors import MunigraphError
from ..store import SelectResult, to_rdflib
from . import describe as d
from . import formats, render

# Terms repeat across rows and pages (properties, types, statuses, countries, graphs), and making an rdflib
# Literal is slow, so converted terms are kept; the memo is emptied when it reaches this size.
TERM_MEMO_SIZE = 50_000


class LocalStore:
    """select/query/named_graphs over a pyoxigraph store, giving what store.EmbeddedStore gives (rdflib terms),
    faster: converted terms are remembered."""

    def __init__(self, oxstore: ox.Store):
        self.ox = oxstore
        self._terms: dict = {}

    def term(self, term):
        if term is None:
            return None
        try:
            return self._terms[term]
        except KeyError:
            if len(self._terms) >= TERM_MEMO_SIZE:
                self._terms.clear()
            converted = self._terms[term] = to_rdflib(term)
            return converted

    def select(self, text: str) -> SelectResult:
        result = self.ox.query(text)
        if not isinstance(result, ox.QuerySolutions):
            raise MunigraphError("expected a SELECT query")
        term = self.term
        return SelectResult([v.value for v in result.variables], [tuple(map(term, solution)) for solution in result])

    def query(self, text: str):
        result = self.ox.query(text)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            term = self.term
            return SelectResult([v.value for v in result.variables], [tuple(map(term, s)) for s in result])
        raise MunigraphError("only SELECT and ASK go through this interface")

    def select_values(self, text: str) -> list[tuple]:
        return [tuple(None if t is None else t.value for t in solution) for solution in self.ox.query(text)]

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs())

    def construct(self, text: str, media_type: str, prefixes: dict | None = None, entity: str | None = None) -> bytes:
        """render.Construct over this store, serialised as the workers serialise any CONSTRUCT."""
        return formats.serialize_graph(list(self.ox.query(text)), media_type, prefixes, entity)


class Views:
    """The HTML views of the server: entity pages, the front page, class lists, the ontology.

    `shared` keeps, between requests, what depends only on the build: the table of sources (per list of
    languages), the ontology's shape, the text of the named query a government's page runs. It is emptied after
    an update (`forget`), and not used for a remote store, which can change without the server knowing.
    """

    SHARED_SIZE = 256  # entries (mostly one source table per distinct list of languages); emptied when full

    def __init__(self, store, construct: render.Construct, cache: bool = True):
        self.store = store
        self.construct = construct
        self.env = render.environment()  # templates are compiled once, on first use, and kept by the environment
        self.shared: dict | None = {} if cache else None

    def forget(self) -> None:
        if self.shared is not None:
            self.shared.clear()

    def page(self, op: dict) -> bytes | None:
        """The page's HTML (UTF-8), or None when there is nothing to show (no such entity, class)."""
        if self.shared is not None and len(self.shared) >= self.SHARED_SIZE:
            self.shared.clear()
        ctx = d.Context(self.store, op["base"], op["languages"], shared=self.shared)
        view = op["view"]
        if view == "entity":
            page = render.build_page(ctx, op["iri"], op["path"], self.construct, op.get("agreement_limit"), d.INCOMING_SHOWN)
            return None if page is None else self.html("entity.html", render.entity_context(ctx, page))
        if view == "class":
            context = render.class_context(ctx, op["name"])
            return None if context is None else self.html("class.html", context)
        if view == "index":
            return self.html("index.html", render.index_context(ctx))
        if view == "ontology":
            return self.html("ontology.html", render.ontology_context(ctx, self.construct))
        raise ValueError(f"unknown view {view}")

    def html(self, template: str, context: dict) -> bytes:
        return render.render(self.env, template, context).encode("utf-8")
