"""SHACL validation on Oxigraph, and a report a person can act on.

The data graph is the union of every graph in the store (curated sources, ontology, vocabularies, derived
triples and the build's description of each graph), so shapes can use class hierarchies, rule results and the
provenance of each named graph. The SHACL Core shapes are compiled to SPARQL (shacl_sparql.py) and the
SPARQL-constraint shapes run as they are, all on the store itself; nothing is copied into rdflib. pySHACL stays the
reference: `validate_with_pyshacl` (or MUNIGRAPH_VALIDATOR=pyshacl for any command) validates the core shapes with
it over an rdflib copy of the store, as munigraph did before; tests/test_validate.py checks that the two agree.

Results are grouped by shape; each names its focus node by label, the path, the message, and the data files in
which the focus node is described.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from . import shacl_sparql
from .config import Settings
from .errors import MunigraphError
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
    """Every triple of every graph, as one rdflib graph (for pySHACL, the reference validator only)."""
    triples = oxstore.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _data_names() -> Graph:
    """An empty graph with the namespace bindings the data graph had (for naming paths and nodes in messages)."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def _chunks(items: list, size: int = 500):
    for k in range(0, len(items), size):
        yield items[k:k + size]


def labels_of(oxstore: ox.Store, nodes) -> dict[URIRef, list[Literal]]:
    """The rdfs:labels of the given IRIs, read from the store (each label once, in a stable order)."""
    found: dict[URIRef, set] = defaultdict(set)
    iris = sorted({n for n in nodes if isinstance(n, URIRef)}, key=str)
    for chunk in _chunks(iris):
        values = " ".join(f"<{n}>" for n in chunk)
        for sol in oxstore.query(f"SELECT DISTINCT ?s ?l WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS.label}> ?l }}",
                                 use_default_graph_as_union=True):
            found[URIRef(sol["s"].value)].add(to_rdflib(sol["l"]))
    return {node: sorted(labels, key=lambda l: (str(l), l.language or "")) for node, labels in found.items()}


def _label(labels: dict, node, languages: list[str]) -> str:
    if not isinstance(node, URIRef):
        return str(node)
    found = labels.get(node, [])
    for lang in languages:
        for label in found:
            if isinstance(label, Literal) and label.language == lang:
                return f"{label} <{node}>"
    if found:
        return f"{sorted(found)[0]} <{node}>"
    return f"<{node}>"


def files_of(oxstore: ox.Store, nodes) -> dict[URIRef, list[str]]:
    """The data files in which each IRI is described (or which it names, for a graph), from mgg:meta."""
    found: dict[URIRef, set] = defaultdict(set)
    iris = sorted({n for n in nodes if isinstance(n, URIRef)}, key=str)
    for chunk in _chunks(iris):
        values = " ".join(f"<{n}>" for n in chunk)
        result = oxstore.query(f"""SELECT DISTINCT ?node ?file WHERE {{
            {{ VALUES ?node {{ {values} }} GRAPH ?g {{ ?node ?p ?o }} FILTER(?g != <{META_GRAPH}>) }}
            UNION {{ VALUES ?g {{ {values} }} BIND(?g AS ?node) }}
            GRAPH <{META_GRAPH}> {{ ?g <{MG}sourceFile> ?file }} }}""")
        for sol in result:
            found[URIRef(sol["node"].value)].add(sol["file"].value)
    return {node: sorted(files) for node, files in found.items()}


def _prefixes(shapes: Graph, node) -> str:
    out = ""
    for holder in shapes.objects(node, SH.prefixes):
        for decl in shapes.objects(holder, SH.declare):
            out += f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>\n"
    return out


def _rdflib(term):
    return to_rdflib(term)


def sparql_constraint_shapes(shapes: Graph) -> list:
    return sorted({shape for shape in shapes.subjects(SH.sparql, None) if (shape, RDF.type, SH.NodeShape) in shapes}, key=str)


def _name(labels: dict | None, term) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef) and labels is not None:
        found = labels.get(term, [])
        english = [l for l in found if getattr(l, "language", None) == "en"]
        any_label = english or sorted(found)
        if any_label:
            return str(any_label[0])
    return str(term)


