"""Linked-data pages: entity IRIs that resolve, their HTML pages and RDF descriptions, the front page, the ontology
and the VoID description. Handlers stay thin; the queries and the shaping of what a page shows are in describe.py
(and void.py), and run in the thread pool because the store is blocking.

    /                        what the data set is: counts, build time, sources, links, local governments by country
    /id/{path}               303 to /page/{path} (client prefers HTML) or /data/{path}.{ext}; 404 if unknown
    /page/{path}             HTML page of an entity (labels by ?lang= / Accept-Language), JSON-LD embedded
    /data/{path}[.ext]       the entity's triples (+ labels of what it points to), by suffix or Accept
    /ontology[.ext]          the ontology graph, HTML or RDF
    /.well-known/void        VoID description (Turtle or by Accept)
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from rdflib import Graph
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import queries as queries_mod
from ..vocab import MG, ONTOLOGY_GRAPH, PREFIXES, RDFS
from . import describe as d
from . import formats
from . import void as void_mod
from .executor import QueryFailed, QueryTimeout
from .negotiation import choose

EXTENSIONS = {media: ext for ext, media in formats.SUFFIXES.items()} | {"text/plain": "nt"}
FORMAT_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "rdf": "RDF/XML"}
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
# Turtle output: the usual prefixes, but not id: (its local names would need `\/` escapes everywhere)
RDF_PREFIXES = {k: v for k, v in PREFIXES.items() if k != "id"}


def entity_construct(iri: str) -> str:
    """The entity's own triples and the labels of the nodes it points to, subject by subject."""
    me = d.check_iri(iri)
    label = f"<{RDFS}label>"
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ {me} ?p ?o . BIND({me} AS ?s) }}
  UNION
  {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {me} ?via ?s . ?s {label} ?o . BIND({label} AS ?p) FILTER(?s != {me}) }} }}
}} ORDER BY (?s != {me}) ?s ?p ?o"""


def ontology_construct() -> str:
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"


def format_links(prefix: str) -> list[dict]:
    return [{"ext": ext, "name": FORMAT_NAMES[ext], "media_type": media, "href": f"{prefix}.{ext}"}
            for ext, media in formats.SUFFIXES.items()]


def build_page(server, ctx: d.Context, iri: str, path: str) -> dict | None:
    """Everything the entity page shows, or None when nothing has the IRI as subject."""
    if not d.exists(ctx.store, iri):
        return None
    facts = d.describe(ctx, iri)
    types = set(facts["types"])
    view = {"e": facts, "gov": None, "partnership": None, "act": None}
    if types & d.GOVERNMENT_TYPES:
        view["gov"] = d.government(ctx, iri)
    if MG + "Partnership" in types:
        view["partnership"] = d.partnership(ctx, iri, facts)
    if MG + "Agreement" in types or types & d.EVENT_TYPES:
        view["act"] = {"is_agreement": MG + "Agreement" in types, "rows": d.agreement_rows(ctx, [iri])}
    reply = server.executor.run({"kind": "construct", "text": entity_construct(iri), "media_type": "application/ld+json"})
    view["jsonld"] = json.loads(reply.body.decode("utf-8"))  # rendered with |tojson, which escapes <, > and &
    quoted = quote(path, safe=_PATH_SAFE)
    view["formats"] = format_links(f"/data/{quoted}")
    view["sources_query"] = "/api/queries/sources?" + urlencode({"entity": iri})
    return view


def ontology_page(server, ctx: d.Context) -> dict:
    """The ontology graph, read into rdflib (its class expressions are lists), shaped for the page."""
    reply = server.executor.run({"kind": "construct", "text": ontology_construct(), "media_type": "application/n-triples"})
    return d.ontology_view(ctx, Graph().parse(data=reply.body.decode("utf-8"), format="nt"))


def routes(server) -> list[Route]:
    base = server.settings.base

    def languages(request: Request) -> list[str]:
        return d.preferred_languages(request.query_params.get("lang"), request.headers.get("accept-language"),
                                     server.settings.languages)

    def context(request: Request) -> d.Context:
        return d.Context(server.store, base, languages(request))

    def html_error(request: Request, status: int, heading: str, message: str, iri: str | None = None, vary: str = "Accept"):
        return server.templates.TemplateResponse(request, "error.html", {
            "status": status, "heading": heading, "message": message, "iri": iri, "lang": languages(request)[0]},
            status_code=status, headers={"Vary": vary})

    def text_error(status: int, message: str):
        return PlainTextResponse(message + "\n", status_code=status, headers={"Vary": "Accept"})

    def not_found(request: Request, iri: str | None, vary: str = "Accept"):
        return html_error(request, 404, "Not found", "Nothing in this data set has this IRI as its subject.", iri, vary)

    def entity_iri(path: str) -> str | None:
        return base + path if d.is_safe_path(path) else None

    def guarded(handler, html: bool = True):
        async def endpoint(request: Request):
            try:
                return await handler(request)
            except QueryTimeout as exc:
                message = f"The query behind this page took too long and was stopped: {exc}"
                return html_error(request, 503, "Too slow", message) if html else text_error(503, message)
            except QueryFailed as exc:
                message = f"The query behind this page failed: {exc}"
                return html_error(request, 500, "Query failed", message) if html else text_error(500, message)
        return endpoint

    async def resolve(request: Request):
        path = request.path_params["path"]
        iri = entity_iri(path)
        if iri is None or not await run_in_threadpool(d.exists, server.store, iri):
            return not_found(request, iri)
        chosen = choose(request.headers.get("accept"), ["text/html"] + formats.GRAPH_OFFER)
        if chosen is None:
            return html_error(request, 406, "Not acceptable",
                              "This entity is available as text/html or as " + ", ".join(formats.GRAPH_OFFER) + ".", iri)
        quoted = quote(path, safe=_PATH_SAFE)
        if chosen == "text/html":
            location = f"/page/{quoted}" + (f"?{request.url.query}" if request.url.query else "")
        else:
            location = f"/data/{quoted}.{EXTENSIONS[chosen]}"
        return RedirectResponse(location, status_code=303, headers={"Vary": "Accept"})

    async def data(request: Request):
        path = request.path_params["path"]
        candidates = []
        for ext, media in formats.SUFFIXES.items():
            if path.endswith("." + ext):
                candidates.append((path[: -len(ext) - 1], media))
        candidates.append((path, None))

        def find():
            for p, media in candidates:
                iri = entity_iri(p)
                if iri is not None and d.exists(server.store, iri):
                    return iri, media
            return None, None
        iri, media = await run_in_threadpool(find)
        if iri is None:
            return text_error(404, f"not found: nothing in this data set has <{base}{path}> as its subject")
        if media is None:
            media = choose(request.headers.get("accept"), formats.GRAPH_OFFER)
            if media is None:
                return text_error(406, "not acceptable: the description is available as " + ", ".join(formats.GRAPH_OFFER))
        reply = await run_in_threadpool(server.executor.run, {
            "kind": "construct", "text": entity_construct(iri), "media_type": media, "prefixes": RDF_PREFIXES})
        return Response(reply.body, media_type=formats.content_type(media), headers={"Vary": "Accept"})

    async def page(request: Request):
        path = request.path_params["path"]
        iri = entity_iri(path)
        vary = "Accept, Accept-Language"
        if iri is None:
            return not_found(request, None, vary)
        ctx = context(request)
        view = await run_in_threadpool(build_page, server, ctx, iri, path)
        if view is None:
            return not_found(request, iri, vary)
        return server.templates.TemplateResponse(request, "entity.html", {**view, "lang": ctx.languages[0]},
                                                 headers={"Vary": vary})

    async def ontology(request: Request):
        ext = request.path_params.get("ext")
        if ext is not None:
            media = formats.SUFFIXES.get(ext)
            if media is None:
                return text_error(404, f"not found: the ontology is available as .{', .'.join(formats.SUFFIXES)}")
        else:
            media = choose(request.headers.get("accept"), ["text/html"] + formats.GRAPH_OFFER)
            if media is None:
                return text_error(406, "not acceptable: the ontology is available as text/html, " + ", ".join(formats.GRAPH_OFFER))
        if media != "text/html":
            reply = await run_in_threadpool(server.executor.run, {
                "kind": "construct", "text": ontology_construct(), "media_type": media, "prefixes": RDF_PREFIXES})
            return Response(reply.body, media_type=formats.content_type(media), headers={"Vary": "Accept"})
        ctx = context(request)
        view = await run_in_threadpool(ontology_page, server, ctx)
        return server.templates.TemplateResponse(request, "ontology.html", {
            "v": view, "formats": format_links("/ontology"), "lang": ctx.languages[0]},
            headers={"Vary": "Accept, Accept-Language"})

    async def void(request: Request):
        media = choose(request.headers.get("accept"), formats.GRAPH_OFFER)
        if media is None:
            return text_error(406, "not acceptable: the VoID description is available as " + ", ".join(formats.GRAPH_OFFER))
        root = server.options.public_url or str(request.base_url)
        root = root if root.endswith("/") else root + "/"
        stats = await run_in_threadpool(void_mod.statistics, server.store, base)
        triples = void_mod.void_triples(stats, root, base)
        body = formats.serialize_graph(triples, media, void_mod.PREFIXES)
        return Response(body, media_type=formats.content_type(media), headers={"Vary": "Accept"})

    return [
        Route("/id/{path:path}", guarded(resolve), methods=["GET"]),
        Route("/data/{path:path}", guarded(data, html=False), methods=["GET"]),
        Route("/page/{path:path}", guarded(page), methods=["GET"]),
        Route("/ontology", guarded(ontology), methods=["GET"]),
        Route("/ontology.{ext}", guarded(ontology, html=False), methods=["GET"]),
        Route("/.well-known/void", guarded(void, html=False), methods=["GET"]),
    ]


def index(server):
    async def endpoint(request: Request):
        ctx = d.Context(server.store, server.settings.base, d.preferred_languages(
            request.query_params.get("lang"), request.headers.get("accept-language"), server.settings.languages))
        try:
            overview = await run_in_threadpool(d.overview, ctx)
        except (QueryTimeout, QueryFailed) as exc:
            return PlainTextResponse(f"the front page's queries failed: {exc}\n", status_code=503)
        return server.templates.TemplateResponse(request, "index.html", {
            "o": overview, "title": void_mod.TITLE, "description": void_mod.DESCRIPTION, "base": server.settings.base,
            "named_queries": list(queries_mod.catalog().values()), "lang": ctx.languages[0]},
            headers={"Vary": "Accept-Language"})
    return endpoint
