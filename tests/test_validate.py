"""`munigraph validate`: every SHACL node shape has a fixture that violates it, and the reports are usable.

Each shape's fixture is tests/fixtures/shapes/<LocalName>.ttl. It breaks that shape and, as far as possible,
nothing else; a fixture that cannot help triggering other shapes lists them in its header comment on a line
"# Also triggers: mgs:A mgs:B". The CLI is run once per fixture (cached), plus once each for the repository's
data/, the text and the Turtle output.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from itertools import chain
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from conftest import FIXTURES, ROOT, Run, run_cli

SHAPES_TTL = ROOT / "ontology" / "shapes.ttl"
SHAPE_FIXTURES = FIXTURES / "shapes"
MGS = "https://w3id.org/munigraph/ontology/shapes#"
MG = "https://w3id.org/munigraph/ontology#"
ID = "https://w3id.org/munigraph/id/"
SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}

SHAPES = Graph().parse(SHAPES_TTL, format="turtle")
NODE_SHAPES = sorted((s for s in SHAPES.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)), key=str)


def local_name(shape: URIRef) -> str:
    return str(shape).rsplit("#", 1)[-1]


def fixture_path(name: str) -> Path:
    return SHAPE_FIXTURES / f"{name}.ttl"


def expected_severity(shape: URIRef) -> str:
    """The sh:severity of the shape or of its constraints (property shapes, SPARQL constraints); Violation if none."""
    found = {SHAPES.value(shape, SH.severity)}
    for constraint in chain(SHAPES.objects(shape, SH.property), SHAPES.objects(shape, SH.sparql)):
        found.add(SHAPES.value(constraint, SH.severity))
    found.discard(None)
    assert len(found) <= 1, f"{shape} mixes severities {found}: split it, or make the test say which one its fixture hits"
    return SEVERITY[found.pop()] if found else "violation"


def also_triggers(fixture: Path) -> set[str]:
    """Other shapes the fixture's header comment admits it cannot help triggering."""
    allowed = set()
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*Also triggers:(.*)", line)
        if match:
            allowed |= {MGS + name.removeprefix("mgs:") for name in match.group(1).split()}
    return allowed


@functools.cache
def validate_json(name: str) -> tuple[Run, dict]:
    """`munigraph validate --data <fixture> --format json`, once per fixture per session."""
    run = run_cli("validate", "--data", str(fixture_path(name)), "--format", "json")
    assert run.code in (0, 1), f"validate crashed on {name}.ttl (exit {run.code}):\n{run.err}"
    return run, json.loads(run.out)


def test_shapes_file_has_node_shapes():
    # guards the parametrization below against an empty (or unparsed) shapes file
    assert len(NODE_SHAPES) >= 21
    assert URIRef(MGS + "AgreementShape") in NODE_SHAPES


@pytest.mark.parametrize("shape", NODE_SHAPES, ids=local_name)
def test_fixture_violates_its_shape(shape):
    name = local_name(shape)
    fixture = fixture_path(name)
    assert fixture.is_file(), f"shape {name} has no fixture: add {fixture.relative_to(ROOT)} that violates it"
    first = fixture.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#") and f"mgs:{name}" in first, f"{fixture.name} should start by saying it breaks mgs:{name}"

    run, report = validate_json(name)
    results = report["results"]
    mine = [r for r in results if r["shape"] == str(shape)]
    assert mine, f"{fixture.name} does not trigger {name}; results: {json.dumps(results, indent=1)}"

    severity = expected_severity(shape)
    assert {r["severity"] for r in mine} == {severity}
    violations = [r for r in results if r["severity"] == "violation"]
    assert report["violations"] == len(violations) and report["warnings"] == len(results) - len(violations)
    assert report["conforms"] is (not violations)
    assert run.code == (1 if violations else 0)
    if severity == "violation":
        assert run.code == 1
    else:
        assert not violations, f"{fixture.name} should only warn: {violations}"
        assert run.code == 0

    # Nothing else fires, except what the fixture admits in its header.
    others = {r["shape"] for r in results} - {str(shape)}
    assert others <= also_triggers(fixture), f"{fixture.name} also triggers {sorted(others)}"


