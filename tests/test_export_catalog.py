"""The release's VoID description and DCAT-AP 3.0.1 catalog record (export/void.py, export/catalog.py).

The catalog is validated against the official DCAT-AP 3.0.1 SHACL shapes kept in ../shared/dcat-ap (see its
SOURCE.md): html-shacl/shapes.ttl (cardinalities and node kinds), html-shacl/range.ttl (classes of objects) and
shacl/dcat-ap-SHACL.ttl (the generated, combined shapes), with pySHACL, no inference and no owl:imports.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from conftest import SHARED

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VOID = Namespace("http://rdfs.org/ns/void#")
MG = Namespace("https://w3id.org/munigraph/ontology#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
EU = "http://publications.europa.eu/resource/authority/"

DCAT_AP = SHARED / "dcat-ap"
REQUIRED_SHAPES = ["html-shacl/shapes.ttl", "html-shacl/range.ttl", "shacl/dcat-ap-SHACL.ttl"]
RELEASE, ISSUED = "2026.12.01", dt.date(2026, 12, 1)
ENDPOINT = "https://data.example.org/munigraph/sparql"


# --- writing a release's metadata ---------------------------------------------------------------------------------

def write_release(store, settings, out: Path, **publish):
    """Dumps (the real module when it is there, else one N-Quads file), then void.ttl and the catalog."""
    from munigraph.export import ReleaseContext, catalog, void
    if publish:
        settings = dataclasses.replace(settings, publish={**settings.publish, **publish})
    out.mkdir(parents=True, exist_ok=True)
    ctx = ReleaseContext(settings, store, out, RELEASE, ISSUED)
    try:
        from munigraph.export import dumps
    except ImportError:
        import pyoxigraph as ox
        (out / "dumps").mkdir()
        ctx.ox.dump(str(out / "dumps" / "munigraph.nq"), format=ox.RdfFormat.N_QUADS)
        ctx.add("dumps/munigraph.nq", "application/n-quads", "All named graphs (N-Quads)", "RDF_N_QUADS", "data")
    else:
        dumps.write(ctx)
    void.write(ctx)
    catalog.write(ctx)
    return ctx


@pytest.fixture(scope="module")
def release(store, settings, tmp_path_factory):
    return write_release(store, settings, tmp_path_factory.mktemp("release") / "r", sparql_endpoint="")


@pytest.fixture(scope="module")
def release_with_endpoint(store, settings, tmp_path_factory):
    return write_release(store, settings, tmp_path_factory.mktemp("release-sparql") / "r", sparql_endpoint=ENDPOINT)


def catalog_of(ctx) -> Graph:
    return Graph().parse(ctx.out / "catalog.ttl", format="turtle")


def base_url(ctx) -> str:
    url = ctx.settings.publish["download_url"]
    return url if url.endswith("/") else url + "/"


def dataset_node(graph: Graph) -> URIRef:
    (node,) = graph.subjects(RDF.type, DCAT.Dataset)
    return node


# --- the official shapes ------------------------------------------------------------------------------------------

_shapes_cache: dict[str, Graph] = {}


def shapes(name: str) -> Graph:
    path = DCAT_AP / name
    if not path.is_file():
        pytest.skip(f"the official DCAT-AP 3.0.1 shapes are not here ({path}); they are kept outside the repository "
                    "in ../shared/dcat-ap (see SOURCE.md there)")
    if name not in _shapes_cache:
        graph = Graph().parse(path, format="turtle")
        # SEMICeu/DCAT-AP#448 (open): the 3.0.1 dcat-ap-SHACL.ttl has dcat:DataServiceShape name two property shapes
        # it never defines, which pySHACL (like Jena) refuses once a dcat:DataService is validated. Drop the dangling
        # references, and only those.
        dangling = [(s, o) for s, o in graph.subject_objects(SH.property) if (o, None, None) not in graph]
        assert all("DataServiceShape" in str(s) for s, _ in dangling), dangling
        assert len(dangling) <= 2, dangling
        for s, o in dangling:
            graph.remove((s, SH.property, o))
        _shapes_cache[name] = graph
    return _shapes_cache[name]


def validate(data: Graph, name: str, **options):
    from pyshacl import validate as shacl_validate
    conforms, report, text = shacl_validate(data, shacl_graph=shapes(name), inference="none", do_owl_imports=False,
                                            advanced=False, **options)
    return conforms, report, text


def violations(report: Graph) -> set[tuple]:
    """(focus node, path, constraint component) of each top-level result."""
    out = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, result) in report:
            continue
        out.add((report.value(result, SH.focusNode), report.value(result, SH.resultPath),
                 report.value(result, SH.sourceConstraintComponent)))
    return out


@pytest.mark.parametrize("name", REQUIRED_SHAPES)
def test_catalog_conforms_to_dcat_ap(release, name):
    conforms, _, text = validate(catalog_of(release), name)
    assert conforms, text


@pytest.mark.parametrize("name", ["html-shacl/shapes.ttl", "shacl/dcat-ap-SHACL.ttl"])
def test_a_broken_catalog_fails_exactly_on_the_broken_properties(release, name):
    graph = catalog_of(release)
    dataset = dataset_node(graph)
    dist = URIRef(base_url(release) + "catalog.ttl#dist-dumps/munigraph.nq")
    assert (dataset, DCAT.distribution, dist) in graph
    graph.remove((dataset, DCT.title, None))
    graph.remove((dist, DCAT.accessURL, None))
    conforms, report, _ = validate(graph, name)
    assert not conforms
    assert violations(report) == {(dataset, DCT.title, SH.MinCountConstraintComponent),
                                  (dist, DCAT.accessURL, SH.MinCountConstraintComponent)}


@pytest.mark.parametrize("name", ["html-shacl/range.ttl", "shacl/dcat-ap-SHACL.ttl"])
def test_the_range_shapes_check_the_classes_of_objects(release, name):
    """range.ttl has no cardinalities; it fails when an object lacks its class, as an untyped checksum node."""
    graph = catalog_of(release)
    dist = URIRef(base_url(release) + "catalog.ttl#dist-dumps/munigraph.nq")
    checksum = graph.value(dist, SPDX.checksum)
    graph.remove((checksum, RDF.type, SPDX.Checksum))
    conforms, report, _ = validate(graph, name)
    assert not conforms
    assert violations(report) == {(dist, SPDX.checksum, SH.ClassConstraintComponent)}


def test_controlled_vocabularies(release):
    """mdr-vocabularies.shape.ttl: themes, file types, languages and countries come from the EU vocabularies.

    Left aside: its warnings (the publisher is not an EU corporate body), and ChecksumAlgorithmRestriction, whose
    pattern ^https://spdx.org/rdf/terms rejects every SPDX algorithm IRI, which are http:// (DCAT-AP's own
    examples use http://spdx.org/rdf/terms#checksumAlgorithm_sha1)."""
    _, report, _ = validate(catalog_of(release), "html-shacl/mdr-vocabularies.shape.ttl")
    left = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, result) in report or report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        if report.value(result, SH.resultPath) == SPDX.algorithm:  # the only mdr shape on it is that pattern
            continue
        left.add((report.value(result, SH.focusNode), report.value(result, SH.resultPath)))
    assert not left, left


