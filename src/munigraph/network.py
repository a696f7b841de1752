"""The partnership network as a networkx graph, and the figures researchers compute on it.

The projection reads the store with one bulk SPARQL query (partnerships with their partners, start, end, status
history and sources; local governments with labels, country and coordinates), never triple by triple, so it runs
the same on the embedded store and on a remote SPARQL endpoint. Nodes are local governments, edges partnerships.

What that query returns is the network index (NetworkIndex). The build saves it beside the store it built
(`<store>/index/<build>.network.json`), because at European scale the query alone takes tens of seconds while
reading the saved index takes well under one; without a saved index (a remote endpoint, or a store changed by a
SPARQL update since) the query runs. Filters (as of a date, statuses, countries, two hops around one municipality)
are applied to the index in Python, identically in both cases.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import URIRef

from .errors import MunigraphError
from .sparqltext import term_text
from .vocab import MGV, prefix_block

STATUSES = ("active", "suspended", "terminated", "expired", "unknown")
EXACT_LIMIT = 3000  # above this many nodes in the largest component, path figures are sampled
INDEX_VERSION = 1

# One query, branches told apart by which variables they bind (UNION, so no branch multiplies another's rows):
# each partner of each partnership; its effective start; the dates of its endings; its current status (derived at
# build time); its dated status changes (for the status on any date); the addresses of the sources stating it;
# and each local government's labels, country and coordinates.
INDEX_QUERY = """
SELECT ?p ?x ?start ?end ?status ?changeStatus ?changeDate ?until ?address ?g ?label ?labelLang ?country ?lat ?lon WHERE {
  { %(around_p)s ?p a mg:Partnership ; mg:partner ?x . }
  UNION { %(around_p)s ?p a mg:Partnership ; mg:effectiveStartDate ?start . }
  UNION { %(around_p)s ?p a mg:Partnership ; mg:statusChange ?ending . ?ending mg:status ?endStatus ; mg:date ?end .
          FILTER(?endStatus IN (mgv:status-terminated, mgv:status-expired)) }
  UNION { %(around_p)s ?p a mg:Partnership ; mg:currentStatus ?status . }
  UNION { %(around_p)s ?p a mg:Partnership ; mg:statusChange ?change . ?change mg:status ?changeStatus ; mg:sortDate ?changeDate .
          OPTIONAL { ?change mg:statusUntil ?until } }
  UNION { %(around_p)s GRAPH ?source { ?p mg:partner ?anyPartner } ?source prov:wasDerivedFrom/mg:address ?address . }
  UNION {
    %(around_g)s
    # (a UNION of the two classes rather than VALUES for ?class: with ?g bound by VALUES, Oxigraph joins a
    # VALUES of classes with every government of the store)
    { ?g a mg:LocalGovernment } UNION { ?g a mg:RegionalGovernment }
    OPTIONAL { ?g rdfs:label ?label . BIND(LANG(?label) AS ?labelLang) }
    OPTIONAL { ?g mg:country/mg:countryCode ?country }
    OPTIONAL { ?g mg:governs ?place . ?place mg:latitude ?lat ; mg:longitude ?lon }
  }
}
"""

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


@dataclass
class NetworkIndex:
    """What the projection needs, per partnership and per local government, before any filter.

    edges: partnership -> {"partners": [a, b, ...], "start": str, "end": str, "status": current status IRI or "",
                           "history": [[sortDate, status IRI, until or ""], ...], "sources": [address, ...]}
    nodes: local government -> {"labels": {lang: label}, "country": str, "lat": float, "lon": float}
    """

    edges: dict[str, dict] = field(default_factory=dict)
    nodes: dict[str, dict] = field(default_factory=dict)


def _rows(store, query: str) -> list[tuple]:
    """The query's rows as plain strings, None where unbound. On the embedded store the results are serialised as
    CSV by Oxigraph and read by Python's csv module: over a million rows that is about 2.5 times faster than
    reading them term by term. (CSV writes unbound and the empty string alike; no value read here is empty.)"""
    oxstore = getattr(store, "ox", None)
    if oxstore is None:
        return store.select_values(query)
    import csv
    import io

    import pyoxigraph as ox

    data = oxstore.query(query).serialize(format=ox.QueryResultsFormat.CSV)
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    next(reader)  # the header
    return [tuple(value or None for value in row) for row in reader]


def fetch_index(store, around: str | None = None, only: list[str] | None = None) -> NetworkIndex:
    """Run the one projection query on any store (embedded or remote) and gather its rows by partnership and node.

    `only` (IRIs) restricts it to those partnerships and local governments (what an incremental build refreshes)."""
    if around:
        target = term_text(URIRef(around))
        restrictions = [(AROUND_P % {"t": target}, AROUND_G % {"t": target})]
    elif only is not None:
        iris = sorted(only)
        restrictions = [(f"VALUES ?p {{ {values} }}", f"VALUES ?g {{ {values} }}")
                        for k in range(0, len(iris), 200) for values in [" ".join(f"<{iri}>" for iri in iris[k:k + 200])]]
    else:
        restrictions = [("", "")]
    rows = [row for around_p, around_g in restrictions
            for row in _rows(store, prefix_block() + INDEX_QUERY % {"around_p": around_p, "around_g": around_g})]
    index = NetworkIndex()
    edges, nodes = index.edges, index.nodes

    def edge(p):
        return edges.setdefault(p, {"partners": [], "start": "", "end": "", "status": "", "history": [], "sources": []})

    for p, x, start, end, status, change_status, change_date, until, address, g, label, label_lang, country, lat, lon in rows:
        if g is not None:
            node = nodes.setdefault(g, {"labels": {}, "country": ""})
            if label is not None:
                node["labels"].setdefault(label_lang or "", label)
            if country is not None:
                node["country"] = country
            if lat is not None and lon is not None and "lat" not in node:
                node["lat"], node["lon"] = float(lat), float(lon)
        elif x is not None:
            if x not in edge(p)["partners"]:
                edge(p)["partners"].append(x)
        elif start is not None:
            e = edge(p)
            if not e["start"] or start < e["start"]:
                e["start"] = start
        elif end is not None:
            e = edge(p)
            if end > e["end"]:
                e["end"] = end
        elif status is not None:
            e = edge(p)
            if not e["status"] or status < e["status"]:
                e["status"] = status
        elif change_status is not None:
            edge(p)["history"].append([change_date, change_status, until or ""])
        elif address is not None:
            edge(p)["sources"].append(address)
    for e in edges.values():  # a stable order, so that the saved index is the same for the same store
        e["partners"].sort()
        e["history"].sort()
        e["sources"] = sorted(set(e["sources"]))
    return index


# --- the saved index ------------------------------------------------------------------------
# An SQLite file (Python's own sqlite3, nothing to install): whole-network commands read every row in well under a
# second, and `suggest` reads only the two hops around one municipality through the indexes on the partners.

INDEX_SCHEMA = """
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE nodes (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, country TEXT, lat REAL, lon REAL, labels TEXT);
CREATE TABLE edges (partnership TEXT PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL, start TEXT, "end" TEXT,
                    status TEXT, history TEXT, sources TEXT);
