"""SHACL Core shapes compiled to SPARQL, evaluated by the embedded Oxigraph store.

`compile_shapes(shapes)` turns the shapes graph (rdflib, from validate.load_shapes) into a list of `Check`s, one per
constraint parameter of every property shape and node shape (sh:minCount 2 on mg:party is one check, its sh:class
another). `run_checks(oxstore, checks)` evaluates them over the union of the store's graphs and returns one
`ShaclResult` per validation result, with the focus node, path, value, source shape, constraint component, severity
and messages pySHACL would give for the same data (pySHACL stays the reference: tests/test_validate.py compares the
two on every fixture and on data/).

Where SPARQL and pySHACL disagree, pySHACL wins:

* sh:datatype: a literal of the right datatype must also be well formed *as rdflib reads it* ("abc"^^xsd:date and
  "2019-02-30"^^xsd:date fail; "1e5"^^xsd:decimal passes, "abc"^^xsd:gYear passes, since rdflib has no gYear
  parser). The distinct literals of that datatype on the path are read once and judged in Python; the ones that fail
  are joined back into the query (VALUES), so the engine does the per-triple work.
* sh:minInclusive / sh:maxInclusive: a comparison that errors (a string, an IRI, an ill-typed number) is a violation.
  Numbers the engine compares are decided by the engine; anything else goes to pySHACL's own comparison in Python.
* sh:pattern: Python's `re` (not the engine's XPath regex), on the distinct values of the path.
* sh:in: term equality (sameTerm for IRIs; literals by rdflib equality in Python).
* sh:class and sh:targetClass: rdf:type/rdfs:subClassOf* over the data graph (the ontology is in the store).
* sh:minCount / sh:maxCount: distinct value nodes (the union default graph repeats a triple once per graph).

Only the constraint components shapes.ttl uses are compiled; any other sh: predicate on a shape is an error when the
shapes are loaded (`ShapesCompileError`), so a new kind of constraint cannot be skipped silently.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from datetime import date, datetime, time
from itertools import count

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from .errors import MunigraphError

# Predicates on a shape that do not constrain anything (annotations, targets, and what validate.py handles itself).
_NON_VALIDATING = {
    SH.name, SH.description, SH.order, SH.group, SH.message, SH.severity, SH.deactivated, SH.defaultValue,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target, SH.property, SH.path,
    SH.prefixes, SH.declare, SH.sparql,
}
_VALUE_PARAMS = {SH["datatype"], SH.nodeKind, SH["in"], SH.pattern, SH.flags, SH.minInclusive, SH.maxInclusive,
                 SH["class"], SH["or"]}
_COUNT_PARAMS = {SH.minCount, SH.maxCount}


class ShapesCompileError(MunigraphError):
    """The shapes graph uses something the SPARQL compiler does not implement."""

    exit_code = 2


@dataclass
class ShaclResult:
    shape: object            # the shape that produced the result (a property shape is usually a blank node)
    component: URIRef
    severity: URIRef
    focus: object
    path: object | None
    value: object | None
    messages: list[Literal]


# --- terms ----------------------------------------------------------------------------------------------------------

@contextmanager
def _quiet_rdflib():
    """rdflib logs a traceback for every ill-typed literal it reads; the validation reports them instead."""
    logger = logging.getLogger("rdflib.term")
    before = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = before


def rdf_term(term):
    """A pyoxigraph term as rdflib reads it from N-Triples (what pySHACL saw when it got the store as N-Triples).

    Unlike store.to_rdflib, literals are normalised as rdflib's parser does, because pySHACL's verdicts on
    datatypes are what this module reproduces."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise MunigraphError(f"unsupported term in validation: {term!r}")


