"""Remote stores against real servers: the Oxigraph server (PyPI `oxigraph`) and Virtuoso Open Source 7.

For each engine: push the curated graph, then every named query gives the embedded store's answers (as sets of
normalised values, in the same order where the query orders), `serve --endpoint` serves the same pages, and
validate, export, network and suggest read the remote. A push killed halfway leaves the remote answering as
before; passwords given in the environment appear nowhere in output or logs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, LiveServer, run_cli

from munigraph import queries as queries_mod
from munigraph.remote import STAGING, RemoteConfig, RemoteStore
from munigraph.vocab import DEFAULT_BASE, MGG

ENGINES = ["oxigraph", "virtuoso"]
LANGS = ["en", "pl", "lt", "uk", "be", "de"]
EXAMPLES = [(q.name, example) for q in queries_mod.catalog().values() for example in (q.examples or [""])]

# Virtuoso 7.2.5 answers some patterns wrongly, and the named queries are written around them (see
# test_the_engine_bugs_the_queries_avoid): a FILTER comparing xsd:date values matches nothing; a FILTER inside an
# OPTIONAL does not see the parameters bound outside it; a path of any length (rdfs:subClassOf* or +) joined on a
# variable, or in an OPTIONAL or NOT EXISTS, drops rows.


@pytest.fixture(scope="session")
def servers(request):
    return {"oxigraph": lambda: request.getfixturevalue("oxigraph_server"),
            "virtuoso": lambda: request.getfixturevalue("virtuoso_server")}


def push(server, store: Path, *extra: str, env: dict | None = None, graph_store: bool = True):
    return run_cli("--store", str(store), *server.args(graph_store), "push", *extra, env={**server.env, **(env or {})})


@pytest.fixture(scope="session")
def pushed(servers, store_dir):
    """engine -> its server, after a push of the session's built store (through the Graph Store Protocol)."""
    done = {}

    def get(engine: str):
        if engine not in done:
            server = servers[engine]()
            run = push(server, store_dir, "--format", "json")
            assert run.code == 0, run.err
            done[engine] = server
        return done[engine]
    return get


def remote_store(server) -> RemoteStore:
    env = server.env
    return RemoteStore(RemoteConfig(endpoint=server.endpoint, auth=env.get("MUNIGRAPH_AUTH", "none"),
                                    user=env.get("MUNIGRAPH_USER"), password=env.get("MUNIGRAPH_PASSWORD")))


# --- comparing answers ------------------------------------------------------------------------------------------

def _concat_columns(name: str) -> set[str]:
    """Variables a query fills with GROUP_CONCAT, whose order SPARQL leaves open."""
    return set(re.findall(r"GROUP_CONCAT\(.*?\)\s+AS\s+\?(\w+)", queries_mod.get(name).text, re.S))


def _norm(term, concat: bool = False):
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "BNode":
        return ("bnode",)
    value = str(term)
    if concat:
        value = " ".join(sorted(value.split(" ")))
    datatype = getattr(term, "datatype", None)
    lang = getattr(term, "language", None)
    return (kind, value, str(datatype) if datatype else None, lang.lower() if lang else None)


def _order_keys(name: str, variables: list[str]) -> list[str]:
    text = queries_mod.get(name).text
    clause = text[text.upper().rindex("ORDER BY"):] if "ORDER BY" in text.upper() else ""
    return [v for v in re.findall(r"\?(\w+)", clause) if v in variables]


def answers(store, name: str, example: str):
    given = queries_mod.parse_assignments(example.split()) if example else {}
    result = queries_mod.run_named(store, name, given, DEFAULT_BASE, LANGS)
    concat = _concat_columns(name)
    rows = [tuple(_norm(t, v in concat) for v, t in zip(result.variables, row)) for row in result.rows]
    keys = [result.variables.index(v) for v in _order_keys(name, result.variables)]
    return result.variables, sorted(rows, key=repr), [tuple(row[k] for k in keys) for row in rows]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name,example", EXAMPLES, ids=[f"{n}[{e}]" for n, e in EXAMPLES])
