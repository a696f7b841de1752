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


# --- the SPARQL-compiled validation agrees with pySHACL ----------------------------------------------------------------
#
# `munigraph validate` and `build` run the SHACL Core shapes as SPARQL on Oxigraph (munigraph/shacl_sparql.py);
# pySHACL over an rdflib copy of the store is the reference. Every fixture under tests/fixtures/shapes/ (the one-per-
# shape files and the folders of corner cases) and the repository's data/ must give the same results with both.

CROSS_CHECK_SKIP = {"pyshacl-crashes"}  # pySHACL 0.40 raises on these (see the files); tested on their own below


def cross_check_inputs() -> list[Path]:
    files = sorted(SHAPE_FIXTURES.glob("*.ttl"))
    folders = sorted(p for p in SHAPE_FIXTURES.iterdir() if p.is_dir() and p.name not in CROSS_CHECK_SKIP)
    return [ROOT / "data", *folders, *files]


def assembled_store(*data: Path):
    import datetime as dt

    import pyoxigraph as ox

    from munigraph import build
    from munigraph.config import load_settings

    settings = load_settings(ROOT / "munigraph.toml")
    report = build.BuildReport(build_date=dt.date(2026, 1, 1))
    report.files = build.input_files(list(data))
    oxstore = ox.Store()
    build.assemble(oxstore, report.files, settings, report.build_date, report)
    return oxstore, settings


def result_set(report: Graph) -> set[tuple]:
    """(focus, path, value, constraint component, severity, source shape, messages) of each result."""
    found = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        found.append((report.value(r, SH.focusNode), report.value(r, SH.resultPath), report.value(r, SH.value),
                      report.value(r, SH.sourceConstraintComponent), report.value(r, SH.resultSeverity),
                      report.value(r, SH.sourceShape), frozenset(report.objects(r, SH.resultMessage))))
    assert len(found) == len(set(found)), "a result is reported twice"
    return set(found)


@pytest.mark.parametrize("data", cross_check_inputs(), ids=lambda p: p.name)
def test_sparql_validation_gives_exactly_the_results_of_pyshacl(data):
    from munigraph import validate

    oxstore, settings = assembled_store(data)
    shapes = validate.load_shapes(settings.base)
    reference = result_set(validate.pyshacl_core_results(oxstore, shapes))
    compiled = result_set(validate.sparql_core_results(oxstore, shapes))
    assert compiled == reference, (
        f"only pySHACL: {sorted(reference - compiled, key=str)}\nonly SPARQL: {sorted(compiled - reference, key=str)}")
    if data.name == "semantics":
        assert len(reference) >= 35  # the corner cases do fire (see semantics-a.ttl)


def test_corner_cases_are_decided_as_pyshacl_decides():
    """The cases of tests/fixtures/shapes/semantics/, result by result (the cross-check above compares the totals)."""
    from munigraph import validate

    oxstore, settings = assembled_store(SHAPE_FIXTURES / "semantics")
    found = {(str(f).removeprefix(ID), p.rsplit("#", 1)[-1] if p else None, str(v) if v is not None else None,
              c.rsplit("#", 1)[-1].removesuffix("ConstraintComponent"))
             for f, p, v, c, _sev, _shape, _m in result_set(validate.sparql_core_results(oxstore, validate.load_shapes(settings.base)))}
    XSD = "http://www.w3.org/2001/XMLSchema#"
    # sh:datatype: ill-formed literals fail (as rdflib reads them), gYear/gYearMonth are not checked by rdflib
    assert ("partnership/xx-a--xx-b", "endDate", "abc", "Or") in found
    assert ("partnership/xx-a--xx-b", "startedBefore", "2019-02-30", "Or") in found
    assert ("partnership/xx-a--xx-b", "attestedOn", "-0044-03-15", "Or") in found  # fine for Oxigraph, not for Python
    assert not any(f == "partnership/xx-a--xx-b" and p in ("validUntil", "approvedOn") for f, p, _v, _c in found)
    assert ("partnership/xx-a--xx-not-a-government", "retrievedOn", "2019-12-02", "Or") in found
    assert ("gov/xx/a", "teryt", "32", "Datatype") in found and not any(p == "iso3166-2" for _f, p, _v, _c in found)
    assert ("place/xx/lat-integer", "latitude", "45", "Datatype") in found
    # min/maxInclusive: "1e5"^^xsd:decimal is 100000 for rdflib; strings and IRIs fail both bounds;
    # an ill-typed number fails sh:minInclusive but (in pySHACL) not sh:maxInclusive
    assert ("place/xx/lat-exponent", "latitude", "100000", "MaxInclusive") in found
    assert not any(f == "place/xx/lat-exponent" and c in ("MinInclusive", "Datatype") for f, _p, _v, c in found)
    assert {c for f, _p, _v, c in found if f == "place/xx/lat-string"} == {"Datatype", "MinInclusive", "MaxInclusive"}
    assert {c for f, _p, _v, c in found if f == "place/xx/lat-iri"} == {"Datatype", "MinInclusive", "MaxInclusive"}
    assert {c for f, _p, _v, c in found if f == "place/xx/lat-abc"} == {"Datatype", "MinInclusive"}
    assert ("place/xx/lat-low", "latitude", "-95.5", "MinInclusive") in found
    assert not any(f in ("place/xx/lat-bounds", "place/xx/lat-two") and c != "Datatype" for f, _p, _v, c in found)
    # sh:pattern is Python's re.search ("$" matches before a final newline)
    assert ("gov/xx/a", "wikidata", "q62868", "Pattern") in found
    assert not any(f == "gov/xx/regional" for f, _p, _v, _c in found)
    # sh:in is term equality; sh:class follows rdfs:subClassOf* and rejects literals
    assert ("partnership/xx-a--xx-regional-status-1", "status", "https://w3id.org/munigraph/vocab/status-active", "In") in found
    assert ("partnership/xx-a--xx-not-a-government", "partner", "Test government C", "Class") in found
    assert ("partnership/xx-a--xx-not-a-government", "partner", ID + "gov/xx/not-a-government", "Class") in found
    # sh:minCount/maxCount count distinct values, although the union of the graphs repeats triples
    assert ("partnership/xx-a--xx-a-twice", "partner", None, "MinCount") in found
    assert not any(f == "gov/xx/b" and c == "MaxCount" for f, _p, _v, c in found)
    assert not any(f == "place/xx/lat-two" for f, _p, _v, _c in found)
    # sh:targetClass reaches instances of a subclass declared in the data; node-level sh:or reports the focus node
    assert ("agreement/xx-test-subclass", "party", None, "MinCount") in found
    participation = "partnership/xx-a--xx-b-participation"
    assert (participation, None, ID + participation, "Or") in found
    assert XSD  # (datatypes are named in the fixture comments)