"""
INDEX_KEYS = "CREATE INDEX edges_a ON edges (a); CREATE INDEX edges_b ON edges (b);"


def index_path(build_dir: Path) -> Path:
    """Where the build keeps the network index of the database in `build_dir` (`<store>/builds/<stamp>`)."""
    build_dir = Path(build_dir)
    return build_dir.parent.parent / "index" / f"{build_dir.name}.network.sqlite"


def save_index(store, build_dir: Path) -> Path:
    """Write the index of `store` beside its build, atomically (a partial file is never taken for an index)."""
    return _write_index(fetch_index(store), build_dir)


def update_index(store, previous_build: Path, build_dir: Path, scope: set[str]) -> Path:
    """A copy of the previous build's index with the partnerships and local governments of an incremental build's
    scope read again from `store` (and the governments of the scope's places and countries, whose coordinates and
    codes the index holds); the whole index from the store when the previous one cannot be used. New nodes get
    new numbers, so the file differs from a full build's in its numbering only."""
    import shutil
    import sqlite3

    previous = index_path(previous_build)
    if not previous.is_file() or _saved_version(previous) != str(INDEX_VERSION):
        return save_index(store, build_dir)
    refresh = set(scope)
    iris = sorted(scope)
    for k in range(0, len(iris), 200):
        values = " ".join(f"<{iri}>" for iri in iris[k:k + 200])
        refresh |= {row[0] for row in _rows(store, prefix_block() + f"""SELECT DISTINCT ?g WHERE {{ VALUES ?c {{ {values} }}
                        {{ ?g mg:country ?c }} UNION {{ ?g mg:governs ?c }} }}""") if row[0]}
    fresh = fetch_index(store, only=sorted(refresh))
    path = index_path(build_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    shutil.copyfile(previous, tmp)
    db = sqlite3.connect(tmp)
    try:
        ids = dict(db.execute("SELECT iri, id FROM nodes"))
        next_id = max(ids.values(), default=-1) + 1

        def node_id(iri: str) -> int:
            nonlocal next_id
            if iri not in ids:
                db.execute("INSERT INTO nodes (id, iri) VALUES (?, ?)", (next_id, iri))
                ids[iri], next_id = next_id, next_id + 1
            return ids[iri]

        db.executemany("DELETE FROM edges WHERE partnership = ?", ((iri,) for iri in sorted(refresh)))
        for iri in sorted(refresh):  # described again, or no longer described (the row stays for the edges)
            d = fresh.nodes.get(iri)
            if d is not None:
                db.execute("UPDATE nodes SET country = ?, lat = ?, lon = ?, labels = ? WHERE id = ?",
                           (d.get("country"), d.get("lat"), d.get("lon"), json.dumps(d["labels"], ensure_ascii=False, sort_keys=True), node_id(iri)))
            elif iri in ids:
                db.execute("UPDATE nodes SET country = NULL, lat = NULL, lon = NULL, labels = NULL WHERE id = ?", (ids[iri],))
        db.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (p, node_id(e["partners"][0]), node_id(e["partners"][1]), e["start"], e["end"], e["status"],
             json.dumps(e["history"]), " ".join(e["sources"]))
            for p, e in sorted(fresh.edges.items()) if len(e["partners"]) == 2])
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)
    return path


