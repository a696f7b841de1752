"""RDF dumps of a release: every named graph (N-Quads, TriG) and the merged view (N-Triples, Turtle, RDF/XML,
JSON-LD compacted with the project's context), with gzip copies. Deterministic: statements sorted, blank nodes
relabelled canonically (RDF graph canonicalisation as rdflib implements it), gzip without time stamps."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph

from ..errors import MunigraphError
from ..store import to_oxigraph, to_rdflib
from ..vocab import OUTPUT_PREFIXES, project_root

DUMPS = [
    # path, media type, EU file type, title, view
    ("dumps/munigraph.nq", "application/n-quads", "RDF_N_QUADS", "All named graphs with their provenance (N-Quads)", "quads"),
    ("dumps/munigraph.trig", "application/trig", "RDF_TRIG", "All named graphs with their provenance (TriG)", "quads"),
    ("dumps/munigraph.nt", "application/n-triples", "RDF_N_TRIPLES", "The merged graph (N-Triples)", "triples"),
    ("dumps/munigraph.ttl", "text/turtle", "RDF_TURTLE", "The merged graph (Turtle)", "triples"),
    ("dumps/munigraph.rdf", "application/rdf+xml", "RDF_XML", "The merged graph (RDF/XML)", "triples"),
    ("dumps/munigraph.jsonld", "application/ld+json", "JSON_LD", "The merged graph (JSON-LD, compacted with context.jsonld)", "triples"),
]


def canonical_quads(oxstore: ox.Store) -> list[ox.Quad]:
    """Every quad of every named graph, sorted; blank nodes get labels that depend only on the graph's content."""
    out: list[ox.Quad] = []
    for index, graph in enumerate(sorted(oxstore.named_graphs(), key=lambda g: g.value)):
        quads = list(oxstore.quads_for_pattern(None, None, None, graph))
        if any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads):
            g = Graph()
            for q in quads:
                g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
            canonical = to_canonical_graph(g)

            def relabel(term):
                # labels are per graph: blank nodes of different graphs never share a label
                return ox.BlankNode(f"g{index}{term}") if isinstance(term, BNode) else to_oxigraph(term)

            quads = [ox.Quad(relabel(s), to_oxigraph(p), relabel(o), graph) for s, p, o in canonical]
        out.extend(quads)
    out.sort(key=str)
    return out


def merged_triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(triples, key=str)


def _no_remote_documents(url, options=None):
    raise MunigraphError(f"JSON-LD: refusing to fetch {url}; munigraph only uses contexts it embeds")


def jsonld_document(triples: list[ox.Triple], context: dict) -> str:
    """Compact JSON-LD with the project's context embedded (so no processor has to fetch it); sorted for stability.

    rdflib writes expanded JSON-LD (with @type for rdf:type); PyLD compacts it, since rdflib's own compaction
    loses statements with this context."""
    from pyld import jsonld

    graph = Graph()
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    expanded = json.loads(graph.serialize(format="json-ld"))
    compacted = jsonld.compact(expanded, context, {"documentLoader": _no_remote_documents})
    nodes = compacted.get("@graph", [compacted] if "@id" in compacted else [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    nodes.sort(key=lambda n: (n.get("@id", ""), json.dumps(n, sort_keys=True, ensure_ascii=False)))
    document = {"@context": context["@context"], "@graph": nodes}
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def gzip_copy(path: Path) -> Path:
    target = path.with_name(path.name + ".gz")
    with open(path, "rb") as src, open(target, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            shutil.copyfileobj(src, gz)
    return target


def write(ctx) -> None:
    ctx.say("writing dumps")
    quads = canonical_quads(ctx.ox)
    triples = merged_triples(quads)
    context = json.loads((project_root() / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    (ctx.out / "dumps").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(project_root() / "ontology" / "context.jsonld", ctx.out / "context.jsonld")
    ctx.add("context.jsonld", "application/ld+json", "The JSON-LD context of the munigraph vocabulary", "JSON_LD", "documentation")
    for path, media_type, file_type, title, view in DUMPS:
        ctx.say(f"writing {path}")
        target = ctx.out / path
        if path.endswith(".nq"):
            ox.serialize(quads, str(target), format=ox.RdfFormat.N_QUADS)
        elif path.endswith(".trig"):
            ox.serialize(quads, str(target), format=ox.RdfFormat.TRIG, prefixes=OUTPUT_PREFIXES)
        elif path.endswith(".nt"):
            ox.serialize(triples, str(target), format=ox.RdfFormat.N_TRIPLES)
        elif path.endswith(".ttl"):
            ox.serialize(triples, str(target), format=ox.RdfFormat.TURTLE, prefixes=OUTPUT_PREFIXES)
        elif path.endswith(".rdf"):
            ox.serialize(triples, str(target), format=ox.RdfFormat.RDF_XML, prefixes=OUTPUT_PREFIXES)
        else:
            target.write_text(jsonld_document(triples, context), encoding="utf-8")
        ctx.add(path, media_type, title, file_type, "data")
        compressed = gzip_copy(target)
        ctx.add(path + ".gz", "application/gzip", title + ", gzip-compressed", "GZIP", "data")
        del compressed
