"""The query editor at /sparql for browsers.

With the YASGUI assets in static/vendor/yasgui/ (fetched by `make venv` from npm, never loaded from a CDN) the page
runs YASGUI against this server's own endpoint: the project's prefixes predeclared, autocompleters that would call
other services (prefix.cc, Linked Open Vocabularies) replaced by ones that ask this endpoint, and one tab per named
query with its example parameters bound. Without the assets, or with MUNIGRAPH_NO_YASGUI=1, the page is a plain
form that sends the query by GET, and `/sparql?editor=<name>` fills it with a named query.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from .. import queries as queries_mod
from ..errors import MunigraphError
from ..resolve import Resolver
from ..vocab import PREFIXES, prefix_block

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "static" / "vendor" / "yasgui"
ASSETS = ("yasgui.min.js", "yasgui.min.css")
EDITOR_PARAM = "editor"  # not `query`: GET /sparql?query=... runs the query
DEFAULT_QUERY = prefix_block() + "SELECT * WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n"


@dataclass
class Example:
    name: str
    summary: str
    description: str
    params: list[dict]
    example: str  # the raw example line, e.g. "a=Koszalin b=Troki"
    text: str  # the query with its prefixes and the example's parameters bound (VALUES)


def yasgui_available() -> bool:
    """True when the vendored YASGUI files are there and not switched off by MUNIGRAPH_NO_YASGUI."""
    if os.environ.get("MUNIGRAPH_NO_YASGUI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    return all((VENDOR / name).is_file() for name in ASSETS)


def example_values(query: queries_mod.NamedQuery, resolver: Resolver, failures: list | None = None) -> dict:
    """The query's parameters bound from its first example; a value that does not resolve stays unbound (UNDEF).

    `failures` collects errors of the store itself (timeouts, ...), as opposed to values that do not resolve."""
    line = next((e for e in query.examples if e.strip()), "")
    given: dict[str, list[str]] = {}
    for pair in line.split():
        if "=" in pair:
            key, value = pair.split("=", 1)
            given.setdefault(key, []).append(value)
    values: dict[str, object] = {}
    for param in query.params:
        raw = given.get(param.name) or ([param.default] if param.default is not None else [])
        if not param.multiple:
            raw = raw[:1]
        terms = []
        for value in raw:
            try:
                terms.append(queries_mod.coerce(param, value, resolver))
            except MunigraphError:
                continue  # an example value the graph cannot resolve stays unbound
            except Exception as exc:  # the store failed (QueryTimeout, QueryFailed): unbound too, but worth retrying
                if failures is not None:
                    failures.append(exc)
        if not terms:
            values[param.name] = None
        else:
            values[param.name] = terms if param.multiple else terms[0]
    return values


def build_examples(store, base: str, languages: list[str], catalog: dict[str, queries_mod.NamedQuery],
                   failures: list | None = None) -> list[Example]:
    """Blocking (it asks the store to resolve names): call it in a thread."""
    resolver = Resolver(store, base, languages)
    out = []
    for query in catalog.values():
        values = example_values(query, resolver, failures)
        try:
            text = queries_mod.prepared_text(query, values)
        except MunigraphError:
            text = prefix_block() + query.text
        out.append(Example(
            name=query.name, summary=query.summary, description=query.description,
            params=[{"name": p.name, "type": p.type, "required": p.required, "multiple": p.multiple,
                     "description": p.description} for p in query.params],
            example=next((e for e in query.examples if e.strip()), ""), text=text))
    return out


async def examples_for(server) -> list[Example]:
    """The named queries as examples; cached per server while the catalog is unchanged (and the store read-only)."""
    catalog = queries_mod.catalog()
    key = tuple((q.name, q.text) for q in catalog.values())
    cached = getattr(server, "_editor_examples", None)
    if cached is not None and cached[0] == key and not server.options.allow_update:
        return cached[1]
    failures: list = []
    examples = await run_in_threadpool(build_examples, server.store, server.settings.base,
                                       list(server.settings.languages), catalog, failures)
    if not failures:
        server._editor_examples = (key, examples)
    return examples


def script_json(data) -> str:
    """JSON that is safe inside <script type="application/json">: no `</` (which would end the element), no `<!--`."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "\\u003c!--")


def editor_config(examples: list[Example], selected: str | None) -> dict:
    return {
        # Relative to the page: the page is served by the endpoint itself (/sparql), so "" means "this URL".
        "endpoint": "",
        "prefixes": dict(PREFIXES),
        "defaultQuery": DEFAULT_QUERY,
        "selected": selected,
        "tabs": [{"id": f"munigraph-{e.name}", "name": e.name, "query": e.text} for e in examples],
    }


async def render_editor(server, request: Request):
    examples = await examples_for(server)
    by_name = {e.name: e for e in examples}
    wanted = request.query_params.get(EDITOR_PARAM)
    selected = by_name.get(wanted) if wanted else None
    yasgui = yasgui_available()
    context = {
        "yasgui": yasgui,
        "examples": examples,
        "selected": selected,
        "unknown_editor": wanted if wanted and selected is None else None,
        "form_text": selected.text if selected else DEFAULT_QUERY,
        "editor_param": EDITOR_PARAM,
        "prefixes": PREFIXES,
        "config_json": script_json(editor_config(examples, selected.name if selected else None)) if yasgui else None,
    }
    return server.templates.TemplateResponse(request, "sparql.html", context, headers={"Vary": "Accept"})