def _sparql_term(node) -> str:
    """An rdflib IRI or literal as SPARQL text."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return str(_to_ox(node))
    raise ShapesCompileError(f"cannot put {node!r} into a query")


def _to_ox(node):
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string)))
    raise ShapesCompileError(f"cannot put {node!r} into a query")


# --- pySHACL's judgement on one value node (copied from pyshacl 0.40's constraint components) --------------------------

def _actual_datatype(value_node: Literal, rule) -> bool:
    value = value_node.value
    if rule in (XSD.string, RDF.langString):
        return isinstance(value, (str, bytes))
    checks = {XSD.integer: int, XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date,
              XSD.time: time, XSD.dateTime: datetime}
    kind = checks.get(rule)
    return True if kind is None else isinstance(value, kind)


def _datatype_conforms(v, rule) -> bool:
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        return False if getattr(v, "ill_typed", None) is True else _actual_datatype(v, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return _actual_datatype(v, rule)
    if rule == RDF.langString and v.language:
        return _actual_datatype(v, rule)
    return False


def _compare_literal(l1: Literal, l2: Literal) -> int:
    if l1.eq(l2):
        return 0
    if l1.value.__class__ in (datetime, time):
        if l1.value == l2.value:
            return 0
        elif l1.value > l2.value:
            return 1
    elif l1 > l2:
        return 1
    return -1


def _range_conforms(v, bound: Literal, is_min: bool) -> bool:
    if not isinstance(v, Literal):
        return False
    bound_is_string = isinstance(bound.value, str)
    v_is_string = isinstance(v.value, str)
    if bound_is_string != v_is_string:
        return False
    try:
        cmp = _compare_literal(v, bound)
    except (TypeError, NotImplementedError, ArithmeticError):
        # values that cannot be compared with the bound (NaN, other types) do not conform; pySHACL 0.40 stops with an
        # ArithmeticError on NaN instead (tests/fixtures/shapes/pyshacl-crashes)
        return False
    return cmp >= 0 if is_min else cmp <= 0


def _pattern_string(v) -> str:
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


# --- value tests: one constraint parameter on a value node -----------------------------------------------------------

@dataclass(eq=False)
class ValueTest:
    """One constraint on a value node, as SPARQL plus (where the engine's semantics differ) pySHACL's Python verdict.

    `certain(v)` is a SPARQL expression true only for values pySHACL rejects; `uncertain(v)` covers the values the
    engine cannot decide like pySHACL (None: there are none). Those are read once (distinct values of the test's
    source pattern), judged by `conforms` in Python, and the rejected ones joined back in as a VALUES table."""

    component: URIRef
    param: object                       # the parameter value (for messages)
    shape: object                       # the shape node holding the parameter
    certain: Callable[[str], str]
    uncertain: Callable[[str], str] | None = None
    conforms: Callable[[object], bool] | None = None
    needs_classes: object = None        # sh:class: the class whose rdfs:subClassOf* closure the query uses
    verdict_key: object = None          # tests with the same key judge a value alike (a cache of `conforms`)
    ident: int = field(default_factory=lambda: next(_ids))


_ids = count()
_THIS = re.compile(r"[?$]this\b")


def _or(*parts: str) -> str:
    parts = [p for p in parts if p and p != "false"]
    return "(" + " || ".join(parts) + ")" if parts else "false"


def _datatype_test(shape, rule) -> ValueTest:
    comp = SH.DatatypeConstraintComponent
    if rule == XSD.string:
        return ValueTest(comp, rule, shape, lambda v: f"!(isLiteral({v}) && DATATYPE({v}) = <{XSD.string}>)")
    if rule == RDF.langString:
        return ValueTest(comp, rule, shape, lambda v: f'!(isLiteral({v}) && LANG({v}) != "")')
    conforms = lambda term: _datatype_conforms(term, rule)  # noqa: E731
    if rule in (RDFS.Literal, RDFS.Datatype):
        return ValueTest(comp, rule, shape, lambda v: f"!isLiteral({v})", lambda v: f"isLiteral({v})", conforms)
    return ValueTest(comp, rule, shape, lambda v: f"!(isLiteral({v}) && DATATYPE({v}) = <{rule}>)",
                     lambda v: f"(isLiteral({v}) && DATATYPE({v}) = <{rule}>)", conforms,
                     verdict_key=("datatype", rule))


_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


def _node_kind_test(shape, kind) -> ValueTest:
    if kind not in _NODE_KINDS:
        raise ShapesCompileError(f"shape {shape}: sh:nodeKind {kind} is not a SHACL node kind")
    template = _NODE_KINDS[kind]
    return ValueTest(SH.NodeKindConstraintComponent, kind, shape, lambda v: "!" + template.format(v=v))


def _in_test(shapes: Graph, shape, head) -> ValueTest:
    members = list(Collection(shapes, head))
    iris = [m for m in members if isinstance(m, URIRef)]
    literals = {m for m in members if isinstance(m, Literal)}   # blank nodes of the shapes graph never match data

    def certain(v):
        same = " || ".join(f"sameTerm({v}, <{m}>)" for m in iris) or "false"
        return f"(!isLiteral({v}) && !({same}))" if literals else f"!({same})"

    if not literals:
        return ValueTest(SH.InConstraintComponent, head, shape, certain)
    return ValueTest(SH.InConstraintComponent, head, shape, certain, lambda v: f"isLiteral({v})",
                     lambda term: term in literals)


def _pattern_test(shape, pattern: Literal, flags) -> ValueTest:
    re_flags = 0
    if flags is not None:
        text = str(flags.value).lower()
        re_flags |= re.I if "i" in text else 0
        re_flags |= re.M if "m" in text else 0
    source = str(pattern.value) if pattern.value is not None and len(pattern.value) > 1 else str(pattern)
    matcher = re.compile(source, re_flags)

    def conforms(term):
        if isinstance(term, BNode):
            return False
        text = _pattern_string(term)
        return bool(matcher.match(text) or matcher.search(text))

    return ValueTest(SH.PatternConstraintComponent, pattern, shape, lambda v: f"isBlank({v})",
                     lambda v: f"!isBlank({v})", conforms, verdict_key=("pattern", source, re_flags))


def _range_test(shape, bound, is_min: bool) -> ValueTest:
    if not isinstance(bound, Literal):
        raise ShapesCompileError(f"shape {shape}: sh:{'min' if is_min else 'max'}Inclusive needs a literal")
    comp = SH.MinInclusiveConstraintComponent if is_min else SH.MaxInclusiveConstraintComponent
    op = ">=" if is_min else "<="
    b = _sparql_term(bound)
    # The engine decides what it compares as numbers; anything else (strings, dates, ill-typed numbers,
    # comparisons that error) is judged as pySHACL does.
    engine_pass = (lambda v: f"(isNumeric({v}) && isNumeric({b}) && COALESCE({v} {op} {b}, false))")
    return ValueTest(comp, bound, shape, lambda v: f"!isLiteral({v})",
                     lambda v: f"(isLiteral({v}) && !{engine_pass(v)})",
                     lambda term: _range_conforms(term, bound, is_min), verdict_key=("range", bound, is_min))


def _class_test(shape, cls) -> ValueTest:
    test = ValueTest(SH.ClassConstraintComponent, cls, shape, lambda v: "false", needs_classes=cls)
    return test


# --- compiling shapes -----------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Member:
    """A shape inside sh:or: conforms when its own constraints hold for the node it is applied to."""
    node: object
    path: object | None
    min_count: int
    tests: list[ValueTest]


@dataclass(eq=False)
class OrTest:
    shape: object
    members: list[Member]
    head: object


@dataclass(eq=False)
class Check:
    """One compiled constraint: the SPARQL it runs and how its rows become results.

    kind is "min", "max", "value" (a ValueTest on each value node) or "or" (an sh:or on each value node).
    For a node shape, the value node is the focus node (path None)."""

    node_shape: object
    shape: object
    component: URIRef
    severity: URIRef
    messages: list[Literal]
    targets: "Targets"
    path: object | None
    kind: str
    count: int = 0
    test: ValueTest | None = None
    or_test: OrTest | None = None
    shapes: Graph | None = None

    def describe(self) -> str:
        what = self.path.n3() if self.path is not None else "focus node"
        return f"{self.node_shape} {what} {self.component.rsplit('#', 1)[-1]}"


@dataclass
class Targets:
    nodes: list = field(default_factory=list)
    classes: list = field(default_factory=list)
    subjects_of: list = field(default_factory=list)
    objects_of: list = field(default_factory=list)
    selects: list = field(default_factory=list)   # SPARQL-based targets (SHACL-AF): (prefix block, SELECT text)

    def empty(self) -> bool:
        return not (self.nodes or self.classes or self.subjects_of or self.objects_of or self.selects)


def _path_text(shapes: Graph, shape, path) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    raise ShapesCompileError(f"shape {_holder_name(shapes, shape)}: an sh:path that is not an IRI (inverse, sequence "
                             "or alternative path) is not supported by the SPARQL validator (munigraph/shacl_sparql.py)")


def _holder_name(shapes: Graph, shape) -> str:
    """The node shape (prefixed) that holds a shape, for messages: property shapes are usually blank nodes."""
    node = shape
    for _ in range(10):
        if not isinstance(node, BNode):
            break
        parent = shapes.value(None, SH.property, node)
        if parent is None:   # a member of an sh:or list: climb rdf:rest to the head, then to the shape that holds it
            head = node
            for _ in range(1000):
                prev = shapes.value(None, RDF.first, head) if head is node else shapes.value(None, RDF.rest, head)
                if prev is None:
                    break
                head = prev
            parent = shapes.value(None, SH["or"], head)
        if parent is None:
            break
        node = parent
    if isinstance(node, URIRef):
        return shapes.namespace_manager.normalizeUri(node)
    return str(node)


def _reject_unknown(shapes: Graph, shape, allowed: set, where: str) -> None:
    for p in set(shapes.predicates(shape, None)):
        if str(p).startswith(str(SH)) and p not in allowed:
            name = _holder_name(shapes, shape)
            raise ShapesCompileError(f"shape {name}{' (' + where + ')' if where else ''}: constraint component "
                                     f"sh:{p[len(str(SH)):]} is not supported by the SPARQL validator "
                                     "(munigraph/shacl_sparql.py)")


def _one(shapes: Graph, shape, prop):
    values = list(shapes.objects(shape, prop))
    if len(values) > 1:
        raise ShapesCompileError(f"shape {_holder_name(shapes, shape)}: more than one sh:{prop[len(str(SH)):]}")
    return values[0] if values else None


def _value_tests(shapes: Graph, shape) -> list[ValueTest]:
    tests = []
    if (rule := _one(shapes, shape, SH["datatype"])) is not None:
        tests.append(_datatype_test(shape, rule))
    if (kind := _one(shapes, shape, SH.nodeKind)) is not None:
        tests.append(_node_kind_test(shape, kind))
    if (head := _one(shapes, shape, SH["in"])) is not None:
        tests.append(_in_test(shapes, shape, head))
    flags = next(iter(shapes.objects(shape, SH.flags)), None)
    for pattern in shapes.objects(shape, SH.pattern):
        if not isinstance(pattern, Literal):
            raise ShapesCompileError(f"shape {_holder_name(shapes, shape)}: sh:pattern must be a literal")
        tests.append(_pattern_test(shape, pattern, flags))
    for bound in shapes.objects(shape, SH.minInclusive):
        tests.append(_range_test(shape, bound, True))
    for bound in shapes.objects(shape, SH.maxInclusive):
        tests.append(_range_test(shape, bound, False))
    for cls in shapes.objects(shape, SH["class"]):
        if not isinstance(cls, URIRef):
            raise ShapesCompileError(f"shape {_holder_name(shapes, shape)}: sh:class must be an IRI")
        tests.append(_class_test(shape, cls))
    return tests


def _or_tests(shapes: Graph, shape, where: str) -> list[OrTest]:
    found = []
    for head in shapes.objects(shape, SH["or"]):
        members = []
        for node in Collection(shapes, head):
            if isinstance(node, URIRef) and (node, RDF.type, SH.NodeShape) in shapes and any(
                    shapes.objects(node, SH.property)):
                raise ShapesCompileError(f"shape {_holder_name(shapes, shape)}: sh:or member {node} has sh:property; "
                                         "not supported by the SPARQL validator")
            path = shapes.value(node, SH.path)
            allowed = (_VALUE_PARAMS - {SH["or"]}) | {SH.minCount, SH.path, SH.message, SH.severity, SH.name,
                                                       SH.description, SH.order, SH.group}
            _reject_unknown(shapes, node, allowed, (where + " > " if where else "") + "sh:or member")
            min_count = shapes.value(node, SH.minCount)
            if path is None and min_count is not None:
                raise ShapesCompileError(f"shape {_holder_name(shapes, shape)}: sh:minCount without sh:path in sh:or")
            if min_count is not None and int(min_count) > 1:
                raise ShapesCompileError(f"shape {_holder_name(shapes, shape)}: sh:or member with sh:minCount > 1 "
                                         "is not supported by the SPARQL validator")
            if path is not None:
                _path_text(shapes, shape, path)
            members.append(Member(node, path, int(min_count) if min_count is not None else 0,
                                  _value_tests(shapes, node)))
        if not members:
            raise ShapesCompileError(f"shape {_holder_name(shapes, shape)}: empty sh:or")
        found.append(OrTest(shape, members, head))
    return found


def _targets(shapes: Graph, shape) -> Targets:
    t = Targets(nodes=list(shapes.objects(shape, SH.targetNode)), classes=list(shapes.objects(shape, SH.targetClass)),
                subjects_of=list(shapes.objects(shape, SH.targetSubjectsOf)),
                objects_of=list(shapes.objects(shape, SH.targetObjectsOf)))
    if (shape, RDF.type, RDFS.Class) in shapes:
        t.classes.append(shape)  # implicit class target
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if select is None:
            raise ShapesCompileError(f"shape {shape}: sh:target without sh:select is not supported")
        t.selects.append((_prefix_block(shapes, target), str(select)))
    for node in t.nodes + t.classes + t.subjects_of + t.objects_of:
        if isinstance(node, BNode):
            raise ShapesCompileError(f"shape {shape}: blank node in a target")
    return t


def _prefix_block(shapes: Graph, node) -> str:
    out = ""
    for holder in shapes.objects(node, SH.prefixes):
        for decl in shapes.objects(holder, SH.declare):
            out += f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>\n"
    return out


def _deactivated(shapes: Graph, shape) -> bool:
    return shapes.value(shape, SH.deactivated) == Literal(True)


def compile_shapes(shapes: Graph, skip: Iterable = ()) -> list[Check]:
    """Every SHACL Core constraint of the node shapes (and their sh:property shapes) as a Check.

    Node shapes in `skip` (the SPARQL-constraint shapes validate.py runs itself) must have no core constraint."""
    skip = set(skip)
    checks: list[Check] = []
    node_allowed = _NON_VALIDATING | _VALUE_PARAMS
    prop_allowed = _NON_VALIDATING | _VALUE_PARAMS | _COUNT_PARAMS
    for node_shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        _reject_unknown(shapes, node_shape, node_allowed, "")
        if node_shape in skip:
            core = [p for p in shapes.predicates(node_shape, None) if p in _VALUE_PARAMS or p == SH.property]
            if core:
                raise ShapesCompileError(f"shape {node_shape} mixes sh:sparql with core constraints "
                                         f"({', '.join(sorted(p.n3(shapes.namespace_manager) for p in set(core)))}): split it")
            continue
        if _deactivated(shapes, node_shape):
            continue
        targets = _targets(shapes, node_shape)
        if targets.empty():
            continue
        severity = shapes.value(node_shape, SH.severity) or SH.Violation
        messages = list(shapes.objects(node_shape, SH.message))
        for test in _value_tests(shapes, node_shape):
            checks.append(Check(node_shape, node_shape, test.component, severity, messages, targets, None, "value",
                                test=test, shapes=shapes))
        for or_test in _or_tests(shapes, node_shape, ""):
            checks.append(Check(node_shape, node_shape, SH.OrConstraintComponent, severity, messages, targets, None,
                                "or", or_test=or_test, shapes=shapes))
        for prop in shapes.objects(node_shape, SH.property):
            _reject_unknown(shapes, prop, prop_allowed, "property shape")
            if isinstance(prop, URIRef) and (prop, RDF.type, SH.NodeShape) in shapes:
                raise ShapesCompileError(f"shape {node_shape}: sh:property {prop} is a node shape")
            if _deactivated(shapes, prop):
                continue
            path = _one(shapes, prop, SH.path)
            if path is None:
                raise ShapesCompileError(f"shape {node_shape}: a property shape has no sh:path")
            _path_text(shapes, prop, path)
            if any(shapes.objects(prop, SH.targetClass)) or any(shapes.objects(prop, SH.targetNode)) or any(
                    shapes.objects(prop, SH.targetSubjectsOf)) or any(shapes.objects(prop, SH.targetObjectsOf)) or any(
                    shapes.objects(prop, SH.target)):
                raise ShapesCompileError(f"shape {node_shape}: targets on a property shape are not supported")
            p_severity = shapes.value(prop, SH.severity) or SH.Violation
            p_messages = list(shapes.objects(prop, SH.message))

            def add(kind, component, **kw):
                checks.append(Check(node_shape, prop, component, p_severity, p_messages, targets, path, kind,
                                    shapes=shapes, **kw))

            if (n := _one(shapes, prop, SH.minCount)) is not None and int(n) > 0:
                add("min", SH.MinCountConstraintComponent, count=int(n))
            if (n := _one(shapes, prop, SH.maxCount)) is not None:
                add("max", SH.MaxCountConstraintComponent, count=int(n))
            for test in _value_tests(shapes, prop):
                add("value", test.component, test=test)
            for or_test in _or_tests(shapes, prop, "property shape"):
                add("or", SH.OrConstraintComponent, or_test=or_test)
    # Standalone property shapes with targets would be validated by pySHACL too: refuse them rather than skip.
    for prop in set(shapes.subjects(SH.path, None)):
        if (prop, RDF.type, SH.PropertyShape) in shapes and not any(shapes.subjects(SH.property, prop)):
            if any(shapes.objects(prop, p) for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                                                     SH.targetObjectsOf, SH.target)):
                raise ShapesCompileError(f"shape {prop}: property shapes with their own targets are not supported")
    return checks


# --- running -----------------------------------------------------------------------------------------------------------

class _Run:
    """Evaluation over one store: caches class closures and the values Python rejected.

    `within` (a `VALUES ?this { ... }` block, or None for the whole store) restricts every check to those focus
    nodes: what an incremental build re-validates (run_checks with `focus`)."""

    def __init__(self, oxstore: ox.Store):
        self.ox = oxstore
        self.within: str | None = None
        self._closure: dict = {}
        self._rejected: dict = {}
        self._members: dict = {}
        self._verdicts: dict = {}
        self._fresh = count()

    def query(self, text: str):
        return self.ox.query(text, use_default_graph_as_union=True)

    def var(self, stem: str = "x") -> str:
        return f"?_{stem}{next(self._fresh)}"

    def subclasses(self, cls) -> list[str]:
        key = str(cls)
        if key not in self._closure:
            found = {key}
            for sol in self.query(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{cls}> }}"):
                if isinstance(sol["c"], ox.NamedNode):
                    found.add(sol["c"].value)
                else:
                    found.add(sol["c"])
            self._closure[key] = sorted(found, key=str)
        return self._closure[key]

    def _classes_values(self, cls) -> str | None:
        """The class and its subclasses as VALUES text; None if a subclass is a blank node (then use a path)."""
        closure = self.subclasses(cls)
        if any(not isinstance(c, str) for c in closure):
            return None
        return " ".join(f"<{c}>" for c in closure)

    def instance_of(self, node: str, cls, bound: bool = False) -> str:
        """A pattern: `node` has rdf:type cls or a subclass of it."""
        values = self._classes_values(cls)
        if values is None:
            return f"{node} <{RDF.type}>/<{RDFS.subClassOf}>* <{cls}>"
        if bound or self.within is not None:
            # the node is bound: one type look-up per class (with VALUES for the class, Oxigraph joins every
            # instance of those classes in the store with the bound nodes)
            return " UNION ".join(f"{{ {node} <{RDF.type}> {c} }}" for c in values.split())
        t = self.var("t")
        return f"{node} <{RDF.type}> {t} . VALUES {t} {{ {values} }}"

    def target_pattern(self, targets: Targets, this: str) -> str:
        """A group binding `this` to every focus node (possibly more than once)."""
        parts = []
        if targets.nodes:
            parts.append(f"VALUES {this} {{ {' '.join(_sparql_term(n) for n in targets.nodes)} }}")
        for cls in targets.classes:
            parts.append(self.instance_of(this, cls))
        for p in targets.subjects_of:
            parts.append(f"{this} <{p}> {self.var('o')}")
        for p in targets.objects_of:
            parts.append(f"{self.var('s')} <{p}> {this}")
        for _prefixes, select in targets.selects:
            parts.append("{ " + _THIS.sub(this, select) + " }")
        return " UNION ".join("{ " + p + " }" for p in parts)

    def focus_nodes(self, targets: Targets, var: str = "?this") -> str:
        """A sub-select of the distinct focus nodes, as `var` (only those `within`, when it is set)."""
        if self.within is not None:
            projection = var if var == "?this" else f"(?this AS {var})"
            return f"{{ SELECT DISTINCT {projection} WHERE {{ {self.bound_targets(targets, self.within)} }} }}"
        return f"{{ SELECT DISTINCT {var} WHERE {{ {self.target_pattern(targets, var)} }} }}"

    def _within(self, var: str) -> str:
        """The `within` block for another variable, or nothing for the whole store."""
        return "" if self.within is None else self.within.replace("VALUES ?this", f"VALUES {var}", 1) + " "

    def rejected(self, test: ValueTest, source: str, var: str) -> list:
        """The values of `var` in `source` that pySHACL rejects but the engine cannot tell (distinct, pyoxigraph)."""
        key = (test.ident, source)
        if key not in self._rejected:
            found = []
            if test.uncertain is not None:
                text = f"SELECT DISTINCT {var} WHERE {{ {source} FILTER({test.uncertain(var)} && !{test.certain(var)}) }}"
                if isinstance(test.verdict_key, tuple) and test.verdict_key[0] == "datatype":
                    # sh:or of datatypes asks this for several datatypes of one path: read the path's literals once
                    solutions = [{var[1:]: v} for v in self._literals(source, var).get(str(test.param), [])]
                else:
                    solutions = None
                # the same dates and numbers turn up on many paths: judge each once per kind of test
                verdicts = self._verdicts.setdefault(test.verdict_key or test.ident, {})
                with _quiet_rdflib():
                    for sol in (solutions if solutions is not None else self.query(text)):
                        value = sol[var[1:]]
                        if value is None:
                            continue
                        ok = verdicts.get(value)
                        if ok is None:
                            ok = verdicts[value] = test.conforms(rdf_term(value))
                        if not ok:
                            found.append(value)
            self._rejected[key] = found
        return self._rejected[key]

    def _literals(self, source: str, var: str) -> dict:
        """The distinct typed literals (no language tag) bound to `var` by `source`, by datatype IRI."""
        key = ("literals", source, var)
        if key not in self._rejected:
            found: dict = {}
            for sol in self.query(f'SELECT DISTINCT {var} WHERE {{ {source} FILTER(isLiteral({var}) && LANG({var}) = "") }}'):
                value = sol[var[1:]]
                found.setdefault(value.datatype.value, []).append(value)
            self._rejected[key] = found
        return self._rejected[key]

    def bad(self, test: ValueTest, var: str, source: str, source_var: str) -> tuple[str, str]:
        """(patterns, expression): the expression is true when pySHACL rejects the value bound to `var`.

        `source` binds `source_var` to the values the test can meet (for reading the uncertain ones once)."""
        if test.needs_classes is not None:
            return "", f"NOT EXISTS {{ {self.instance_of(var, test.needs_classes)} }}"
        rejected = self.rejected(test, source, source_var) if test.uncertain is not None else []
        if not rejected:
            return "", test.certain(var)
        flag = self.var("bad")
        rows = " ".join(f"({v} true)" for v in rejected)
        return f"OPTIONAL {{ VALUES ({var} {flag}) {{ {rows} }} }}", _or(test.certain(var), f"BOUND({flag})")

    def member_conforms(self, member: Member, var: str, source: str, source_var: str) -> str:
        """A SPARQL expression: the node bound to `var` conforms to the sh:or member."""
        parts = []
        if member.path is None:
            for test in member.tests:
                patterns, expr = self.bad(test, var, source, source_var)
                if patterns:   # the flag is bound by a pattern: test it inside EXISTS, where `var` is bound
                    parts.append(f"!EXISTS {{ {patterns} FILTER({expr}) }}")
                else:
                    parts.append(f"!{expr}")
        else:
            x = self.var("m")
            path = f"<{member.path}>"
            if member.min_count >= 1:
                parts.append(f"EXISTS {{ {var} {path} {x} }}")
            inner_source = f"{self.var('s')} {path} {x}"
            for test in member.tests:
                patterns, expr = self.bad(test, x, inner_source, x)
                parts.append(f"NOT EXISTS {{ {var} {path} {x} . {patterns} FILTER({expr}) }}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def or_bad(self, or_test: OrTest, var: str, source: str, source_var: str) -> str:
        return "!(" + " || ".join(self.member_conforms(m, var, source, source_var) for m in or_test.members) + ")"

    # one query per check --------------------------------------------------------------------------------------------

    def sparql(self, check: Check) -> str:
        """The query of a check. Checks whose violations show in the data alone (a bad value, too many values) do not
        enumerate the focus nodes: their rows are candidates, kept when the node is a focus node (`in_targets`)."""
        prefixes = "".join(p for p, _select in check.targets.selects)
        return prefixes + self._sparql(check)

    def _sparql(self, check: Check) -> str:
        focus = self.focus_nodes(check.targets)
        if check.path is None:
            # node-level constraint: the value node is the focus node
            source = self.focus_nodes(check.targets, "?v")
            if check.kind == "value":
                patterns, expr = self.bad(check.test, "?this", source, "?v")
            else:
                patterns, expr = "", self.or_bad(check.or_test, "?this", source, "?v")
            return f"SELECT ?this WHERE {{ {focus} {patterns} FILTER({expr}) }}"
        path = f"<{check.path}>"
        if check.kind == "min":
            if check.count == 1:
                return f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?v }} }}"
            return (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?v }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {check.count})")
        if check.kind == "max":   # candidates: any subject with too many values
            return (f"SELECT ?this WHERE {{ {self._within('?this')}?this {path} ?v }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {check.count})")
        source = f"{self._within('?_src')}?_src {path} ?v"
        if check.kind == "value":
            patterns, expr = self.bad(check.test, "?v", source, "?v")
        else:
            patterns, expr = "", self.or_bad(check.or_test, "?v", source, "?v")
        return f"SELECT DISTINCT ?this ?v WHERE {{ {self._within('?this')}?this {path} ?v . {patterns} FILTER({expr}) }}"

    @staticmethod
    def filters_candidates(check: Check) -> bool:
        return check.path is not None and check.kind in ("max", "value", "or")

    def in_targets(self, targets: Targets, nodes: list) -> set:
        """Which of the nodes (pyoxigraph terms) are focus nodes of the targets."""
        cache = self._members.setdefault(id(targets), {})
        todo = sorted({n for n in nodes if n not in cache}, key=str)
        blanks = [n for n in todo if isinstance(n, ox.BlankNode)]
        if blanks:   # VALUES cannot hold blank nodes: ask for each one, ?this substituted (SEP-0007)
            ask = "".join(p for p, _s in targets.selects) + f"ASK {{ {self.target_pattern(targets, '?this')} }}"
            this = ox.Variable("this")
            for n in blanks:
                cache[n] = bool(self.ox.query(ask, use_default_graph_as_union=True, substitutions={this: n}))
            todo = [n for n in todo if not isinstance(n, ox.BlankNode)]
        for k in range(0, len(todo), 500):
            chunk = todo[k:k + 500]
            values = f"VALUES ?this {{ {' '.join(str(n) for n in chunk)} }}"
            found = {sol["this"] for sol in self.query(
                "".join(p for p, _s in targets.selects) + f"SELECT DISTINCT ?this WHERE {{ {self.bound_targets(targets, values)} }}")}
            for n in chunk:
                cache[n] = n in found
        return {n for n in nodes if cache[n]}

    def bound_targets(self, targets: Targets, values: str) -> str:
        """The target pattern with `values` (VALUES ?this {...}) inside every branch, so nothing is enumerated."""
        parts = []
        if targets.nodes:
            parts.append(f"{values} VALUES ?this {{ {' '.join(_sparql_term(n) for n in targets.nodes)} }}")
        for cls in targets.classes:
            parts.append(f"{values} {self.instance_of('?this', cls, bound=True)}")
        for p in targets.subjects_of:
            parts.append(f"{values} FILTER EXISTS {{ ?this <{p}> {self.var('o')} }}")
        for p in targets.objects_of:
            parts.append(f"{values} FILTER EXISTS {{ {self.var('s')} <{p}> ?this }}")
        for _prefixes, select in targets.selects:
            parts.append("{ " + bind_this(_THIS.sub("?this", select), values) + " }")
        return " UNION ".join("{ " + p + " }" for p in parts)

    def results(self, check: Check) -> list[ShaclResult]:
        rows = []
        with _quiet_rdflib():
            for sol in self.query(self.sparql(check)):
                rows.append((sol["this"], sol["v"] if check.kind in ("value", "or") and check.path is not None else None))
            if self.filters_candidates(check) and rows:
                keep = self.in_targets(check.targets, [focus for focus, _v in rows])
                rows = [(focus, v) for focus, v in rows if focus in keep]
            return self._to_results(check, rows)

    def _to_results(self, check: Check, rows) -> list[ShaclResult]:
        found, seen = [], set()
        for focus_term, value_term in rows:
            focus = rdf_term(focus_term)
            if check.kind in ("value", "or"):
                value = focus if check.path is None else rdf_term(value_term)
            else:
                value = None
            if (focus, value) in seen:
                continue
            seen.add((focus, value))
            found.append(ShaclResult(check.shape, check.component, check.severity, focus, check.path, value,
                                     list(check.messages)))
        return found

    def min_one_results(self, checks: list[Check]) -> list[ShaclResult]:
        """sh:minCount 1 checks of one node shape (same targets) in one pass over its focus nodes."""
        targets = checks[0].targets
        flags = " ".join(f"BIND(EXISTS {{ ?this <{c.path}> {self.var('v')} }} AS ?m{k})" for k, c in enumerate(checks))
        test = " || ".join(f"!?m{k}" for k in range(len(checks)))
        text = ("".join(p for p, _s in targets.selects) +
                f"SELECT ?this {' '.join(f'?m{k}' for k in range(len(checks)))} WHERE {{ "
                f"{self.focus_nodes(targets)} {flags} FILTER({test}) }}")
        missing: dict[int, list] = {k: [] for k in range(len(checks))}
        for sol in self.query(text):
            for k in range(len(checks)):
                if sol[f"m{k}"].value == "false":
                    missing[k].append((sol["this"], None))
        found = []
        with _quiet_rdflib():
            for k, check in enumerate(checks):
                found.extend(self._to_results(check, missing[k]))
        return found


# a SELECT up to the brace that opens its WHERE group: its projection (and the optional WHERE) in between
_SELECT_OPENING = re.compile(r"(?is)\bSELECT\b(?P<projection>[^{}]*?)\{")


def bind_this(select: str, values: str) -> str:
    """A SELECT (a SPARQL target or constraint, ?this free) with `values` (VALUES ?this {...}) put at the start of
    the WHERE group of every SELECT in it that projects ?this, its sub-selects included: a join there gives the
    same answers for those nodes as pre-binding ?this (SHACL 5.3.1), and the engine looks those nodes up instead
    of evaluating the sub-select over the whole store. A sub-select that does not project ?this is left alone (a
    join inside it would repeat its rows). If no SELECT projects ?this, the query is joined with `values` whole."""
    found = False

    def insert(match: re.Match) -> str:
        nonlocal found
        if not re.search(r"\?this\b", match.group("projection")):
            return match.group(0)
        found = True
        return match.group(0) + " " + values + " "

    bound = _SELECT_OPENING.sub(insert, select)
    return bound if found else f"{values} {{ {select} }}"


def focus_chunks(focus: list, size: int = 500):
    """`VALUES ?this { ... }` blocks of at most `size` focus nodes (IRIs as text, or pyoxigraph terms)."""
    nodes = sorted(str(n) if isinstance(n, ox.NamedNode) else f"<{n}>" for n in focus)
    for k in range(0, len(nodes), size):
        yield "VALUES ?this { " + " ".join(nodes[k:k + size]) + " }"


def run_checks(oxstore: ox.Store, checks: list[Check], focus: list | None = None) -> list[ShaclResult]:
    """The results of the checks over the whole store, or, with `focus` (IRIs), for those focus nodes only: each
    node shape's checks then run for the given nodes that are its focus nodes, and not at all when none is."""
    run = _Run(oxstore)
    if focus is None:
        return _run_group(run, checks, None)
    by_targets: dict[int, list[Check]] = {}
    for check in checks:
        by_targets.setdefault(id(check.targets), []).append(check)
    nodes = [ox.NamedNode(n) if isinstance(n, str) else n for n in focus]
    results = []
    for group in by_targets.values():
        members = run.in_targets(group[0].targets, nodes)
        results += _run_group(run, group, sorted(members, key=str)) if members else []
    return results


def _run_group(run: _Run, checks: list[Check], focus: list | None) -> list[ShaclResult]:
    results = []
    for within in ([None] if focus is None else focus_chunks(focus)):
        run.within = within
        min_one: dict[int, list[Check]] = {}
        for check in checks:
            if check.kind == "min" and check.count == 1:
                min_one.setdefault(id(check.targets), []).append(check)
            else:
                results.extend(run.results(check))
        for group in min_one.values():
            results.extend(run.min_one_results(group))
    run.within = None
    return results


def check_queries(oxstore: ox.Store, checks: list[Check]) -> list[tuple[Check, str]]:
    """The SPARQL text of every check for this store (class closures and rejected values filled in)."""
    run = _Run(oxstore)
    return [(check, run.sparql(check)) for check in checks]


# --- messages ---------------------------------------------------------------------------------------------------------

def generic_messages(shapes: Graph, result: ShaclResult, data_names: Graph) -> list[Literal]:
    """pySHACL's message for a result of a shape without sh:message (pyshacl 0.40's wording).

    `data_names` carries the namespace bindings of the data graph (nodes of the data are named with them)."""
    from pyshacl.rdfutil import stringify_node  # only when a shape without sh:message fires

    shape, comp = result.shape, result.component

    def sg(node):
        return stringify_node(shapes, node)

    def dg(node):
        try:
            return stringify_node(data_names, node)
        except (LookupError, ValueError):
            return str(node)

    def several(prop, one: str, many: str, quote: bool = False):
        values = list(shapes.objects(shape, prop))
        if len(values) < 2:
            return one.format(str(values[0].value) if quote else sg(values[0]))
        joined = "', '".join(str(v.value) for v in values) if quote else ", ".join(sg(v) for v in values)
        return many.format(joined)

    if comp in (SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent):
        is_min = comp == SH.MinCountConstraintComponent
        n = shapes.value(shape, SH.minCount if is_min else SH.maxCount)
        word = "Less" if is_min else "More"
        return [Literal(f"{word} than {n.value} values on {dg(result.focus)}->{sg(result.path)}")]
    if comp == SH.ClassConstraintComponent:
        return [Literal(several(SH["class"], "Value does not have class {}", "Value class is not in classes ({})"))]
    if comp == SH.DatatypeConstraintComponent:
        return [Literal(f"Value is not Literal with datatype {sg(shapes.value(shape, SH['datatype']))}")]
    if comp == SH.NodeKindConstraintComponent:
        return [Literal(f"Value is not of Node Kind {sg(shapes.value(shape, SH.nodeKind))}")]
    if comp == SH.InConstraintComponent:
        members = [sg(v) for v in set(Collection(shapes, shapes.value(shape, SH["in"])))]
        return [Literal(f"Value {dg(result.value)} not in list {members}")]
    if comp == SH.PatternConstraintComponent:
        return [Literal(several(SH.pattern, "Value does not match pattern '{}'",
                                "Value does not match every pattern in ('{}')", quote=True))]
    if comp == SH.MinInclusiveConstraintComponent:
        return [Literal(several(SH.minInclusive, "Value is not >= {}", "Value is not >= in ({})"))]
    if comp == SH.MaxInclusiveConstraintComponent:
        return [Literal(several(SH.maxInclusive, "Value is not <= {}", "Value is not <= in ({})"))]
    if comp == SH.OrConstraintComponent:
        lists = list(shapes.objects(shape, SH["or"]))
        if len(lists) < 2:
            text = " , ".join(sg(m) for m in shapes.items(lists[0]))
        else:
            text = " and ".join("(" + " , ".join(sg(m) for m in shapes.items(head)) + ")" for head in lists)
        return [Literal(f"Node {dg(result.value)} must conform to one or more shapes in {text}")]
    return [Literal("does not conform")]
