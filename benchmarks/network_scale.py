"""Scale of the network commands: a synthetic network of 100,000 local governments and 150,000 partnerships.

The partnerships are written as RDF (with the derived statuses and start dates that the projection reads) into an
embedded store laid out as `munigraph build` lays it out; then the real code paths are timed: the network index
that the build saves (the one projection query over the whole graph), the projection read from that index,
`network stats` with sampling, and `suggest` for one municipality, in the library and as whole commands
(`munigraph network stats`, `munigraph suggest`, each a new process). Medians of --repeat runs.
Not a test: run `make bench-network`.

    python benchmarks/network_scale.py [--nodes 100000] [--edges 150000] [--repeat 3] [--out benchmarks/NETWORK.md]
"""

from __future__ import annotations

import argparse
import os
import datetime as dt
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from munigraph import network as net
from munigraph import suggest as sg
from munigraph.store import EmbeddedStore
from munigraph.vocab import DEFAULT_BASE, MG, MGV, XSD

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def synthetic(nodes: int, edges: int, seed: int) -> nx.Graph:
    """Heavy-tailed degrees (preferential attachment) plus edges within countries (assortative by country)."""
    rng = random.Random(seed)
    g = nx.barabasi_albert_graph(nodes, 1, seed=seed)
    countries = [f"C{i:02d}" for i in range(40)]
    country = {n: countries[min(39, int(rng.paretovariate(1.2))) if rng.random() < 0.5 else rng.randrange(40)] for n in g}
    by_country: dict[str, list[int]] = {}
    for n, c in country.items():
        by_country.setdefault(c, []).append(n)
    count = g.number_of_edges()  # (number_of_edges() walks every node: keep the count here)
    while count < edges:
        a = rng.randrange(nodes)
        pool = by_country[country[a]] if rng.random() < 0.7 else range(nodes)
        b = rng.choice(pool)
        if a != b and not g.has_edge(a, b):
            g.add_edge(a, b)
            count += 1
    nx.set_node_attributes(g, country, "country")
    return g