def _saved_version(path: Path) -> str | None:
    import sqlite3

    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = db.execute("SELECT value FROM info WHERE key = 'version'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return found[0] if found else None


def _write_index(index: NetworkIndex, build_dir: Path) -> Path:
    import sqlite3

    path = index_path(build_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(INDEX_SCHEMA)
        db.execute("INSERT INTO info VALUES ('version', ?)", (str(INDEX_VERSION),))
        # every node that ends a partnership gets a row, described or not, so that edges can refer to it by number
        ids = {iri: k for k, iri in enumerate(sorted(set(index.nodes) | {x for e in index.edges.values() for x in e["partners"]}))}
        db.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?, ?)", (
            (k, iri, d.get("country"), d.get("lat"), d.get("lon"), json.dumps(d["labels"], ensure_ascii=False, sort_keys=True))
            if (d := index.nodes.get(iri)) is not None else (k, iri, None, None, None, None)
            for iri, k in ids.items()))
        # only partnerships with two partners: the projection draws no other (see graph_from_index)
        db.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
            (p, ids[e["partners"][0]], ids[e["partners"][1]], e["start"], e["end"], e["status"],
             json.dumps(e["history"]), " ".join(e["sources"]))
            for p, e in sorted(index.edges.items()) if len(e["partners"]) == 2))
        db.executescript(INDEX_KEYS)
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)
    return path


def drop_index(build_dir: Path) -> None:
    """Forget the saved index (the store was changed in place, e.g. by a SPARQL update); queries run instead."""
    index_path(build_dir).unlink(missing_ok=True)


def prune_indexes(store_dir: Path) -> None:
    """Remove the saved indexes of builds that no longer exist."""
    folder = Path(store_dir) / "index"
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and not (Path(store_dir) / "builds" / path.name.split(".")[0]).is_dir():
                path.unlink(missing_ok=True)


