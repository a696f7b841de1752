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

    def __init__(self, store: Path, *extra: str, env: dict | None = None):
        import time
        import urllib.request
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(str(store) + f".serve-{self.port}.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "munigraph", "--store", str(store), "serve", "--port", str(self.port), "--log-level", "warning", *extra],
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