def test_every_named_query_answers_as_the_embedded_store(engine, name, example, pushed, store):
    server = pushed(engine)
    local = answers(store, name, example)
    remote = answers(remote_store(server), name, example)
    assert remote[0] == local[0]                 # the same columns
    assert remote[1] == local[1]                 # the same rows, as sets (multisets) of normalised values
    assert remote[2] == local[2]                 # in the same order of the ORDER BY keys
    assert local[1], "every example of a named query has answers"


ENGINE_BUGS = {
    # (the pattern the named queries avoid, the form they use instead): each counts the same rows by SPARQL's rules
    "xsd:date compared in a FILTER (partners, partner-ranking)": (
        'SELECT (COUNT(*) AS ?n) WHERE { ?c mg:sortDate ?d FILTER(?d <= "2019-01-01"^^xsd:date) }',
        'SELECT (COUNT(*) AS ?n) WHERE { ?c mg:sortDate ?d FILTER(STR(?d) <= STR("2019-01-01"^^xsd:date)) }'),
    "rdfs:subClassOf+ correlated in an OPTIONAL (timeline)": (
        "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?k { mg:DelegationVisit mg:Visit } OPTIONAL { ?x rdfs:subClassOf+ ?k } }",
        "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?k { mg:DelegationVisit mg:Visit } OPTIONAL { ?x rdfs:subClassOf ?k } }"),
    "rdfs:subClassOf* joined on a variable (timeline)": (
        "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?k { mg:Meeting mg:Visit mg:DelegationVisit } ?k rdfs:subClassOf* mg:Event }",
        "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?k { mg:Meeting mg:Visit mg:DelegationVisit } "
        "FILTER(?k = mg:Event || EXISTS { ?k rdfs:subClassOf mg:Event } || EXISTS { ?k rdfs:subClassOf/rdfs:subClassOf mg:Event }) }"),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("bug", list(ENGINE_BUGS))
def test_the_engine_bugs_the_queries_avoid(engine, bug, pushed):
    """Why the named queries compare STR() of dates and take rdfs:subClassOf step by step: on Oxigraph both forms
    count the same; Virtuoso 7.2.5 miscounts the first. Should this fail on Virtuoso, the engine has been fixed and
    the queries could go back to the plain forms."""
    store = remote_store(pushed(engine))
    prefixes = ("PREFIX mg: <https://w3id.org/munigraph/ontology#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")
    plain, avoiding = (int(store.select(prefixes + q).rows[0][0]) for q in ENGINE_BUGS[bug])
    assert avoiding > 0
    if engine == "virtuoso":
        assert plain != avoiding, f"Virtuoso now answers {bug} rightly"
    else:
        assert plain == avoiding


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_query_info_network_suggest_with_endpoint(engine, pushed, mg):
    server = pushed(engine)
    remote = ("--endpoint", server.endpoint)
    env = server.env
    for args in (("query", "shared-partners", "--param", "a=Koszalin", "--param", "b=Troki", "--format", "csv"),
                 ("query", "signatories", "--param", "a=Koszalin", "--param", "b=Trakai", "--format", "csv"),
                 ("network", "stats", "--format", "json"),
                 ("suggest", "Koszalin", "--format", "json")):
        here, there = mg(*args), mg(*remote, *args, env=env)
        assert there.code == 0, there.err
        if args[0] == "query":
            assert sorted(there.csv(), key=repr) == sorted(here.csv(), key=repr)
        else:
            assert json.loads(there.out) == json.loads(here.out), args
    info = json.loads(mg(*remote, "info", "--format", "json", env=env).out)
    local = json.loads(mg("info", "--format", "json").out)
    there = {g["graph"]: g["triples"] for g in info["graphs"]}
    # Virtuoso keeps graphs of its own (virtrdf# ...); `info` shows them, the store's named graphs leave them out
    dialect = remote_store(server).dialect
    assert {g for g in there if dialect.system_graph(g)} == set(there) - {g for g in there if g.startswith(MGG)}
    assert {g: n for g, n in there.items() if not dialect.system_graph(g)} == {g["graph"]: g["triples"] for g in local["graphs"]}


def test_network_as_of_on_oxigraph(pushed, mg):
    server = pushed("oxigraph")
    for args in (("network", "path", "Koszalin", "Trakai", "--as-of", "2019-01-01", "--format", "json"),
                 ("suggest", "Koszalin", "--as-of", "2019-01-01", "--format", "json")):
        assert json.loads(mg("--endpoint", server.endpoint, *args).out) == json.loads(mg(*args).out)


@pytest.mark.parametrize("engine", ENGINES)
def test_validate_with_endpoint_pulls_the_graph(engine, pushed, mg):
    server = pushed(engine)
    run = mg("--endpoint", server.endpoint, "validate", "--format", "json", env=server.env)
    assert run.code == 0, run.err
    remote, local = json.loads(run.out), json.loads(mg("validate", "--format", "json").out)
    assert remote["conforms"] is True
    key = lambda f: (f["severity"], f["shape"], f["focus"], f["message"])  # noqa: E731
    assert sorted(map(key, remote["results"])) == sorted(map(key, local["results"])) and local["results"]


def test_export_with_endpoint_writes_the_same_dumps(pushed, mg, tmp_path):
    server = pushed("oxigraph")
    assert mg("export", "--out", str(tmp_path / "here"), "--release", "t").code == 0
    run = mg("--endpoint", server.endpoint, "export", "--out", str(tmp_path / "there"), "--release", "t")
    assert run.code == 0, run.err
    for name in ("dumps/munigraph.nq", "dumps/munigraph.nt", "tables/partnerships.csv"):
        assert (tmp_path / "there" / name).read_bytes() == (tmp_path / "here" / name).read_bytes(), name


@pytest.mark.parametrize("engine", ENGINES)
def test_serve_with_endpoint_serves_the_same_pages(engine, pushed, store_dir, live):
    import httpx
    server = pushed(engine)
    proxy = LiveServer(store_dir, env=server.env, before=("--endpoint", server.endpoint))
    try:
        paths = ["/page/gov/pl/koszalin", "/page/gov/lt/trakai-district", "/data/gov/pl/koszalin.ttl",
                 "/api/queries/shared-partners.csv?a=Koszalin&b=Troki", "/api/queries/signatories.json?a=Koszalin&b=Trakai"]
        for path in paths:
            here, there = httpx.get(live.url + path, timeout=60), httpx.get(proxy.url + path, timeout=60)
            assert there.status_code == here.status_code == 200, (path, there.text[:300])
            if path.startswith("/api/") and engine == "virtuoso":
                assert sorted(there.text.splitlines()) == sorted(here.text.splitlines()) or \
                    json.loads(there.text)["head"] == json.loads(here.text)["head"], path
            elif path.startswith("/page/"):
                assert _canonical_page(there.text) == _canonical_page(here.text), path
            elif path.startswith("/data/") and engine == "virtuoso":  # the same triples; the order of labels is Virtuoso's
                from rdflib import Graph
                assert set(Graph().parse(data=there.text, format="turtle")) == set(Graph().parse(data=here.text, format="turtle"))
            else:
                assert there.text == here.text, path
        query = ("SELECT ?b ?label WHERE { <https://w3id.org/munigraph/id/gov/pl/koszalin> "
                 "<https://w3id.org/munigraph/ontology#twinnedWith> ?b . ?b rdfs:label ?label FILTER(LANG(?label) = 'en') } ORDER BY ?b")
        query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + query
        for accept in ("application/sparql-results+json", "text/csv"):
            here = httpx.post(live.url + "/sparql", data={"query": query}, headers={"Accept": accept})
            there = httpx.post(proxy.url + "/sparql", data={"query": query}, headers={"Accept": accept})
            assert there.status_code == 200, accept
            # the same results; the bytes may differ in layout (the embedded store writes Oxigraph's own JSON)
            if accept.endswith("json"):
                assert json.loads(there.text) == json.loads(here.text)
            else:
                assert there.text == here.text, accept
        refused = httpx.post(proxy.url + "/sparql", data={"query": "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"})
        assert refused.status_code == 400
    finally:
        proxy.stop()
    log = Path(proxy.log.name).read_text()
    assert not server.env.get("MUNIGRAPH_PASSWORD") or server.env["MUNIGRAPH_PASSWORD"] not in log


def _canonical_page(html: str) -> str:
    """The page with its embedded JSON-LD in a canonical order: SPARQL leaves the order of language-tagged
    literals to the engine, and a graph is a set; everything else must be identical."""
    def canonical(value):
        if isinstance(value, list):
            return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items()}
        return value

    def fix(match):
        return match.group(1) + json.dumps(canonical(json.loads(match.group(2))), sort_keys=True) + match.group(3)
    return re.sub(r'(<script type="application/ld\+json">)(.*?)(</script>)', fix, html, flags=re.S)


