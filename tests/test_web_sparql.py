"""The SPARQL endpoint as standard clients see it: SPARQLWrapper, rdflib's SPARQLStore, plain HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from conftest import LiveServer

KOSZALIN = "https://w3id.org/munigraph/id/gov/pl/koszalin"
TRAKAI = "https://w3id.org/munigraph/id/gov/lt/trakai-district"


@pytest.fixture(scope="module")
def partners_query(store):
    """The named query `partners` for Koszalin, as the exact SPARQL text any client can send."""
    from munigraph import queries
    from munigraph.config import load_settings
    from munigraph.resolve import Resolver
    settings = load_settings()
    named = queries.get("partners")
    values = queries.bind_parameters(named, {"municipality": ["Koszalin"]}, Resolver(store, settings.base, ["en"]))
    return queries.prepared_text(named, values)


def _cli_rows(mg) -> set[tuple]:
    run = mg("query", "partners", "--param", "municipality=Koszalin", "--format", "json", "--no-labels")
    data = json.loads(run.out)
    return {tuple((v, b[v]["value"]) for v in sorted(b)) for b in data["results"]["bindings"]}


def test_sparqlwrapper_json_xml_csv_match_the_cli(live, mg, partners_query):
    expected = _cli_rows(mg)
    assert len(expected) >= 13
    client = SPARQLWrapper(live.url + "/sparql")
    client.setQuery(partners_query)
    client.setReturnFormat(JSON)
    data = client.query().convert()
    got = {tuple((v, b[v]["value"]) for v in sorted(b)) for b in data["results"]["bindings"]}
    assert got == expected
    client.setReturnFormat(XML)
    xml = client.query().convert()  # a DOM document
    uris = {node.firstChild.data for node in xml.getElementsByTagName("uri")}
    assert TRAKAI in uris
    client.setReturnFormat(CSV)
    csv_text = client.query().convert().decode("utf-8")
    assert csv_text.splitlines()[0] == "partner,country,start,status,end,ordinal,sources"
    assert len(csv_text.strip().splitlines()) == len(expected) + 1


def test_sparqlwrapper_construct_to_turtle(live):
    client = SPARQLWrapper(live.url + "/sparql")
    client.setQuery(f"CONSTRUCT {{ <{KOSZALIN}> <https://w3id.org/munigraph/ontology#twinnedWith> ?b }} "
                    f"WHERE {{ <{KOSZALIN}> <https://w3id.org/munigraph/ontology#twinnedWith> ?b }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert (URIRef(KOSZALIN), URIRef("https://w3id.org/munigraph/ontology#twinnedWith"), URIRef(TRAKAI)) in graph


def test_rdflib_sparqlstore_gives_the_same_answers(live, mg, partners_query):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    graph = Graph(SPARQLStore(live.url + "/sparql", returnFormat="json"))
    rows = graph.query(partners_query)
    got = {tuple((str(v), str(row[v])) for v in sorted(rows.vars, key=str) if row[v] is not None) for row in rows}
    assert got == _cli_rows(mg)


def test_content_negotiation_and_vary(live):
    q = {"query": "SELECT ?x WHERE { BIND(1 AS ?x) }"}
    r = httpx.get(live.url + "/sparql", params=q, headers={"Accept": "text/csv;q=0.5, application/sparql-results+xml;q=0.9"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+xml")
    assert r.headers["vary"] == "Accept"
    r = httpx.get(live.url + "/sparql", params=q, headers={"Accept": "text/tab-separated-values"})
    assert r.text.splitlines()[0] == "?x"
    r = httpx.get(live.url + "/sparql", params=q, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "available as" in r.text
    c = {"query": "CONSTRUCT { <http://e/s> <http://e/p> 1 } WHERE {}"}
    for accept, media in [("application/ld+json", "application/ld+json"), ("application/n-triples", "application/n-triples"),
                          ("application/rdf+xml", "application/rdf+xml"), ("*/*", "text/turtle")]:
        r = httpx.get(live.url + "/sparql", params=c, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        Graph().parse(data=r.text, format={"application/ld+json": "json-ld", "application/n-triples": "nt",
                                           "application/rdf+xml": "xml", "text/turtle": "turtle"}[media])


def test_protocol_errors(live):
    r = httpx.get(live.url + "/sparql", params={"query": "SELECT * WHERE {"})
    assert r.status_code == 400 and "syntax" in r.text.lower()
    r = httpx.post(live.url + "/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400 and "Content-Type" in r.text
    r = httpx.post(live.url + "/sparql", content="ASK {}".encode("utf-16"), headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert r.status_code == 400 and "UTF-8" in r.text
    r = httpx.get(live.url + "/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400 and "exactly one" in r.text
    r = httpx.delete(live.url + "/sparql")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    r = httpx.post(live.url + "/sparql", content=b"x" * 1_100_000, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


def test_updates_are_refused_without_permission(live):
    r = httpx.post(live.url + "/sparql", content=b"INSERT DATA { <http://e/s> <http://e/p> 1 }",
                   headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer guess"})
    assert r.status_code == 403
    assert httpx.get(live.url + "/sparql", params={"query": "ASK { <http://e/s> ?p ?o }"}).json()["boolean"] is False


def test_update_needs_the_token(store_dir, tmp_path):
    import shutil
    from munigraph.store import current_build
    copy = tmp_path / "store"
    (copy / "builds").mkdir(parents=True)
    shutil.copytree(current_build(store_dir), copy / "builds" / "b")
    (copy / "current").symlink_to("builds/b")
    server = LiveServer(copy, "--allow-update", env={"MUNIGRAPH_UPDATE_TOKEN": "s3cret-token"})
    try:
        tag = httpx.get(server.url + "/page/gov/pl/koszalin").headers["etag"]
        update = b"INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> 1 } }"
        no_token = httpx.post(server.url + "/sparql", content=update, headers={"Content-Type": "application/sparql-update"})
        assert no_token.status_code == 403
        wrong = httpx.post(server.url + "/sparql", content=update, headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        ok = httpx.post(server.url + "/sparql", content=update, headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 204
        assert httpx.get(server.url + "/sparql", params={"query": "ASK { GRAPH <http://e/g> { <http://e/s> ?p ?o } }"}).json()["boolean"] is True
        # the data changed: the pages' ETags no longer match
        after = httpx.get(server.url + "/page/gov/pl/koszalin", headers={"If-None-Match": tag})
        assert after.status_code == 200 and after.headers["etag"] != tag
        load = httpx.post(server.url + "/sparql", content=b"LOAD <http://127.0.0.1:9/x.ttl>",
                          headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret-token"})
        assert load.status_code == 400 and "LOAD refused" in load.text
    finally:
        server.stop()


def test_service_is_refused_without_any_outbound_connection(live):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections = []

    def watch():
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                conn, _ = listener.accept()
                connections.append(conn)
            except OSError:
                pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    for query in (f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                  f"SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}"):
        r = httpx.get(live.url + "/sparql", params={"query": query})
        assert r.status_code == 400 and "refused" in r.text
    r = httpx.post(live.url + "/sparql", content=f"LOAD <http://127.0.0.1:{port}/x.ttl>".encode(),
                   headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403
    watcher.join()
    listener.close()
    assert connections == []
    r = httpx.get(live.url + "/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert r.status_code == 400 and "SERVICE <http://127.0.0.1:9/> refused" in r.text


def test_timeout_stops_the_query_and_the_server_keeps_answering(store_dir):
    server = LiveServer(store_dir, "--timeout", "2", "--workers", "2")
    try:
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        result = {}

        def run_slow():
            started = time.monotonic()
            r = httpx.get(server.url + "/sparql", params={"query": slow}, timeout=30)
            result["status"], result["seconds"], result["text"] = r.status_code, time.monotonic() - started, r.text

        thread = threading.Thread(target=run_slow)
        thread.start()
        time.sleep(0.3)
        quick = httpx.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert quick.status_code == 200 and quick.json()["boolean"] is True  # another client is served meanwhile
        thread.join()
        assert result["status"] == 503 and "time limit" in result["text"]
        assert result["seconds"] < 2 + 2
        after = httpx.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert after.status_code == 200  # the stopped worker was replaced
    finally:
        server.stop()


def test_a_client_that_gives_up_leaves_the_next_answer_its_own(store_dir):
    """One worker: a slow query whose client goes away, then a quick one, which waits for the worker and gets its
    own answer (not the slow one's, which arrives on the same pipe)."""
    server = LiveServer(store_dir, "--timeout", "3", "--workers", "1")
    try:
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        with pytest.raises(httpx.TimeoutException):
            httpx.get(server.url + "/sparql", params={"query": slow}, timeout=0.5)
        quick = httpx.get(server.url + "/sparql", params={"query": "SELECT ?x WHERE { BIND(42 AS ?x) }"}, timeout=10,
                          headers={"Accept": "application/sparql-results+json"})
        assert quick.status_code == 200 and quick.json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    finally:
        server.stop()


def test_results_are_cut_at_the_row_limit_with_a_note(store_dir):
    server = LiveServer(store_dir, "--max-rows", "5")
    try:
        r = httpx.get(server.url + "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"})
        data = r.json()
        assert len(data["results"]["bindings"]) == 5
        assert data["munigraph"]["truncated"] is True and r.headers["x-munigraph-truncated"] == "5"
        # fewer rows than the limit, but more bytes: whole, not cut (see executor._run_query)
        r = httpx.get(server.url + "/sparql", params={"query": "SELECT ?s ?p WHERE { ?s ?p ?o } LIMIT 3"})
        assert len(r.json()["results"]["bindings"]) == 3 and "x-munigraph-truncated" not in r.headers
    finally:
        server.stop()


