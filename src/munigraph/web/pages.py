"""Linked-data pages: entity IRIs that resolve, their HTML pages and RDF descriptions, the front page, the ontology
and the VoID description. Handlers stay thin; the queries and the shaping of what a page shows are in describe.py
(and void.py), put together per page in render.py (shared with the static site of `munigraph export`). The HTML
pages are built and rendered in a query worker, one operation per page (views.py); the handlers wait for it in
the thread pool because the executor is blocking.

    /                        what the data set is: counts, build time, sources, links, local governments by country
    /id/{path}               303 to /page/{path} (client prefers HTML) or /data/{path}.{ext}; 404 if unknown
    /page/{path}             HTML page of an entity (labels by ?lang= / Accept-Language), JSON-LD embedded
    /data/{path}[.ext]       the entity's triples (+ labels of what it points to), by suffix or Accept
    /ontology[.ext]          the ontology graph, HTML or RDF
    /class/{name}            the entities of the class mg:{name}, by label
    /.well-known/void        VoID description (Turtle or by Accept)
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from . import describe as d
from . import formats, render
from . import void as void_mod
from .executor import QueryFailed, QueryTimeout
from .negotiation import choose

EXTENSIONS = {media: ext for ext, media in formats.SUFFIXES.items()} | {"text/plain": "nt"}
FORMAT_NAMES = render.FORMAT_NAMES
_PATH_SAFE = render.PATH_SAFE
RDF_PREFIXES = render.RDF_PREFIXES
# what the pages show is shaped in render.py, shared with the static site and documentation of `munigraph export`
entity_construct = render.entity_construct
ontology_construct = render.ontology_construct
format_links = render.format_links


def server_construct(server) -> render.Construct:
    """construct() for the page views, run in the server's query workers (under their time limit)."""
    def construct(text: str, media_type: str, prefixes: dict | None = None, entity: str | None = None) -> bytes:
        op = {"kind": "construct", "text": text, "media_type": media_type, "entity": entity}
        if prefixes:
            op["prefixes"] = prefixes
        return server.executor.run(op).body
    return construct


def render_view(server, languages: list[str], view: str, **args) -> bytes | None:
    """An HTML page built and rendered by a query worker (views.py: the page's queries run next to the store, and
    the page as a whole under the time limit), or None when it has nothing to show."""
    op = {"kind": "page", "view": view, "base": server.settings.base, "languages": languages, **args}
    reply = server.executor.run(op)
    return reply.body if reply.value else None


def not_modified(request: Request, tag: str | None) -> bool:
    """Whether the client's If-None-Match names this ETag (compared weakly, as RFC 9110 says for GET): then a
    304 saves building the page again."""
    header = request.headers.get("if-none-match")
    if tag is None or not header:
        return False
    # `*` is not honoured: it would need to know that the page exists, which is what the 304 is there to skip
    return tag.removeprefix("W/") in {t.strip().removeprefix("W/") for t in header.split(",")}


def routes(server) -> list[Route]:
    base = server.settings.base

    def languages(request: Request) -> list[str]:
        return d.preferred_languages(request.query_params.get("lang"), request.headers.get("accept-language"),
                                     server.settings.languages)

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
        tag = server.etag("data", iri, media)
        if not_modified(request, tag):
            return Response(status_code=304, headers={"ETag": tag, "Vary": "Accept"})
        body = await run_in_threadpool(render.entity_data, server_construct(server), iri, media)
        return Response(body, media_type=formats.content_type(media), headers={"Vary": "Accept", **({"ETag": tag} if tag else {})})

    async def page(request: Request):
        path = request.path_params["path"]
        iri = entity_iri(path)
        vary = "Accept, Accept-Language"
        if iri is None:
            return not_found(request, None, vary)
        langs = languages(request)
        shown = request.query_params.get("agreements")
        if shown not in (None, "all"):
            return html_error(request, 400, "Bad request", f"agreements={shown!r}: the only value is 'all' (every agreement, "
                              f"not the latest {server.options.agreements_per_page})", iri, vary)
        limit = None if shown == "all" else server.options.agreements_per_page
        tag = server.etag("page", path, str(limit), *langs)
        if not_modified(request, tag):
            return Response(status_code=304, headers={"ETag": tag, "Vary": vary})
        body = await run_in_threadpool(render_view, server, langs, "entity", iri=iri, path=path, agreement_limit=limit)
        if body is None:
            return not_found(request, iri, vary)
        return HTMLResponse(body, headers={"Vary": vary, **({"ETag": tag} if tag else {})})

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
            body = await run_in_threadpool(render.ontology_data, server_construct(server), media)
            return Response(body, media_type=formats.content_type(media), headers={"Vary": "Accept"})
        body = await run_in_threadpool(render_view, server, languages(request), "ontology")
        return HTMLResponse(body, headers={"Vary": "Accept, Accept-Language"})

    async def class_page(request: Request):
        body = await run_in_threadpool(render_view, server, languages(request), "class", name=request.path_params["name"])
        if body is None:
            return html_error(request, 404, "Not found", "The ontology has no class of this name with entities in the data.",
                              vary="Accept, Accept-Language")
        return HTMLResponse(body, headers={"Vary": "Accept-Language"})

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
        Route("/class/{name}", guarded(class_page), methods=["GET"]),
        Route("/ontology", guarded(ontology), methods=["GET"]),
        Route("/ontology.{ext}", guarded(ontology, html=False), methods=["GET"]),
        Route("/.well-known/void", guarded(void, html=False), methods=["GET"]),
    ]


def index(server):
    async def endpoint(request: Request):
        languages = d.preferred_languages(request.query_params.get("lang"), request.headers.get("accept-language"),
                                          server.settings.languages)
        try:
            body = await run_in_threadpool(render_view, server, languages, "index")
        except (QueryTimeout, QueryFailed) as exc:
            return PlainTextResponse(f"the front page's queries failed: {exc}\n", status_code=503)
        return HTMLResponse(body, headers={"Vary": "Accept-Language"})
    return endpoint
