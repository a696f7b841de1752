"""The VoID description of the data set (/.well-known/void), computed from the store. Blocking."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal

from ..vocab import MG, MGV, META_GRAPH, MGG
from .describe import DCT, PROV, check_iri

VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = {"void": VOID, "dct": DCT, "prov": PROV, "mg": MG, "mgg": MGG, "xsd": XSD, "fmt": FORMATS}
TITLE = "munigraph: twin-town partnerships of local governments"
DESCRIPTION = ("A knowledge graph of relations between municipalities: twin towns and partner cities, the local "
               "governments that sign agreements, the officials who sign them in the capacity of their office, the "
               "agreements themselves, the visits and events that lead to them, their status over time and the shared "
               "partners that connect cities. Every fact keeps its source: each curated source document is its own "
               "named graph with provenance, and sources that disagree stay separate claims.")


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(int(n)), datatype=ox.NamedNode(XSD + "integer"))


def statistics(store, base: str) -> dict:
    """The numbers VoID asks for, over the default graph (the merge of all named graphs)."""
    def one(text):
        return store.select(text).rows
    (triples, subjects, objects), = one("SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?s2) (COUNT(DISTINCT ?o) AS ?o2) WHERE { ?s ?p ?o }")
    entities = one(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {Literal(base).n3()})) }}")[0][0]
    classes = one("SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c ORDER BY ?c")
    properties = one("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p")
    graphs = one("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    sources = {str(g): (str(src), str(addr) if addr is not None else None) for g, src, addr in one(
        f"SELECT ?g ?src ?addr WHERE {{ GRAPH <{META_GRAPH}> {{ ?g <{PROV}wasDerivedFrom> ?src }} OPTIONAL {{ ?src <{MG}address> ?addr }} }}")}
    koszalin = base + "gov/pl/koszalin"
    example = one(f"SELECT ?x WHERE {{ {check_iri(koszalin)} ?p ?o BIND({check_iri(koszalin)} AS ?x) }} LIMIT 1") or \
        one(f"SELECT ?x WHERE {{ ?x a <{MG}LocalGovernment> }} ORDER BY ?x LIMIT 1")
    built = one(f"SELECT ?t WHERE {{ GRAPH <{META_GRAPH}> {{ <{MGG}meta#build> <{MG}builtAt> ?t }} }}")
    return {
        "triples": int(triples), "subjects": int(subjects), "objects": int(objects), "entities": int(entities),
        "classes": [(str(c), int(n)) for c, n in classes if c is not None],
        "properties": [(str(p), int(n)) for p, n in properties],
        "graphs": [(str(g), int(n), sources.get(str(g))) for g, n in graphs],
        "example": str(example[0][0]) if example else None,
        "built_at": str(built[0][0]) if built else None,
    }


_SERVER = object()
SERVER_FEATURES = ("Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def void_triples(stats: dict, root: str, base: str, *, dataset: str | None = None, endpoint=_SERVER,
                 partition=None, features=SERVER_FEATURES, title: list | None = None,
                 description: list | None = None) -> list[ox.Triple]:
    """`root` is the absolute URL of the server's root, ending with '/'.

    The keywords let the release export (export/void.py) reuse this for a described file rather than the server:
    `dataset` is the dataset's IRI (default <root>.well-known/void#dataset), `endpoint` the SPARQL endpoint's URL
    (default <root>sparql; None for none), `partition(kind, iri)` names the node of a class or property partition
    (default a blank node), `features` the local names of the formats (http://www.w3.org/ns/formats/...), `title`
    and `description` lists of literals in place of the English defaults."""
    N = ox.NamedNode
    dataset = N(dataset or root + ".well-known/void#dataset")
    if endpoint is _SERVER:
        endpoint = root + "sparql"
    partition = partition or (lambda kind, iri: ox.BlankNode())
    out: list[ox.Triple] = []
    described: list[ox.Triple] = []  # the partitions and subsets, after the dataset's own triples (neater Turtle)

    def add(s, p, o):
        (out if s == dataset else described).append(ox.Triple(s, N(p), o))

    add(dataset, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", N(VOID + "Dataset"))
    for literal in title or [ox.Literal(TITLE, language="en")]:
        add(dataset, DCT + "title", literal)
    for literal in description or [ox.Literal(DESCRIPTION, language="en")]:
        add(dataset, DCT + "description", literal)
    if stats["built_at"]:
        add(dataset, DCT + "modified", ox.Literal(stats["built_at"], datatype=N(XSD + "dateTime")))
    if endpoint:
        add(dataset, VOID + "sparqlEndpoint", N(endpoint))
    add(dataset, VOID + "uriSpace", ox.Literal(base))
    if stats["example"]:
        add(dataset, VOID + "exampleResource", N(stats["example"]))
    for vocabulary in (MG, MGV):
        add(dataset, VOID + "vocabulary", N(vocabulary))
    for fmt in features:
        add(dataset, VOID + "feature", N(FORMATS + fmt))
    add(dataset, VOID + "triples", _int(stats["triples"]))
    add(dataset, VOID + "entities", _int(stats["entities"]))
    add(dataset, VOID + "distinctSubjects", _int(stats["subjects"]))
    add(dataset, VOID + "distinctObjects", _int(stats["objects"]))
    add(dataset, VOID + "classes", _int(len(stats["classes"])))
    add(dataset, VOID + "properties", _int(len(stats["properties"])))
    for cls, n in stats["classes"]:
        part = partition("class", cls)
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", N(cls))
        add(part, VOID + "entities", _int(n))
    for prop, n in stats["properties"]:
        part = partition("property", prop)
        add(dataset, VOID + "propertyPartition", part)
        add(part, VOID + "property", N(prop))
        add(part, VOID + "triples", _int(n))
    for graph, n, source in stats["graphs"]:
        subset = N(graph)
        add(dataset, VOID + "subset", subset)
        add(subset, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", N(VOID + "Dataset"))
        add(subset, VOID + "triples", _int(n))
        if source:
            add(subset, PROV + "wasDerivedFrom", N(source[0]))
            if source[1]:
                add(subset, DCT + "source", N(source[1]))
    return out + described