def test_small_and_large_results_are_whole_in_every_format(live):
    """Small results are written by the engine, larger ones (past max_rows bytes) row by row: the same rows."""
    for limit in (10, 5000):
        query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(isIRI(?s)) }} ORDER BY ?s ?p ?o LIMIT {limit}"
        as_json = httpx.get(live.url + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
        rows = as_json.json()["results"]["bindings"]
        assert len(rows) == limit and "x-munigraph-truncated" not in as_json.headers
        as_csv = httpx.get(live.url + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}).text
        assert [line.split(",")[0] for line in as_csv.splitlines()[1:6]] == [row["s"]["value"] for row in rows[:5]]
        as_xml = httpx.get(live.url + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+xml"}).text
        assert as_xml.count("<result>") == limit


def test_allowed_service_is_called(live, store_dir):
    """With --allow-service, SERVICE reaches that endpoint (here: another munigraph server on 127.0.0.1)."""
    allowed = live.url + "/sparql"
    federating = LiveServer(store_dir, "--allow-service", allowed)
    try:
        query = (f"SELECT ?b WHERE {{ SERVICE <{allowed}> {{ <{KOSZALIN}> <https://w3id.org/munigraph/ontology#twinnedWith> ?b }} }}")
        r = httpx.get(federating.url + "/sparql", params={"query": query}, timeout=30)
        assert r.status_code == 200, r.text
        assert TRAKAI in {b["b"]["value"] for b in r.json()["results"]["bindings"]}
        other = httpx.get(federating.url + "/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
        assert other.status_code == 400
    finally:
        federating.stop()


def test_a_browser_gets_results_as_a_page(live):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    q = {"query": f"SELECT ?b WHERE {{ <{KOSZALIN}> <https://w3id.org/munigraph/ontology#twinnedWith> ?b }}"}
    r = httpx.get(live.url + "/sparql", params=q, headers={"Accept": browser})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'href="/page/gov/lt/trakai-district"' in r.text
    evil = {"query": 'SELECT ?x WHERE { BIND("<script>alert(1)</script>" AS ?x) }'}
    r = httpx.get(live.url + "/sparql", params=evil, headers={"Accept": browser})
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text


def test_a_worker_answers_whole_in_threads_after_the_event_loop_used_it(store_dir):
    """The /sparql path awaits a worker's answer on the event loop, which makes its socket non-blocking; pages and
    the API read answers in a thread with blocking reads. A large answer read that way after an awaited one must
    come whole (it once failed as 'the query worker stopped unexpectedly')."""
    import os

    import uvloop

    from munigraph.store import current_build
    from munigraph.web.executor import Executor
    executor = Executor(current_build(store_dir), workers=1)
    executor.start()
    try:
        every = "SELECT ?g ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        op = {"kind": "query", "text": "ASK { ?s ?p ?o }", "media_type": "application/sparql-results+json", "max_rows": 1000}
        for _ in range(3):
            assert json.loads(uvloop.run(executor.arun(op)).body)["boolean"] is True
            # a non-blocking socket fails a blocking read only when the reader outruns the worker: a race, so the
            # socket's mode is checked as well as the answer
            assert all(os.get_blocking(worker.conn.fileno()) for worker in executor._all)
            rows = executor.run({"kind": "select", "text": every}).rows  # several MB through the same socket
            assert len(rows.rows) > 10_000
    finally:
        executor.close()
