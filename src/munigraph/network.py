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
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from .errors import MunigraphError
from .sparqltext import term_text
from .vocab import MGV, prefix_block

STATUSES = ("active", "suspended", "terminated", "expired", "unknown")
EXACT_LIMIT = 3000  # above this many nodes in the largest component, path figures are sampled

# One query, three kinds of rows (UNION): each partner of each partnership with its start, end and status
# (current, or on ?date); the addresses of the sources stating each partnership; and each local government's
# labels, country and coordinates. Partners are paired in Python, so the query has no self-join.
PROJECTION = """
SELECT ?p ?x ?start ?end ?status ?address ?g ?label ?labelLang ?country ?lat ?lon WHERE {
  {
    %(around_p)s
    ?p a mg:Partnership ; mg:partner ?x .
    OPTIONAL { ?p mg:effectiveStartDate ?start }
    OPTIONAL { ?p mg:statusChange ?ending . ?ending mg:status ?endStatus ; mg:date ?end .
               FILTER(?endStatus IN (mgv:status-terminated, mgv:status-expired)) }
    %(status)s
  } UNION {
    %(around_p)s
    GRAPH ?source { ?p mg:partner ?anyPartner }
    ?source prov:wasDerivedFrom/mg:address ?address .
  } UNION {
    %(around_g)s
    ?g a ?class . VALUES ?class { mg:LocalGovernment mg:RegionalGovernment }
    OPTIONAL { ?g rdfs:label ?label . BIND(LANG(?label) AS ?labelLang) }
    OPTIONAL { ?g mg:country/mg:countryCode ?country }
    OPTIONAL { ?g mg:governs ?place . ?place mg:latitude ?lat ; mg:longitude ?lon }
  }
}
"""

# the status now (derived at build time), or on a date (from the status history); the date is a serialised RDF term
STATUS_NOW = "OPTIONAL { ?p mg:currentStatus ?status }"
STATUS_ON = """OPTIONAL {
      ?p mg:statusChange ?change . ?change mg:status ?status ; mg:sortDate ?changeDate .
      FILTER(?changeDate <= %(date)s)
      FILTER NOT EXISTS { ?change mg:statusUntil ?until . FILTER(?until <= %(date)s) }
    }"""


# `around`: only the partnerships of a municipality and of its partners (what suggestions need), not the network
# (as subqueries, which SPARQL evaluates first and on their own: a small set of ?p or ?g to join with)
AROUND_P = "{ SELECT DISTINCT ?p WHERE { ?near mg:partner %(t)s , ?w . ?p mg:partner ?w . } }"
AROUND_G = "{ SELECT DISTINCT ?g WHERE { ?n2 mg:partner %(t)s , ?w2 . ?n3 mg:partner ?w2 , ?g . } }"


@dataclass
class Projection:
    as_of: dt.date | None = None
    statuses: set[str] = field(default_factory=lambda: {"active"})  # empty set: every status
    countries: set[str] = field(default_factory=set)  # ISO alpha-2; an edge is kept if either end is in one
    lang: str = "en"
    around: str | None = None  # an IRI: only partnerships within two hops of it


