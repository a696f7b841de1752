"""The munigraph command line: a thin layer over the library. Results go to stdout, messages to stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from . import build as build_mod
from . import info as info_mod
from . import queries as queries_mod
from . import results
from .config import Settings, check_base, load_settings
from .errors import MunigraphError, ValidationFailed
from .store import EmbeddedStore, SelectResult
from .vocab import PREFIXES

err = Console(stderr=True, soft_wrap=True)


class Context:
    def __init__(self, settings: Settings, lang: str | None):
        self.settings = settings
        self.languages = ([lang] if lang else []) + [x for x in settings.languages if x != lang]

    def open_store(self) -> EmbeddedStore:
        return EmbeddedStore.open(self.settings.store)


def _progress():
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="munigraph")
@click.option("--store", "store", type=click.Path(path_type=Path), help="Store folder (default .munigraph, or $MUNIGRAPH_STORE).")
@click.option("--config", "config", type=click.Path(path_type=Path), help="Settings file (default munigraph.toml here or above, or $MUNIGRAPH_CONFIG).")
@click.option("--base", "base", help="Namespace of entity IRIs (default https://w3id.org/munigraph/id/).")
@click.option("--lang", "lang", help="Preferred language of labels in results (default: the first of munigraph.toml's languages, en).")
@click.pass_context
def cli(ctx, store, config, base, lang):
    """munigraph: a knowledge graph of partnerships between municipalities.

    \b
    Typical use:
      munigraph build                      # load data/, derive, validate, swap in
      munigraph info                       # what the graph holds
      munigraph queries                    # the named queries and their parameters
      munigraph query partners --param municipality=Koszalin --format csv
    """
    settings = load_settings(config)
    settings = settings.with_overrides(store=store, base=check_base(base) if base else None)
    ctx.obj = Context(settings, lang)


@cli.command()
@click.option("--data", "data", multiple=True, type=click.Path(path_type=Path), help="Data folder or file(s) (default: data/). Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def build(obj: Context, data, fmt):
    """Load the ontology and data, derive relations, validate, and swap the new store in.

    A failed build (bad Turtle, violations) exits non-zero and leaves the previous store answering queries.
    """
    with _progress() as progress:
        task = progress.add_task("building", total=None)

        def step(message, done, total):
            progress.update(task, description=message, completed=done, total=total or None)

        try:
            report = build_mod.build(obj.settings, list(data) or None, progress=step)
        except ValidationFailed as exc:
            progress.stop()
            err.print(exc.validation.as_text(), markup=False, highlight=False)
            raise
    if fmt == "json":
        click.echo(json.dumps(info_mod.build_summary(report), ensure_ascii=False, indent=2))
    else:
        err.print(info_mod.build_text(report), markup=False, highlight=False)
        if report.validation.warnings:
            err.print(report.validation.as_text(), markup=False, highlight=False)


@cli.command()
@click.option("--data", "data", multiple=True, type=click.Path(path_type=Path), help="Data folder or file(s) to validate (default: data/). Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True)
@click.pass_obj
def validate(obj: Context, data, fmt):
    """Validate data files against the SHACL shapes (in memory; the store is not touched).

    Exit 0 when the data conforms (warnings allowed), 1 on violations.
    """
    report = build_mod.check(obj.settings, list(data) or None)
    validation = report.validation
    if fmt == "json":
        click.echo(validation.as_json())
    elif fmt == "turtle":
        click.echo(validation.as_turtle())
    else:
        click.echo(validation.as_text())
    sys.exit(0 if validation.conforms else 1)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def info(obj: Context, fmt):
    """Counts per named graph and per class in the built store."""
    store = obj.open_store()
    summary = info_mod.store_summary(store, obj.languages)
    if fmt == "json":
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        info_mod.print_summary(summary, Console(width=160))


@cli.command("queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_queries(fmt):
    """List the named queries with their parameters."""
    catalog = queries_mod.catalog()
    if fmt == "json":
        click.echo(json.dumps([{
            "name": q.name, "summary": q.summary, "description": q.description, "examples": q.examples,
            "params": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                        "multiple": p.multiple, "description": p.description} for p in q.params],
        } for q in catalog.values()], ensure_ascii=False, indent=2))
        return
    console = Console(width=160)
    for q in catalog.values():
        console.print(f"[bold]{q.name}[/bold]  {q.summary}")
        for p in q.params:
            need = "required" if p.required else (f"default {p.default}" if p.default else "optional")
            console.print(f"    --param {p.name}=<{p.type}>  ({need}) {p.description}", markup=False, highlight=False)
        for example in q.examples:
            if example:
                args = " ".join(f"--param {x}" for x in example.split())
                console.print(f"    e.g. munigraph query {q.name} {args}", style="dim", markup=False, highlight=False)


@cli.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A parameter of the named query. Repeatable.")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Run your own SPARQL query from a file.")
@click.option("--format", "fmt", type=click.Choice(results.FORMATS + ("turtle", "ntriples", "jsonld", "xml")), default="table", show_default=True)
@click.option("--no-labels", is_flag=True, help="Do not add <column>Label columns for IRIs.")
@click.pass_obj
def query(obj: Context, name, params, file, fmt, no_labels):
    """Run a named query (see `munigraph queries`) or your own with --file.

    Parameters are bound as RDF terms, never pasted into the query text. A municipality can be given by
    name in any language (Koszalin, Troki, Iwano-Frankiwsk), by Wikidata QID, CURIE or IRI.
    """
    if bool(name) == bool(file):
        raise MunigraphError("give either a query NAME or --file FILE; the named queries are: " + ", ".join(queries_mod.catalog()))
    store = obj.open_store()
    if file:
        if params:
            raise MunigraphError("--param applies to named queries; put values into your own query with VALUES")
        result = queries_mod.run_text(store, file.read_text(encoding="utf-8"), obj.languages,
                                      local_graphs=set(store.named_graphs()), labels=not no_labels)
        title = str(file)
    else:
        given = queries_mod.parse_assignments(list(params))
        named = queries_mod.run_named(store, name, given, obj.settings.base, obj.languages, labels=not no_labels)
        result = SelectResult(named.variables, named.rows)
        title = name
    out = click.get_text_stream("stdout")
    if isinstance(result, bool):
        click.echo(json.dumps({"head": {}, "boolean": result}) if fmt == "json" else str(result).lower())
    elif isinstance(result, SelectResult):
        results.write_select(result, fmt, out, PREFIXES, title)
    else:
        results.write_graph(result, fmt, out, PREFIXES)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless told otherwise).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--allow-update", is_flag=True, help="Accept SPARQL updates that carry the token of $MUNIGRAPH_UPDATE_TOKEN.")
@click.option("--timeout", default=30.0, show_default=True, type=float, help="Seconds after which a query is stopped (503).")
@click.option("--max-rows", default=100_000, show_default=True, type=int, help="Most result rows (or triples) returned; more are cut with a note.")
@click.option("--max-request-bytes", default=1_000_000, show_default=True, type=int, help="Largest request body accepted (413 above).")
@click.option("--workers", default=2, show_default=True, type=int, help="Query worker processes (1 when updates are allowed).")
@click.option("--allow-service", "allowed_services", multiple=True, metavar="URL", help="A SPARQL endpoint that SERVICE may call. Repeatable.")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.pass_obj
def serve(obj: Context, host, port, allow_update, timeout, max_rows, max_request_bytes, workers, allowed_services, log_level):
    """Serve the store over HTTP: SPARQL 1.1 endpoint at /sparql, entity pages under /id/, named queries under /api/.

    Read-only unless started with --allow-update (and then updates need MUNIGRAPH_UPDATE_TOKEN).
    """
    import os

    import uvicorn

    from .web.app import ServerOptions, create_app

    token = os.environ.get("MUNIGRAPH_UPDATE_TOKEN")
    if allow_update and not token:
        raise MunigraphError("--allow-update needs a token in the environment variable MUNIGRAPH_UPDATE_TOKEN")
    options = ServerOptions(allow_update=allow_update, update_token=token, timeout=timeout, max_rows=max_rows,
                            max_request_bytes=max_request_bytes, workers=workers, allowed_services=list(allowed_services))
    app = create_app(obj.settings, options)
    err.print(f"munigraph: serving {app.state.server.location} on http://{host}:{port}/ (SPARQL at /sparql)")
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def main(argv=None) -> int:
    try:
        cli.main(args=argv, prog_name="munigraph", standalone_mode=False)
    except click.exceptions.Abort:
        err.print("munigraph: interrupted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except MunigraphError as exc:
        err.print(f"munigraph: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