def test_repository_data_conforms_with_the_ordinal_warning():
    run = run_cli("validate", "--format", "json")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["conforms"] is True and report["violations"] == 0
    assert all(r["severity"] != "violation" for r in report["results"])

    statement = ID + "partnership/lt-trakai-district--pl-koszalin/ordinal/pl-koszalin"
    ordinal = [r for r in report["results"] if r["shape"] == MGS + "OrdinalShape" and r["focus"] == statement]
    assert len(ordinal) == 1, report["results"]
    warning = ordinal[0]
    assert warning["severity"] == "warning"
    assert warning["files"] == ["data/koszalin-2019-12-02-troki.ttl"]
    # "a source calls this partner number 13 of City of Koszalin, but the graph has N partnerships of it that
    # started earlier (so it would be number N+1)"
    match = re.search(r"number 13 of City of Koszalin, but the graph has (\d+) earlier partnership\(s\) .* number (\d+)\)", warning["message"])
    assert match, warning["message"]
    before, expected = map(int, match.groups())
    assert before >= 13 and expected == before + 1


def test_text_output_groups_by_shape_and_names_focus_and_file():
    # The undefined-reference fixture gives several results in several groups.
    name = "DefinedReferenceShape"
    _run, report = validate_json(name)
    run = run_cli("validate", "--data", str(fixture_path(name)))
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == (f"validation: does not conform ({report['violations']} violation(s), "
                        f"{report['warnings']} warning(s), {len(NODE_SHAPES)} shapes)")

    groups: dict[tuple[str, str], list[str]] = {}
    stated: dict[tuple[str, str], int] = {}
    current = None
    for line in lines[1:]:
        header = re.fullmatch(r"(VIOLATION|WARNING|INFO)  (.+)  \((\d+)\)", line)
        if header:
            current = (header.group(1).lower(), header.group(2))
            assert current not in groups, f"group {current} appears twice"
            groups[current], stated[current] = [], int(header.group(3))
        elif line.startswith("  - "):
            assert current is not None, f"result outside a group: {line}"
            groups[current].append(line)
        else:
            assert line == "", f"unexpected line: {line!r}"
    counts = {k: len(v) for k, v in groups.items()}
    assert counts == stated
    # one group per shape label, with the results of the JSON report
    assert counts == dict(Counter((r["severity"], r["shape_label"]) for r in report["results"]))
    assert len(groups) >= 2

    label = str(SHAPES.value(URIRef(MGS + name), RDFS.label))
    partnership = ID + "partnership/xx-test-a--xx-test-undefined"
    [item] = [i for i in groups[("violation", label)] if f"<{partnership}>" in i]
    assert item.startswith(f"  - Test A – Test Undefined <{partnership}> ")
    assert ID + "gov/xx/test-undefined" in item
    assert item.endswith(f"[tests/fixtures/shapes/{name}.ttl]")


def test_turtle_output_is_a_shacl_report():
    name = "AgreementShape"
    run = run_cli("validate", "--data", str(fixture_path(name)), "--format", "turtle")
    assert run.code == 1
    report = Graph().parse(data=run.out, format="turtle")
    [node] = list(report.subjects(RDF.type, SH.ValidationReport))
    assert report.value(node, SH.conforms) == Literal(False)
    results = list(report.objects(node, SH.result))
    assert results and all((r, RDF.type, SH.ValidationResult) in report for r in results)
    agreement = URIRef(ID + "agreement/2019-12-02-xx-test-a--xx-test-b-framework")
    [result] = [r for r in results if report.value(r, SH.focusNode) == agreement]
    assert report.value(result, SH.resultPath) == URIRef(MG + "party")
    assert report.value(result, SH.resultSeverity) == SH.Violation
    assert report.value(result, SH.sourceConstraintComponent) == SH.MinCountConstraintComponent


def test_turtle_report_includes_sparql_shape_violations():
    run = run_cli("validate", "--data", str(fixture_path("HeldPostShape")), "--format", "turtle")
    assert run.code == 1
    report = Graph().parse(data=run.out, format="turtle")
    [node] = list(report.subjects(RDF.type, SH.ValidationReport))
    assert report.value(node, SH.conforms) == Literal(False)
    shapes = {report.value(r, SH.sourceShape) for r in report.objects(node, SH.result)}
    assert URIRef(MGS + "HeldPostShape") in shapes


def test_undefined_reference_names_the_iri_and_the_referring_entity():
    run, report = validate_json("DefinedReferenceShape")
    assert run.code == 1
    undefined = ID + "gov/xx/test-undefined"
    partnership = ID + "partnership/xx-test-a--xx-test-undefined"
    [result] = [r for r in report["results"] if r["shape"] == MGS + "DefinedReferenceShape" and r["focus"] == partnership]
    assert undefined in result["message"]
    assert "partner" in result["message"]  # the property it is referred to through
    assert result["focus_label"] == f"Test A – Test Undefined <{partnership}>"
    assert result["files"] == ["tests/fixtures/shapes/DefinedReferenceShape.ttl"]
