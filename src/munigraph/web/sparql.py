"""The SPARQL 1.1 Protocol at /sparql: query and update operations, service description, errors and limits."""

from __future__ import annotations

import hmac
import re
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .. import sparqltext
from ..errors import RefusedQuery
from ..vocab import OUTPUT_PREFIXES
from . import formats
from .executor import QueryFailed, QueryTimeout
from .negotiation import choose

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
QUERY_PARAMS = ("query", "default-graph-uri", "named-graph-uri")
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error(status: int, message: str, headers: dict | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers={"Vary": "Accept", **(headers or {})})


def _media_type(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("content-type")
    if not header:
        return None, None
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for p in parts[1:]:
        if p.lower().startswith("charset="):
            charset = p.split("=", 1)[1].strip().strip('"').lower()
    return parts[0].lower(), charset


async def _body_text(request: Request, limit: int, charset: str | None) -> str:
    if charset and charset not in ("utf-8", "utf8"):
        raise ProtocolError(400, f"the request body must be UTF-8, not {charset}")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, f"the request is larger than the limit of {limit} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ProtocolError(413, f"the request is larger than the limit of {limit} bytes")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the request body is not valid UTF-8") from None


def _params(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


async def parse_request(request: Request, limit: int) -> tuple[str, str | None, dict[str, list[str]]]:
    """("query" | "update" | "description", text, parameters) following SPARQL 1.1 Protocol sections 2.1 and 2.2."""
    url_params = _params(parse_qsl(request.url.query, keep_blank_values=True))
    if request.method == "GET":
        if "update" in url_params:
            raise ProtocolError(400, "updates must be sent with POST, not GET")
        params = url_params
        if "query" not in params:
            return "description", None, params
    elif request.method == "POST":
        media, charset = _media_type(request)
        if media == "application/x-www-form-urlencoded":
            text = await _body_text(request, limit, charset)
            params = _params(parse_qsl(text, keep_blank_values=True))
            for key, values in url_params.items():
                params.setdefault(key, []).extend(values)
        elif media == "application/sparql-query":
            params = dict(url_params)
            if "query" in params or "update" in params:
                raise ProtocolError(400, "with application/sparql-query the query is the body; do not also give it as a parameter")
            params["query"] = [await _body_text(request, limit, charset)]
        elif media == "application/sparql-update":
            params = dict(url_params)
            if "query" in params or "update" in params:
                raise ProtocolError(400, "with application/sparql-update the update is the body; do not also give it as a parameter")
            params["update"] = [await _body_text(request, limit, charset)]
        elif media is None:
            raise ProtocolError(400, "a POST needs a Content-Type: application/x-www-form-urlencoded, application/sparql-query or application/sparql-update")
        else:
            raise ProtocolError(400, f"unsupported Content-Type {media}; expected application/x-www-form-urlencoded, application/sparql-query or application/sparql-update")
    else:
        raise ProtocolError(405, f"method {request.method} is not allowed; use GET or POST", {"Allow": "GET, POST"})
    has_query, has_update = "query" in params, "update" in params
    if has_query and has_update:
        raise ProtocolError(400, "give either a query or an update, not both")
    if not has_query and not has_update:
        raise ProtocolError(400, "the request has neither a query nor an update parameter")
    name = "query" if has_query else "update"
    if len(params[name]) != 1:
        raise ProtocolError(400, f"the request gives {len(params[name])} {name} parameters; exactly one is allowed")
    return name, params[name][0], params


_MAY_REACH_OUT = re.compile("service|load|from", re.IGNORECASE)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def query_form(text: str) -> str:
    """sparqltext.query_form, reading tokens only up to the first keyword (usually the first few)."""
    for tok in sparqltext.tokens(text):
        if tok.kind == "word" and tok.text.upper() in _FORMS:
            return tok.text.upper()
    return "UPDATE"


def endpoint_url(request: Request) -> str:
    """The URL the request was sent to, without its query: the base IRI of the query (SPARQL 1.1 Protocol 2.1.4)."""
    scope = request.scope
    key = (scope.get("scheme"), request.headers.get("host"), scope.get("root_path", ""), scope.get("path"), scope.get("server"))
    url = _ENDPOINT_URLS.get(key)
    if url is None:  # building the URL object is a tenth of a short lookup's time in the server, so it is kept
        url = str(request.url.replace(query="", fragment=""))
        if len(_ENDPOINT_URLS) < 64:
            _ENDPOINT_URLS[key] = url
    return url


_ENDPOINT_URLS: dict[tuple, str] = {}


class SparqlEndpoint:
    """The /sparql route; `server` carries the executor, the settings and the limits."""

    def __init__(self, server):
        self.server = server

    async def __call__(self, request: Request) -> Response:
        server = self.server
        try:
            operation, text, params = await parse_request(request, server.options.max_request_bytes)
            if operation == "description":
                return await self.description(request)
            if operation == "query":
                return await self.query(request, text, params)
            return await self.update(request, text, params)
        except ProtocolError as exc:
            return error(exc.status, exc.message, exc.headers)

    async def description(self, request: Request) -> Response:
        from .editor import render_editor
        accept = request.headers.get("accept")
        chosen = choose(accept, ["text/html"] + formats.GRAPH_OFFER)
        if chosen == "text/html":
            return await render_editor(self.server, request)
        if chosen is None:
            return error(406, "not acceptable: the service description is available as " + ", ".join(formats.GRAPH_OFFER))
        body = service_description(endpoint_url(request), self.server.options.allow_update, await self.server.graphs())
        graph = await run_in_threadpool(_parse_turtle_triples, body)
        return Response(formats.serialize_graph(graph, chosen, {"sd": SD}),
                        media_type=formats.content_type(chosen), headers={"Vary": "Accept"})

    async def query(self, request: Request, text: str, params: dict[str, list[str]]) -> Response:
        server = self.server
        # The guard reads the whole query; it can only refuse SERVICE, LOAD or FROM, so a query without those
        # words anywhere (most) needs no reading.
        if _MAY_REACH_OUT.search(text):
            try:
                sparqltext.guard(text, local_graphs=await server.graph_set(),
                                 allowed_services=server.options.allowed_services)
            except RefusedQuery as exc:
                return error(400, str(exc))
        form = query_form(text)
        if form == "UPDATE":
            return error(400, "this is not a query (SELECT, ASK, CONSTRUCT or DESCRIBE); send updates as `update`")
        offer = {"SELECT": formats.SELECT_OFFER, "ASK": formats.ASK_OFFER}.get(form, formats.GRAPH_OFFER)
        # a browser (text/html preferred) gets the results as a page; other clients never ask for HTML
        media_type = choose(request.headers.get("accept"), offer + ["text/html"])
        if media_type is None:
            return error(406, f"not acceptable: {form} results are available as " + ", ".join(offer))
        as_page = media_type == "text/html"
        if as_page:
            media_type = "application/sparql-results+json" if form in ("SELECT", "ASK") else "text/turtle"
        op = {"kind": "query", "text": text, "media_type": media_type, "max_rows": server.options.max_rows,
              "default_graphs": params.get("default-graph-uri", []), "named_graphs": params.get("named-graph-uri", []),
              "base_iri": endpoint_url(request), "prefixes": OUTPUT_PREFIXES if form not in ("SELECT", "ASK") else None}
        try:
            arun = getattr(server.executor, "arun", None)  # the embedded store's executor; a remote one runs in a thread
            reply = await arun(op) if arun else await run_in_threadpool(server.executor.run, op)
        except QueryTimeout as exc:
            return error(503, f"query stopped: {exc}", {"Retry-After": "5"})
        except QueryFailed as exc:
            return error(400, f"query failed: {exc}")
        if as_page:
            return self.results_page(request, text, form, reply)
        headers = {"Vary": "Accept"}
        if reply.truncated:
            headers["X-Munigraph-Truncated"] = str(reply.truncated)
            headers["Warning"] = f'199 munigraph "results cut at {reply.truncated} rows"'
        return Response(reply.body, media_type=formats.content_type(media_type), headers=headers)

    def results_page(self, request: Request, text: str, form: str, reply) -> Response:
        import json
        context = {"query": text, "form": form, "truncated": reply.truncated, "variables": [], "rows": [],
                   "boolean": None, "graph_text": None, "base": self.server.settings.base}
        if form == "ASK":
            context["boolean"] = json.loads(reply.body)["boolean"]
        elif form == "SELECT":
            data = json.loads(reply.body)
            context["variables"] = data["head"]["vars"]
            context["rows"] = [[b.get(v) for v in context["variables"]] for b in data["results"]["bindings"]]
        else:
            context["graph_text"] = reply.body.decode("utf-8")
        return self.server.templates.TemplateResponse(request, "sparql_results.html", context, headers={"Vary": "Accept"})

    async def update(self, request: Request, text: str, params: dict[str, list[str]]) -> Response:
        server = self.server
        if not server.options.allow_update:
            return error(403, "updates are not allowed on this server (start it with --allow-update)")
        token = server.options.update_token
        given = request.headers.get("authorization", "")
        given = given[7:] if given.lower().startswith("bearer ") else ""
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            return error(403, "updates need the token given in MUNIGRAPH_UPDATE_TOKEN, as `Authorization: Bearer <token>`")
        try:
            sparqltext.guard(text, local_graphs=None, allowed_services=server.options.allowed_services)
            text = sparqltext.add_using(text, params.get("using-graph-uri", []), params.get("using-named-graph-uri", []))
        except RefusedQuery as exc:
            return error(400, str(exc))
        if isinstance(server.location, Path):  # the saved network index and findings no longer describe the store
            from ..network import drop_index
            from ..validate import findings_path
            drop_index(server.location)
            findings_path(server.location).unlink(missing_ok=True)
        try:
            await run_in_threadpool(server.executor.run, {"kind": "update", "text": text, "base_iri": endpoint_url(request)})
        except QueryTimeout as exc:
            return error(503, f"update stopped: {exc}", {"Retry-After": "5"})
        except QueryFailed as exc:
            return error(400, f"update failed: {exc}")
        server.changed()
        return Response(status_code=204, headers={"Vary": "Accept"})


def _parse_turtle_triples(text: str):
    import pyoxigraph as ox
    return list(ox.parse(text, format=ox.RdfFormat.TURTLE))


def service_description(endpoint: str, allow_update: bool, graphs: list[str]) -> str:
    languages = "sd:SPARQL11Query" + (" , sd:SPARQL11Update" if allow_update else "")
    named = "".join(f"  sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;\n" for g in graphs)
    return f"""@prefix sd: <{SD}> .
@prefix fmt: <{FORMATS}> .
<{endpoint}#service> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage {languages} ;
  sd:feature sd:UnionDefaultGraph , sd:BasicFederatedQuery ;
  sd:resultFormat fmt:SPARQL_Results_JSON , fmt:SPARQL_Results_XML , fmt:SPARQL_Results_CSV , fmt:SPARQL_Results_TSV ,
      fmt:Turtle , fmt:N-Triples , fmt:JSON-LD , fmt:RDF_XML ;
  sd:defaultEntailmentRegime <http://www.w3.org/ns/entailment/Simple> ;
  sd:defaultDataset [ a sd:Dataset ;
  sd:defaultGraph [ a sd:Graph ] ;
{named}  ] .
"""
