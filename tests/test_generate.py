"""The synthetic data generator: deterministic, safe about --out, and its S graph builds, validates and answers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import run_cli
from munigraph import generate as gen

MG = "https://w3id.org/munigraph/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen") / "S"
    run = run_cli("generate", "--size", "S", "--seed", "7", "--out", str(out), "--format", "json", check=True)
    return out, json.loads(run.out)


@pytest.fixture(scope="module")
def built(generated, tmp_path_factory) -> tuple[Path, dict]:
    out, _ = generated
    store = tmp_path_factory.mktemp("store") / "store"
    run = run_cli("--store", str(store), "build", "--data", str(out), "--format", "json")
    assert run.code == 0, run.err[-3000:]
    return store, json.loads(run.out)


@pytest.fixture(scope="module")
def data(generated) -> ox.Store:
    """The generated files as they are (no rules), to know what the answers must be."""
    out, _ = generated
    store = ox.Store()
    for path in sorted(out.glob("*.ttl")):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g:" + path.stem))
    return store


def _select(store: ox.Store, query: str) -> list[dict]:
    return [{k: sol[k].value for k in ("a", "b", "x", "n", "name") if sol[k] is not None}
            for sol in store.query(query, use_default_graph_as_union=True)]


def _partners(data: ox.Store) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in _select(data, f"SELECT DISTINCT ?a ?b WHERE {{ ?p a <{MG}Partnership> ; <{MG}partner> ?a , ?b . FILTER(?a != ?b) }}"):
        out.setdefault(row["a"], set()).add(row["b"])
    return out


def _unique_names(data: ox.Store) -> dict[str, str]:
    """Local governments whose name (the native altLabel) no other entity carries, even folded."""
    rows = _select(data, f"SELECT ?x ?name WHERE {{ ?x <{SKOS}altLabel>|<{RDFS}label> ?name }}")
    owners: dict[str, set[str]] = {}
    for row in rows:
        owners.setdefault(gen.fold(row["name"]), set()).add(row["x"].replace("/place/", "/gov/"))
    names = {}
    for row in _select(data, f"SELECT ?x ?name WHERE {{ ?x a <{MG}LocalGovernment> ; <{SKOS}altLabel> ?name }}"):
        if owners[gen.fold(row["name"])] == {row["x"]}:
            names[row["x"]] = row["name"]
    return names


# --- the files ----------------------------------------------------------------------------------------------------

def test_same_size_and_seed_give_byte_identical_files(tmp_path):
    first = gen.generate("S", 3, tmp_path / "one")
    second = gen.generate("S", 3, tmp_path / "two")
    other = gen.generate("S", 4, tmp_path / "three")
    assert _hashes(tmp_path / "one") == _hashes(tmp_path / "two")
    assert _hashes(tmp_path / "one") != _hashes(tmp_path / "three")
    assert {k: v for k, v in first.items() if k not in ("out", "seconds")} == {k: v for k, v in second.items() if k not in ("out", "seconds")}


def test_the_command_writes_the_same_files_as_the_library(generated, tmp_path):
    out, _ = generated  # another process (another hash seed) wrote these
    gen.generate("S", 7, tmp_path / "again")
    assert _hashes(tmp_path / "again") == _hashes(out)


def test_summary_and_layout(generated):
    out, summary = generated
    assert summary["size"] == "S" and summary["seed"] == 7 and summary["out"] == str(out)
    assert summary["local_governments"] == 1000 and summary["partnerships"] == 400
    assert 400 <= summary["events"] <= 650 and 1600 <= summary["officials"] <= 3000 and summary["agreements"] > 400
    assert 40_000 <= summary["estimated_triples"] <= 70_000
    files = sorted(p.name for p in out.glob("*.ttl"))
    assert len(files) == summary["files"] > 40
    assert {f.split("-")[0] for f in files} == {"gazetteer", "officials", "twinning", "wikilist"}
    assert summary["largest_file"]["triples"] < summary["estimated_triples"] / 10  # no single file dominates
    assert (out / gen.MARKER).is_file()
    text = gen.summary_text(summary)
    assert "1,000 local governments" in text and str(out) in text


def test_every_file_describes_its_own_source(generated):
    out, _ = generated
    for path in sorted(out.glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        assert f"<https://w3id.org/munigraph/id/source/{path.stem}> a mg:Source" in text.replace("\n    a mg:Source", " a mg:Source")


def test_literals_are_escaped():
    assert gen.lit('say "hi"\\\n', "en") == '"say \\"hi\\"\\\\\\n"@en'
    assert gen.lit("Łódź") == '"Łódź"'


def test_names_are_multilingual_and_fold_uniquely(data):
    langs = {row["n"] for row in _select(data, f"SELECT DISTINCT (LANG(?name) AS ?n) WHERE {{ ?x a <{MG}Town> ; <{RDFS}label> ?name }}")}
    assert {"pl", "lt", "en", "uk", "be", "de"} <= langs
    names = [row["name"] for row in _select(data, f"SELECT ?name WHERE {{ ?x a <{MG}Town> ; <{RDFS}label> ?name }}")]
    assert any(gen.fold(n) != n.casefold() for n in names)  # diacritics to fold
    assert any("\u0400" <= c <= "\u04ff" for n in names for c in n)  # Cyrillic
    per_country: dict[tuple[str, str], set[str]] = {}
    for row in _select(data, f"SELECT ?x ?name WHERE {{ ?x a <{MG}LocalGovernment> ; <{SKOS}altLabel> ?name }}"):
        country = row["x"].split("/")[-2]
        per_country.setdefault((country, gen.fold(row["name"])), set()).add(row["x"])
    assert all(len(govs) == 1 for govs in per_country.values())  # unique within a country


# --- bad --out ----------------------------------------------------------------------------------------------------

def test_refuses_a_folder_it_did_not_write(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    run = run_cli("generate", "--size", "S", "--seed", "1", "--out", str(foreign))
    assert run.code == 2
    assert "not written by `munigraph generate`" in run.err and len(run.err.strip().splitlines()) == 1
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    a_file = tmp_path / "file.ttl"
    a_file.write_text("x")
    run = run_cli("generate", "--size", "S", "--out", str(a_file))
    assert run.code == 2 and "is not a folder" in run.err and a_file.read_text() == "x"
    with pytest.raises(gen.GenerateError):
        gen.generate("XL", 1, tmp_path / "new")


def test_replaces_an_earlier_generated_folder_only_when_complete(tmp_path, monkeypatch):
    out = tmp_path / "out"
    gen.generate("S", 1, out)
    before = _hashes(out)
    calls = {"n": 0}
    real = gen.write_register_file

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(gen, "write_register_file", failing)
    with pytest.raises(OSError):
        gen.generate("S", 2, out)
    assert _hashes(out) == before  # the earlier folder is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # and no half-written folder is left
    monkeypatch.undo()
    gen.generate("S", 2, out)
    assert _hashes(out) != before


# --- the built graph ----------------------------------------------------------------------------------------------

def test_s_builds_and_validates_without_violations(generated, built):
    _, summary = generated
    _, report = built
    assert report["validation"]["conforms"] and report["validation"]["violations"] == 0
    assert report["validation"]["warnings"] == 0
    data_triples = sum(n for g, n in report["triples_per_graph"].items()
                       if g.rsplit("/", 1)[-1] not in ("meta", "derived", "ontology", "vocabularies", "rules"))
    assert data_triples == summary["estimated_triples"]


def test_partners_of_a_generated_city(built, data):
    store, _ = built
    partners = _partners(data)
    names = _unique_names(data)
    gov = max((g for g in partners if g in names), key=lambda g: (len(partners[g]), g))
    run = run_cli("--store", str(store), "query", "partners", "--param", f"municipality={names[gov]}", "--format", "csv", check=True)
    found = {row["partner"] for row in run.csv()}
    assert found == partners[gov] and len(found) >= 3


def test_shared_partners_of_a_pair(built, data):
    store, _ = built
    partners = _partners(data)
    names = _unique_names(data)
    hub = max(sorted(partners), key=lambda g: len(partners[g]))
    a, b = sorted(g for g in partners[hub] if g in names)[:2]
    expected = partners[a] & partners[b]
    run = run_cli("--store", str(store), "query", "shared-partners", "--param", f"a={names[a]}", "--param", f"b={names[b]}",
                  "--format", "csv", check=True)
    found = {row["partner"] for row in run.csv()}
    assert hub in found and found == expected


def test_signatories_hold_their_posts(built):
    store, _ = built
    query = f"""SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x <{MG}role> <https://w3id.org/munigraph/vocab/role-signed> ;
                <{MG}inCapacityOf> ?post ; <{MG}participant> ?person . }}"""
    path = Path(store).parent / "signed.rq"
    path.write_text(query)
    run = run_cli("--store", str(store), "query", "--file", str(path), "--format", "csv", check=True)
    assert int(run.csv()[0]["n"]) > 100  # and the HeldPost shape found no violation (test above)
    run = run_cli("--store", str(store), "query", "ended-partnerships", "--format", "csv", check=True)
    assert len(run.csv()) >= 5


def test_network_is_heavy_tailed_and_assortative(built):
    store, _ = built
    run = run_cli("--store", str(store), "network", "stats", "--status", "all", "--format", "json", check=True)
    stats = json.loads(run.out)
    assert stats["edges"] == 400
    assert stats["max_degree"] >= 5 * stats["average_degree"]
    assert stats["degree_assortativity"] > 0.05
    assert stats["largest_component"]["nodes"] >= 0.4 * stats["nodes"]
