"""Building the store: named graphs with provenance, atomic swap, clear errors for bad data."""

from __future__ import annotations

import json
import shutil

from conftest import ROOT, run_cli

MGG = "https://w3id.org/munigraph/graph/"


def test_each_data_file_is_its_own_named_graph_with_its_source(store):
    graphs = set(store.named_graphs())
    for path in (ROOT / "data").glob("*.ttl"):
        assert MGG + path.stem in graphs
    rows = store.select(f"""
        SELECT ?g ?file ?address WHERE {{
          GRAPH <{MGG}meta> {{ ?g a <https://w3id.org/munigraph/ontology#SourceGraph> ;
                               <https://w3id.org/munigraph/ontology#sourceFile> ?file ;
                               <http://www.w3.org/ns/prov#wasDerivedFrom> ?source }}
          ?source <https://w3id.org/munigraph/ontology#address> ?address }}""").rows
    files = {str(f) for _, f, _ in rows}
    assert files == {f"data/{p.name}" for p in (ROOT / "data").glob("*.ttl")}
    assert all(str(a).startswith(("http", "urn:")) for _, _, a in rows)
    assert {MGG + "ontology", MGG + "vocabularies", MGG + "rules", MGG + "derived", MGG + "meta"} <= graphs


def test_info_reports_graphs_classes_and_validation(mg):
    run = mg("info", "--format", "json")
    assert run.code == 0, run.err
    info = json.loads(run.out)
    by_graph = {g["graph"]: g for g in info["graphs"]}
    assert by_graph[MGG + "koszalin-2019-12-02-troki"]["file"] == "data/koszalin-2019-12-02-troki.ttl"
    assert by_graph[MGG + "koszalin-2019-12-02-troki"]["triples"] > 100
    classes = {c["class"].rsplit("#", 1)[-1]: c["entities"] for c in info["classes"]}
    assert classes["LocalGovernment"] >= 60 and classes["Partnership"] >= 50 and classes["Agreement"] >= 10
    assert "conforms" in info["build"]["validationSummary"]
    table = mg("info")
    assert "Triples per named graph" in table.out and "Entities per class" in table.out


def _copy_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    return data


def test_broken_turtle_reports_file_line_column_and_keeps_previous_store(tmp_path):
    store = tmp_path / "store"
    data = _copy_data(tmp_path)
    run_cli("--store", str(store), "build", "--data", str(data), check=True)
    before = run_cli("--store", str(store), "query", "partners", "--param", "municipality=Koszalin", "--format", "csv").out
    broken = data / "gladsaxe-dk.ttl"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines.insert(5, "this is not turtle")
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = run_cli("--store", str(store), "build", "--data", str(data))
    assert run.code == 2
    message = run.err.strip().splitlines()[-1]
    assert f"{broken}:6:" in message or "gladsaxe-dk.ttl:6:" in message, message
    after = run_cli("--store", str(store), "query", "partners", "--param", "municipality=Koszalin", "--format", "csv").out
    assert after == before and "trakai-district" in after
    assert len(list((store / "builds").iterdir())) == 1  # the failed build left nothing behind


def test_violation_fails_the_build_and_keeps_previous_store(tmp_path):
    store = tmp_path / "store"
    data = _copy_data(tmp_path)
    run_cli("--store", str(store), "build", "--data", str(data), check=True)
    bad = data / "zz-bad-reference.ttl"
    bad.write_text("""
@prefix mg: <https://w3id.org/munigraph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://w3id.org/munigraph/id/source/zz-bad-reference> a mg:Source ; mg:address <https://example.org/x> ;
    dct:title "bad"@en ; dct:language "en" .
<https://w3id.org/munigraph/id/partnership/pl-koszalin--xx-nowhere> a mg:Partnership ;
    mg:partner <https://w3id.org/munigraph/id/gov/pl/koszalin> , <https://w3id.org/munigraph/id/gov/xx/nowhere> .
""", encoding="utf-8")
    run = run_cli("--store", str(store), "build", "--data", str(data))
    assert run.code == 1
    assert "does not conform" in run.err
    assert "gov/xx/nowhere" in run.err and "pl-koszalin--xx-nowhere" in run.err
    assert "zz-bad-reference.ttl" in run.err
    still = run_cli("--store", str(store), "query", "shared-partners", "--param", "a=Koszalin", "--param", "b=Troki", "--format", "csv")
    assert still.code == 0 and "ivano-frankivsk" in still.out


def test_deployment_base_rewrites_entity_iris(tmp_path):
    store = tmp_path / "store"
    run_cli("--store", str(store), "--base", "https://data.example.org/id/", "build", check=True)
    run = run_cli("--store", str(store), "--base", "https://data.example.org/id/", "query", "shared-partners",
                  "--param", "a=Koszalin", "--param", "b=Troki", "--format", "csv")
    assert run.code == 0, run.err
    assert "https://data.example.org/id/gov/ua/ivano-frankivsk" in run.out
    assert "w3id.org/munigraph/id/" not in run.out


def test_store_from_environment_and_missing_store(tmp_path):
    missing = run_cli("query", "partners", "--param", "municipality=Koszalin", env={"MUNIGRAPH_STORE": str(tmp_path / "none")})
    assert missing.code == 3
    assert "no built graph here; run `munigraph build` first" in missing.err


def test_build_json_summary(tmp_path):
    run = run_cli("--store", str(tmp_path / "s"), "build", "--format", "json")
    assert run.code == 0, run.err
    summary = json.loads(run.out)
    assert summary["validation"]["conforms"] is True and summary["validation"]["violations"] == 0
    assert summary["derived"]["https://w3id.org/munigraph/ontology/rules#twinned-with"] > 0
    assert set(summary["seconds"]) >= {"load", "derive", "validate", "total"}


def test_build_full_redoes_every_phase_on_a_store_that_is_up_to_date(tmp_path):
    """`make bench` times repeated builds with --full: each must load, derive and validate again, never report the
    store as up to date (what the benchmark once measured for its second and third runs)."""
    store = tmp_path / "store"
    reports = [json.loads(run_cli("--store", str(store), "build", "--full", "--format", "json", check=True).out)
               for _ in range(2)]
    again = json.loads(run_cli("--store", str(store), "build", "--format", "json", check=True).out)
    assert again["incremental"]["up_to_date"] is True
    for report in reports:
        assert report["incremental"] is None
        assert report["seconds"]["derive"] > 0 and report["seconds"]["validate"] > 0 and report["derived"]
