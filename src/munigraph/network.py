"""The partnership network as a networkx graph, and the figures researchers compute on it.

The projection reads the store with two bulk SPARQL queries (partnerships with their start, end, status and
sources; local governments with label, country and coordinates), never triple by triple, so it runs the same on
the embedded store and on a remote SPARQL endpoint. Nodes are local governments, edges partnerships.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from dataclasses import dataclass, field

import networkx as nx
from rdflib import Literal
from rdflib.namespace import XSD

from .errors import MunigraphError
from .sparqltext import bind
from .vocab import MGV, prefix_block

STATUSES = ("active", "suspended", "terminated", "expired", "unknown")
EXACT_LIMIT = 3000  # above this many nodes in the largest component, path figures are sampled

EDGES = """
SELECT ?p ?a ?b (SAMPLE(?st) AS ?start) (SAMPLE(?en) AS ?end) (SAMPLE(?status0) AS ?status)
       (GROUP_CONCAT(DISTINCT STR(?address); separator=" ") AS ?sources)
WHERE {
  ?p a mg:Partnership ; mg:partner ?a , ?b .
  FILTER(STR(?a) < STR(?b))
  OPTIONAL { ?p mg:effectiveStartDate ?st }
  OPTIONAL { ?p mg:statusChange ?ending . ?ending mg:status ?endStatus ; mg:date ?en .
             FILTER(?endStatus IN (mgv:status-terminated, mgv:status-expired)) }
  OPTIONAL { ?p mg:currentStatus ?current }
  OPTIONAL {
    ?p mg:statusChange ?change . ?change mg:status ?then ; mg:sortDate ?changeDate .
    FILTER(BOUND(?date) && ?changeDate <= ?date)
    FILTER NOT EXISTS { ?change mg:statusUntil ?until . FILTER(?until <= ?date) }
  }
  BIND(IF(BOUND(?date), ?then, ?current) AS ?status0)
  OPTIONAL { GRAPH ?g { ?p mg:partner ?b } ?g prov:wasDerivedFrom/mg:address ?address . }
}
GROUP BY ?p ?a ?b
"""

NODES = """
SELECT ?g (SAMPLE(?preferred) AS ?label) (SAMPLE(?anyLabel) AS ?fallback) (SAMPLE(?cc) AS ?country)
       (SAMPLE(?la) AS ?lat) (SAMPLE(?lo) AS ?lon)
