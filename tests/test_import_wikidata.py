"""`munigraph import wikidata` against a real Oxigraph server loaded with a fixture in Wikidata's own RDF format.

The importer's real queries run over HTTP (SPARQLWrapper) against `oxigraph serve-read-only`; its output is built
with data/ into a temporary store, which then answers `partners` and `conflicts`. A small HTTP proxy started here
answers 429/503 with Retry-After to exercise the retries. The public Wikidata Query Service is never contacted.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

from conftest import FIXTURES, ROOT, free_port, run_cli, stop_process

FIXTURE = FIXTURES / "wikidata" / "p190.ttl"
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
SEEDS = ("--qid", "Q62868", "--qid", "Q191015", "--qid", "Q156726", "--qid", "Q241475")
DATE = "2026-01-15"
STEM = "wikidata-seed"

MG = Namespace("https://w3id.org/munigraph/ontology#")
MGV = Namespace("https://w3id.org/munigraph/vocab/")
ID = "https://w3id.org/munigraph/id/"
SCHEMA = Namespace("https://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCT = Namespace("http://purl.org/dc/terms/")


# --- servers ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wikidata(tmp_path_factory) -> str:
    """An Oxigraph server holding the Wikidata-format fixture; yields its query URL."""
    if not OXIGRAPH.exists():
        pytest.skip("the oxigraph server (PyPI package oxigraph, test extra) is not installed")
    location = tmp_path_factory.mktemp("wikidata-oxigraph")
    subprocess.run([str(OXIGRAPH), "load", "--location", str(location), "--file", str(FIXTURE)],
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    log = open(location.parent / f"oxigraph-{port}.log", "w")
    proc = subprocess.Popen([str(OXIGRAPH), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process(proc)
                log.close()
                raise RuntimeError("oxigraph serve did not start: " + Path(log.name).read_text())
            time.sleep(0.1)
    yield url
    stop_process(proc)
    log.close()


class Proxy:
    """A tiny HTTP server in a thread: answers `fail` requests with `status` (and Retry-After), then passes requests
    on to the upstream endpoint. Records each request's time and User-Agent."""

    def __init__(self, upstream: str, fail: int = 0, status: int = 429, retry_after: str | None = "1"):
        self.upstream, self.fail, self.status, self.retry_after = upstream, fail, status, retry_after
        self.requests: list[tuple[float, str, int]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, body: bytes | None):
                agent = self.headers.get("User-Agent", "")
                if proxy.fail > 0:
                    proxy.fail -= 1
                    proxy.requests.append((time.monotonic(), agent, proxy.status))
                    self.send_response(proxy.status)
                    if proxy.retry_after is not None:
                        self.send_header("Retry-After", proxy.retry_after)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "4")
                    self.end_headers()
                    self.wfile.write(b"busy")
                    return
                target = proxy.upstream + (self.path[self.path.index("?"):] if "?" in self.path else "")
                request = urllib.request.Request(target, data=body, method=self.command)
                for header in ("Content-Type", "Accept"):
                    if self.headers.get(header):
                        request.add_header(header, self.headers[header])
                with urllib.request.urlopen(request, timeout=30) as response:
                    payload, kind, code = response.read(), response.headers.get("Content-Type", ""), response.status
                proxy.requests.append((time.monotonic(), agent, code))
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._answer(None)

            def do_POST(self):
                self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(wikidata):
    made = []

    def make(**kwargs) -> Proxy:
        made.append(Proxy(wikidata, **kwargs))
        return made[-1]
    yield make
    for p in made:
        p.close()


# --- the import, its build -------------------------------------------------------------------------------------

def import_wikidata(store: Path, out: Path, endpoint: str, *args: str, name: str = STEM, env: dict | None = None):
    return run_cli("--store", str(store), "import", "wikidata", *args, "--wikidata-endpoint", endpoint,
                   "--out", str(out), "--name", name, "--date", DATE, env=env)


