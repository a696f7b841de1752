"""`munigraph export` and `munigraph diff`: dumps that parse back, determinism, atomic replacement, release diffs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from conftest import ROOT, run_cli

MG = "https://w3id.org/munigraph/ontology#"


@pytest.fixture(scope="module")
def release(store_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "dist"
    run = run_cli("--store", str(store_dir), "export", "--out", str(out), "--release", "test-1")
    assert run.code == 0, run.err
    return out


def _parsed(quads) -> Graph:
    """A graph as rdflib reads it back (rdflib normalises some lexical forms, so compare like with like)."""
    import pyoxigraph as ox
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data.decode("utf-8"), format="nt")


def _store_graphs(store) -> dict[str, Graph]:
    return {g.value: _parsed(store.ox.quads_for_pattern(None, None, None, g)) for g in store.ox.named_graphs()}


def _merged(store) -> Graph:
    import pyoxigraph as ox
    return _parsed(store.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_release_has_every_part(release):
    for path in ("dumps/munigraph.nq", "dumps/munigraph.trig", "dumps/munigraph.nt", "dumps/munigraph.ttl",
                 "dumps/munigraph.rdf", "dumps/munigraph.jsonld", "dumps/munigraph.nq.gz", "context.jsonld",
                 "catalog.ttl", "catalog.jsonld", "void.ttl", "csv-metadata.json", "README.txt", "index.html",
                 "SHA256SUMS", "ontology/munigraph.ttl", "ontology/shapes.ttl", "ontology/index.html"):
        assert (release / path).is_file(), path


def test_quad_dumps_are_isomorphic_to_each_named_graph(release, store):
    expected = _store_graphs(store)
    for name, fmt in (("munigraph.nq", "nquads"), ("munigraph.trig", "trig")):
        ds = Dataset()
        ds.parse(release / "dumps" / name, format=fmt)
        got = {str(g.identifier): g for g in ds.graphs() if len(g)}
        assert set(got) == set(expected), name
        for graph_name, graph in expected.items():
            assert isomorphic(got[graph_name], graph), f"{name}: {graph_name}"


def test_triple_dumps_are_isomorphic_to_the_merged_view(release, store):
    merged = _merged(store)
    for name, fmt in (("munigraph.nt", "nt"), ("munigraph.ttl", "turtle"), ("munigraph.rdf", "xml"), ("munigraph.jsonld", "json-ld")):
        g = Graph().parse(release / "dumps" / name, format=fmt)
        assert len(g) == len(merged), name
        assert isomorphic(g, merged), name


def test_jsonld_is_compacted_and_expands_with_pyld(release, store):
    from pyld import jsonld
    doc = json.loads((release / "dumps" / "munigraph.jsonld").read_text(encoding="utf-8"))
    assert isinstance(doc["@context"], dict)  # embedded: nothing to fetch
    local = json.loads((release / "context.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == local["@context"]
    koszalin = next(n for n in doc["@graph"] if n.get("@id") in ("id:gov/pl/koszalin", "https://w3id.org/munigraph/id/gov/pl/koszalin"))
    assert any(not k.startswith(("@", "http")) for k in koszalin)  # short terms from the context
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    g = Graph().parse(data=nquads, format="nt")
    assert isomorphic(g, _merged(store))


def test_gzip_copies_and_checksums(release):
    import gzip
    import hashlib
    assert gzip.decompress((release / "dumps" / "munigraph.nt.gz").read_bytes()) == (release / "dumps" / "munigraph.nt").read_bytes()
    for line in (release / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256((release / path).read_bytes()).hexdigest() == digest, path


def test_two_exports_are_byte_identical(release, store_dir, tmp_path):
    again = tmp_path / "dist"
    run = run_cli("--store", str(store_dir), "export", "--out", str(again), "--release", "test-1")
    assert run.code == 0, run.err
    first = sorted(p.relative_to(release) for p in release.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    different = [str(p) for p in first if (release / p).read_bytes() != (again / p).read_bytes()]
    assert different == []


def test_killed_export_leaves_the_previous_release_untouched(store_dir, tmp_path):
    out = tmp_path / "dist"
    run_cli("--store", str(store_dir), "export", "--out", str(out), "--release", "old", check=True)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    proc = subprocess.Popen([sys.executable, "-m", "munigraph", "--store", str(store_dir), "export", "--out", str(out),
                             "--release", "new"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        partials = list(tmp_path.glob(".dist.partial-*"))
        if partials and any(partials[0].rglob("*.nq")):
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    proc.wait(30)
    assert killed, "the export finished before it could be interrupted"
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    # the next export cleans up what the killed one left
    run_cli("--store", str(store_dir), "export", "--out", str(out), "--release", "new", check=True)
    assert not list(tmp_path.glob(".dist.partial-*"))
    assert "Release new" in (out / "README.txt").read_text()


def test_diff_reports_exactly_one_status_change(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    store = tmp_path / "store"
    run_cli("--store", str(store), "build", "--data", str(data), check=True)
    run_cli("--store", str(store), "export", "--out", str(tmp_path / "r1"), "--release", "1", check=True)
    (data / "zz-lida-2022-suspension.ttl").write_text("""