def _read_saved(path: Path, around: str | None) -> NetworkIndex | None:
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = db.execute("SELECT value FROM info WHERE key = 'version'").fetchone()
        if version is None or version[0] != str(INDEX_VERSION):
            return None
        if around is None:
            edge_rows = db.execute('SELECT partnership, a, b, start, "end", status, history, sources FROM edges').fetchall()
            node_rows = db.execute("SELECT id, iri, country, lat, lon, labels FROM nodes").fetchall()
        else:  # the partnerships of `around` and of its partners, as AROUND_P selects them
            db.execute("CREATE TEMP TABLE near (id INTEGER PRIMARY KEY)")
            db.execute("""INSERT OR IGNORE INTO near SELECT id FROM nodes WHERE iri = ?1
                          UNION SELECT b FROM edges JOIN nodes ON edges.a = nodes.id WHERE iri = ?1
                          UNION SELECT a FROM edges JOIN nodes ON edges.b = nodes.id WHERE iri = ?1""", (around,))
            edge_rows = db.execute("""SELECT partnership, a, b, start, "end", status, history, sources FROM near JOIN edges ON edges.a = near.id
                                      UNION
                                      SELECT partnership, a, b, start, "end", status, history, sources FROM near JOIN edges ON edges.b = near.id""").fetchall()
            ends = sorted({r[1] for r in edge_rows} | {r[2] for r in edge_rows})
            node_rows = []
            for k in range(0, len(ends), 500):  # (SQLite limits the number of bound parameters)
                chunk = ends[k:k + 500]
                node_rows += db.execute(f"SELECT id, iri, country, lat, lon, labels FROM nodes WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    finally:
        db.close()
    iris = {k: iri for k, iri, *_ in node_rows}
    nodes = {}
    for k, iri, country, lat, lon, labels in node_rows:
        if labels is not None:
            node = {"labels": json.loads(labels), "country": country or ""}
            if lat is not None:
                node["lat"], node["lon"] = lat, lon
            nodes[iri] = node
    edges = {p: {"partners": [iris[a], iris[b]], "start": start, "end": end, "status": status,
                 "history": json.loads(history), "sources": sources.split() if sources else []}
             for p, a, b, start, end, status, history, sources in edge_rows}
    return NetworkIndex(edges, nodes)


def load_index(store, around: str | None = None) -> NetworkIndex:
    """The saved index of an embedded store if there is one, else the index from the query."""
    location = getattr(store, "location", None)
    path = index_path(location) if isinstance(location, Path) else None
    if path is not None and path.is_file():
        index = _read_saved(path, around)
        if index is not None:
            return index
    return fetch_index(store, around)


# --- the projection ---------------------------------------------------------------------------

def status_on(edge: dict, date: str) -> str:
    """The status IRI of a partnership on an ISO date (the status change in force then), or "" if none was."""
    found = [status for since, status, until in edge["history"] if since <= date and not (until and until <= date)]
    return min(found) if found else ""


def project(store, options: Projection | None = None) -> nx.Graph:
    options = options or Projection()
    unknown = set(options.statuses) - set(STATUSES)
    if unknown:
        raise MunigraphError(f"status {', '.join(sorted(unknown))}: expected one of {', '.join(STATUSES)} (or all)")
    return graph_from_index(load_index(store, options.around), options)


def graph_from_index(index: NetworkIndex, options: Projection) -> nx.Graph:
    date = options.as_of.isoformat() if options.as_of else None
    nodes = index.nodes

    def attributes(node: str) -> dict:
        data = nodes.get(node)
        if data is None:
            return {"label": node, "country": ""}
        labels = data["labels"]
        label = (labels.get(options.lang) or labels[sorted(labels)[0]]) if labels else node
        out = {"label": label, "country": data.get("country", "")}
        if "lat" in data:
            out["lat"], out["lon"] = data["lat"], data["lon"]
        return out

    graph = nx.Graph(as_of=date or "", statuses=",".join(sorted(options.statuses)) or "all")
    for p in sorted(index.edges):
        edge = index.edges[p]
        if len(edge["partners"]) != 2:
            continue  # the shapes guarantee two different partners; anything else is not a partnership to draw
        a, b = edge["partners"]
        status = edge["status"] if date is None else status_on(edge, date)
        if date is not None and not status:
            continue  # not yet started (or its start is unknown) on that date
        status_name = status.removeprefix(MGV + "status-") if status else "unknown"
        if options.statuses and status_name not in options.statuses:
            continue
        if options.countries and not ({nodes.get(a, {}).get("country"), nodes.get(b, {}).get("country")} & options.countries):
            continue
        for node in (a, b):
            if node not in graph:
                graph.add_node(node, **attributes(node))
        graph.add_edge(a, b, partnership=p, start=edge["start"], end=edge["end"], status=status_name,
                       sources=" ".join(edge["sources"]))
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
        # Exact, from igraph's C core with networkx's definitions: the mean over all pairs of the largest component
        # and its diameter; Brandes betweenness over the whole graph, each pair once, normalised by 2/((n-1)(n-2)).
        # networkx's pure-Python BFS from every node took 40 s for these three at size M (2,900 nodes in the
        # largest component of 9,000).
        ig_graph, index, nodes = _igraph(graph)
        lc = ig_graph.induced_subgraph([index[x] for x in largest.nodes()])
        out["mean_shortest_path"] = float(lc.average_path_length(directed=False)) if lc.vcount() > 1 else 0.0
        out["diameter"] = int(lc.diameter(directed=False)) if lc.vcount() > 1 else 0
        out["path_method"] = {"method": "exact"}
        scale = 2 / ((n - 1) * (n - 2)) if n > 2 else 1.0
        betweenness = {nodes[i]: value * scale for i, value in enumerate(ig_graph.betweenness(directed=False))}
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