@pytest.fixture(scope="module")
def imported(store_dir, wikidata, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wikidata-import")
    run = import_wikidata(store_dir, out, wikidata, *SEEDS)
    assert run.code == 0, run.err
    path = out / f"{STEM}.ttl"
    assert run.out.strip() == str(path)
    return path


@pytest.fixture(scope="module")
def built(imported, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("wikidata-built") / "store"
    run = run_cli("--store", str(store), "build", "--data", "data", "--data", str(imported))
    assert run.code == 0, run.err
    assert "conforms (0 violation(s)" in run.err
    return store


def graph_of(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def gov(path: str) -> URIRef:
    return URIRef(ID + "gov/" + path)


# --- what the import gives -------------------------------------------------------------------------------------

def test_partners_of_koszalin_come_from_wikidata_with_start_dates(built, wikidata, tmp_path):
    rows = run_cli("--store", str(built), "query", "partners", "--param", "municipality=Koszalin", "--format", "csv", check=True).csv()
    by_partner = {row["partner"]: row for row in rows}
    for partner in ("lt/trakai-district", "by/lida", "ua/ivano-frankivsk", "dk/gladsaxe", "jp/testmachi"):
        assert wikidata in by_partner[ID + "gov/" + partner]["sources"].split(), partner
    assert by_partner[ID + "gov/lt/trakai-district"]["start"] == "2019-12-02"
    assert by_partner[ID + "gov/jp/testmachi"]["start"] == "2021-06"
    assert by_partner[ID + "gov/jp/testmachi"]["countryLabel"] == "Japan"
    assert wikidata not in by_partner[ID + "gov/se/kristianstad"]["sources"]

    # the start dates as Wikidata states them, from the import's own graph
    query = tmp_path / "wikidata-starts.rq"
    query.write_text(f"""SELECT ?partner ?start WHERE {{
  GRAPH <https://w3id.org/munigraph/graph/{STEM}> {{ ?p mg:partner <{ID}gov/pl/koszalin> , ?partner ; mg:startDate ?start }}
  FILTER(?partner != <{ID}gov/pl/koszalin>)
}} ORDER BY ?partner""")
    starts = {row["partner"]: row["start"] for row in
              run_cli("--store", str(built), "query", "--file", str(query), "--format", "csv", "--no-labels", check=True).csv()}
    assert starts == {ID + "gov/by/lida": "1996", ID + "gov/dk/gladsaxe": "1990", ID + "gov/jp/testmachi": "2021-06",
                      ID + "gov/lt/trakai-district": "2019-12-02", ID + "gov/ua/ivano-frankivsk": "2010"}


def test_a_disagreeing_start_year_is_a_conflict_with_both_sources(built, wikidata):
    rows = run_cli("--store", str(built), "query", "conflicts", "--format", "csv", check=True).csv()
    lida = [r for r in rows if r["subject"] == ID + "partnership/by-lida--pl-koszalin"]
    assert {(r["value1"], r["source1"], r["value2"], r["source2"]) for r in lida} >= {
        ("1993", "https://cs.wikipedia.org/wiki/Koszalin", "1996", wikidata)}
    # compatible claims are not conflicts: 2010 (Wikidata) and 2010-05 (curated); 2019-12-02 on both sides
    subjects = {r["subject"] for r in rows}
    assert ID + "partnership/pl-koszalin--ua-ivano-frankivsk" not in subjects
    assert ID + "partnership/lt-trakai-district--pl-koszalin" not in subjects


def test_partnerships_reuse_curated_iris_and_never_overwrite(imported):
    g = graph_of(imported)
    partnerships = set(g.subjects(RDF.type, MG.Partnership))
    assert URIRef(ID + "partnership/by-lida--pl-koszalin") in partnerships
    assert URIRef(ID + "partnership/lt-trakai-district--pl-koszalin") in partnerships  # Trakai town Q191015 → its government
    assert URIRef(ID + "partnership/lt-trakai-district--ua-ivano-frankivsk") in partnerships
    for p in partnerships:
        assert len(set(g.objects(p, MG.partner))) == 2
        assert len(set(g.objects(p, MG.startDate))) <= 1
    # both directions of a P190 pair make one partnership; the statements are kept
    koszalin_trakai = URIRef(ID + "partnership/lt-trakai-district--pl-koszalin")
    assert len(set(g.objects(koszalin_trakai, RDFS.seeAlso))) == 2
    # curated partnerships get no second label from the import
    assert (URIRef(ID + "partnership/by-lida--pl-koszalin"), RDFS.label, None) not in g
    # the deprecated statement (Ivano-Frankivsk–Tver) is left out
    assert not any("tver" in str(p) for p in partnerships)


def test_ended_twinning_is_a_status_change_with_its_cause(imported, built):
    g = graph_of(imported)
    p = URIRef(ID + "partnership/ru-serpukhov--ua-ivano-frankivsk")
    change = URIRef(str(p) + "/status/2016-02-09-terminated")   # the IRI the curated research notes use
    assert (p, MG.statusChange, change) in g
    assert (change, MG.status, MGV["status-terminated"]) in g
    assert (change, MG.date, Literal("2016-02-09", datatype=XSD.date)) in g
    assert Literal("Russo-Ukrainian War", lang="en") in set(g.objects(change, MG.cause))
    assert (p, MG.startDate, Literal("2001", datatype=XSD.gYear)) in g
    rows = run_cli("--store", str(built), "query", "partners", "--param", "municipality=Ivano-Frankivsk", "--format", "csv", check=True).csv()
    serpukhov = next(r for r in rows if r["partner"] == ID + "gov/ru/serpukhov")
    assert serpukhov["statusLabel"] == "terminated" and serpukhov["end"] == "2016-02-09"


def test_reconciles_by_qid_then_by_name_and_creates_the_rest(imported):
    g = graph_of(imported)
    # known by QID: nothing is said about them
    for known in ("place/pl/koszalin", "gov/pl/koszalin", "place/by/lida", "gov/lt/trakai-district"):
        assert not set(g.predicate_objects(URIRef(ID + known))), known
    # found by name in their country: their QID is recorded, nothing else
    assert set(g.predicate_objects(URIRef(ID + "place/dk/gladsaxe"))) == {(MG.wikidata, Literal("Q99000001"))}
    assert set(g.predicate_objects(URIRef(ID + "place/ru/serpukhov"))) == {(MG.wikidata, Literal("Q99000002"))}
    # new: place and local government as in the gazetteer, and the country, from Wikidata's data
    place, government, country = URIRef(ID + "place/jp/testmachi"), gov("jp/testmachi"), URIRef(ID + "country/jp")
    assert (place, RDF.type, MG.Town) in g and (government, RDF.type, MG.LocalGovernment) in g
    assert (place, MG.governedBy, government) in g and (government, MG.governs, place) in g
    assert (place, MG.wikidata, Literal("Q99000006")) in g
    assert (place, MG.latitude, Literal("34.25", datatype=XSD.decimal)) in g
    assert (place, MG.longitude, Literal("135.5", datatype=XSD.decimal)) in g
    assert {l.language for l in g.objects(place, RDFS.label)} == {"en", "pl", "de", "uk"}
    assert (place, SKOS.altLabel, Literal("Testmachi City", lang="en")) in g
    assert (government, MG.country, country) in g and (country, MG.countryCode, Literal("JP")) in g
    assert (country, MG.wikidata, Literal("Q17")) in g and (country, RDFS.label, Literal("Japonia", lang="pl")) in g


def test_a_known_place_without_government_gets_one(imported):
    g = graph_of(imported)
    place, government = URIRef(ID + "place/pl/szczecin"), gov("pl/szczecin")
    assert (government, RDF.type, MG.LocalGovernment) in g and (government, MG.governs, place) in g
    assert (place, MG.governedBy, government) in g and (place, MG.wikidata, Literal("Q99000007")) in g
    assert (place, RDF.type, None) not in g and (place, RDFS.label, None) not in g   # the place is the gazetteer's
    p = URIRef(ID + "partnership/pl-szczecin--ua-ivano-frankivsk")
    assert (p, MG.startDate, Literal("2003", datatype=XSD.gYear)) in g   # no pqv: in the fixture: read as a year


def test_source_records_endpoint_query_date_and_revisions(imported, wikidata):
    g = graph_of(imported)
    source = URIRef(ID + f"source/{STEM}")
    assert (source, RDF.type, MG.Source) in g
    assert (source, MG.address, URIRef(wikidata)) in g
    assert (source, MG.retrievedOn, Literal(DATE, datatype=XSD.date)) in g
    assert g.value(source, DCT.title).language == "en"
    activity = g.value(source, PROV.wasGeneratedBy)
    queries = [str(q) for q in g.objects(activity, SCHEMA.query)]
    assert any("ps:P190" in q and "pq:P580" in q and "wikibase:label" not in q for q in queries)
    koszalin_data = URIRef("https://www.wikidata.org/wiki/Special:EntityData/Q62868")
    assert (source, DCT.source, koszalin_data) in g
    assert (koszalin_data, SCHEMA.version, Literal("2301000001", datatype=XSD.integer)) in g


def test_rerunning_is_idempotent(imported, built, store_dir, wikidata, tmp_path):
    first = imported.read_bytes()
    again = import_wikidata(store_dir, tmp_path, wikidata, *SEEDS)
    assert again.code == 0, again.err
    assert (tmp_path / f"{STEM}.ttl").read_bytes() == first
    # against a store that already holds the import: its own graph is not taken for curated data
    rebuilt = import_wikidata(built, tmp_path, wikidata, *reversed_pairs(SEEDS))
    assert rebuilt.code == 0, rebuilt.err
    assert (tmp_path / f"{STEM}.ttl").read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == [f"{STEM}.ttl"]  # no temporary file left


def reversed_pairs(args):
    pairs = [args[k:k + 2] for k in range(0, len(args), 2)]
    return [x for pair in reversed(pairs) for x in pair]


def test_all_pages_give_the_same_file_as_one_page(store_dir, proxy, tmp_path):
    counting = proxy()
    small = import_wikidata(store_dir, tmp_path / "small", counting.url, "--all", "--page-size", "2", name="wikidata-all")
    assert small.code == 0, small.err
    paged_requests = len(counting.requests)
    one = import_wikidata(store_dir, tmp_path / "one", counting.url, "--all", "--page-size", "100000", name="wikidata-all")
    assert one.code == 0, one.err
    assert paged_requests - (len(counting.requests) - paged_requests) >= 6   # 14 statements in pages of 2: 7 pages, not 1
    assert (tmp_path / "small" / "wikidata-all.ttl").read_bytes() == (tmp_path / "one" / "wikidata-all.ttl").read_bytes()
    g = graph_of(tmp_path / "one" / "wikidata-all.ttl")
    assert URIRef(ID + "partnership/by-lida--pl-elk") in set(g.subjects(RDF.type, MG.Partnership))
    assert all(agent.startswith("munigraph/") and "https://w3id.org/munigraph/" in agent for _, agent, _ in counting.requests)


def test_country_selection_and_endpoint_from_the_environment(store_dir, wikidata, tmp_path):
    run = run_cli("--store", str(store_dir), "import", "wikidata", "--country", "Q36", "--out", str(tmp_path), "--date", DATE,
                  env={"MUNIGRAPH_WIKIDATA_ENDPOINT": wikidata})
    assert run.code == 0, run.err
    g = graph_of(tmp_path / "wikidata-country-q36.ttl")
    assert g.value(URIRef(ID + "source/wikidata-country-q36"), MG.address) == URIRef(wikidata)
    partnerships = set(g.subjects(RDF.type, MG.Partnership))
    # the P190 statements of Koszalin and Ełk (items in Poland), not those of Ivano-Frankivsk with Serpukhov
    assert URIRef(ID + "partnership/by-lida--pl-elk") in partnerships
    assert URIRef(ID + "partnership/by-lida--pl-koszalin") in partnerships
    assert URIRef(ID + "partnership/ru-serpukhov--ua-ivano-frankivsk") not in partnerships


def test_honours_retry_after_on_429(store_dir, proxy, tmp_path):
    busy = proxy(fail=2, status=429, retry_after="1")
    run = import_wikidata(store_dir, tmp_path, busy.url, *SEEDS)
    assert run.code == 0, run.err
    assert "HTTP 429" in run.err and "retrying in 1 s" in run.err
    times = [t for t, _, _ in busy.requests]
    statuses = [s for _, _, s in busy.requests]
    assert statuses[:3] == [429, 429, 200]
    assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 0.9
    assert URIRef(ID + "partnership/by-lida--pl-koszalin") in set(graph_of(tmp_path / f"{STEM}.ttl").subjects(RDF.type, MG.Partnership))


def test_gives_up_after_repeated_failures_and_writes_nothing(store_dir, proxy, tmp_path):
    down = proxy(fail=10 ** 6, status=503, retry_after="30")
    started = time.monotonic()
    run = import_wikidata(store_dir, tmp_path, down.url, *SEEDS, "--attempts", "3", "--max-wait", "0.5")
    assert run.code == 1
    assert len(down.requests) == 3
    assert time.monotonic() - started < 20   # Retry-After: 30 was capped at 0.5 s
    last = run.err.strip().splitlines()[-1]
    assert last.startswith("munigraph: error: ") and down.url in last and "3 attempt(s)" in last and "HTTP 503" in last
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, option", [
    (("--qid", "Koszalin"), "--qid"),
    (("--qid", "Q0"), "--qid"),
    (("--country", "PL"), "--country"),
    ((), "--qid, --country or --all"),
    (("--all", "--qid", "Q62868"), "--all"),
    (("--qid", "Q62868", "--name", "Bad Name"), "--name"),
    (("--qid", "Q62868", "--date", "15.01.2026"), "--date"),
])
def test_bad_parameters_are_one_line_errors_with_exit_code_2(args, option, tmp_path):
    run = run_cli("--store", str(tmp_path / "no-store"), "import", "wikidata", *args,
                  "--wikidata-endpoint", "http://127.0.0.1:9/never-contacted", "--out", str(tmp_path / "out"))
    assert run.code == 2, run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and option in lines[0], run.err
    assert not (tmp_path / "out").exists()


# --- the pieces ------------------------------------------------------------------------------------------------

def test_times_keep_wikidata_precision():
    from munigraph.importers.wikidata import Time, parse_time
    assert parse_time("2019-12-02T00:00:00Z", "11") == Time("2019-12-02", str(XSD.date))
    assert parse_time("2010-05-01T00:00:00Z", "10") == Time("2010-05", str(XSD.gYearMonth))
    assert parse_time("1996-01-01T00:00:00Z", "9") == Time("1996", str(XSD.gYear))
    assert parse_time("1990-00-00T00:00:00Z", None) == Time("1990", str(XSD.gYear))
    assert parse_time("2003-01-01T00:00:00Z", None) == Time("2003", str(XSD.gYear))      # no pqv: value node
    assert parse_time("2003-05-01T00:00:00Z", None) == Time("2003-05", str(XSD.gYearMonth))
    assert parse_time("2003-05-07T00:00:00Z", None) == Time("2003-05-07", str(XSD.date))
    assert parse_time("2003-01-01T00:00:00Z", "11") == Time("2003-01-01", str(XSD.date))
    assert parse_time("1990-01-01T00:00:00Z", "8") is None     # a decade
    assert parse_time("-0500-01-01T00:00:00Z", "9") is None


def test_points_and_slugs():
    from munigraph.importers.wikidata import parse_point, slug
    assert parse_point("Point(16.171944444 54.189722222)") == ("54.189722", "16.171944")
    assert parse_point("<http://www.wikidata.org/entity/Q405> Point(10 20)") is None   # on the Moon
    assert slug("Tempelhof-Schöneberg") == "tempelhof-schoneberg" and slug("Ełk") == "elk" and slug("Schwedt/Oder") == "schwedt-oder"


def test_the_query_uses_no_label_service():
    from munigraph.importers.wikidata import Selection, entity_query, statements_query
    text = statements_query(Selection.of(["Q62868"], ["Q36"])) + entity_query(["Q62868"])
    assert "wikibase:label" not in text and "SERVICE" not in text
    assert "ORDER BY" in text
