"""The munigraph command line: a thin layer over the library. Results go to stdout, messages to stderr."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from . import queries as queries_mod
from . import results
from .config import Settings, check_base, load_settings
from .errors import MunigraphError, ValidationFailed
from .store import EmbeddedStore, SelectResult
from .vocab import PREFIXES

err = Console(stderr=True, soft_wrap=True)


class _LazyModule:
    """A module imported on first use: the build pulls in pySHACL and the network commands networkx, which every
    command would otherwise pay for at start (a third of a second of `munigraph suggest`)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute):
        import importlib
        return getattr(importlib.import_module(self._name), attribute)


build_mod = _LazyModule("munigraph.build")
info_mod = _LazyModule("munigraph.info")


class Context:
    def __init__(self, settings: Settings, lang: str | None):
        self.settings = settings
        self.languages = ([lang] if lang else []) + [x for x in settings.languages if x != lang]
        self._store = None

    @property
    def endpoint(self) -> str | None:
        return self.settings.remote.endpoint

    def open_store(self):
        """The embedded store, or the remote store given by --endpoint / $MUNIGRAPH_ENDPOINT / [remote]."""
        if self._store is None:
            if self.endpoint:
                from .remote import RemoteStore
                self._store = RemoteStore(self.settings.remote, say=lambda m: err.print(m, markup=False, highlight=False))
            else:
                self._store = EmbeddedStore.open(self.settings.store)
        return self._store

    def snapshot(self):
        """With --endpoint, the remote's named graphs read into memory (laid out as a build); else the local store."""
        if not self.endpoint:
            return EmbeddedStore.open(self.settings.store)
        with _progress() as progress:
            task = progress.add_task("reading the remote store", total=None)
            return self.open_store().snapshot(lambda m, done, total: progress.update(task, description=m, completed=done, total=total))


def _progress():
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="munigraph")
@click.option("--store", "store", type=click.Path(path_type=Path), help="Store folder (default .munigraph, or $MUNIGRAPH_STORE).")
@click.option("--config", "config", type=click.Path(path_type=Path), help="Settings file (default munigraph.toml here or above, or $MUNIGRAPH_CONFIG).")
@click.option("--base", "base", help="Namespace of entity IRIs (default https://w3id.org/munigraph/id/).")
@click.option("--lang", "lang", help="Preferred language of labels in results (default: the first of munigraph.toml's languages, en).")
@click.option("--endpoint", "endpoint", metavar="URL", help="Use the remote store at this SPARQL query endpoint instead of the embedded store ($MUNIGRAPH_ENDPOINT).")
@click.option("--update-endpoint", "update_endpoint", metavar="URL", help="The remote store's SPARQL update endpoint, for push ($MUNIGRAPH_UPDATE_ENDPOINT).")
@click.option("--graph-store", "graph_store", metavar="URL", help="The remote store's Graph Store HTTP Protocol address, for push ($MUNIGRAPH_GRAPH_STORE).")
@click.pass_context
def cli(ctx, store, config, base, lang, endpoint, update_endpoint, graph_store):
    """munigraph: a knowledge graph of partnerships between municipalities.

    \b
    Typical use:
      munigraph build                      # load data/, derive, validate, swap in
      munigraph info                       # what the graph holds
      munigraph queries                    # the named queries and their parameters
      munigraph query partners --param municipality=Koszalin --format csv

    Credentials of a remote store come from the environment (MUNIGRAPH_AUTH, MUNIGRAPH_USER, MUNIGRAPH_PASSWORD,
    MUNIGRAPH_TOKEN) or the [remote] table of munigraph.toml, never from options.
    """
    settings = load_settings(config)
    settings = settings.with_overrides(store=store, base=check_base(base) if base else None)
    given = {k: v for k, v in (("endpoint", endpoint), ("update_endpoint", update_endpoint), ("graph_store", graph_store)) if v}
    if given:
        settings = settings.with_overrides(remote=dataclasses.replace(settings.remote, **given))
    ctx.obj = Context(settings, lang)