# --- push: interrupted, failed, credentials ----------------------------------------------------------------------

def changed_store(store_dir: Path, target: Path, filler: int) -> Path:
    """A copy of the built store in which Koszalin's partnership with Trakai is gone from every graph and the
    research notes graph has `filler` more triples (so that its upload takes many chunks)."""
    import pyoxigraph as ox
    build = target / "builds" / "changed"
    shutil.copytree(Path(store_dir).resolve() / "current", build, ignore=shutil.ignore_patterns("LOCK"))
    (target / "current").symlink_to(Path("builds") / "changed")
    db = ox.Store(str(build))
    partnership = "https://w3id.org/munigraph/id/partnership/lt-trakai-district--pl-koszalin"
    db.update(f"DELETE WHERE {{ GRAPH ?g {{ <{partnership}> ?p ?o }} }}")
    notes = ox.NamedNode(MGG + "research-notes")
    db.extend(ox.Quad(ox.NamedNode(f"urn:munigraph:test:filler:{k}"), ox.NamedNode("urn:munigraph:test:n"), ox.Literal(str(k)), notes)
              for k in range(filler))
    db.flush()
    del db
    return target


def _staging_seen(server) -> bool:
    # counted per graph: Virtuoso 7.2.5 answers `ASK { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ...)) }`
    # with true for a while after the graphs are dropped
    return any(g.startswith(STAGING) for g in remote_store(server).counts())


