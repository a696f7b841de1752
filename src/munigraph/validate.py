"""SHACL validation with pyshacl, and a report a person can act on.

The data graph is the union of every graph in the store (curated sources, ontology, vocabularies, derived
triples and the build's description of each graph), so shapes can use class hierarchies, rule results and the
provenance of each named graph. Results are grouped by shape; each names its focus node by label, the path, the
message, and the data files in which the focus node is described.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from .config import Settings
from .store import to_rdflib
from .vocab import DEFAULT_BASE, MG, META_GRAPH, PREFIXES, project_root

SEVERITY_NAMES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass
class Finding:
    severity: str
    shape: str
    shape_label: str
    focus: str
    focus_label: str
    path: str | None
    value: str | None
    message: str
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass
class ValidationReport:
    findings: list[Finding]
    results_graph: Graph
    shapes_count: int

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def summary_line(self) -> str:
        state = "conforms" if self.conforms else "does not conform"
        return f"validation: {state} ({len(self.violations)} violation(s), {len(self.warnings)} warning(s), {self.shapes_count} shapes)"

    def as_text(self) -> str:
        lines = [self.summary_line()]
        groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for f in self.findings:
            groups[(f.severity, f.shape_label)].append(f)
        for (severity, shape_label), items in sorted(groups.items(), key=lambda kv: (kv[0][0] != "violation", kv[0][1])):
            lines.append("")
            lines.append(f"{severity.upper()}  {shape_label}  ({len(items)})")
            for f in sorted(items, key=lambda f: (f.focus_label, f.path or "", f.message)):
                where = f" [{', '.join(f.files)}]" if f.files else ""
                path = f" {f.path}:" if f.path else ""
                lines.append(f"  - {f.focus_label}{path} {f.message}{where}")
        return "\n".join(lines)

    def as_json(self) -> str:
        return json.dumps({
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "results": [f.as_dict() for f in self.findings],
        }, ensure_ascii=False, indent=2)

    def as_turtle(self) -> str:
        return self.results_graph.serialize(format="turtle")


def shapes_path() -> Path:
    return project_root() / "ontology" / "shapes.ttl"


def load_shapes(base: str) -> Graph:
    text = shapes_path().read_text(encoding="utf-8")
    if base != DEFAULT_BASE:
        text = text.replace(DEFAULT_BASE, base)  # shapes that look for undefined entities use the deployment's base
    graph = Graph()
    graph.parse(data=text, format="turtle")
    return graph


def union_graph(oxstore: ox.Store) -> Graph:
    """Every triple of every graph, as one rdflib graph for pyshacl."""
    triples = oxstore.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _label(graph: Graph, node, languages: list[str]) -> str:
    if not isinstance(node, URIRef):
        return str(node)
    labels = list(graph.objects(node, RDFS.label))
    for lang in languages:
        for label in labels:
            if isinstance(label, Literal) and label.language == lang:
                return f"{label} <{node}>"
    if labels:
        return f"{sorted(labels)[0]} <{node}>"
    return f"<{node}>"


def _files_of(oxstore: ox.Store, node) -> list[str]:
    if not isinstance(node, URIRef):
        return []
    result = oxstore.query(f"""SELECT DISTINCT ?file WHERE {{
        {{ GRAPH ?g {{ <{node}> ?p ?o }} FILTER(?g != <{META_GRAPH}>) }} UNION {{ BIND(<{node}> AS ?g) }}
        GRAPH <{META_GRAPH}> {{ ?g <{MG}sourceFile> ?file }} }} ORDER BY ?file""")
    return [sol["file"].value for sol in result]


def _prefixes(shapes: Graph, node) -> str:
    out = ""
    for holder in shapes.objects(node, SH.prefixes):
        for decl in shapes.objects(holder, SH.declare):
            out += f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>\n"
    return out


def _targets(oxstore: ox.Store, shapes: Graph, shape) -> set[str]:
    """Focus nodes of a shape: targetNode, targetClass (with subclasses), targetSubjectsOf, targetObjectsOf
    (SHACL 2.1.3) and SPARQL-based targets (SHACL-AF)."""
    patterns = []
    for node in shapes.objects(shape, SH.targetNode):
        patterns.append(f"BIND({node.n3()} AS ?this)")
    for cls in shapes.objects(shape, SH.targetClass):
        patterns.append(f"?this a/<{RDFS}subClassOf>* <{cls}>")
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        patterns.append(f"?this <{prop}> ?any")
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        patterns.append(f"?any <{prop}> ?this")
    queries = []
    if patterns:
        union = " UNION ".join("{ " + p + " }" for p in patterns)
        queries.append(f"SELECT DISTINCT ?this WHERE {{ {union} }}")
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if select is not None:
            queries.append(_prefixes(shapes, target) + str(select))
    found: set[str] = set()
    for query in queries:
        found.update(str(_rdflib(sol["this"])) for sol in oxstore.query(query, use_default_graph_as_union=True))
    return found


def _rdflib(term):
    return to_rdflib(term)


def sparql_constraint_shapes(shapes: Graph) -> list:
    return sorted({shape for shape in shapes.subjects(SH.sparql, None) if (shape, RDF.type, SH.NodeShape) in shapes}, key=str)


def _name(labels: Graph | None, term) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef) and labels is not None:
        english = [l for l in labels.objects(term, RDFS.label) if getattr(l, "language", None) == "en"]
        any_label = english or sorted(labels.objects(term, RDFS.label))
        if any_label:
            return str(any_label[0])
    return str(term)


def run_sparql_constraints(oxstore: ox.Store, shapes: Graph, results: Graph, labels: Graph | None = None) -> list[tuple]:
    """SPARQL-based constraints (SHACL 5) evaluated once over the whole graph on Oxigraph.

    Instead of pre-binding $this to each focus node in turn (what pyshacl does, one rdflib query per node),
    $this is left free and the solutions are kept for the shape's focus nodes. For queries that bind $this
    in their patterns, as all of ours do, the result is the same; the cost is one query per constraint.
    """
    found = []
    for shape in sparql_constraint_shapes(shapes):
        targets = _targets(oxstore, shapes, shape)
        shape_severity = shapes.value(shape, SH.severity) or SH.Violation
        for constraint in shapes.objects(shape, SH.sparql):
            if shapes.value(constraint, SH.deactivated) == Literal(True):
                continue
            select = str(shapes.value(constraint, SH.select))
            query = _prefixes(shapes, constraint) + select.replace("$this", "?this")
            severity = shapes.value(constraint, SH.severity) or shape_severity
            messages = list(shapes.objects(constraint, SH.message)) or list(shapes.objects(shape, SH.message))
            solutions = oxstore.query(query, use_default_graph_as_union=True)
            variables = solutions.variables
            for sol in solutions:
                focus = _rdflib(sol["this"])
                if str(focus) not in targets:
                    continue
                bindings = {v.value: _rdflib(sol[v]) for v in variables if sol[v] is not None}
                found.append((shape, constraint, severity, focus, bindings, messages))
    report = results.value(None, RDF.type, SH.ValidationReport, any=False)
    for shape, constraint, severity, focus, bindings, messages in found:
        node = BNode()
        if report is not None:
            results.add((report, SH.result, node))
            if severity == SH.Violation:
                results.set((report, SH.conforms, Literal(False)))
        results.add((node, RDF.type, SH.ValidationResult))
        results.add((node, SH.resultSeverity, severity))
        results.add((node, SH.sourceShape, shape))
        results.add((node, SH.sourceConstraint, constraint))
        results.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        results.add((node, SH.focusNode, focus))
        if "path" in bindings:
            results.add((node, SH.resultPath, bindings["path"]))
        if "value" in bindings:
            results.add((node, SH.value, bindings["value"]))
        for message in messages or [Literal("does not conform")]:
            text = re.sub(r"\{[?$](\w+)\}", lambda m: _name(labels, bindings.get(m.group(1))), str(message))
            results.add((node, SH.resultMessage, Literal(text, lang=getattr(message, "language", None))))
    return found


def validate_store(oxstore: ox.Store, settings: Settings, files=None) -> ValidationReport:
    data = union_graph(oxstore)
    for prefix, namespace in PREFIXES.items():
        data.bind(prefix, namespace, override=True)
    shapes = load_shapes(settings.base)
    sparql_shapes = set(sparql_constraint_shapes(shapes))
    core_shapes = [s for s in shapes.subjects(RDF.type, SH.NodeShape) if s not in sparql_shapes]
    conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, allow_infos=True,
        use_shapes=core_shapes)
    run_sparql_constraints(oxstore, shapes, results, labels=data)
    findings = []
    for result in results.subjects(SH.resultSeverity, None):
        severity = SEVERITY_NAMES.get(results.value(result, SH.resultSeverity), "info")
        shape = results.value(result, SH.sourceShape)
        # Property shapes are usually blank nodes: name the node shape that holds them.
        holder = shape
        if shape is not None and not isinstance(shape, URIRef):
            holder = shapes.value(None, SH.property, shape) or shape
        shape_label = shapes.value(holder, RDFS.label) or shapes.value(holder, SH.name) or holder
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = results.value(result, SH.resultMessage)
        findings.append(Finding(
            severity=severity,
            shape=str(holder),
            shape_label=str(shape_label),
            focus=str(focus),
            focus_label=_label(data, focus, settings.languages),
            path=data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else (str(path) if path else None),
            value=str(value) if value is not None else None,
            message=str(message) if message is not None else "does not conform",
            files=_files_of(oxstore, focus),
        ))
    shapes_count = len(set(shapes.subjects(RDF.type, SH.NodeShape)))
    return ValidationReport(findings, results, shapes_count)
