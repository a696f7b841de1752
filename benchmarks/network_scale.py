"""Scale of the network commands: a synthetic network of 100,000 local governments and 150,000 partnerships.

The partnerships are written as RDF (with the derived statuses and start dates that the projection reads) into an
embedded store; then the real code paths are timed: the projection from the store by SPARQL, `network stats` with
sampling, and `suggest` for one municipality. Medians of --repeat runs. Not a test: run `make bench-network`.

    python benchmarks/network_scale.py [--nodes 100000] [--edges 150000] [--repeat 3] [--out benchmarks/NETWORK.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/NETWORK.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        g = synthetic(args.nodes, args.edges, args.seed)
        oxstore = to_store(g, Path(tmp) / "store", args.seed)
        setup = time.perf_counter() - t
        store = EmbeddedStore(oxstore)
        projection, graph = median_time(lambda: net.project(store, net.Projection(statuses=set())), args.repeat)
        stats_time, figures = median_time(lambda: net.stats(graph, sample=200, seed=args.seed), args.repeat)
        hub = max(graph.degree(), key=lambda kv: kv[1])[0]
        typical = sorted(graph.nodes())[len(graph) // 2]
        suggest_hub, _ = median_time(lambda: sg.suggest(graph, hub, top=10), args.repeat)
        suggest_typical, _ = median_time(lambda: sg.suggest(graph, typical, top=10), args.repeat)
        # what `munigraph suggest` does: the two-hop projection around the municipality, then the scores
        command_hub, _ = median_time(lambda: sg.suggest(net.project(store, net.Projection(statuses=set(), around=hub)), hub, top=10), args.repeat)
        command_typical, _ = median_time(lambda: sg.suggest(net.project(store, net.Projection(statuses=set(), around=typical)), typical, top=10), args.repeat)
    lines = [
        "# Network commands at scale",
        "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} ({platform.processor() or 'cpu'}), Python {platform.python_version()}, "
        f"medians of {args.repeat} runs; synthetic network, seed {args.seed}.",
        "",
        f"- network: {graph.number_of_nodes():,} local governments, {graph.number_of_edges():,} partnerships "
        f"(generated and loaded in {setup:.1f} s)",
        f"- projection from the store (one SPARQL query): {projection:.2f} s",
        f"- `network stats` figures (paths and betweenness sampled: {figures['path_method']}, {figures['betweenness_method']}): {stats_time:.2f} s",
        f"- `network stats` in all (projection + figures): {projection + stats_time:.2f} s (target: 60 s)",
        f"- scoring alone, on the projected network: {suggest_hub * 1000:.1f} ms for the largest hub (degree {graph.degree(hub)}), {suggest_typical * 1000:.1f} ms for a typical node",
        f"- `suggest` as the command runs it (two-hop projection from the store + scores): {command_hub:.2f} s for the largest hub, "
        f"{command_typical:.2f} s for a typical node (target: 1 s)",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