def all_answers(store):
    return {(name, example): answers(store, name, example)[1] for name, example in EXAMPLES}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_push_killed_halfway_leaves_the_previous_graphs_answering(engine, pushed, store, store_dir, tmp_path):
    server = pushed(engine)
    before = all_answers(remote_store(server))
    changed = changed_store(store_dir, tmp_path / "changed", filler=3000)
    cmd = [sys.executable, "-m", "munigraph", "--store", str(changed), *server.args(), "push", "--chunk-size", "100", "--throttle", "0.2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **server.env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not _staging_seen(server):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the push did not start uploading"
            time.sleep(0.1)
        time.sleep(1.0)  # a few chunks more
        assert proc.poll() is None, "the push should still be uploading"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _staging_seen(server), "the killed push left its temporary graph (so this is a real halfway)"
    assert all_answers(remote_store(server)) == before

    # the same push, completed, does change the answers (so the test above could have seen it) ...
    run = push(server, changed, "--format", "json")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["leftovers_removed"], "the next push removes the killed push's temporary graphs"
    assert not _staging_seen(server)
    assert all_answers(remote_store(server)) != before
    # ... and pushing the curated graph again brings the old answers back
    assert push(server, store_dir).code == 0
    assert all_answers(remote_store(server)) == before


def test_an_interrupted_push_drops_its_temporary_graphs_and_says_so(pushed, store, store_dir, tmp_path):
    server = pushed("oxigraph")
    before = all_answers(remote_store(server))
    changed = changed_store(store_dir, tmp_path / "changed", filler=2000)
    cmd = [sys.executable, "-m", "munigraph", "--store", str(changed), *server.args(graph_store=False), "push",
           "--chunk-size", "100", "--throttle", "0.2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _staging_seen(server):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "no graph of the remote was replaced" in err, err
    assert not _staging_seen(server)
    assert all_answers(remote_store(server)) == before


def test_push_checks_and_reports(pushed, store_dir, tmp_path):
    server = pushed("oxigraph")
    run = push(server, store_dir, "--format", "json", graph_store=False)  # INSERT DATA through the update endpoint
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["graphs"] == report["before"] and report["warnings"] == []
    nowhere = run_cli("--store", str(store_dir), "--endpoint", server.endpoint, "push")
    assert nowhere.code != 0 and "update endpoint" in nowhere.err


def test_a_default_graph_that_is_not_the_union_is_reported(store_dir, tmp_path):
    from conftest import _wait_http, free_port, stop_process
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    url = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "ox.log"
    with open(log, "w") as out:  # without --union-default-graph
        proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path / "db"), "--bind", url[7:]], stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_http(url + "/query?query=ASK%7B%7D", proc, 30, "oxigraph", log)
        run = run_cli("--store", str(store_dir), "--endpoint", url + "/query", "--update-endpoint", url + "/update", "push")
        assert run.code == 0, run.err
        assert "not the union of its named graphs" in run.err and "--union-default-graph" in run.err
    finally:
        stop_process(proc)