def project(store, options: Projection | None = None) -> nx.Graph:
    options = options or Projection()
    unknown = set(options.statuses) - set(STATUSES)
    if unknown:
        raise MunigraphError(f"status {', '.join(sorted(unknown))}: expected one of {', '.join(STATUSES)} (or all)")
    date = None if options.as_of is None else Literal(options.as_of.isoformat(), datatype=XSD.date)
    status = STATUS_NOW if date is None else STATUS_ON % {"date": term_text(date)}
    if options.around:
        target = term_text(URIRef(options.around))
        around_p, around_g = AROUND_P % {"t": target}, AROUND_G % {"t": target}
    else:
        around_p = around_g = ""
    rows = store.select_values(prefix_block() + PROJECTION % {"status": status, "around_p": around_p, "around_g": around_g})
    partners: dict[str, set] = {}
    edge_data: dict[str, dict] = {}
    sources: dict[str, set] = {}
    labels: dict[str, dict] = {}
    attributes: dict[str, dict] = {}
    for p, x, start, end, status, address, g, label, label_lang, country, lat, lon in rows:
        if x is not None:
            key = str(p)
            partners.setdefault(key, set()).add(str(x))
            data = edge_data.setdefault(key, {"start": "", "end": "", "status": None})
            if start is not None and (not data["start"] or str(start) < data["start"]):
                data["start"] = str(start)
            if end is not None and str(end) > data["end"]:
                data["end"] = str(end)
            if status is not None and (data["status"] is None or str(status) < data["status"]):
                data["status"] = str(status)
        elif address is not None:
            sources.setdefault(str(p), set()).add(str(address))
        elif g is not None:
            node = attributes.setdefault(str(g), {"country": ""})
            if label is not None:
                labels.setdefault(str(g), {}).setdefault(str(label_lang or ""), str(label))
            if country is not None:
                node["country"] = str(country)
            if lat is not None and lon is not None and "lat" not in node:  # noqa: SIM102
                node["lat"], node["lon"] = float(lat), float(lon)
    for node, by_lang in labels.items():
        attributes[node]["label"] = by_lang.get(options.lang) or by_lang[sorted(by_lang)[0]]
    graph = nx.Graph(as_of=options.as_of.isoformat() if options.as_of else "", statuses=",".join(sorted(options.statuses)) or "all")
    for p in sorted(partners):
        pair = sorted(partners[p])
        if len(pair) != 2:
            continue  # the shapes guarantee two different partners; anything else is not a partnership to draw
        a, b = pair
        data = edge_data[p]
        if options.as_of is not None and data["status"] is None:
            continue  # not yet started (or its start is unknown) on that date
        status_name = data["status"].removeprefix(MGV + "status-") if data["status"] else "unknown"
        if options.statuses and status_name not in options.statuses:
            continue
        if options.countries and not ({attributes.get(a, {}).get("country"), attributes.get(b, {}).get("country")} & options.countries):
            continue
        for node in (a, b):
            if node not in graph:
                graph.add_node(node, **{"label": node, "country": "", **attributes.get(node, {})})
        graph.add_edge(a, b, partnership=p, start=data["start"], end=data["end"], status=status_name,
                       sources=" ".join(sorted(sources.get(p, ()))))
    return graph


# --- figures ---------------------------------------------------------------------------------

def _ranked(values: dict, graph: nx.Graph, top: int) -> list[dict]:
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], graph.nodes[kv[0]].get("label", kv[0])))
    return [{"id": n, "label": graph.nodes[n].get("label", n), "country": graph.nodes[n].get("country", ""),
             "value": v if isinstance(v, int) else round(float(v), 6)} for n, v in ordered[:top]]


