"""The W3C SPARQL 1.1 Protocol test suite (../shared/w3c-sparql-protocol), run over real HTTP against `munigraph serve`.

The harness reads the manifest, loads the test data into a store of its own, starts the server with updates
enabled (and a token), and sends each test's requests in order, checking the expected status class, result format
and boolean. The pass count is printed in the test summary.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, RDF, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS

from conftest import SHARED, LiveServer

SUITE = SHARED / "w3c-sparql-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/"
TOKEN = "w3c-protocol-test-token"

pytestmark = pytest.mark.skipif(not (SUITE / "manifest.ttl").is_file(),
                                reason="../shared/w3c-sparql-protocol is not present (it is beside the repository in CI)")

RESULTS: dict[str, list[str]] = {"passed": [], "failed": []}


def _manifest(path: Path, base: str) -> tuple[Graph, list]:
    graph = Graph().parse(path, format="turtle", publicID=base + "manifest")
    manifest = graph.value(None, RDF.type, MF.Manifest)
    return graph, list(Collection(graph, graph.value(manifest, MF.entries)))


def _protocol_tests():
    if not (SUITE / "manifest.ttl").is_file():
        return []
    graph, entries = _manifest(SUITE / "manifest.ttl", BASE)
    return [(str(t).rsplit("#", 1)[-1], t) for t in entries]


@pytest.fixture(scope="module")
def suite():
    graph, _ = _manifest(SUITE / "manifest.ttl", BASE)
    return graph


@pytest.fixture(scope="module")
def data_graphs(suite) -> dict[str, str]:
    """graph name (the rdfs:label of ut:graphData) -> N-Triples text of its file."""
    out = {}
    for node in suite.objects(None, UT.graphData):
        name = str(suite.value(node, RDFS.label))
        source = str(suite.value(node, UT.graph)).removeprefix(BASE)
        out[name] = (SUITE / source).read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory, data_graphs):
    """A store laid out like a munigraph build (builds/<id> + current), holding only the suite's data."""
    root = tmp_path_factory.mktemp("w3c")
    build = root / "builds" / "w3c"
    build.mkdir(parents=True)
    store = ox.Store(str(build))
    for name, text in data_graphs.items():
        store.load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
    store.flush()
    del store
    (root / "current").symlink_to(Path("builds") / "w3c")
    server = LiveServer(root, "--allow-update", env={"MUNIGRAPH_UPDATE_TOKEN": TOKEN})
    yield server
    server.stop()


def _reset(url: str, data_graphs: dict[str, str]) -> None:
    """Each test starts from the suite's data (update tests drop everything)."""
    body = "DROP ALL ; INSERT DATA { " + " ".join(f"GRAPH <{g}> {{ {nt} }}" for g, nt in data_graphs.items()) + " }"
    response = httpx.post(url + "/sparql", content=body.encode("utf-8"),
                          headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204, response.text


def _check_response(suite, response_node, response: httpx.Response) -> list[str]:
    problems = []
    expected = {str(s).rsplit("#", 1)[-1] for s in suite.objects(response_node, MF.expectedStatus)}
    klass = f"StatusCode{response.status_code // 100}xx"
    if expected and klass not in expected:
        problems.append(f"status {response.status_code}, expected {sorted(expected)}: {response.text[:200]}")
        return problems
    media = response.headers.get("content-type", "").split(";")[0].strip()
    fmt = suite.value(response_node, MF.expectedFormat)
    boolean = suite.value(response_node, MF.expectedBoolean)
    if fmt is not None:
        kinds = {"boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
                 "tabular": {"application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"},
                 "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"}}[str(fmt)]
        if media not in kinds:
            problems.append(f"media type {media!r}, expected one of {sorted(kinds)}")
    if boolean is not None:
        if media.endswith("json"):
            value = json.loads(response.text).get("boolean")
        else:
            value = "<boolean>true</boolean>" in response.text
        if value != boolean.toPython():
            problems.append(f"boolean {value}, expected {boolean.toPython()}")
    return problems


@pytest.mark.parametrize("name,test", _protocol_tests(), ids=[n for n, _ in _protocol_tests()])
def test_protocol(name, test, suite, w3c_server, data_graphs):
    _reset(w3c_server.url, data_graphs)
    action = suite.value(test, MF.action)
    problems = []
    for request in Collection(suite, suite.value(action, HT.requests)):
        method = str(suite.value(request, HT.methodName))
        path = str(suite.value(request, HT.absolutePath))
        assert path.startswith("/sparql/")
        headers = {}
        if suite.value(request, HT.headers) is not None:
            for header in Collection(suite, suite.value(request, HT.headers)):
                headers[str(suite.value(header, HT.fieldName))] = str(suite.value(header, HT.fieldValue))
        body = suite.value(request, HT.body)
        content = None
        if body is not None:
            encoding = str(suite.value(body, CNT.characterEncoding) or "UTF-8")
            content = str(suite.value(body, CNT.chars)).encode(encoding.lower())
        is_update = "update" in headers.get("content-type", "") or (content is not None and content.startswith(b"update=")) or "update=" in path
        if is_update:
            headers["Authorization"] = f"Bearer {TOKEN}"
        response = httpx.request(method, w3c_server.url + path, content=content, headers=headers, timeout=30)
        problems += _check_response(suite, suite.value(request, HT.resp), response)
    (RESULTS["failed"] if problems else RESULTS["passed"]).append(name)
    assert not problems, f"{name}: {suite.value(test, MF.name)}: " + "; ".join(problems)


SD_TESTS = ["returns-rdf", "has-endpoint-triple", "conforms-to-schema"]


@pytest.mark.parametrize("name", SD_TESTS)
def test_service_description(name, w3c_server):
    sd_manifest = SUITE / "service-description" / "manifest.ttl"
    graph, entries = _manifest(sd_manifest, "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/service-description/")
    assert name in {str(e).rsplit("#", 1)[-1] for e in entries}
    endpoint = w3c_server.url + "/sparql/"
    response = httpx.get(endpoint, headers={"Accept": "text/turtle"})
    ok = response.status_code == 200
    description = Graph()
    if ok:
        description.parse(data=response.text, format="turtle")
    service = description.value(None, RDF.type, SD.Service)
    if name == "returns-rdf":
        ok = ok and len(description) > 0 and response.headers["content-type"].startswith("text/turtle")
    elif name == "has-endpoint-triple":
        ok = ok and (service, SD.endpoint, URIRef(endpoint)) in description
    else:
        languages = set(description.objects(service, SD.supportedLanguage))
        ok = ok and service is not None and SD.SPARQL11Query in languages and SD.SPARQL11Update in languages
        ok = ok and all((None, SD.resultFormat, None) in description for _ in [0])
        dataset = description.value(service, SD.defaultDataset)
        ok = ok and dataset is not None and (dataset, RDF.type, SD.Dataset) in description
    (RESULTS["passed"] if ok else RESULTS["failed"]).append("sd:" + name)
    assert ok, f"service description test {name} failed: {response.status_code} {response.text[:500]}"
