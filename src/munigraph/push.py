"""`munigraph push`: upload the built graph to a remote store so that readers never see a half-replaced graph.

    1. upload   every named graph of the local build goes, in chunks, into its own temporary graph
                urn:munigraph:push:<stamp>:<n> (Graph Store HTTP Protocol POST when a graph store is given, else
                SPARQL INSERT DATA). Its IRIs are *staged*: written as urn:munigraph:staged:<IRI>, so no reader's
                query that names an entity, a class or a property matches them, even through a default graph
                that is the union of all graphs. Triples that share a blank node stay in one chunk.
    2. check    the temporary graphs hold as many triples as the local graphs; otherwise stop here.
    3. swap     ONE SPARQL Update request replaces every graph: for each, drop it and insert the temporary graph's
                triples with their IRIs restored, then drop the temporary graph; graphs of an earlier push
                (under https://w3id.org/munigraph/graph/) that the build no longer has are dropped with it.
                On engines that run an update request as one transaction (Oxigraph, Virtuoso) readers see the
                old graphs or the new ones, never a mix.
    4. verify   the remote's triple count per graph equals the local one.

An interrupted or failed push before the swap (an error, Ctrl-C, SIGTERM) drops its temporary graphs and says that
no graph was replaced; a push killed outright leaves staged temporary graphs, which answer no named query and which
the next push removes. Requests have a time limit and are retried with backoff on 429 and 503 (after Retry-After).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable

import pyoxigraph as ox

from .errors import MunigraphError
from .remote import STAGED, STAGING, Http, RemoteConfig, RemoteError, RemoteStore
from .store import EmbeddedStore
from .vocab import MGG

Progress = Callable[[str, int, int], None]


class PushFailed(MunigraphError):
    """The push stopped; the message says which graphs of the remote were replaced (none, unless it says so)."""


@dataclass
class PushReport:
    endpoint: str
    graphs: dict[str, int] = field(default_factory=dict)     # graph -> triples (local = remote after the push)
    before: dict[str, int] = field(default_factory=dict)     # graph -> triples on the remote before
    dropped: list[str] = field(default_factory=list)         # graphs of an earlier push the build no longer has
    leftovers: list[str] = field(default_factory=list)       # temporary graphs of an interrupted push, removed
    chunks: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _stage(term):
    return ox.NamedNode(STAGED + term.value) if isinstance(term, ox.NamedNode) else term


def chunks(triples: list, size: int) -> list[list]:
    """Triples in chunks of about `size`; triples connected through blank nodes stay in one chunk (a blank node
    means the same node only within one request)."""
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in triples:
        nodes = [n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        if len(nodes) == 2:
            parent[find(nodes[0])] = find(nodes[1])
    groups: dict = {}
    order: list = []
    for t in triples:
        node = t.subject if isinstance(t.subject, ox.BlankNode) else (t.object if isinstance(t.object, ox.BlankNode) else None)
        key = ("b", find(node)) if node is not None else ("t", len(order))
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(t)
    out: list[list] = []
    current: list = []
    for key in order:
        group = groups[key]
        if current and len(current) + len(group) > size:
            out.append(current)
            current = []
        current.extend(group)
    if current:
        out.append(current)
    return out


def _restore(term: str) -> str:
    return f"IF(isIRI({term}) && STRSTARTS(STR({term}), \"{STAGED}\"), IRI(STRAFTER(STR({term}), \"{STAGED}\")), {term})"


def swap_update(pairs: list[tuple[str, str]], drop: list[str]) -> str:
    """The one update request that replaces every graph by its temporary graph (restoring the staged IRIs)."""
    ops = []
    for graph, temp in pairs:
        ops.append(f"DROP SILENT GRAPH <{graph}>")
        ops.append(f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{temp}> {{ ?a ?b ?c }} "
                   f"BIND({_restore('?a')} AS ?s) BIND({_restore('?b')} AS ?p) BIND({_restore('?c')} AS ?o) }}")
        ops.append(f"DROP SILENT GRAPH <{temp}>")
    ops += [f"DROP SILENT GRAPH <{g}>" for g in drop]
    return " ;\n".join(ops)


def push(local: EmbeddedStore, config: RemoteConfig, *, chunk_size: int = 5000, throttle: float = 0.0,
         progress: Progress | None = None, say: Callable[[str], None] | None = None,
         prune: bool = True) -> PushReport:
    if not config.update_endpoint:
        raise MunigraphError("push needs an update endpoint: --update-endpoint URL or MUNIGRAPH_UPDATE_ENDPOINT "
                             "(Oxigraph: /update, Virtuoso: /sparql-auth, Fuseki: /DATASET/update, GraphDB: /repositories/ID/statements)")
    if chunk_size < 1:
        raise MunigraphError("--chunk-size must be at least 1")
    started = time.monotonic()
    remote = RemoteStore(config, say=say)
    http = Http(config, say=say)
    report = PushReport(config.endpoint)
    graphs = local.named_graphs()
    if not graphs:
        raise MunigraphError("the local store has no named graphs to push; run `munigraph build` first")

    # leftovers of a push that was killed, and what the remote holds now
    existing = remote.counts()
    report.before = {g: n for g, n in existing.items() if not g.startswith(STAGING)}
    report.leftovers = sorted(g for g in existing if g.startswith(STAGING))
    for g in report.leftovers:
        http.update(f"DROP SILENT GRAPH <{g}>", what=f"removing the leftover temporary graph <{g}>")
    if report.leftovers and say:
        say(f"removed {len(report.leftovers)} temporary graph(s) left by an interrupted push")

    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    temps = {g: f"{STAGING}{stamp}:{k}" for k, g in enumerate(graphs, 1)}
    content = {g: list(local.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in graphs}
    report.graphs = {g: len(q) for g, q in content.items()}
    total = sum(report.graphs.values())
    done = 0
    phase = "upload"
    try:
        for graph in graphs:
            temp = temps[graph]
            for chunk in chunks([q.triple for q in content[graph]], chunk_size):
                body = ox.serialize([ox.Triple(_stage(t.subject), _stage(t.predicate), _stage(t.object)) for t in chunk],
                                    format=ox.RdfFormat.N_TRIPLES)
                what = f"uploading {graph} ({done + len(chunk)}/{total})"
                if config.graph_store:
                    http.post_graph(temp, body, what=what)
                else:
                    http.update(f"INSERT DATA {{ GRAPH <{temp}> {{\n{body.decode('utf-8')}\n}} }}", what=what)
                done += len(chunk)
                report.chunks += 1
                if progress:
                    progress(f"uploading {graph.removeprefix(MGG)}", done, total)
                if throttle:
                    time.sleep(throttle)
        phase = "check"
        if progress:
            progress("checking the upload", done, total)
        uploaded = remote.counts()
        short = [f"<{g}>: {uploaded.get(temps[g], 0)} of {n}" for g, n in report.graphs.items() if uploaded.get(temps[g], 0) != n]
        if short:
            raise PushFailed("the upload is incomplete (temporary graph: triples arrived of sent): " + "; ".join(short[:5]))
        phase = "swap"
        if progress:
            progress("replacing the graphs", done, total)
        report.dropped = sorted(g for g in report.before if prune and g.startswith(MGG) and g not in report.graphs)
        http.update(swap_update([(g, temps[g]) for g in graphs], report.dropped), what="replacing the graphs")
    except BaseException as exc:
        reason = "interrupted" if isinstance(exc, (KeyboardInterrupt, SystemExit)) else str(exc)
        if phase != "swap":
            _drop_temps(http, temps.values())
            raise PushFailed(f"push stopped while {'uploading' if phase == 'upload' else 'checking the upload'} "
                             f"({reason}); no graph of the remote was replaced, its previous graphs answer as before") from None
        raise PushFailed(_after_failed_swap(remote, http, report, temps, reason)) from None

    # verify
    after = remote.counts()
    wrong = [f"<{g}>: {after.get(g, 0)} on the remote, {n} here" for g, n in report.graphs.items() if after.get(g, 0) != n]
    if wrong:
        raise PushFailed("after the push the triple counts differ: " + "; ".join(wrong[:5]))
    report.warnings += _check_union(remote, local, graphs)
    report.seconds = time.monotonic() - started
    return report


def _drop_temps(http: Http, temps) -> None:
    """Best effort, with a short time limit: the temporary graphs of this push."""
    quick = Http(RemoteConfig(**{**http.config.__dict__, "timeout": min(10.0, http.config.timeout), "retries": 1}))
    for temp in temps:
        try:
            quick.update(f"DROP SILENT GRAPH <{temp}>", what="removing a temporary graph")
        except (RemoteError, OSError):
            pass  # best effort: a staged leftover changes no answer, and the next push removes it


def _after_failed_swap(remote: RemoteStore, http: Http, report: PushReport, temps: dict, reason: str) -> str:
    try:
        now = remote.counts()
    except (RemoteError, OSError):
        return (f"push stopped while replacing the graphs ({reason}); the remote could not be asked which graphs were "
                f"replaced — run `munigraph push` again")
    moved = [g for g in report.graphs if temps[g] not in now]
    if len(moved) == len(report.graphs):
        return f"the swap request failed ({reason}), but every graph was replaced"
    _drop_temps(http, [temps[g] for g in report.graphs if g not in moved])
    if not moved:
        return f"push stopped while replacing the graphs ({reason}); no graph of the remote was replaced"
    return (f"push stopped while replacing the graphs ({reason}); replaced: {', '.join(moved)}; "
            f"not replaced: {', '.join(g for g in report.graphs if g not in moved)}")


def _check_union(remote: RemoteStore, local: EmbeddedStore, graphs: list[str]) -> list[str]:
    """The named queries need a default graph that is the union of the named graphs: say so when it is not."""
    for graph in graphs:
        for q in local.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            if isinstance(q.subject, ox.NamedNode) and not isinstance(q.object, ox.BlankNode):
                if not remote.query(f"ASK {{ {q.subject} {q.predicate} {q.object} }}"):
                    return ["the remote's default graph is not the union of its named graphs, which the named queries "
                            "need (Oxigraph: start it with --union-default-graph; Fuseki: tdb2:unionDefaultGraph true)"]
                return []
    return []