def to_store(g: nx.Graph, path: Path, seed: int) -> ox.Store:
    rng = random.Random(seed)
    store = ox.Store(str(path))
    gov = lambda n: ox.NamedNode(f"{DEFAULT_BASE}gov/xx/g{n}")
    quads = []
    for n, data in g.nodes(data=True):
        quads += [ox.Quad(gov(n), RDF_TYPE, ox.NamedNode(MG + "LocalGovernment")),
                  ox.Quad(gov(n), LABEL, ox.Literal(f"Gmina {n}", language="en")),
                  ox.Quad(gov(n), ox.NamedNode(MG + "country"), ox.NamedNode(f"{DEFAULT_BASE}country/{data['country'].lower()}")),
                  ox.Quad(ox.NamedNode(f"{DEFAULT_BASE}country/{data['country'].lower()}"), ox.NamedNode(MG + "countryCode"), ox.Literal(data["country"]))]
    for k, (a, b) in enumerate(g.edges()):
        p = ox.NamedNode(f"{DEFAULT_BASE}partnership/s{k}")
        year = rng.randint(1950, 2025)
        status = "active" if rng.random() < 0.9 else rng.choice(["suspended", "terminated"])
        quads += [ox.Quad(p, RDF_TYPE, ox.NamedNode(MG + "Partnership")),
                  ox.Quad(p, ox.NamedNode(MG + "partner"), gov(a)), ox.Quad(p, ox.NamedNode(MG + "partner"), gov(b)),
                  ox.Quad(p, ox.NamedNode(MG + "effectiveStartDate"), ox.Literal(str(year), datatype=ox.NamedNode(XSD + "gYear"))),
                  ox.Quad(p, ox.NamedNode(MG + "currentStatus"), ox.NamedNode(MGV + "status-" + status))]
    store.bulk_extend(quads)
    store.flush()
    return store


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def command_time(args: list[str], repeat: int) -> float:
    """Median wall time of a whole `munigraph` command (a new process each time, as a user runs it)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "munigraph", *args], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/NETWORK.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = Path(tmp) / "store"
        build_dir = store_dir / "builds" / "bench"
        build_dir.parent.mkdir(parents=True)
        t = time.perf_counter()
        g = synthetic(args.nodes, args.edges, args.seed)
        oxstore = to_store(g, build_dir, args.seed)
        setup = time.perf_counter() - t
        (store_dir / "current").symlink_to(Path("builds") / "bench")
        store = EmbeddedStore(oxstore, build_dir)
        t = time.perf_counter()
        net.save_index(store, build_dir)  # what the build does once, at its end
        index_time = time.perf_counter() - t
        query_time, _ = median_time(lambda: net.fetch_index(store), 1)
        projection, graph = median_time(lambda: net.project(store, net.Projection(statuses=set())), args.repeat)
        stats_time, figures = median_time(lambda: net.stats(graph, sample=200, seed=args.seed), args.repeat)
        hub = max(graph.degree(), key=lambda kv: kv[1])[0]
        typical = sorted(graph.nodes())[len(graph) // 2]
        suggest_hub, _ = median_time(lambda: sg.suggest(graph, hub, top=10), args.repeat)
        suggest_typical, _ = median_time(lambda: sg.suggest(graph, typical, top=10), args.repeat)
        # what `munigraph suggest` does: the two hops around the municipality from the index, then the scores
        library_hub, _ = median_time(lambda: sg.suggest(net.project(store, net.Projection(statuses=set(), around=hub)), hub, top=10), args.repeat)
        library_typical, _ = median_time(lambda: sg.suggest(net.project(store, net.Projection(statuses=set(), around=typical)), typical, top=10), args.repeat)
        del oxstore, store
        base = ["--store", str(store_dir)]
        command_stats = command_time(base + ["network", "stats", "--status", "all", "--format", "json"], args.repeat)
        command_hub = command_time(base + ["suggest", hub, "--status", "all", "--format", "json"], args.repeat)
        command_typical = command_time(base + ["suggest", typical, "--status", "all", "--format", "json"], args.repeat)
        command_version = command_time(["--version"], args.repeat)
    lines = [
        "# Network commands at scale",
        "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} ({platform.processor() or 'cpu'}, {os.cpu_count()} cores), "
        f"Python {platform.python_version()}, medians of {args.repeat} runs; synthetic network, seed {args.seed} "
        "(`make bench-network`).",
        "",
        f"- network: {graph.number_of_nodes():,} local governments, {graph.number_of_edges():,} partnerships "
        f"(generated and loaded in {setup:.1f} s)",
        f"- build step, once per build: the network index (the projection query over the whole graph, {query_time:.1f} s, "
        f"saved as SQLite): {index_time:.1f} s",
        f"- projection read from the index: {projection:.2f} s",
        f"- `network stats` figures (paths and betweenness sampled from {figures['path_method']['sources']} sources, "
        f"seed {args.seed}, igraph): {stats_time:.2f} s",
        f"- `network stats` in the library (projection + figures): {projection + stats_time:.2f} s; "
        f"as a command: {command_stats:.2f} s (target: 60 s)",
        f"- `suggest`, scoring alone on the projected network: {suggest_hub * 1000:.1f} ms for the largest hub "
        f"(degree {graph.degree(hub)}), {suggest_typical * 1000:.1f} ms for a typical node",
        f"- `suggest` in the library (two hops read from the index + scores): {library_hub:.2f} s for the largest hub, "
        f"{library_typical:.3f} s for a typical node",
        f"- `suggest` as a command: {command_hub:.2f} s for the largest hub, {command_typical:.2f} s for a typical node "
        f"(target: 1 s), of which starting Python and munigraph (`munigraph --version`) takes {command_version:.2f} s",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