def run_sparql_constraints(oxstore: ox.Store, shapes: Graph, results: Graph, labels: dict | None = None,
                           focus: list | None = None) -> list[tuple]:
    """SPARQL-based constraints (SHACL 5) evaluated once over the whole graph on Oxigraph.

    Instead of pre-binding $this to each focus node in turn (what pyshacl does, one rdflib query per node),
    $this is left free and the solutions are kept for the shape's focus nodes. For queries that bind $this
    in their patterns, as all of ours do, the result is the same; the cost is one query per constraint.
    With `focus` (IRIs), only those focus nodes: VALUES for ?this joined where the query binds it (bind_this).
    """
    found = []
    run = shacl_sparql._Run(oxstore)
    for shape in sparql_constraint_shapes(shapes):
        # The solutions are few (violations): test those focus nodes against the targets, rather than listing
        # every focus node of the shape.
        targets = shacl_sparql._targets(shapes, shape)
        shape_severity = shapes.value(shape, SH.severity) or SH.Violation
        shape_focus = focus
        if focus is not None:  # only the given nodes that are focus nodes of this shape (often none)
            shape_focus = sorted(n.value for n in run.in_targets(targets, [ox.NamedNode(iri) for iri in focus]))
            if not shape_focus:
                continue
        for constraint in shapes.objects(shape, SH.sparql):
            if shapes.value(constraint, SH.deactivated) == Literal(True):
                continue
            select = str(shapes.value(constraint, SH.select)).replace("$this", "?this")
            severity = shapes.value(constraint, SH.severity) or shape_severity
            messages = list(shapes.objects(constraint, SH.message)) or list(shapes.objects(shape, SH.message))
            rows = []
            for within in ([None] if shape_focus is None else shacl_sparql.focus_chunks(shape_focus)):
                text = select if within is None else shacl_sparql.bind_this(select, within)
                solutions = oxstore.query(_prefixes(shapes, constraint) + text, use_default_graph_as_union=True)
                variables = solutions.variables
                rows += [{v.value: sol[v] for v in variables if sol[v] is not None} for sol in solutions]
            rows = [row for row in rows if row.get("this") is not None]
            members = run.in_targets(targets, [row["this"] for row in rows]) if rows else set()
            for row in rows:
                if row["this"] not in members:
                    continue
                bindings = {name: _rdflib(term) for name, term in row.items()}
                found.append((shape, constraint, severity, bindings["this"], bindings, messages))
    if labels is None:  # the labels of the nodes the messages name, read from the store
        labels = labels_of(oxstore, [term for *_rest, bindings, _m in found for term in bindings.values()])
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


def core_checks(shapes: Graph) -> list:
    """The SHACL Core constraints of the shapes, compiled to SPARQL (raises ShapesCompileError on anything unknown)."""
    return shacl_sparql.compile_shapes(shapes, skip=sparql_constraint_shapes(shapes))


def _clone(source: Graph, node, target: Graph, depth: int = 0) -> None:
    """Copy the description of a blank node (a property shape, an sh:or list) into the results graph, as pySHACL does."""
    if not isinstance(node, BNode) or depth > 10:
        return
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        _clone(source, o, target, depth + 1)


def _empty_report(shapes: Graph) -> Graph:
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in shapes.namespace_manager.namespaces():
        graph.namespace_manager.bind(prefix, namespace)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(True)))
    return graph


def results_graph(shapes: Graph, results: list) -> Graph:
    """A SHACL validation report (what pySHACL writes) for the results of the compiled checks."""
    graph = _empty_report(shapes)
    report = graph.value(None, RDF.type, SH.ValidationReport)
    names = _data_names()
    for r in results:
        node = BNode()
        graph.add((report, SH.result, node))
        if r.severity == SH.Violation:
            graph.set((report, SH.conforms, Literal(False)))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.sourceConstraintComponent, r.component))
        graph.add((node, SH.sourceShape, r.shape))
        _clone(shapes, r.shape, graph)
        graph.add((node, SH.resultSeverity, r.severity))
        graph.add((node, SH.focusNode, r.focus))
        if r.value is not None:
            graph.add((node, SH.value, r.value))
        if r.path is not None:
            graph.add((node, SH.resultPath, r.path))
            _clone(shapes, r.path, graph)
        for message in r.messages or shacl_sparql.generic_messages(shapes, r, names):
            graph.add((node, SH.resultMessage, message))
    return graph