def test_passwords_from_the_environment_appear_nowhere(pushed, store_dir, tmp_path):
    server = pushed("virtuoso")
    secret = server.password
    runs = [push(server, store_dir, "--format", "json"),
            run_cli("--store", str(store_dir), "--endpoint", server.endpoint, "query", "conflicts", env=server.env)]
    wrong = f"wrong-{secret}"
    runs.append(push(server, store_dir, env={"MUNIGRAPH_PASSWORD": wrong}))
    runs.append(run_cli("--store", str(store_dir), "--endpoint", server.update_endpoint, "query", "conflicts",
                        env={**server.env, "MUNIGRAPH_PASSWORD": wrong}))
    assert runs[0].code == 0 and runs[1].code == 0
    assert runs[2].code != 0 and "refused the credentials" in runs[2].err, runs[2].err
    assert runs[3].code != 0
    for run in runs:
        assert secret not in run.out and secret not in run.err
    # a URL with credentials in it is refused without echoing them
    leaky = server.endpoint.replace("http://", f"http://dba:{secret}@")
    run = run_cli("--store", str(store_dir), "--endpoint", leaky, "query", "conflicts")
    assert run.code != 0 and "credentials do not belong in the URL" in run.err and secret not in run.err
    assert "--password" not in run_cli("--help").out


class FlakyAuthProxy:
    """A small HTTP proxy in front of a real server: it checks basic auth (401 otherwise) and answers the first
    `busy` update requests with 503 or 429 and a Retry-After, as a loaded server would."""

    def __init__(self, target: str, user: str, password: str, busy: int = 2):
        import base64
        import http.server
        import threading
        import urllib.request
        from conftest import free_port
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        proxy = self
        self.refused, self.busy_answers, self.busy = 0, 0, busy

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") != expected:
                    proxy.refused += 1
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="munigraph test"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path.startswith("/update") and proxy.busy_answers < proxy.busy:
                    proxy.busy_answers += 1
                    self.send_response(503 if proxy.busy_answers % 2 else 429)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                request = urllib.request.Request(target + self.path, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, payload, kind = response.status, response.read(), response.headers.get("Content-Type", "")
                except urllib.error.HTTPError as exc:
                    status, payload, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "")
                self.send_response(status)
                if kind:
                    self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_push_retries_on_503_and_429_after_retry_after_with_basic_auth(pushed, store_dir):
    server = pushed("oxigraph")
    secret = "Bp-9kL2-basic-munigraph-Qw4"
    proxy = FlakyAuthProxy(server.url, "munigraph", secret, busy=2)
    try:
        args = ("--store", str(store_dir), "--endpoint", proxy.url + "/query", "--update-endpoint", proxy.url + "/update")
        env = {"MUNIGRAPH_USER": "munigraph", "MUNIGRAPH_PASSWORD": secret}
        started = time.monotonic()
        run = run_cli(*args, "push", "--format", "json", env=env)
        assert run.code == 0, run.err
        assert proxy.busy_answers == 2 and time.monotonic() - started >= 2.0  # waited Retry-After twice
        assert run.err.count("retrying in 1.0 s") == 2
        assert run_cli(*args, "query", "conflicts", "--format", "csv", env=env).code == 0
        wrong = run_cli(*args, "push", env={**env, "MUNIGRAPH_PASSWORD": "x" + secret})
        assert wrong.code != 0 and "refused" in wrong.err and proxy.refused > 0
        for r in (run, wrong):
            assert secret not in r.out + r.err
    finally:
        proxy.stop()