@pytest.mark.parametrize("name", REQUIRED_SHAPES)
def test_with_a_sparql_endpoint_a_data_service_appears_and_conforms(release_with_endpoint, name):
    graph = catalog_of(release_with_endpoint)
    (service,) = graph.subjects(RDF.type, DCAT.DataService)
    assert graph.value(service, DCAT.endpointURL) == URIRef(ENDPOINT)
    assert graph.value(service, DCAT.servesDataset) == dataset_node(graph)
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert (catalog, DCAT.service, service) in graph
    assert any(graph.value(d, DCAT.accessService) == service for d in graph.objects(dataset_node(graph), DCAT.distribution))
    conforms, _, text = validate(graph, name)
    assert conforms, text


def test_without_a_sparql_endpoint_there_is_no_data_service(release):
    graph = catalog_of(release)
    assert not list(graph.subjects(RDF.type, DCAT.DataService)) and not list(graph.subject_objects(DCAT.service))


# --- what the catalog says ----------------------------------------------------------------------------------------

def test_each_file_is_a_distribution_whose_size_and_checksum_match(release):
    graph = catalog_of(release)
    base = base_url(release)
    listed = {}
    for dist in graph.objects(dataset_node(graph), DCAT.distribution):
        url = str(graph.value(dist, DCAT.downloadURL))
        assert url.startswith(base) and graph.value(dist, DCAT.accessURL) == URIRef(url)
        path = unquote(url[len(base):])
        data = (release.out / path).read_bytes()
        size = graph.value(dist, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger and int(size) == len(data), path
        checksum = graph.value(dist, SPDX.checksum)
        assert (checksum, RDF.type, SPDX.Checksum) in graph
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = graph.value(checksum, SPDX.checksumValue)
        assert value.datatype == XSD.hexBinary and str(value) == hashlib.sha256(data).hexdigest(), path
        assert str(graph.value(dist, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
        assert str(graph.value(dist, DCT["format"])).startswith(EU + "file-type/")
        assert graph.value(dist, DCT.license) == URIRef(release.settings.publish["licence"])
        assert graph.value(dist, DCT.title) is not None and graph.value(dist, DCT.description) is not None
        listed[path] = dist
    expected = {f.path for f in release.files} - {"catalog.ttl", "catalog.jsonld"}
    assert set(listed) == expected
    assert "void.ttl" in listed and not {"catalog.ttl", "catalog.jsonld", "README.txt", "index.html"} & set(listed)
    gz = listed.get("dumps/munigraph.nt.gz")
    if gz is not None:  # a compressed dump: its content's format, and gzip as dcat:compressFormat
        assert graph.value(gz, DCAT.mediaType) == URIRef("http://www.iana.org/assignments/media-types/application/n-triples")
        assert graph.value(gz, DCAT.compressFormat) == URIRef("http://www.iana.org/assignments/media-types/application/gzip")
        assert graph.value(gz, DCT["format"]) == URIRef(EU + "file-type/RDF_N_TRIPLES")


def test_the_catalog_and_void_files_are_recorded_as_metadata(release):
    by_path = {f.path: f for f in release.files}
    assert (by_path["catalog.ttl"].file_type, by_path["catalog.ttl"].kind) == ("RDF_TURTLE", "metadata")
    assert (by_path["catalog.jsonld"].file_type, by_path["catalog.jsonld"].media_type) == ("JSON_LD", "application/ld+json")
    assert (by_path["void.ttl"].media_type, by_path["void.ttl"].kind) == ("text/turtle", "metadata")


def test_dataset_description(release, store):
    graph = catalog_of(release)
    p = release.settings.publish
    dataset = dataset_node(graph)
    assert {(str(t), t.language) for t in graph.objects(dataset, DCT.title)} == {(p["title_en"], "en"), (p["title_pl"], "pl")}
    assert {t.language for t in graph.objects(dataset, DCT.description)} == {"en", "pl"}
    keywords = {(str(k), k.language) for k in graph.objects(dataset, DCAT.keyword)}
    assert ("twin towns", "en") in keywords and ("miasta partnerskie", "pl") in keywords
    assert set(graph.objects(dataset, DCAT.theme)) == {URIRef(EU + "data-theme/GOVE"), URIRef(EU + "data-theme/REGI")}
    assert graph.value(dataset, DCT.conformsTo) == URIRef("https://w3id.org/munigraph/ontology")
    assert graph.value(dataset, DCAT.version) == Literal(RELEASE)
    assert graph.value(dataset, DCT.issued) == Literal(ISSUED.isoformat(), datatype=XSD.date)
    contact = graph.value(dataset, DCAT.contactPoint)
    assert graph.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) == URIRef("mailto:" + p["contact_email"])
    # every country of the graph, as the EU country IRI
    from munigraph.export.catalog import COUNTRIES
    codes = {str(c) for c, in store.select(f"SELECT DISTINCT ?c WHERE {{ ?x a <{MG}Country> ; <{MG}countryCode> ?c }}").rows}
    assert codes and codes <= set(COUNTRIES), codes - set(COUNTRIES)
    spatial = set(graph.objects(dataset, DCT.spatial))
    assert spatial == {URIRef(EU + "country/" + COUNTRIES[c]) for c in codes}
    assert URIRef(EU + "country/POL") in spatial and URIRef(EU + "country/LTU") in spatial
    # the temporal extent spans the graph's sort dates
    period = graph.value(dataset, DCT.temporal)
    start, end = graph.value(period, DCAT.startDate), graph.value(period, DCAT.endDate)
    (low, high), = store.select(f"""SELECT (MIN(?d) AS ?low) (MAX(?d) AS ?high) WHERE {{
        VALUES ?p {{ <{MG}sortDate> <{MG}startSortDate> <{MG}endSortDate> }} ?x ?p ?d }}""").rows
    assert str(low).startswith(str(start)) and str(high).startswith(str(end)[:4])
    assert start.datatype in (XSD.date, XSD.gYear, XSD.gYearMonth) and end.datatype in (XSD.date, XSD.gYear, XSD.gYearMonth)


def test_no_blank_nodes(release):
    for name in ("catalog.ttl", "void.ttl"):
        graph = Graph().parse(release.out / name)
        assert not [t for t in graph if isinstance(t[0], BNode) or isinstance(t[2], BNode)], name


def test_jsonld_is_the_same_graph(release):
    turtle = catalog_of(release)
    jsonld = Graph().parse(release.out / "catalog.jsonld", format="json-ld")
    assert len(jsonld) == len(turtle) and isomorphic(jsonld, turtle)
    document = (release.out / "catalog.jsonld").read_text(encoding="utf-8")
    assert "http://www.w3.org/ns/dcat#" in document and '"@graph"' in document and "dcat-ap" not in document.lower()


def test_jsonld_expands_with_a_standard_processor(release):
    pyld = pytest.importorskip("pyld")
    import json
    expanded = pyld.jsonld.expand(json.loads((release.out / "catalog.jsonld").read_text(encoding="utf-8")))
    types = {t for node in expanded for t in node.get("@type", [])}
    assert {str(DCAT.Catalog), str(DCAT.Dataset), str(DCAT.Distribution), str(SPDX.Checksum)} <= types


# --- VoID ---------------------------------------------------------------------------------------------------------

def test_void_description(release, store):
    graph = Graph().parse(release.out / "void.ttl", format="turtle")
    base = base_url(release)
    dataset = URIRef(base + "void.ttl#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    (count,), = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    assert int(graph.value(dataset, VOID.triples)) == int(count)
    for p in (VOID.entities, VOID.classes, VOID.properties, VOID.distinctSubjects, VOID.distinctObjects):
        assert int(graph.value(dataset, p)) > 0, p
    assert str(graph.value(dataset, VOID.uriSpace)) == release.base
    assert graph.value(dataset, DCT.title) is not None
    assert (dataset, VOID.vocabulary, URIRef(str(MG))) in graph
    assert graph.value(dataset, VOID.exampleResource) is not None
    partitions = {graph.value(part, VOID["class"]): int(graph.value(part, VOID.entities))
                  for part in graph.objects(dataset, VOID.classPartition)}
    assert partitions[MG.Partnership] > 10
    assert URIRef(base + "void.ttl#partition-class-mg-Partnership") in set(graph.objects(dataset, VOID.classPartition))
    assert any(graph.value(part, VOID.property) == MG.twinnedWith for part in graph.objects(dataset, VOID.propertyPartition))
    # one subset per named graph, with its size (and its source's address where it has one)
    graphs = {str(g): int(n) for g, n in store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows}
    subsets = [s for s in graph.objects(dataset, VOID.subset) if (s, RDF.type, VOID.Linkset) not in graph]
    assert sorted(map(str, subsets)) == sorted(graphs)
    for subset in subsets:
        assert int(graph.value(subset, VOID.triples)) == graphs[str(subset)]
    troki = URIRef("https://w3id.org/munigraph/graph/koszalin-2019-12-02-troki")
    assert str(graph.value(troki, DCT.source)).startswith("https://koszalin.pl/")
    # the Wikidata linkset
    (linkset,) = graph.subjects(RDF.type, VOID.Linkset)
    assert (dataset, VOID.subset, linkset) in graph
    assert graph.value(linkset, VOID.linkPredicate) == MG.wikidata
    targets = set(graph.objects(linkset, VOID.target))
    assert dataset in targets and len(targets) == 2
    (wikidata,) = targets - {dataset}
    assert (wikidata, RDF.type, VOID.Dataset) in graph and str(graph.value(wikidata, VOID.uriSpace)) == "http://www.wikidata.org/entity/"
    (links,), = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{MG}wikidata> ?q }}").rows
    assert int(graph.value(linkset, VOID.triples)) == int(links) > 0
    # a data dump per RDF dump file
    rdf_types = {"text/turtle", "application/n-triples", "application/n-quads", "application/trig", "application/rdf+xml",
                 "application/ld+json"}
    dumps = {URIRef(base + f.path) for f in release.files if f.kind == "data" and f.media_type in rdf_types}
    assert dumps and set(graph.objects(dataset, VOID.dataDump)) == dumps
    assert graph.value(dataset, VOID.sparqlEndpoint) is None


def test_void_names_the_public_endpoint_when_there_is_one(release_with_endpoint):
    graph = Graph().parse(release_with_endpoint.out / "void.ttl", format="turtle")
    dataset = URIRef(base_url(release_with_endpoint) + "void.ttl#dataset")
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(ENDPOINT)


# --- determinism --------------------------------------------------------------------------------------------------

def test_two_runs_give_identical_files(release, store, settings, tmp_path):
    again = write_release(store, settings, tmp_path / "again", sparql_endpoint="")
    for name in ("void.ttl", "catalog.ttl", "catalog.jsonld"):
        assert (again.out / name).read_bytes() == (release.out / name).read_bytes(), name
