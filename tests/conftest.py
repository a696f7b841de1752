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