def pyshacl_core_results(oxstore: ox.Store, shapes: Graph) -> Graph:
    """The core shapes validated by pySHACL over an rdflib copy of the whole store (slow; the reference)."""
    import pyshacl

    data = union_graph(oxstore)
    for prefix, namespace in PREFIXES.items():
        data.bind(prefix, namespace, override=True)
    sparql_shapes = set(sparql_constraint_shapes(shapes))
    core_shapes = [s for s in shapes.subjects(RDF.type, SH.NodeShape) if s not in sparql_shapes]
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, allow_infos=True,
        use_shapes=core_shapes)
    return results


def sparql_core_results(oxstore: ox.Store, shapes: Graph, focus: list | None = None) -> Graph:
    """The core shapes validated on Oxigraph by the compiled SPARQL checks (for the `focus` nodes only, if given)."""
    return results_graph(shapes, shacl_sparql.run_checks(oxstore, core_checks(shapes), focus))


def _report(oxstore: ox.Store, settings: Settings, shapes: Graph, results: Graph, focus: list | None = None) -> ValidationReport:
    run_sparql_constraints(oxstore, shapes, results, focus=focus)
    names = _data_names()
    rows = []
    for result in results.subjects(SH.resultSeverity, None):
        severity = SEVERITY_NAMES.get(results.value(result, SH.resultSeverity), "info")
        shape = results.value(result, SH.sourceShape)
        # Property shapes are usually blank nodes: name the node shape that holds them.
        holder = shape
        if shape is not None and not isinstance(shape, URIRef):
            holder = shapes.value(None, SH.property, shape) or shape
        shape_label = shapes.value(holder, RDFS.label) or shapes.value(holder, SH.name) or holder
        rows.append((result, severity, holder, shape_label, results.value(result, SH.focusNode)))
    focus_nodes = [row[4] for row in rows]
    labels = labels_of(oxstore, focus_nodes)
    files = files_of(oxstore, focus_nodes)
    findings = []
    for result, severity, holder, shape_label, focus in rows:
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        messages = sorted(results.objects(result, SH.resultMessage), key=lambda m: (m.language != "en", str(m)))
        findings.append(Finding(
            severity=severity,
            shape=str(holder),
            shape_label=str(shape_label),
            focus=str(focus),
            focus_label=_label(labels, focus, settings.languages),
            path=names.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else (str(path) if path else None),
            value=str(value) if value is not None else None,
            message=str(messages[0]) if messages else "does not conform",
            files=files.get(focus, []) if isinstance(focus, URIRef) else [],
        ))
    findings.sort(key=_finding_order)
    shapes_count = len(set(shapes.subjects(RDF.type, SH.NodeShape)))
    return ValidationReport(findings, results, shapes_count)


def _finding_order(f: Finding) -> tuple:
    return (f.severity != "violation", f.shape, f.focus, f.path or "", f.value or "", f.message)


def validate_with_pyshacl(oxstore: ox.Store, settings: Settings, files=None) -> ValidationReport:
    """The report with the core shapes validated by pySHACL (the reference implementation; slow on big stores)."""
    shapes = load_shapes(settings.base)
    return _report(oxstore, settings, shapes, pyshacl_core_results(oxstore, shapes))


def validate_store(oxstore: ox.Store, settings: Settings, files=None, focus: list | None = None) -> ValidationReport:
    """Validate every graph of the store against ontology/shapes.ttl, on the store itself.

    With `focus` (IRIs), only those focus nodes are validated and the report holds their results alone (see
    revalidate). MUNIGRAPH_VALIDATOR=pyshacl validates the core shapes with pySHACL instead (the reference, for
    cross-checks), always over the whole store."""
    engine = os.environ.get("MUNIGRAPH_VALIDATOR", "sparql").strip().lower()
    if engine == "pyshacl":
        return validate_with_pyshacl(oxstore, settings, files)
    if engine not in ("", "sparql"):
        raise MunigraphError(f"MUNIGRAPH_VALIDATOR={engine}: use sparql (the default) or pyshacl")
    shapes = load_shapes(settings.base)
    return _report(oxstore, settings, shapes, sparql_core_results(oxstore, shapes, focus), focus)


