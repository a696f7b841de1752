"""Shared fixtures: a store built once from the real data/, and a runner for the real CLI."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def csv(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.out)))


def run_cli(*args: str, cwd: Path = ROOT, env: dict | None = None, check: bool = False) -> Run:
    """Run `python -m munigraph ARGS` as a user would, in a subprocess (stdout and stderr kept apart)."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "munigraph", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=600)
    result = Run(proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        raise AssertionError(f"munigraph {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return result


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory) -> Path:
    """A store built from the repository's data/ by the real CLI."""
    path = tmp_path_factory.mktemp("store") / "store"
    run_cli("--store", str(path), "build", check=True)
    return path


@pytest.fixture(scope="session")
def mg(store_dir):
    """Run the CLI against the session's built store."""
    def runner(*args: str, **kwargs) -> Run:
        return run_cli("--store", str(store_dir), *args, **kwargs)
    return runner


@pytest.fixture(scope="session")
def store(store_dir):
    from munigraph.store import EmbeddedStore
    return EmbeddedStore.open(store_dir)


@pytest.fixture(scope="session")
def settings(store_dir):
    from munigraph.config import load_settings
    return load_settings(ROOT / "munigraph.toml").with_overrides(store=store_dir)


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen) -> None:
    """Ask a server started by a test to stop; kill it if it has not within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


class LiveServer:
    """`munigraph serve` started as a user would, on a free port of 127.0.0.1."""

    def __init__(self, store: Path, *extra: str, env: dict | None = None, before: tuple[str, ...] = ()):
        import time
        import urllib.request
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(str(store) + f".serve-{self.port}.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "munigraph", "--store", str(store), *before, "serve", "--port", str(self.port), "--log-level", "warning", *extra],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"munigraph serve exited with {self.proc.returncode}: {Path(self.log.name).read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/sparql?query=ASK%7B%7D", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("munigraph serve did not answer within 60 s")

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


@pytest.fixture(scope="session")
def live(store_dir):
    """The project's own server over the session's store, for tests that speak HTTP to it."""
    server = LiveServer(store_dir)
    yield server
    server.stop()


def _wait_http(url: str, proc: subprocess.Popen, seconds: float, what: str, log: Path) -> None:
    import time
    import urllib.error
    import urllib.request
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
    stop_process(proc)
    raise RuntimeError(f"{what} did not answer within {seconds:g} s: {log.read_text(errors='replace')[-2000:]}")


class OxigraphServer:
    """The Oxigraph server of the PyPI package `oxigraph`, on a free port of 127.0.0.1, its default graph the union
    of the named graphs (as the named queries need)."""

    name = "oxigraph"

    def __init__(self, folder: Path):
        import shutil
        binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
        if binary is None:
            pytest.skip("the Oxigraph server is not installed (pip install oxigraph, part of the test extras)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint, self.update_endpoint, self.graph_store = self.url + "/query", self.url + "/update", self.url + "/store"
        self.env: dict[str, str] = {}
        self.log_path = folder / "oxigraph.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{self.port}",
                                      "--union-default-graph"], stdout=self.log, stderr=subprocess.STDOUT)
        _wait_http(self.endpoint + "?query=ASK%7B%7D", self.proc, 30, "oxigraph serve", self.log_path)

    def args(self, graph_store: bool = True) -> tuple[str, ...]:
        return ("--endpoint", self.endpoint, "--update-endpoint", self.update_endpoint) + (("--graph-store", self.graph_store) if graph_store else ())

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {d}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/www
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpTimeout = 300
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
MaxQueryCostEstimationTime = 0
"""
VIRTUOSO_PASSWORD = "Vp-4hQ8-munigraph-zX7w-secret"  # distinctive, so a test can show it appears nowhere


class VirtuosoServer:
    """Virtuoso Open Source 7 (Debian's virtuoso-opensource-7) with its own database in a temporary folder, on free
    loopback ports; the dba password is set here, and updates go through /sparql-auth with digest auth."""

    name = "virtuoso"

    def __init__(self, folder: Path, password: str = VIRTUOSO_PASSWORD):
        import shutil
        binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
        if binary is None or isql is None:
            pytest.skip("Virtuoso is not installed (virtuoso-t, isql-vt: Debian's virtuoso-opensource-7; .ci/run installs it)")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "www").mkdir(exist_ok=True)
        self.sql_port, self.port = free_port(), free_port()
        (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=folder, sql=self.sql_port, http=self.port))
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint, self.update_endpoint = self.url + "/sparql", self.url + "/sparql-auth"
        self.graph_store = self.url + "/sparql-graph-crud-auth"
        self.password = password
        self.env = {"MUNIGRAPH_AUTH": "digest", "MUNIGRAPH_USER": "dba", "MUNIGRAPH_PASSWORD": password}
        self.log_path = folder / "stdout.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")], cwd=folder,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        _wait_http(self.endpoint + "?query=ASK%7B%7D", self.proc, 180, "virtuoso-t", self.log_path)
        # a new database's dba password is dba: set the test's own (the SQL goes on stdin, not the command line)
        done = subprocess.run([isql, f"127.0.0.1:{self.sql_port}", "dba", "dba"], input=f"USER_SET_PASSWORD('dba', '{password}');\n",
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"isql could not set the dba password: {done.stdout[-500:]} {done.stderr[-500:]}")

    def args(self, graph_store: bool = True) -> tuple[str, ...]:
        return ("--endpoint", self.endpoint, "--update-endpoint", self.update_endpoint) + (("--graph-store", self.graph_store) if graph_store else ())

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter):
    """Print the W3C protocol suite's pass count (a figure the project reports)."""
    try:
        from test_sparql_protocol_w3c import RESULTS
    except ImportError:
        return
    passed, failed = len(RESULTS["passed"]), len(RESULTS["failed"])
    if passed or failed:
        terminalreporter.write_line(f"W3C SPARQL 1.1 Protocol tests (incl. service description): {passed} passed, {failed} failed of {passed + failed}")
        for name in RESULTS["failed"]:
            terminalreporter.write_line(f"  failed: {name}")