def test_a_comparison_pyshacl_cannot_make_is_a_violation():
    # "NaN"^^xsd:decimal: pySHACL 0.40 crashes; the compiled checks report it against both bounds
    from munigraph import validate

    oxstore, settings = assembled_store(SHAPE_FIXTURES / "pyshacl-crashes")
    report = validate.validate_store(oxstore, settings)
    nan = [f for f in report.findings if f.focus == ID + "place/xx/lat-nan"]
    assert sorted(f.value for f in nan) == ["NaN", "NaN"] and all(f.severity == "violation" for f in nan)
    assert {f.path for f in nan} == {"mg:latitude"}
    assert not report.conforms


def test_validation_does_not_copy_the_store_into_rdflib(monkeypatch):
    from munigraph import validate

    def refuse(*_args, **_kwargs):
        raise AssertionError("the build path must not read the store into rdflib or run pySHACL")

    monkeypatch.setattr(validate, "union_graph", refuse)
    monkeypatch.setattr(validate, "pyshacl_core_results", refuse)
    oxstore, settings = assembled_store(fixture_path("AgreementShape"))
    report = validate.validate_store(oxstore, settings)
    assert not report.conforms
    [finding] = [f for f in report.findings if f.shape == MGS + "AgreementShape"]
    assert finding.focus_label.startswith("Framework agreement") or finding.focus_label.endswith(">")
    assert finding.files == ["tests/fixtures/shapes/AgreementShape.ttl"]


def test_the_pyshacl_validator_can_be_chosen_and_reports_the_same():
    folder = SHAPE_FIXTURES / "semantics"
    default = run_cli("validate", "--data", str(folder), "--format", "json")
    reference = run_cli("validate", "--data", str(folder), "--format", "json", env={"MUNIGRAPH_VALIDATOR": "pyshacl"})
    assert default.code == reference.code == 1, (default.err, reference.err)
    mine, theirs = json.loads(default.out), json.loads(reference.out)
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    assert sorted(map(key, mine["results"])) == sorted(map(key, theirs["results"]))
    assert (mine["violations"], mine["warnings"]) == (theirs["violations"], theirs["warnings"])
    bad = run_cli("validate", "--data", str(folder), env={"MUNIGRAPH_VALIDATOR": "rdflib"})
    assert bad.code != 0 and "MUNIGRAPH_VALIDATOR" in bad.err


def shapes_with(extra: str) -> Graph:
    text = SHAPES_TTL.read_text(encoding="utf-8") + "\n" + extra
    return Graph().parse(data=text, format="turtle")


@pytest.mark.parametrize("extra, names", [
    ("mgs:X a sh:NodeShape ; sh:targetClass mg:Place ; sh:property [ sh:path rdfs:label ; sh:maxLength 80 ] .",
     ["mgs", "X", "sh:maxLength"]),
    ("mgs:X a sh:NodeShape ; sh:targetClass mg:Place ; sh:closed true .", ["X", "sh:closed"]),
    ("mgs:X a sh:NodeShape ; sh:targetClass mg:Place ; sh:property [ sh:path [ sh:inversePath mg:partner ] ; sh:minCount 1 ] .",
     ["X", "sh:path", "IRI"]),
    ("mgs:X a sh:NodeShape ; sh:targetClass mg:Place ; sh:or ( [ sh:path mg:partner ; sh:minCount 2 ] ) .", ["X", "sh:minCount"]),
])
def test_a_constraint_the_compiler_does_not_know_fails_at_load(extra, names):
    from munigraph import validate
    from munigraph.shacl_sparql import ShapesCompileError

    with pytest.raises(ShapesCompileError) as caught:
        validate.core_checks(shapes_with(extra))
    message = str(caught.value)
    assert "\n" not in message and all(n in message for n in names), message