# --- re-validating what a change can affect (incremental builds) ----------------------------------------------------

def revalidation_reaches(shapes: Graph) -> list[str]:
    """The mg:revalidationReach queries of the SPARQL constraints (prefixes included): each selects, for a node
    ?changed whose triples changed, the focus nodes farther away whose result that change can alter."""
    found = []
    for shape in sparql_constraint_shapes(shapes):
        for constraint in shapes.objects(shape, SH.sparql):
            for reach in shapes.objects(constraint, URIRef(MG + "revalidationReach")):
                found.append(_prefixes(shapes, constraint) + str(reach))
    return found


def affected_focus(stores: list, changed: set[str], reaches: list[str]) -> set[str]:
    """The focus nodes whose results can differ after the triples of the `changed` IRIs changed: those nodes, the
    subjects of triples pointing at them (a value's type, as sh:class and the reference checks read it), and what
    each reach query selects, looked up in every store given (the store before the change and after: a reach
    can run through a triple that only one of them has). Every check of ontology/shapes.ttl reads its focus
    node's own triples and the types of their objects; the SPARQL constraints that read farther declare it."""
    affected = set(changed)
    for chunk in _chunks(sorted(changed)):
        values = " ".join(f"<{iri}>" for iri in chunk)
        # the stores' default graphs are the merge of their named graphs
        queries = [(stores[-1:], f"SELECT DISTINCT ?this WHERE {{ VALUES ?changed {{ {values} }} ?this ?p ?changed }}")]
        queries += [(stores, _bind_changed(reach, values)) for reach in reaches]
        for where, query in queries:
            for oxstore in where:
                for sol in oxstore.query(query):
                    if isinstance(sol["this"], ox.NamedNode):
                        affected.add(sol["this"].value)
    return affected


def _bind_changed(reach: str, values: str) -> str:
    """A reach query with ?changed bound to `values`, at the start of its WHERE group."""
    return re.sub(r"(?is)(\bWHERE\s*\{)", lambda m: m.group(1) + f" VALUES ?changed {{ {values} }} ", reach, count=1)


def revalidate(oxstore: ox.Store, settings: Settings, previous: list[Finding], focus: set[str]) -> ValidationReport:
    """The report of the whole store from the previous build's findings and a validation of the `focus` nodes:
    the previous findings about other focus nodes stand (nothing they read changed), those about the focus nodes
    are replaced. The results graph holds the re-validated nodes' results alone. The kept findings' labels and
    files are read again: a file's path is in mgg:meta, which no focus node points at."""
    scoped = validate_store(oxstore, settings, focus=sorted(focus))
    kept = [f for f in previous if f.focus not in focus]
    iris = {f.focus for f in kept if f.focus.startswith(("http:", "https:", "urn:"))}  # (not blank nodes)
    nodes = [URIRef(iri) for iri in sorted(iris)]
    labels, files = labels_of(oxstore, nodes), files_of(oxstore, nodes)
    for f in kept:
        if f.focus in iris:
            f.files = files.get(URIRef(f.focus), [])
            f.focus_label = _label(labels, URIRef(f.focus), settings.languages)
    findings = sorted(kept + scoped.findings, key=_finding_order)
    return ValidationReport(findings, scoped.results_graph, scoped.shapes_count)


def findings_path(build_dir: Path) -> Path:
    """Where a build's findings are kept: beside its network index (`<store>/index/<stamp>.findings.json`)."""
    build_dir = Path(build_dir)
    return build_dir.parent.parent / "index" / f"{build_dir.name}.findings.json"


def save_findings(report: ValidationReport, path: Path) -> None:
    """The findings of a build, for the next incremental build to start from (written atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(json.dumps([f.as_dict() for f in report.findings], ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def load_findings(path: Path) -> list[Finding] | None:
    """The findings saved by save_findings, or None when there are none or they cannot be read."""
    try:
        return [Finding(**item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        return None