@prefix mg: <https://w3id.org/munigraph/ontology#> .
@prefix mgv: <https://w3id.org/munigraph/vocab/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/munigraph/id/source/zz-lida-2022-suspension> a mg:Source ;
    mg:address <https://example.org/koszalin-council-2022-03-31> ; dct:title "Test: council resolution"@en ; dct:language "en" .
<https://w3id.org/munigraph/id/partnership/by-lida--pl-koszalin> a mg:Partnership ;
    mg:partner <https://w3id.org/munigraph/id/gov/by/lida> , <https://w3id.org/munigraph/id/gov/pl/koszalin> ;
    mg:statusChange <https://w3id.org/munigraph/id/partnership/by-lida--pl-koszalin/status/2022-03-31-suspended> .
<https://w3id.org/munigraph/id/partnership/by-lida--pl-koszalin/status/2022-03-31-suspended> a mg:StatusChange ;
    mg:status mgv:status-suspended ; mg:date "2022-03-31"^^xsd:date ; mg:cause "test"@en .
""", encoding="utf-8")
    run_cli("--store", str(store), "build", "--data", str(data), check=True)
    run_cli("--store", str(store), "export", "--out", str(tmp_path / "r2"), "--release", "2", check=True)
    run = run_cli("diff", str(tmp_path / "r1"), str(tmp_path / "r2"), "--format", "json")
    assert run.code == 0, run.err
    change = json.loads(run.out)
    assert len(change["status_changes"]) == 1
    item = change["status_changes"][0]
    assert item["partnership"].endswith("by-lida--pl-koszalin")
    assert (item["before"], item["after"], item["date"]) == ("unknown", "suspended", "2022-03-31")
    assert item["source"] == "https://example.org/koszalin-council-2022-03-31"
    assert [s["graph"].rsplit("/", 1)[-1] for s in change["per_source"]] == ["zz-lida-2022-suspension"]
    assert sorted(e["iri"].removeprefix("https://w3id.org/munigraph/id/") for e in change["entities_added"]) == [
        "partnership/by-lida--pl-koszalin/status/2022-03-31-suspended", "source/zz-lida-2022-suspension"]
    assert change["entities_removed"] == []
    text = run_cli("diff", str(tmp_path / "r1"), str(tmp_path / "r2")).out
    assert "Lida" in text and "unknown → suspended, 2022-03-31, source https://example.org/koszalin-council-2022-03-31" in text
    same = run_cli("diff", str(tmp_path / "r2"), str(tmp_path / "r2"))
    assert same.out.strip() == "no changes"