def stats(graph: nx.Graph, top: int = 10, seed: int = 42, sample: int = 200, exact_limit: int = EXACT_LIMIT) -> dict:
    """Every figure of `network stats`, with the method (exact or sampled, sample size and seed) stated."""
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    out: dict = {"nodes": n, "edges": m, "as_of": graph.graph.get("as_of") or None, "statuses": graph.graph.get("statuses")}
    if n == 0:
        return out
    degrees = dict(graph.degree())
    components = sorted(nx.connected_components(graph), key=len, reverse=True)
    largest = graph.subgraph(components[0])  # a view: copying 100,000 nodes costs seconds
    varied = m > 1 and len(set(degrees.values())) > 1
    if n <= exact_limit:
        clustering, transitivity = nx.average_clustering(graph), nx.transitivity(graph)
        assortativity = nx.degree_assortativity_coefficient(graph) if varied else None
    else:  # the same three figures from igraph's C core (networkx takes several seconds each at 100,000 nodes)
        ig_graph = _igraph(graph)[0]
        clustering = ig_graph.transitivity_avglocal_undirected(mode="zero")
        transitivity = ig_graph.transitivity_undirected()
        assortativity = ig_graph.assortativity_degree(directed=False) if varied else None
    out.update({
        "components": len(components),
        "largest_component": {"nodes": largest.number_of_nodes(), "edges": largest.number_of_edges()},
        "density": nx.density(graph),
        "average_degree": 2 * m / n,
        "max_degree": max(degrees.values()),
        "average_clustering": clustering,
        "transitivity": transitivity,
        "degree_assortativity": assortativity,
    })
    if largest.number_of_nodes() <= exact_limit:
        out["mean_shortest_path"] = nx.average_shortest_path_length(largest) if largest.number_of_nodes() > 1 else 0.0
        out["diameter"] = nx.diameter(largest) if largest.number_of_nodes() > 1 else 0
        out["path_method"] = {"method": "exact"}
        betweenness = nx.betweenness_centrality(graph)
        out["betweenness_method"] = {"method": "exact"}
    else:
        # Large graphs: the sampled figures are computed by igraph's C core (the same definitions as networkx's:
        # BFS distances from sampled sources; Brandes betweenness from k sampled sources, scaled as networkx scales
        # its k-sampled estimate), because pure-Python BFS from hundreds of sources takes minutes at 100,000 nodes.
        rng = random.Random(seed)
        ig_graph, index, nodes = _igraph(graph)
        lc_nodes = sorted(largest.nodes())
        sources = rng.sample(lc_nodes, min(sample, len(lc_nodes)))
        import numpy as np

        lc_index = [index[x] for x in lc_nodes]
        distances = np.asarray(ig_graph.distances(source=[index[x] for x in sources], target=lc_index), dtype=np.float64)
        finite = distances[np.isfinite(distances) & (distances > 0)]
        out["mean_shortest_path"] = float(finite.mean()) if finite.size else 0.0
        out["diameter"] = int(finite.max()) if finite.size else 0  # the largest eccentricity among the sampled sources: a lower bound
        out["path_method"] = {"method": "sampled", "sources": len(sources), "seed": seed, "engine": "igraph",
                              "note": "mean over BFS from sampled sources; diameter is a lower bound"}
        k = min(sample, n)
        chosen = rng.sample(range(n), k)
        raw = ig_graph.betweenness(directed=False, sources=chosen)
        scale = 2 * n / (k * (n - 1) * (n - 2)) if n > 2 else 0.0
        betweenness = {nodes[i]: value * scale for i, value in enumerate(raw)}
        out["betweenness_method"] = {"method": "sampled", "k": k, "seed": seed, "engine": "igraph"}
    # the sparse eigen-solver (SciPy) gives the same vector as power iteration, in a fraction of the time on large graphs
    try:
        eigen = nx.eigenvector_centrality_numpy(graph) if m else {node: 0.0 for node in graph}
    except (nx.NetworkXException, ArithmeticError, ValueError):
        eigen = nx.eigenvector_centrality(graph, max_iter=1000, tol=1e-8)
    eigen = {node: abs(value) for node, value in eigen.items()}
    if n <= exact_limit:
        communities = nx.community.louvain_communities(graph, seed=seed)
        community_method = {"method": "louvain", "seed": seed}
    else:
        ig_graph, index, nodes = _igraph(graph)
        random.seed(seed)  # igraph draws from Python's random module
        communities = [{nodes[i] for i in members} for members in ig_graph.community_multilevel()]
        community_method = {"method": "louvain", "seed": seed, "engine": "igraph"}
    communities = sorted(communities, key=lambda c: (-len(c), min(c)))
    out["centrality"] = {
        "degree": _ranked(degrees, graph, top),
        "betweenness": _ranked(betweenness, graph, top),
        "eigenvector": _ranked(eigen, graph, top),
    }
    out["communities"] = {
        "method": community_method,
        "count": len(communities),
        "modularity": nx.community.modularity(graph, communities),
        "largest": [{"size": len(c), "countries": _country_mix(graph, c),
                     "members": sorted(graph.nodes[x].get("label", x) for x in c)[:10]} for c in communities[:top]],
    }
    out["_values"] = {"degree": degrees, "betweenness": betweenness, "eigenvector": eigen,
                      "community": {node: k for k, c in enumerate(communities) for node in c}}
    return out


def _igraph(graph: nx.Graph):
    """The graph as an igraph Graph (built once per graph and kept in its attributes), with the node index."""
    cached = graph.graph.get("_igraph")
    if cached is None:
        import igraph as ig

        index = {node: i for i, node in enumerate(graph.nodes())}
        nodes = list(index)
        cached = (ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in graph.edges()]), index, nodes)
        graph.graph["_igraph"] = cached
    return cached


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
    clean = nx.Graph(**{k: v for k, v in graph.graph.items() if v is not None and not k.startswith("_")})
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