WHERE {
  ?g a ?class . VALUES ?class { mg:LocalGovernment mg:RegionalGovernment }
  OPTIONAL { ?g rdfs:label ?preferred . FILTER(LANGMATCHES(LANG(?preferred), ?lang)) }
  OPTIONAL { ?g rdfs:label ?anyLabel }
  OPTIONAL { ?g mg:country/mg:countryCode ?cc }
  OPTIONAL { ?g mg:governs ?place . ?place mg:latitude ?la ; mg:longitude ?lo }
}
GROUP BY ?g
"""


@dataclass
class Projection:
    as_of: dt.date | None = None
    statuses: set[str] = field(default_factory=lambda: {"active"})  # empty set: every status
    countries: set[str] = field(default_factory=set)  # ISO alpha-2; an edge is kept if either end is in one
    lang: str = "en"


def project(store, options: Projection | None = None) -> nx.Graph:
    options = options or Projection()
    unknown = set(options.statuses) - set(STATUSES)
    if unknown:
        raise MunigraphError(f"status {', '.join(sorted(unknown))}: expected one of {', '.join(STATUSES)} (or all)")
    date = None if options.as_of is None else Literal(options.as_of.isoformat(), datatype=XSD.date)
    edges = store.select(bind(prefix_block() + EDGES, {"date": date}))
    nodes = store.select(bind(prefix_block() + NODES, {"lang": Literal(options.lang)}))
    attributes = {}
    for g, label, fallback, country, lat, lon in nodes.rows:
        attributes[str(g)] = {
            "label": str(label if label is not None else (fallback if fallback is not None else g)),
            "country": str(country) if country is not None else "",
            **({"lat": float(lat), "lon": float(lon)} if lat is not None and lon is not None else {}),
        }
    graph = nx.Graph(as_of=options.as_of.isoformat() if options.as_of else "", statuses=",".join(sorted(options.statuses)) or "all")
    for p, a, b, start, end, status, sources in edges.rows:
        status_name = str(status).removeprefix(MGV + "status-") if status is not None else "unknown"
        if options.as_of is not None and status is None:
            continue  # not yet started (or its start is unknown) on that date
        if options.statuses and status_name not in options.statuses:
            continue
        a, b = str(a), str(b)
        if options.countries and not ({attributes.get(a, {}).get("country"), attributes.get(b, {}).get("country")} & options.countries):
            continue
        for node in (a, b):
            if node not in graph:
                graph.add_node(node, **attributes.get(node, {"label": node, "country": ""}))
        graph.add_edge(a, b, partnership=str(p), start=str(start) if start is not None else "",
                       end=str(end) if end is not None else "", status=status_name, sources=str(sources or ""))
    return graph


# --- figures ---------------------------------------------------------------------------------

def _ranked(values: dict, graph: nx.Graph, top: int) -> list[dict]:
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], graph.nodes[kv[0]].get("label", kv[0])))
    return [{"id": n, "label": graph.nodes[n].get("label", n), "country": graph.nodes[n].get("country", ""),
             "value": v if isinstance(v, int) else round(float(v), 6)} for n, v in ordered[:top]]


def stats(graph: nx.Graph, top: int = 10, seed: int = 42, sample: int = 500, exact_limit: int = EXACT_LIMIT) -> dict:
    """Every figure of `network stats`, with the method (exact or sampled, sample size and seed) stated."""
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    out: dict = {"nodes": n, "edges": m, "as_of": graph.graph.get("as_of") or None, "statuses": graph.graph.get("statuses")}
    if n == 0:
        return out
    degrees = dict(graph.degree())
    components = sorted(nx.connected_components(graph), key=len, reverse=True)
    largest = graph.subgraph(components[0]).copy()
    out.update({
        "components": len(components),
        "largest_component": {"nodes": largest.number_of_nodes(), "edges": largest.number_of_edges()},
        "density": nx.density(graph),
        "average_degree": 2 * m / n,
        "max_degree": max(degrees.values()),
        "average_clustering": nx.average_clustering(graph),
        "transitivity": nx.transitivity(graph),
        "degree_assortativity": (nx.degree_assortativity_coefficient(graph) if m > 1 and len(set(degrees.values())) > 1 else None),
    })
    if largest.number_of_nodes() <= exact_limit:
        out["mean_shortest_path"] = nx.average_shortest_path_length(largest) if largest.number_of_nodes() > 1 else 0.0
        out["diameter"] = nx.diameter(largest) if largest.number_of_nodes() > 1 else 0
        out["path_method"] = {"method": "exact"}
        betweenness = nx.betweenness_centrality(graph)
        out["betweenness_method"] = {"method": "exact"}
    else:
        rng = random.Random(seed)
        sources = rng.sample(sorted(largest.nodes()), min(sample, largest.number_of_nodes()))
        lengths, eccentric = [], 0
        for s in sources:
            dist = nx.single_source_shortest_path_length(largest, s)
            lengths.extend(d for t, d in dist.items() if t != s)
            eccentric = max(eccentric, max(dist.values()))
        out["mean_shortest_path"] = statistics.fmean(lengths) if lengths else 0.0
        out["diameter"] = eccentric  # the largest eccentricity among the sampled sources: a lower bound
        out["path_method"] = {"method": "sampled", "sources": len(sources), "seed": seed,
                              "note": "mean over BFS from sampled sources; diameter is a lower bound"}
        k = min(sample, n)
        betweenness = nx.betweenness_centrality(graph, k=k, seed=seed)
        out["betweenness_method"] = {"method": "sampled", "k": k, "seed": seed}
    try:
        eigen = nx.eigenvector_centrality(graph, max_iter=1000, tol=1e-8)
    except nx.PowerIterationFailedConvergence:
        eigen = nx.eigenvector_centrality_numpy(graph) if n < 5000 else {}
    communities = nx.community.louvain_communities(graph, seed=seed)
    communities = sorted(communities, key=lambda c: (-len(c), min(c)))
    out["centrality"] = {
        "degree": _ranked(degrees, graph, top),
        "betweenness": _ranked(betweenness, graph, top),
        "eigenvector": _ranked(eigen, graph, top),
    }
    out["communities"] = {
        "method": {"method": "louvain", "seed": seed},
        "count": len(communities),
        "modularity": nx.community.modularity(graph, communities),
        "largest": [{"size": len(c), "countries": _country_mix(graph, c),
                     "members": sorted(graph.nodes[x].get("label", x) for x in c)[:10]} for c in communities[:top]],
    }
    out["_values"] = {"degree": degrees, "betweenness": betweenness, "eigenvector": eigen,
                      "community": {node: k for k, c in enumerate(communities) for node in c}}
    return out


def _country_mix(graph: nx.Graph, members) -> dict[str, int]:
    mix: dict[str, int] = {}
    for node in members:
        code = graph.nodes[node].get("country") or "?"
        mix[code] = mix.get(code, 0) + 1
    return dict(sorted(mix.items(), key=lambda kv: (-kv[1], kv[0])))


def public(figures: dict) -> dict:
    """The figures without the per-node values (which `--write` stores)."""
    return {k: v for k, v in figures.items() if not k.startswith("_")}


def paths(graph: nx.Graph, a: str, b: str, k: int = 3) -> list[list[str]]:
    if a not in graph or b not in graph:
        return []
    try:
        generator = nx.shortest_simple_paths(graph, a, b)
        out = []
        for path in generator:
            out.append(path)
            if len(out) == k:
                break
        return out
    except nx.NetworkXNoPath:
        return []



def describe_paths(graph: nx.Graph, chains: list[list[str]]) -> list[dict]:
    out = []
    for chain in chains:
        hops = []
        for a, b in zip(chain, chain[1:]):
            data = graph.edges[a, b]
            hops.append({"from": a, "to": b, "from_label": graph.nodes[a].get("label", a), "to_label": graph.nodes[b].get("label", b),
                         "partnership": data.get("partnership"), "start": data.get("start"), "status": data.get("status"),
                         "sources": data.get("sources")})
        out.append({"length": len(chain) - 1, "nodes": [{"id": n, "label": graph.nodes[n].get("label", n)} for n in chain], "hops": hops})
    return out


def export(graph: nx.Graph, fmt: str, out) -> list:
    """GraphML and GEXF (Gephi, Cytoscape), or nodes.csv + edges.csv (R); attributes included, atomically written."""
    import csv
    import os
    from pathlib import Path

    out = Path(out)
    clean = nx.Graph(**{k: v for k, v in graph.graph.items() if v is not None})
    for n, data in graph.nodes(data=True):
        clean.add_node(n, **{k: v for k, v in data.items() if v is not None})
    for a, b, data in graph.edges(data=True):
        clean.add_edge(a, b, **{k: v for k, v in data.items() if v is not None})
    if fmt in ("graphml", "gexf"):
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.partial")
        (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(clean, tmp)
        os.replace(tmp, out)
        return [out]
    if fmt != "csv":
        raise MunigraphError(f"--format {fmt}: expected graphml, gexf or csv")
    out.mkdir(parents=True, exist_ok=True)
    node_fields = ["id", "label", "country", "lat", "lon", "degree"]
    edge_fields = ["source", "target", "partnership", "start", "end", "status", "sources"]
    written = []
    for name, fields, rows in (
        ("nodes.csv", node_fields, ({"id": n, "degree": clean.degree(n), **d} for n, d in sorted(clean.nodes(data=True)))),
        ("edges.csv", edge_fields, ({"source": a, "target": b, **d} for a, b, d in sorted(clean.edges(data=True)))),
    ):
        tmp = out / f".{name}.partial"
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out / name)
        written.append(out / name)
    return written


def print_stats(figures: dict, console) -> None:
    from rich.table import Table

    def fmt(value):
        if isinstance(value, float):
            return f"{value:.4f}"
        return "–" if value is None else str(value)

    table = Table(title="Partnership network", header_style="bold", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [("as of", figures.get("as_of") or "build date"), ("statuses", figures.get("statuses")),
            ("nodes", figures["nodes"]), ("edges", figures["edges"])]
    if figures["nodes"]:
        lc = figures["largest_component"]
        rows += [("connected components", figures["components"]), ("largest component", f"{lc['nodes']} nodes, {lc['edges']} edges"),
                 ("density", figures["density"]), ("average degree", figures["average_degree"]), ("maximum degree", figures["max_degree"]),
                 ("average clustering", figures["average_clustering"]), ("transitivity", figures["transitivity"]),
                 ("degree assortativity", figures["degree_assortativity"]),
                 ("mean shortest path (largest component)", figures["mean_shortest_path"]),
                 ("diameter (largest component)", figures["diameter"]),
                 ("path figures", ", ".join(f"{k} {v}" for k, v in figures["path_method"].items())),
                 ("communities (Louvain)", f"{figures['communities']['count']}, modularity {figures['communities']['modularity']:.4f}")]
    for name, value in rows:
        table.add_row(name, fmt(value))
    console.print(table)
    if not figures["nodes"]:
        return
    for measure, ranked in figures["centrality"].items():
        t = Table(title=f"Most central by {measure}", header_style="bold")
        t.add_column("local government")
        t.add_column("country")
        t.add_column(measure, justify="right")
        for row in ranked:
            t.add_row(row["label"], row["country"], fmt(row["value"]))
        console.print(t)
    t = Table(title="Largest communities", header_style="bold")
    t.add_column("size", justify="right")
    t.add_column("countries")
    t.add_column("members (first 10)")
    for c in figures["communities"]["largest"]:
        t.add_row(str(c["size"]), ", ".join(f"{k} {v}" for k, v in c["countries"].items()), ", ".join(c["members"]))
    console.print(t)
