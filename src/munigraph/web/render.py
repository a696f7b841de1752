"""Rendering shared by the live server (pages.py) and the static outputs of `munigraph export` (export/docs.py,
export/site.py): the Jinja environment, what each page shows, and the links between pages.

Templates write every link as the server's absolute path ("/page/gov/pl/koszalin", "/static/pages.css") and pass
it through the `url` filter. The server renders without a link map, so the filter gives the path back unchanged.
A static output renders with `url_map`, a StaticLinks for the file being written, which turns the path into a
link relative to that file (`../../partnership/lt-trakai-district--pl-koszalin.html`), or into None when the
static output has nothing there (the SPARQL endpoint, the named-query API): templates leave such links out.

The page views need one thing besides `select`: CONSTRUCT results serialised (the JSON-LD embedded in an entity
page, the entity's data, the ontology graph). That is a `construct(text, media_type, prefixes, entity)` callable: the
server's runs in its query workers (pages.server_construct), the static outputs' on the embedded store
(embedded_construct); both serialise with formats.serialize_graph.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlencode

import jinja2
from rdflib import Graph

from .. import queries as queries_mod
from ..vocab import MG, ONTOLOGY_GRAPH, PREFIXES, RDFS
from . import describe as d
from . import formats
from . import void as void_mod

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PAGE_CSS = ("munigraph.css", "pages.css")  # what the linked-data pages link (base.html and the page templates)

FORMAT_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "rdf": "RDF/XML"}
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
# Turtle output: the usual prefixes, but not id: (its local names would need `\/` escapes everywhere)
RDF_PREFIXES = {k: v for k, v in PREFIXES.items() if k != "id"}

# construct(text, media_type, prefixes=None, entity=None) -> serialised graph; with `entity` (an IRI) the triples are
# first put in the order of that entity's description (formats.entity_order)
Construct = Callable[..., bytes]


# --- the Jinja environment and the `url` filter ---------------------------------------------------------------

@jinja2.pass_context
def url_filter(context, href):
    """A link as the page should write it: unchanged on the server, mapped by `url_map` in a static output."""
    mapper = context.get("url_map")
    if mapper is None or href is None:
        return href
    return mapper(str(href))


@jinja2.pass_context
def available_filter(context, items):
    """The items (dicts or objects with an `href`) whose link exists where the page is rendered."""
    mapper = context.get("url_map")
    items = list(items)
    if mapper is None:
        return items
    return [i for i in items if mapper(i["href"] if isinstance(i, dict) else i.href)]


def environment() -> jinja2.Environment:
    """The templates' environment, as Starlette's Jinja2Templates would make it, with the two link filters."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=jinja2.select_autoescape())
    env.filters["url"] = url_filter
    env.filters["available"] = available_filter
    return env


class StaticLinks:
    """Maps the server's absolute paths to links relative to one file of a static folder.

    `resolve(path)` gives the file (relative to the folder's root, URL-quoted, `/`-separated) that holds what the
    server serves at `path`, an absolute URL to link instead, or None when the folder has nothing for it.
    Links that are not absolute paths (http(s) addresses, `#fragment`) are left as they are.
    """

    def __init__(self, resolve: Callable[[str], str | None], here: str):
        self.resolve = resolve
        self.here = here

    def at(self, here: str) -> "StaticLinks":
        return StaticLinks(self.resolve, here)

    def __call__(self, href: str | None) -> str | None:
        if href is None:
            return None
        if not href.startswith("/") or href.startswith("//"):
            return href
        path, hash_, fragment = href.partition("#")
        target = self.resolve(path)
        if target is None:
            return None
        if "://" in target:
            return target + hash_ + fragment
        if target == self.here and hash_:
            return "#" + fragment
        return relative(target, self.here) + hash_ + fragment


def relative(target: str, here: str) -> str:
    """The link from the file `here` to the file `target` (both relative to the same root, `/`-separated)."""
    rel = posixpath.relpath(target, posixpath.dirname(here) or ".")
    if ":" in rel.split("/")[0]:
        rel = "./" + rel  # `a:b.html` would read as a URL scheme
    return rel


def quote_path(path: str) -> str:
    return quote(path, safe=PATH_SAFE)


# --- CONSTRUCT, on the embedded store ------------------------------------------------------------------------------

def embedded_construct(store) -> Construct:
    """construct() over an EmbeddedStore (its raw pyoxigraph store), serialised as the server's workers do."""
    def construct(text: str, media_type: str, prefixes: dict | None = None, entity: str | None = None) -> bytes:
        return formats.serialize_graph(list(store.ox.query(text)), media_type, prefixes, entity)
    return construct


