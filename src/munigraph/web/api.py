"""The named queries as a web API, and its OpenAPI document generated from the queries' headers."""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import __version__
from .. import queries as queries_mod
from .. import results
from ..errors import ParameterError, UnknownQuery
from ..store import SelectResult
from .executor import QueryFailed, QueryTimeout
from .negotiation import choose

PARAM_SCHEMAS = {
    "municipality": {"type": "string", "description": "a name in any language, a Wikidata QID, a CURIE or an IRI", "example": "Koszalin"},
    "entity": {"type": "string", "description": "a name, a QID, a CURIE or an IRI", "example": "id:gov/pl/koszalin"},
    "country": {"type": "string", "description": "an ISO 3166-1 code, a name or a QID", "example": "PL"},
    "date": {"type": "string", "format": "date", "example": "2019-01-01"},
    "year": {"type": "string", "pattern": "^[0-9]{4}$", "example": "2019"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
}


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers={"Vary": "Accept"})


def openapi(server, base_url: str) -> dict:
    paths = {}
    for q in queries_mod.catalog().values():
        parameters = []
        for p in q.params:
            schema = dict(PARAM_SCHEMAS[p.type])
            if p.default is not None:
                schema["default"] = p.default
            if p.multiple:
                schema = {"type": "array", "items": schema}
            parameters.append({"name": p.name, "in": "query", "required": p.required,
                               "description": f"{p.description} ({p.type})", "schema": schema})
        paths[f"/api/queries/{q.name}"] = {"get": {
            "operationId": q.name.replace("-", "_"),
            "summary": q.summary,
            "description": q.description + "\n\nSPARQL: see `" + f"queries/{q.name}.rq" + "`.",
            "tags": ["named queries"],
            "parameters": parameters,
            "responses": {
                "200": {"description": "the results; a `<column>Label` column follows each column of IRIs",
                        "content": {"application/sparql-results+json": {}, "application/json": {}, "text/csv": {}}},
                "400": {"description": "a missing, malformed, unknown or ambiguous parameter (the message lists candidates)",
                        "content": {"application/json": {}}},
                "503": {"description": "the query ran past the server's time limit and was stopped"},
            },
        }}
    paths["/api/queries"] = {"get": {"operationId": "list_queries", "summary": "The named queries and their parameters",
                                     "tags": ["named queries"], "responses": {"200": {"description": "a list", "content": {"application/json": {}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "munigraph named queries", "version": __version__,
                 "description": "Ready-made questions about partnerships between municipalities. Parameters are bound as RDF terms; "
                                "the same queries run on the SPARQL endpoint at /sparql."},
        "servers": [{"url": base_url}],
        "paths": dict(sorted(paths.items())),
    }


def describe(q) -> dict:
    return {"name": q.name, "summary": q.summary, "description": q.description, "examples": [e for e in q.examples if e],
            "url": f"/api/queries/{q.name}",
            "params": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                        "multiple": p.multiple, "description": p.description} for p in q.params]}


def routes(server) -> list[Route]:
    async def list_queries(request: Request):
        return JSONResponse([describe(q) for q in queries_mod.catalog().values()])

    async def run_query(request: Request):
        name = request.path_params["name"]
        suffix = None
        for ext in ("csv", "json"):
            if name.endswith("." + ext):
                name, suffix = name[: -len(ext) - 1], ext
        if suffix == "csv":
            media_type = "text/csv"
        elif suffix == "json":
            media_type = "application/sparql-results+json"
        else:
            media_type = choose(request.headers.get("accept"), ["application/sparql-results+json", "application/json", "text/csv"])
            if media_type is None:
                return _problem(406, "not acceptable: the results are available as application/sparql-results+json, application/json or text/csv")
        given: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            given.setdefault(key, []).append(value)
        lang = given.pop("lang", [None])[0]
        languages = ([lang] if lang else []) + server.settings.languages
        try:
            result = await run_in_threadpool(queries_mod.run_named, server.store, name, given, server.settings.base, languages)
        except UnknownQuery as exc:
            return _problem(404, str(exc))
        except ParameterError as exc:
            return _problem(400, str(exc))
        except QueryTimeout as exc:
            return _problem(503, f"query stopped: {exc}")
        except QueryFailed as exc:
            return _problem(500, f"query failed: {exc}")
        table = SelectResult(result.variables, result.rows)
        if media_type == "text/csv":
            return Response(results.to_csv(table), media_type="text/csv; charset=utf-8", headers={"Vary": "Accept"})
        return Response(results.to_json(table), media_type=f"{media_type}; charset=utf-8", headers={"Vary": "Accept"})

    async def openapi_json(request: Request):
        base = str(request.base_url).rstrip("/")
        return JSONResponse(openapi(server, base))

    async def docs(request: Request):
        spec = openapi(server, str(request.base_url).rstrip("/"))
        return server.templates.TemplateResponse(request, "api.html", {
            "spec": spec, "queries": list(queries_mod.catalog().values()),
            "spec_json": json.dumps(spec, indent=2, ensure_ascii=False)})

    return [
        Route("/api/queries", list_queries, methods=["GET"]),
        Route("/api/queries/{name}", run_query, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/api/docs", docs, methods=["GET"]),
    ]
