"""void.ttl: the VoID description of a release.

The numbers and the per-graph subsets come from web/void.py (the same statistics the server gives at
/.well-known/void); this adds what belongs to a release rather than to a server: the dump files (void:dataDump),
the public SPARQL endpoint only when [publish] sparql_endpoint is set, the vocabularies used, and a linkset to
Wikidata. Every node is an IRI under <download_url>void.ttl#..., and the statements are sorted, so the same
graph gives byte-identical output.

The graph records Wikidata items as Q-id strings (mg:wikidata "Q62868"), not as IRIs, on purpose (a shared Q-id
must not make a place and its government owl:sameAs; see the ontology). The linkset therefore has mg:wikidata as
its link predicate and says how the item IRI is formed; it counts the statements and the entities that have one.
Sources' web addresses are not linksets (they are documents, not RDF data sets): each source's graph is a subset
whose dct:source is the address.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

import pyoxigraph as ox

from ..vocab import MG, PREFIXES as VOCAB_PREFIXES
from ..web import void as web_void
from ..web.describe import EXTRA_PREFIXES

N = ox.NamedNode
VOID = web_void.VOID
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FOAF = "http://xmlns.com/foaf/0.1/"
DCAT = "http://www.w3.org/ns/dcat#"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

# RDF media types of dump files, with their name in http://www.w3.org/ns/formats/
RDF_FORMATS = {
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/n-quads": "N-Quads",
    "application/trig": "TriG",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD",
}
NAMESPACES = {**VOCAB_PREFIXES, **EXTRA_PREFIXES}
OUTPUT_PREFIXES = {
    "void": VOID, "dct": DCT, "xsd": XSD, "foaf": FOAF, "prov": web_void.PROV, "mg": MG, "mgg": VOCAB_PREFIXES["mgg"],
    "fmt": web_void.FORMATS, "rdfs": VOCAB_PREFIXES["rdfs"], "dcat": DCAT,
}


def download_base(ctx) -> str:
    """Where the release folder is published, ending with '/'."""
    url = str(ctx.settings.publish.get("download_url") or "").strip()
    return url if url.endswith("/") else url + "/"


def file_url(ctx, path: str) -> str:
    return download_base(ctx) + quote(path, safe="/-._~")


def rdf_dumps(ctx) -> list:
    """The data files among those written so far that are RDF (not their gzip copies), by path."""
    return sorted((f for f in ctx.files if f.kind == "data" and f.media_type in RDF_FORMATS), key=lambda f: f.path)


def _split(iri: str) -> tuple[str, str]:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1], iri[cut + 1:]


def _curie_fragment(iri: str) -> str:
    """A readable, collision-free fragment for a class or property: mg-Partnership, rdfs-label, ..."""
    namespace, local = _split(iri)
    prefix = next((p for p, ns in sorted(NAMESPACES.items()) if ns == namespace), None)
    if prefix is None or not re.fullmatch(r"[A-Za-z0-9_.-]+", local):
        return "h" + hashlib.sha256(iri.encode()).hexdigest()[:12]
    return f"{prefix}-{local}"


def vocabularies(stats: dict) -> list[str]:
    """Namespaces of the classes and properties used, where the namespace is a known vocabulary."""
    known = set(NAMESPACES.values()) - {VOCAB_PREFIXES["id"], VOCAB_PREFIXES["mgg"]}
    used = {_split(iri)[0] for iri, _ in stats["classes"]} | {_split(iri)[0] for iri, _ in stats["properties"]}
    return sorted(used & known)


def void_graph(ctx) -> list[ox.Triple]:
    p = ctx.settings.publish
    doc = download_base(ctx) + "void.ttl"
    dataset = doc + "#dataset"
    stats = web_void.statistics(ctx.store, ctx.base)
    dumps = rdf_dumps(ctx)
    features = sorted({RDF_FORMATS[f.media_type] for f in dumps})
    endpoint = str(p.get("sparql_endpoint") or "").strip() or None
    title = [ox.Literal(p[k], language=lang) for k, lang in (("title_en", "en"), ("title_pl", "pl")) if p.get(k)]
    description = [ox.Literal(p[k], language=lang) for k, lang in (("description_en", "en"), ("description_pl", "pl"))
                   if p.get(k)]
    triples = web_void.void_triples(
        stats, download_base(ctx), ctx.base, dataset=dataset, endpoint=endpoint, features=features,
        partition=lambda kind, iri: N(f"{doc}#partition-{kind}-{_curie_fragment(iri)}"),
        title=title or None, description=description or None)
    out = set(triples)

    def add(s: str, pred: str, o) -> None:
        out.add(ox.Triple(N(s), N(pred), o))

    if p.get("licence"):
        add(dataset, DCT + "license", N(p["licence"]))
    add(dataset, DCT + "issued", ox.Literal(ctx.issued.isoformat(), datatype=N(XSD + "date")))
    add(dataset, DCAT + "version", ox.Literal(ctx.release))
    if p.get("homepage"):
        add(dataset, FOAF + "homepage", N(p["homepage"]))
    for namespace in vocabularies(stats):
        add(dataset, VOID + "vocabulary", N(namespace))
    for f in dumps:
        add(dataset, VOID + "dataDump", N(file_url(ctx, f.path)))

    # Wikidata: the items whose Q-ids the graph records
    (links, entities), = ctx.store.select(
        f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?e) WHERE {{ ?s <{MG}wikidata> ?q }}").rows
    if int(links):
        wikidata = doc + "#wikidata"
        add(wikidata, RDF_TYPE, N(VOID + "Dataset"))
        add(wikidata, DCT + "title", ox.Literal("Wikidata", language="en"))
        add(wikidata, FOAF + "homepage", N("https://www.wikidata.org/"))
        add(wikidata, VOID + "uriSpace", ox.Literal(WIKIDATA_ENTITY))
        add(wikidata, VOID + "sparqlEndpoint", N("https://query.wikidata.org/sparql"))
        linkset = doc + "#linkset-wikidata"
        add(dataset, VOID + "subset", N(linkset))
        add(linkset, RDF_TYPE, N(VOID + "Linkset"))
        add(linkset, DCT + "title", ox.Literal("Wikidata items of places and local governments", language="en"))
        add(linkset, DCT + "description", ox.Literal(
            "Places and local governments with the Q-id of a Wikidata item (mg:wikidata, a string such as "
            f"\"Q62868\"); the item's IRI is {WIKIDATA_ENTITY} followed by the Q-id. The link states which item "
            "describes the node, not that the two are the same (no owl:sameAs).", language="en"))
        add(linkset, VOID + "linkPredicate", N(MG + "wikidata"))
        add(linkset, VOID + "target", N(dataset))
        add(linkset, VOID + "target", N(wikidata))
        add(linkset, VOID + "subjectsTarget", N(dataset))
        add(linkset, VOID + "objectsTarget", N(wikidata))
        add(linkset, VOID + "triples", web_void._int(int(links)))
        add(linkset, VOID + "entities", web_void._int(int(entities)))
    return sort_triples(out, dataset)


def sort_triples(triples, first: str) -> list[ox.Triple]:
    """Sorted: the main node first, then by subject; rdf:type first within a subject."""
    return sorted(triples, key=lambda t: (t.subject.value != first, str(t.subject), t.predicate.value != RDF_TYPE,
                                          str(t.predicate), str(t.object)))


def write(ctx) -> None:
    ctx.say("writing void.ttl")
    triples = void_graph(ctx)
    ox.serialize(triples, str(ctx.out / "void.ttl"), format=ox.RdfFormat.TURTLE, prefixes=OUTPUT_PREFIXES)
    ctx.add("void.ttl", "text/turtle", "VoID description of the data set: statistics, subsets, dumps, links",
            "RDF_TURTLE", "metadata")