# --- the queries behind the pages ------------------------------------------------------------------------------

def entity_construct(iri: str, ordered: bool = True) -> str:
    """The entity's own triples and the labels of the nodes it points to, subject by subject. Unordered, for a
    construct() given entity=iri, which puts them in the same order (cheaper than the engine's ORDER BY)."""
    me = d.check_iri(iri)
    label = f"<{RDFS}label>"
    query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ {me} ?p ?o . BIND({me} AS ?s) }}
  UNION
  {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {me} ?via ?s . ?s {label} ?o . BIND({label} AS ?p) FILTER(?s != {me}) }} }}
}}"""
    return query + (f" ORDER BY (?s != {me}) ?s ?p ?o" if ordered else "")


def ontology_construct() -> str:
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"


def format_links(prefix: str) -> list[dict]:
    return [{"ext": ext, "name": FORMAT_NAMES[ext], "media_type": media, "href": f"{prefix}.{ext}"}
            for ext, media in formats.SUFFIXES.items()]


def entity_data(construct: Construct, iri: str, media_type: str) -> bytes:
    """What /data/{path}.{ext} serves: the entity's triples and the labels of what it points to."""
    return construct(entity_construct(iri), media_type, RDF_PREFIXES)


def ontology_data(construct: Construct, media_type: str) -> bytes:
    return construct(ontology_construct(), media_type, RDF_PREFIXES)


# --- what each page shows (the context its template is rendered with) ----------------------------------------

def build_page(ctx: d.Context, iri: str, path: str, construct: Construct, agreement_limit: int | None = None,
               incoming_shown: int | None = None) -> dict | None:
    """Everything the entity page shows, or None when nothing has the IRI as subject. A served page lists a
    government's latest `agreement_limit` agreements and links to the page with all of them, and the first
    `incoming_shown` links through each property with a SPARQL query for all; None (the static site) lists all."""
    facts = d.describe(ctx, iri, incoming_shown)
    if facts is None:
        return None
    types = set(facts["types"])
    view = {"e": facts, "gov": None, "partnership": None, "act": None}
    if types & d.GOVERNMENT_TYPES:
        view["gov"] = d.government(ctx, iri, agreement_limit)
    if MG + "Partnership" in types:
        view["partnership"] = d.partnership(ctx, iri, facts)
    if MG + "Agreement" in types or types & d.EVENT_TYPES:
        view["act"] = {"is_agreement": MG + "Agreement" in types, "rows": d.agreement_rows(ctx, [iri])}
    body = construct(entity_construct(iri, ordered=False), "application/ld+json", entity=iri)
    view["jsonld"] = json.loads(body.decode("utf-8"))  # rendered with |tojson, which escapes <, > and &
    quoted = quote_path(path)
    view["formats"] = format_links(f"/data/{quoted}")
    view["all_agreements"] = f"/page/{quoted}?agreements=all"
    view["sources_query"] = "/api/queries/sources?" + urlencode({"entity": iri})
    return view


def entity_context(ctx: d.Context, view: dict) -> dict:
    return {**view, "lang": ctx.languages[0]}


def ontology_view(ctx: d.Context, construct: Construct) -> dict:
    """The ontology graph, read into rdflib (its class expressions are lists), shaped for the page."""
    body = construct(ontology_construct(), "application/n-triples")
    return d.ontology_view(ctx, Graph().parse(data=body.decode("utf-8"), format="nt"))


def ontology_context(ctx: d.Context, construct: Construct) -> dict:
    return {"v": ontology_view(ctx, construct), "formats": format_links("/ontology"), "lang": ctx.languages[0]}


def index_context(ctx: d.Context) -> dict:
    """The front page: what the data set is, its numbers and sources, the local governments by country."""
    return {"o": d.overview(ctx), "title": void_mod.TITLE, "description": void_mod.DESCRIPTION, "base": ctx.base,
            "named_queries": list(queries_mod.catalog().values()), "ontology_formats": format_links("/ontology"),
            "lang": ctx.languages[0]}


def class_context(ctx: d.Context, name: str) -> dict | None:
    """The page listing the entities of the class mg:{name}, or None when it has none (or is not a name)."""
    if d.class_href(MG + name) is None:
        return None
    view = d.class_members(ctx, MG + name)
    if view is None:
        return None
    return {"c": view, "lang": ctx.languages[0]}


def render(env: jinja2.Environment, template: str, context: dict, url_map: StaticLinks | None = None) -> str:
    """A page as text; with `url_map` its links are relative to the file it will be written to."""
    return env.get_template(template).render({**context, "url_map": url_map})