@cli.command()
@click.option("--data", "data", multiple=True, type=click.Path(path_type=Path), help="Data folder or file(s) (default: data/). Repeatable.")
@click.option("--full", is_flag=True, help="Build from scratch even if only some data files changed.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def build(obj: Context, data, full, fmt):
    """Load the ontology and data, derive relations, validate, and swap the new store in.

    When only some data files changed since the last build, only their work is re-done (by content hash);
    --full rebuilds everything. A failed build (bad Turtle, violations) exits non-zero and leaves the previous
    store answering queries.
    """
    with _progress() as progress:
        task = progress.add_task("building", total=None)

        def step(message, done, total):
            progress.update(task, description=message, completed=done, total=total or None)

        try:
            report = build_mod.build(obj.settings, list(data) or None, progress=step, full=full)
        except ValidationFailed as exc:
            progress.stop()
            err.print(exc.validation.as_text(), markup=False, highlight=False)
            raise
    if fmt == "json":
        click.echo(json.dumps(info_mod.build_summary(report), ensure_ascii=False, indent=2))
    else:
        err.print(info_mod.build_text(report), markup=False, highlight=False)
        if report.validation and report.validation.warnings:
            err.print(report.validation.as_text(), markup=False, highlight=False)


@cli.command()
@click.option("--data", "data", multiple=True, type=click.Path(path_type=Path), help="Data folder or file(s) to validate (default: data/). Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True)
@click.pass_obj
def validate(obj: Context, data, fmt):
    """Validate data files against the SHACL shapes (in memory; the store is not touched).

    With --endpoint, validate the remote store's graphs instead (read into memory, then the build's checks).
    Exit 0 when the data conforms (warnings allowed), 1 on violations.
    """
    if obj.endpoint:
        if data:
            raise MunigraphError("--data validates local files; with --endpoint the remote store's graphs are validated")
        from . import incremental
        from . import validate as validate_mod
        # the snapshot's default graph is the merge of its named graphs, as in a build: read that alone
        validation = validate_mod.validate_store(incremental.MergedView(obj.snapshot().ox), obj.settings)
    else:
        validation = build_mod.check(obj.settings, list(data) or None).validation
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
@click.option("--agreements-per-page", default=50, show_default=True, type=click.IntRange(min=1),
              help="A local government's page lists its latest agreements, this many, and links to all of them.")
@click.option("--allow-service", "allowed_services", multiple=True, metavar="URL", help="A SPARQL endpoint that SERVICE may call. Repeatable.")
@click.option("--log-level", default="info", show_default=True, type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.pass_obj
def serve(obj: Context, host, port, allow_update, timeout, max_rows, max_request_bytes, workers, agreements_per_page,
          allowed_services, log_level):
    """Serve the store over HTTP: SPARQL 1.1 endpoint at /sparql, entity pages under /id/, named queries under /api/.

    Read-only unless started with --allow-update (and then updates need MUNIGRAPH_UPDATE_TOKEN).
    """
    import os

    import uvicorn

    from .web.app import ServerOptions, create_app

    token = os.environ.get("MUNIGRAPH_UPDATE_TOKEN")
    if allow_update and obj.endpoint:
        raise MunigraphError("--allow-update serves the embedded store; a remote store is changed with `munigraph push`")
    if allow_update and not token:
        raise MunigraphError("--allow-update needs a token in the environment variable MUNIGRAPH_UPDATE_TOKEN")
    options = ServerOptions(allow_update=allow_update, update_token=token, timeout=timeout, max_rows=max_rows,
                            max_request_bytes=max_request_bytes, workers=workers, agreements_per_page=agreements_per_page,
                            allowed_services=list(allowed_services),
                            remote=obj.settings.remote if obj.endpoint else None)
    app = create_app(obj.settings, options)
    err.print(f"munigraph: serving {app.state.server.location} on http://{host}:{port}/ (SPARQL at /sparql)")
    # httptools and uvloop (dependencies) parse HTTP and run the event loop in C, uvicorn's fastest choice; one
    # access-log line per request costs as much as a lookup, so requests are logged from `info` down only.
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=log_level in ("info", "debug"),
                http="auto", loop="auto")


@cli.command("export")
@click.option("--out", "out", default="dist", show_default=True, type=click.Path(path_type=Path), help="The release folder to write (replaced atomically).")
@click.option("--release", "release", help="Version of the release (default: the date, YYYY.MM.DD).")
@click.option("--site", "site", type=click.Path(path_type=Path), help="Also write a static linked-data site into this folder.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def export_cmd(obj: Context, out, release, site, fmt):
    """Write a release for open-data portals: dumps, CSV + CSVW, DCAT-AP catalog, VoID, ontology docs, README.

    Written into a temporary folder and swapped in only when complete; a failed export leaves OUT as it was.
    Publisher, licence, download address and contact come from the [publish] table of munigraph.toml.
    """
    from .export import export

    store = obj.snapshot() if obj.endpoint else None
    with err.status("exporting") as status:
        report = export(obj.settings, out, release=release, site=site, progress=lambda m: status.update(m), store=store)
    if fmt == "json":
        click.echo(json.dumps({"out": str(report.out), "release": report.release,
                               "files": [f.__dict__ for f in report.files]}, ensure_ascii=False, indent=2))
    else:
        err.print(f"wrote release {report.release} to {report.out}/: {len(report.files)} files", markup=False, highlight=False)
        for f in sorted(report.files, key=lambda f: f.path):
            click.echo(f"{f.sha256}  {f.size:>10}  {f.path}")


@cli.command("push")
@click.option("--chunk-size", default=5000, show_default=True, type=int, help="Triples per upload request.")
@click.option("--throttle", default=0.0, show_default=True, type=float, help="Seconds to wait between upload requests (to spare a shared endpoint).")
@click.option("--timeout", type=float, help="Seconds per request (default 60, or [remote] timeout).")
@click.option("--keep-other-graphs", is_flag=True, help="Keep graphs of an earlier push that the build no longer has.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def push_command(obj: Context, chunk_size, throttle, timeout, keep_other_graphs, fmt):
    """Upload the built graph to the remote store (--endpoint and --update-endpoint, optionally --graph-store).

    Every named graph is uploaded into a temporary graph first, then all are swapped in with one SPARQL Update
    request, and the triple counts per graph are checked. A failed or interrupted push leaves the remote's
    previous graphs answering as before, and says so.
    """
    import signal

    from . import push as push_mod

    if not obj.endpoint:
        raise MunigraphError("push needs the remote store: --endpoint URL and --update-endpoint URL (or MUNIGRAPH_ENDPOINT, MUNIGRAPH_UPDATE_ENDPOINT)")
    config = obj.settings.remote if timeout is None else dataclasses.replace(obj.settings.remote, timeout=timeout)
    local = EmbeddedStore.open(obj.settings.store)

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with _progress() as progress:
            task = progress.add_task("pushing", total=None)
            report = push_mod.push(local, config, chunk_size=chunk_size, throttle=throttle, prune=not keep_other_graphs,
                                   progress=lambda m, done, total: progress.update(task, description=m, completed=done, total=total),
                                   say=lambda m: err.print(m, markup=False, highlight=False))
    finally:
        signal.signal(signal.SIGTERM, previous)
    if fmt == "json":
        click.echo(json.dumps({"endpoint": report.endpoint, "graphs": report.graphs, "before": report.before,
                               "dropped": report.dropped, "leftovers_removed": report.leftovers, "chunks": report.chunks,
                               "seconds": round(report.seconds, 3), "warnings": report.warnings}, ensure_ascii=False, indent=2))
    else:
        changed = sum(1 for g, n in report.graphs.items() if report.before.get(g) != n)
        err.print(f"pushed {len(report.graphs)} graphs ({sum(report.graphs.values())} triples, {report.chunks} requests) to "
                  f"{report.endpoint} in {report.seconds:.1f} s; counts checked; {changed} graph(s) changed in size"
                  + (f"; dropped {len(report.dropped)} graph(s) the build no longer has" if report.dropped else ""),
                  markup=False, highlight=False)
    for warning in report.warnings:
        err.print(f"munigraph: warning: {warning}", markup=False, highlight=False)


@cli.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_cmd(old, new, fmt):
    """What changed between two releases (folders or dump files): entities, status changes, facts per source."""
    from .export import diff as diff_mod

    change = diff_mod.compare(old, new)
    if fmt == "json":
        click.echo(json.dumps(change.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(diff_mod.as_text(change))


# --- network analytics ----------------------------------------------------------------------------------

def _projection_options(f):
    f = click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only partnerships active on this date (YYYY-MM-DD).")(f)
    f = click.option("--status", "statuses", multiple=True, type=click.Choice(["active", "suspended", "terminated", "expired", "unknown", "all"]),
                     help="Partnerships of this status (default: active). Repeatable; `all` for every status.")(f)
    f = click.option("--country", "countries", multiple=True, metavar="CC", help="Only partnerships with a party in this country (ISO code). Repeatable.")(f)
    return f


def _projection(obj: "Context", as_of, statuses, countries, around: str | None = None):
    from .network import Projection, project
    chosen = set(statuses or ["active"])
    if "all" in chosen:
        chosen = set()
    options = Projection(as_of=as_of.date() if as_of else None, statuses=chosen,
                         countries={c.upper() for c in countries}, lang=obj.languages[0], around=around)
    return project(obj.open_store(), options)


def _resolve(obj: "Context", name: str, what: str = "municipality") -> str:
    from .resolve import Resolver
    return str(Resolver(obj.open_store(), obj.settings.base, obj.languages).municipality(name, what))


@cli.group()
def network():
    """The partnership network: figures, chains between two cities, exports for Gephi, Cytoscape and R."""


@network.command("stats")
@_projection_options
@click.option("--top", default=10, show_default=True, help="How many of the most central local governments to list.")
@click.option("--seed", default=42, show_default=True, help="Seed of the samples and of Louvain.")
@click.option("--sample", default=200, show_default=True, help="Sample size (sources) for path lengths and betweenness on graphs over 3,000 nodes.")
@click.option("--write", is_flag=True, help="Store the figures in the graph mgg:network, so SPARQL can use them.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def network_stats(obj, as_of, statuses, countries, top, seed, sample, write, fmt):
    """Nodes, edges, components, density, degrees, clustering, assortativity, paths, centrality, communities."""
    from . import network as net
    with err.status("computing"):
        graph = _projection(obj, as_of, statuses, countries)
        figures = net.stats(graph, top=top, seed=seed, sample=sample)
    if write:
        from . import network_store
        written = network_store.write(obj.settings, graph, figures, {"top": top, "seed": seed, "sample": sample})
        err.print(f"stored {written} triples in {network_store.NETWORK_GRAPH}", markup=False, highlight=False)
    if fmt == "json":
        click.echo(json.dumps(net.public(figures), ensure_ascii=False, indent=2))
    else:
        net.print_stats(net.public(figures), Console(width=160))


@network.command("path")
@click.argument("a")
@click.argument("b")
@_projection_options
@click.option("--k", default=3, show_default=True, help="How many shortest chains.")
@click.option("--active-only", is_flag=True, help="Only active partnerships (the default status filter; kept for clarity).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def network_path(obj, a, b, as_of, statuses, countries, k, active_only, fmt):
    """The shortest chains of partnerships from A to B, each hop with its start, status and source."""
    from . import network as net
    if active_only:
        statuses = ("active",)
    source, target = _resolve(obj, a, "A"), _resolve(obj, b, "B")
    graph = _projection(obj, as_of, statuses, countries)
    chains = net.describe_paths(graph, net.paths(graph, source, target, k))
    if fmt == "json":
        click.echo(json.dumps(chains, ensure_ascii=False, indent=2))
        return
    if not chains:
        err.print(f"no chain of partnerships links {a} and {b} in this network", markup=False)
        sys.exit(1)
    for number, chain in enumerate(chains, 1):
        click.echo(f"{number}. " + " – ".join(step["label"] for step in chain["nodes"]) + f"  ({chain['length']} hop(s))")
        for hop in chain["hops"]:
            click.echo(f"     {hop['from_label']} – {hop['to_label']}: since {hop['start'] or '?'}, {hop['status']}; {hop['sources']}")


@network.command("export")
@_projection_options
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "csv"]), required=True)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="File (graphml, gexf) or folder (csv: nodes.csv and edges.csv).")
@click.pass_obj
def network_export(obj, as_of, statuses, countries, fmt, out):
    """Write the network for Gephi, Cytoscape or R, with node and edge attributes."""
    from . import network as net
    graph = _projection(obj, as_of, statuses, countries)
    written = net.export(graph, fmt, out)
    err.print(f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges to {', '.join(map(str, written))}", markup=False)


@cli.command()
@click.argument("municipality", required=False)
@_projection_options
@click.option("--top", default=10, show_default=True)
@click.option("--method", type=click.Choice(["common", "adamic-adar", "resource-allocation", "jaccard"]), default="common", show_default=True)
@click.option("--candidate-country", "candidate_countries", multiple=True, metavar="CC", help="Only candidates in this country. Repeatable.")
@click.option("--include-linked", is_flag=True, help="Also rank local governments already linked by a partnership of any status.")
@click.option("--evaluate", is_flag=True, help="Backtest every method on the graph's own history (see --before).")
@click.option("--before", type=int, help="Backtest: hide partnerships that started in or after this year.")
@click.option("--k", "ks", multiple=True, type=int, help="Backtest: precision/recall at k (default 10, 50, 100).")
@click.option("--seed", default=42, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def suggest(obj, municipality, as_of, statuses, countries, top, method, candidate_countries, include_linked, evaluate, before, ks, seed, fmt):
    """Candidate partners by shared partners (triadic closure), each with the reason in words; or a backtest."""
    from . import suggest as suggest_mod
    if evaluate:
        if before is None:
            raise MunigraphError("--evaluate needs --before YEAR: the partnerships that started in or after it are hidden and predicted")
        graph = _projection(obj, None, ("all",), countries)
        report = suggest_mod.backtest(graph, before, ks=list(ks) or [10, 50, 100], seed=seed)
        if fmt == "json":
            click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            suggest_mod.print_backtest(report, Console(width=160))
        return
    if not municipality:
        raise MunigraphError("give a MUNICIPALITY (or --evaluate --before YEAR)")
    target = _resolve(obj, municipality)
    # common neighbours, Adamic-Adar and resource allocation need only two hops around the municipality;
    # Jaccard needs the candidates' own partners too, so it reads the whole network
    graph = _projection(obj, as_of, statuses, countries, around=None if method == "jaccard" else target)
    linked = set() if include_linked else suggest_mod.linked_ever(obj.open_store(), target, as_of.date() if as_of else None)
    rows = suggest_mod.suggest(graph, target, method=method, top=top, exclude=linked,
                               countries={c.upper() for c in candidate_countries})
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for number, row in enumerate(rows, 1):
        click.echo(f"{number:>2}. {row['label']} ({row['country']})  score {row['score']:.3f}  — {row['explanation']}")
    if not rows:
        err.print("no candidates: no local government shares a partner with it in this network", markup=False)


@cli.group()
def plot():
    """Pictures: a municipality's partner network, a map of its partners, a timeline, the degree distribution."""


def _size_options(f):
    f = click.option("--width", default=1200, show_default=True, help="Width in pixels.")(f)
    f = click.option("--height", default=900, show_default=True, help="Height in pixels.")(f)
    f = click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="FILE.png or FILE.svg")(f)
    return f


@plot.command("ego")
@click.argument("municipality")
@_projection_options
@click.option("--depth", default=2, show_default=True)
@_size_options
@click.pass_obj
def plot_ego(obj, municipality, as_of, statuses, countries, depth, out, width, height):
    """The municipality's partner network, labelled, coloured by country, edge style by status."""
    from . import plot as plot_mod
    target = _resolve(obj, municipality)
    graph = _projection(obj, as_of, statuses or ("all",), countries)
    plot_mod.ego(graph, target, out, depth=depth, width=width, height=height)
    err.print(f"wrote {out}", markup=False)


@plot.command("map")
@click.argument("municipality")
@_projection_options
@_size_options
@click.pass_obj
def plot_map(obj, municipality, as_of, statuses, countries, out, width, height):
    """Its partners placed by their coordinates, with lines to them (no map tiles)."""
    from . import plot as plot_mod
    target = _resolve(obj, municipality)
    graph = _projection(obj, as_of, statuses or ("all",), countries)
    plot_mod.map_(graph, target, out, width=width, height=height)
    err.print(f"wrote {out}", markup=False)


@plot.command("timeline")
@click.argument("a")
@click.argument("b")
@_size_options
@click.pass_obj
def plot_timeline(obj, a, b, out, width, height):
    """The events and agreements between A and B on a time axis, labelled."""
    from . import plot as plot_mod
    named = queries_mod.run_named(obj.open_store(), "timeline", {"a": [a], "b": [b]}, obj.settings.base, obj.languages)
    rows = [dict(zip(named.variables, row)) for row in named.rows]
    resolver_labels = (named.bound["a"], named.bound["b"])
    from .resolve import Resolver
    resolver = Resolver(obj.open_store(), obj.settings.base, obj.languages)
    plot_mod.timeline(rows, resolver.label(str(resolver_labels[0])), resolver.label(str(resolver_labels[1])), out, width=width, height=height)
    err.print(f"wrote {out}", markup=False)


@plot.command("degrees")
@_projection_options
@_size_options
@click.pass_obj
def plot_degrees(obj, as_of, statuses, countries, out, width, height):
    """The degree distribution (log-log)."""
    from . import plot as plot_mod
    graph = _projection(obj, as_of, statuses, countries)
    plot_mod.degrees(graph, out, width=width, height=height)
    err.print(f"wrote {out}", markup=False)


@cli.command()
@click.option("--size", type=click.Choice(["S", "M", "L"], case_sensitive=False), default="S", show_default=True,
              help="S about 50,000 triples, M about 500,000, L about 5 million.")
@click.option("--seed", default=1, show_default=True, help="The same seed gives the same files.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Folder for the data files (replaced when complete).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def generate(size, seed, out, fmt):
    """Write a synthetic but realistic data set in the project's data format (for benchmarks): build it with
    `munigraph build --data OUT`."""
    from . import generate as generate_mod
    with _progress() as progress:
        task = progress.add_task("generating", total=None)
        summary = generate_mod.generate(size.upper(), seed, out,
                                        progress=lambda message, done, total: progress.update(task, description=message, completed=done, total=total or None))
    if fmt == "json":
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        err.print(generate_mod.summary_text(summary), markup=False, highlight=False)


class _LazyGroup(click.Group):
    """A group whose subcommands live in their own modules (imported only when used, to keep startup fast)."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx, name):
        if name in self.lazy:
            import importlib
            module, attribute = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@cli.group("import", cls=_LazyGroup, lazy={"csv": "munigraph.importers.csv_list:command",
                                           "wikidata": "munigraph.importers.wikidata:command"})
def import_group():
    """Import partnerships from outside sources into a data file (one named graph per import, with its source)."""


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
