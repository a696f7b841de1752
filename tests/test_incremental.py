"""Incremental builds: after one data file changed, only its work is re-done, and the store equals a full build's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT, run_cli

SIZE = "S"  # for the cases around the main one (removed files, failures, settings); the main one runs on M


def content(store_dir: Path) -> tuple[set, Counter]:
    """Every quad of the store but the build time; quads with blank nodes (the ontology's, copied as they are by an
    incremental build, labelled afresh by a full one) are compared as counts per graph and predicate.

    Read from Oxigraph's own N-Quads dump (one canonical line per quad): a Python loop over the 1.6 million quad
    objects of an M store took 19 s, the dump 9 s and its lines 1 s."""
    from munigraph.store import current_build
    store = ox.Store.read_only(str(current_build(store_dir)))
    dump = store.dump(format=ox.RdfFormat.N_QUADS)
    del store
    plain, blank = set(), Counter()
    for line in dump.split(b"\n"):
        if not line or b"#builtAt>" in line:
            continue
        if b"_:" in line:  # a blank node (or "_:" inside a literal, which only makes that line's check weaker)
            terms = BLANK_LINE.match(line)
            assert terms, line
            blank[(terms["predicate"], terms["graph"])] += 1
        else:
            plain.add(line)
    return plain, blank


def assert_same_content(store_dir: Path, other_dir: Path) -> None:
    """Both stores are read side by side (Oxigraph reads a store outside Python's lock); a failure shows a few of
    the quads that differ."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(2) as pool:
        (mine, mine_blank), (theirs, theirs_blank) = pool.map(content, [store_dir, other_dir])
    assert not (mine ^ theirs), f"only in {store_dir}: {sorted(mine - theirs)[:5]}; only in {other_dir}: {sorted(theirs - mine)[:5]}"
    assert mine_blank == theirs_blank


def assert_same_index(store_dir: Path, other_dir: Path) -> None:
    """The saved network indexes hold the same partnerships and local governments (node numbers aside)."""
    from munigraph.network import _read_saved, index_path
    from munigraph.store import current_build
    mine, theirs = (_read_saved(index_path(current_build(d)), None) for d in (store_dir, other_dir))
    assert mine.nodes == theirs.nodes
    assert mine.edges == theirs.edges


# subject (an IRI or a blank node), predicate, and the graph at the end of the line
BLANK_LINE = re.compile(rb"^(?:<[^>]*>|_:\S+) (?P<predicate><[^>]*>) .*?(?P<graph><[^>]*>)? \.$")


def build(store: Path, data: Path, *extra: str) -> dict:
    run = run_cli("--store", str(store), "build", "--data", str(data), "--format", "json", *extra)
    assert run.code == 0, run.err
    return json.loads(run.out)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    run_cli("generate", "--size", SIZE, "--seed", "5", "--out", str(root / "data"), check=True)
    first = build(root / "store", root / "data")
    assert first["incremental"] is None  # nothing to start from: a full build
    return root, first


@pytest.fixture(scope="module")
def generated_m(tmp_path_factory):
    """A generated M graph (about 535,000 triples) with its full build, and a copy with one file changed with the
    full build of that copy: the two full builds are independent, so they run side by side."""
    root = tmp_path_factory.mktemp("incremental-m")
    run_cli("generate", "--size", "M", "--seed", "5", "--out", str(root / "data"), check=True)
    shutil.copytree(root / "data", root / "changed")
    changed = change_one_file(root / "changed")
    builds = [start_build(root / "store", root / "data"), start_build(root / "full", root / "changed")]
    first, full = (finish_build(proc) for proc in builds)
    assert first["incremental"] is None and first["validation"]["violations"] == 0
    assert full["incremental"] is None
    return root, first, changed


def start_build(store: Path, data: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "munigraph", "--store", str(store), "build", "--data", str(data),
                             "--format", "json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_build(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return json.loads(out)


def change_one_file(data: Path) -> Path:
    """Edit one twinning file as a curator would: a corrected start date, a new partnership, a new label."""
    target = sorted(data.glob("twinning-*.ttl"))[3]
    text = re.sub(r'mg:startDate "[^"]*"\^\^xsd:\w+', 'mg:startDate "1989-05-04"^^xsd:date', target.read_text(encoding="utf-8"), count=1)
    govs = sorted(set(part.split(">")[0] for part in text.split("<https://w3id.org/munigraph/id/gov/")[1:]))[:2]
    a, b = (f"https://w3id.org/munigraph/id/gov/{g}" for g in govs)
    text += f"""
<https://w3id.org/munigraph/id/partnership/test-incremental>
    a mg:Partnership ;
    rdfs:label "A partnership added by the incremental-build test"@en ;
    mg:partner <{a}> , <{b}> ;
    mg:startDate "2003"^^xsd:gYear .

<{a}> rdfs:label "Renamed by the incremental-build test"@en .
"""
    target.write_text(text, encoding="utf-8")
    return target


def test_nothing_changed_is_up_to_date(generated):
    root, first = generated
    again = build(root / "store", root / "data")
    assert again["incremental"]["up_to_date"] is True and again["store"] == first["store"]


def test_one_changed_file_redoes_only_its_work_and_equals_a_full_build(generated_m, tmp_path):
    root, first, changed = generated_m
    data = root / "changed"  # the folder the full build read: each graph's record names its file's path
    store = tmp_path / "store"
    shutil.copytree(root / "store", store, symlinks=True)
    report = build(store, data)
    increment = report["incremental"]
    assert [Path(p).name for p in increment["changed"]] == [changed.name]
    assert increment["added"] == [] and increment["removed"] == []
    assert increment["reused"] == len(list(data.glob("*.ttl"))) - 1
    assert 0 < increment["scope"] < 5000  # the changed file's neighbourhood, not the graph
    print(f"\nincremental build of M after one changed file: {report['seconds']} (the full build: {first['seconds']})")
    assert_same_content(store, root / "full")  # the full build of the same changed data
    assert_same_index(store, root / "full")
    assert increment["revalidated"] < increment["scope"]  # the focus nodes whose results the change can alter
    # and the answers follow the change
    found = run_cli("--store", str(store), "query", "--file", str(write_query(tmp_path)), "--format", "csv").csv()
    assert found == [{"start": "2003"}]


def write_query(folder: Path) -> Path:
    path = folder / "added.rq"
    path.write_text("SELECT ?start WHERE { <https://w3id.org/munigraph/id/partnership/test-incremental> mg:effectiveStartDate ?start }")
    return path


def test_removed_file_and_failed_increment(generated, tmp_path):
    """A removed file's graph goes; a changed file with bad Turtle fails and leaves the current build answering."""
    root, first = generated
    data = tmp_path / "data"
    shutil.copytree(root / "data", data)
    store = tmp_path / "store"
    shutil.copytree(root / "store", store, symlinks=True)
    gone = sorted(data.glob("wikilist-*.ttl"))[0]
    gone.unlink()
    report = build(store, data)
    assert report["incremental"]["removed"] == ["https://w3id.org/munigraph/graph/" + gone.stem]
    assert "https://w3id.org/munigraph/graph/" + gone.stem not in report["triples_per_graph"]
    assert_same_content(store, build_full(tmp_path / "full", data))
    current = (store / "current").resolve()
    broken = sorted(data.glob("twinning-*.ttl"))[0]
    broken.write_text(broken.read_text(encoding="utf-8") + "\n<oops> <is> .\n", encoding="utf-8")
    run = run_cli("--store", str(store), "build", "--data", str(data))
    assert run.code == 2 and f"{broken.name}:" in run.err
    assert (store / "current").resolve() == current


def build_full(store: Path, data: Path) -> Path:
    build(store, data, "--full")
    return store


def test_anything_else_changed_means_a_full_build(generated, tmp_path):
    """Another build date (current statuses depend on it), other rules, shapes or ontology: a full build."""
    import datetime as dt

    from munigraph import build as build_mod
    from munigraph.config import Settings
    root, first = generated
    store = tmp_path / "store"
    shutil.copytree(root / "store", store, symlinks=True)
    settings = Settings(store=store)
    report = build_mod.build(settings, [root / "data"], build_date=dt.date.fromisoformat(first["build_date"]) + dt.timedelta(days=1))
    assert report.incremental is None


# --- validating what a change can affect ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    """The repository's data/ (copied) and its full build: its findings include the ordinal warning."""
    root = tmp_path_factory.mktemp("incremental-curated")
    shutil.copytree(ROOT / "data", root / "data")
    first = build(root / "store", root / "data")
    assert first["incremental"] is None and first["validation"]["warnings"] >= 1
    return root


def edited_copy(curated: Path, tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, Path]:
    """A copy of the curated data and of its store, with one file edited (exactly one occurrence of `old`)."""
    data, store = tmp_path / "data", tmp_path / "store"
    shutil.copytree(curated / "data", data)
    shutil.copytree(curated / "store", store, symlinks=True)
    path = data / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (file, old)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return data, store


def build_run(store: Path, data: Path, *extra: str):
    return run_cli("--store", str(store), "build", "--data", str(data), "--format", "json", *extra)


def test_a_changed_tenure_revalidates_the_acts_of_its_holder_in_other_files(curated, tmp_path):
    """The President of Koszalin's tenure, as gk24-2024.ttl records it, made to end in 2018: the agreement he signed
    on 2 December 2019 (in another file, which did not change) now violates HeldPostShape. The act points at
    neither the tenure nor its file; HeldPostShape's mg:revalidationReach (a tenure's holder's acts) finds it."""
    data, store = edited_copy(curated, tmp_path, "gk24-2024.ttl", 'mg:endDate "2024"^^xsd:gYear', 'mg:endDate "2018"^^xsd:gYear')
    current = (store / "current").resolve()
    increment = build_run(store, data)
    full = build_run(tmp_path / "full", data)
    assert increment.code == full.code == 1, (increment.err, full.err)
    violations = lambda err: sorted(line.strip() for line in err.splitlines() if line.startswith("  - "))  # noqa: E731
    assert violations(increment.err) == violations(full.err)
    assert any("piotr-jedlinski" in line and "no tenure of that post covering that date" in line for line in violations(increment.err)), increment.err
    assert (store / "current").resolve() == current  # the failed build is not swapped in


def test_a_changed_partnership_revalidates_the_ordinal_statements_about_its_partners(curated, tmp_path):
    """Fuzhou–Koszalin made to start in 2021 (cs-wikipedia-koszalin.ttl): the ordinal statement of the Trakai
    agreement (koszalin-2019-12-02-troki.ttl) now counts one earlier partnership less. The incremental build's
    findings are the full build's, message included; without the previous findings it validates everything."""
    data, store = edited_copy(curated, tmp_path, "cs-wikipedia-koszalin.ttl",
                              'mg:partner govcn:fuzhou , govpl:koszalin ;\n    mg:startDate "2007"^^xsd:gYear',
                              'mg:partner govcn:fuzhou , govpl:koszalin ;\n    mg:startDate "2021"^^xsd:gYear')
    before = json.loads(build_run(store, curated / "data").out)  # up to date: the previous build's report
    first = build(tmp_path / "first", curated / "data")
    increment = build(store, data)
    full = build(tmp_path / "full", data)
    assert increment["incremental"]["changed"] and 0 < increment["incremental"]["revalidated"] < 1000
    assert increment["validation"] == full["validation"]
    assert_same_index(store, tmp_path / "full")
    ordinal = lambda report: [r["message"] for r in report["validation"]["results"] if r["shape"].endswith("#OrdinalShape")]  # noqa: E731
    assert ordinal(increment) != ordinal(first) and len(ordinal(increment)) == 1, (ordinal(first), ordinal(increment))
    assert before["incremental"]["up_to_date"]

    from munigraph.validate import findings_path
    store_again = tmp_path / "again"
    shutil.copytree(curated / "store", store_again, symlinks=True)
    findings_path((store_again / "current").resolve()).unlink()
    whole = build(store_again, data)
    assert whole["incremental"]["revalidated"] == "all" and whole["validation"] == full["validation"]