def test_every_constraint_of_the_shapes_file_is_compiled():
    from munigraph import validate

    checks = validate.core_checks(SHAPES)
    components = {c.component for c in checks}
    assert components == {SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent, SH.ClassConstraintComponent,
                          SH.DatatypeConstraintComponent, SH.OrConstraintComponent, SH.PatternConstraintComponent,
                          SH.MinInclusiveConstraintComponent, SH.MaxInclusiveConstraintComponent,
                          SH.NodeKindConstraintComponent, SH.InConstraintComponent}
    # one check per constraint parameter of every property shape (and per node-level sh:or)
    expected = 0
    for shape in SHAPES.subjects(RDF.type, SH.NodeShape):
        expected += len(list(SHAPES.objects(shape, SH["or"])))
        for prop in SHAPES.objects(shape, SH.property):
            for p in (SH.minCount, SH.maxCount, SH["class"], SH["datatype"], SH["or"], SH.pattern, SH.minInclusive,
                      SH.maxInclusive, SH.nodeKind, SH["in"]):
                expected += len(list(SHAPES.objects(prop, p)))
    assert len(checks) == expected


# --- validation restricted to some focus nodes (what an incremental build re-validates) ------------------------------

def test_bind_this_puts_values_where_this_is_projected():
    from munigraph.shacl_sparql import bind_this

    values = "VALUES ?this { <urn:a> }"
    top = bind_this("SELECT ?this ?x WHERE { ?this <urn:p> ?x }", values)
    assert top == "SELECT ?this ?x WHERE { VALUES ?this { <urn:a> }  ?this <urn:p> ?x }"
    nested = bind_this("SELECT ?this WHERE { { SELECT DISTINCT ?this WHERE { ?this ?p ?o } } "
                       "{ SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } } }", values)
    assert nested.count(values) == 2  # the outer SELECT and the sub-select of ?this; not the count of everything
    assert "{ SELECT (COUNT(*) AS ?n) WHERE { ?s" in nested
    # no SELECT projects ?this: the query is joined with the values whole
    assert bind_this("SELECT ?x WHERE { ?x ?p ?o }", values) == values + " { SELECT ?x WHERE { ?x ?p ?o } }"


def _finding_key(f) -> str:
    return json.dumps(f.as_dict(), sort_keys=True)


@pytest.mark.parametrize("data", cross_check_inputs(), ids=lambda p: p.name)
def test_validation_of_some_focus_nodes_gives_their_results_of_the_whole(data):
    """Each fixture's findings, validated again for half of their focus nodes (plus nodes without findings): the
    same findings for those nodes, and none for the others."""
    from munigraph import validate

    oxstore, settings = assembled_store(data)
    whole = validate.validate_store(oxstore, settings).findings
    focus_nodes = sorted({f.focus for f in whole if f.focus.startswith("http")})
    chosen = set(focus_nodes[::2]) | {ID + "gov/pl/koszalin", ID + "partnership/none-such"}
    part = validate.validate_store(oxstore, settings, focus=sorted(chosen)).findings
    assert sorted(map(_finding_key, part)) == sorted(_finding_key(f) for f in whole if f.focus in chosen)
    if data.name == "semantics":
        assert len(part) >= 15


def test_revalidation_keeps_the_other_findings_and_replaces_those_of_the_focus():
    from munigraph import validate

    oxstore, settings = assembled_store(SHAPE_FIXTURES / "semantics")
    whole = validate.validate_store(oxstore, settings)
    focus = {whole.findings[0].focus}
    stale = [validate.Finding(**{**f.as_dict(), "message": "stale"}) if f.focus in focus else f for f in whole.findings]
    again = validate.revalidate(oxstore, settings, stale, focus)
    assert list(map(_finding_key, again.findings)) == list(map(_finding_key, whole.findings))
    assert again.summary_line() == whole.summary_line()


def test_saved_findings_read_back_and_a_broken_file_means_none(tmp_path):
    from munigraph import validate

    oxstore, settings = assembled_store(fixture_path("AgreementShape"))
    report = validate.validate_store(oxstore, settings)
    path = validate.findings_path(tmp_path / "builds" / "20260101T000000")
    validate.save_findings(report, path)
    assert path.parent.name == "index" and list(map(_finding_key, validate.load_findings(path))) == list(map(_finding_key, report.findings))
    path.write_text("[{\"severity\": ", encoding="utf-8")
    assert validate.load_findings(path) is None  # then the incremental build validates the whole store
    assert validate.load_findings(tmp_path / "missing.json") is None
