"""`make run` builds, validates, answers the example question and ends serving on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import httpx
import pytest

from conftest import ROOT, free_port


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_ends_serving(tmp_path):
    port = free_port()
    env = {**os.environ, "MUNIGRAPH_STORE": str(tmp_path / "store")}
    log = open(tmp_path / "make-run.log", "w")
    proc = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        answer = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/queries/shared-partners.csv", params={"a": "Koszalin", "b": "Troki"}, timeout=5)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        output = (tmp_path / "make-run.log").read_text()
        assert answer is not None and answer.status_code == 200, output
        assert "ivano-frankivsk" in answer.text
        assert "validation: conforms" in output
        assert "Triples per named graph" in output and "Entities per class" in output
        assert "City of Ivano-Frankivsk" in output  # the example question's answer
        assert f"Serving on http://127.0.0.1:{port}/" in output
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
        log.close()
