"""`network stats --write`: the figures as RDF in the named graph mgg:network (and in the merged default graph),
with the date and parameters of the computation, so SPARQL can use them. Each run replaces the previous figures."""

from __future__ import annotations

import datetime as dt
import json

import pyoxigraph as ox

from .config import Settings
from .errors import StoreMissing
from .store import current_build
from .vocab import MG, MGG, XSD

NETWORK_GRAPH = MGG + "network"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _lit(value, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


def triples(graph, figures: dict, parameters: dict, computed_at: dt.datetime) -> list[ox.Triple]:
    analysis = ox.NamedNode(NETWORK_GRAPH + "#analysis")
    out = [
        ox.Triple(analysis, ox.NamedNode(RDF_TYPE), ox.NamedNode(MG + "NetworkAnalysis")),
        ox.Triple(analysis, ox.NamedNode(PROV + "endedAtTime"), _lit(computed_at.isoformat(timespec="seconds"), "dateTime")),
        ox.Triple(analysis, ox.NamedNode(MG + "analysisParameters"), ox.Literal(json.dumps(
            {**parameters, "as_of": figures.get("as_of"), "statuses": figures.get("statuses"),
             "path_method": figures.get("path_method"), "betweenness_method": figures.get("betweenness_method"),
             "communities": figures.get("communities", {}).get("method")}, sort_keys=True))),
        ox.Triple(analysis, ox.NamedNode(MG + "nodeCount"), _lit(figures["nodes"], "integer")),
        ox.Triple(analysis, ox.NamedNode(MG + "edgeCount"), _lit(figures["edges"], "integer")),
    ]
    if figures.get("as_of"):
        out.append(ox.Triple(analysis, ox.NamedNode(MG + "asOf"), _lit(figures["as_of"], "date")))
    if "communities" in figures:
        out.append(ox.Triple(analysis, ox.NamedNode(MG + "modularity"), _lit(round(figures["communities"]["modularity"], 6), "decimal")))
    values = figures.get("_values", {})
    for node in sorted(graph.nodes()):
        subject = ox.NamedNode(node)
        out.append(ox.Triple(subject, ox.NamedNode(MG + "degree"), _lit(values["degree"][node], "integer")))
        for key, prop in (("betweenness", "betweennessCentrality"), ("eigenvector", "eigenvectorCentrality")):
            if node in values.get(key, {}):
                out.append(ox.Triple(subject, ox.NamedNode(MG + prop), _lit(f"{values[key][node]:.8f}", "decimal")))
        if node in values.get("community", {}):
            community = ox.NamedNode(NETWORK_GRAPH + f"#community-{values['community'][node]}")
            out.append(ox.Triple(subject, ox.NamedNode(MG + "community"), community))
            out.append(ox.Triple(community, ox.NamedNode(RDF_TYPE), ox.NamedNode(MG + "Community")))
            out.append(ox.Triple(community, ox.NamedNode(MG + "inAnalysis"), analysis))
    return out


def write(settings: Settings, graph, figures: dict, parameters: dict) -> int:
    location = current_build(settings.store)
    if location is None:
        raise StoreMissing(f"{settings.store}: no built graph here; run `munigraph build` first")
    store = ox.Store(str(location))
    new = triples(graph, figures, parameters, dt.datetime.now(dt.timezone.utc))
    name = ox.NamedNode(NETWORK_GRAPH)
    # remove the previous figures from the merged default graph (unless another graph also states them), then the graph
    store.update(f"""DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{NETWORK_GRAPH}> {{ ?s ?p ?o }}
                       FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != <{NETWORK_GRAPH}>) }} }}""")
    store.remove_graph(name) if store.contains_named_graph(name) else None
    store.extend([ox.Quad(t.subject, t.predicate, t.object, name) for t in new])
    store.extend([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in new])
    store.flush()
    del store
    return len(new)
