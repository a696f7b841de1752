"""Named queries: queries/*.rq with a documented header, typed parameters bound as RDF terms, labels added.

Header lines start with `#+` (the convention of grlc), for example:

    #+ summary: Partners of a local government
    #+ description: Every partnership of the municipality, with ...
    #+ param: municipality municipality required -- the local government (name, QID, CURIE or IRI)
    #+ param: date date optional -- as of this date (default: today)
    #+ example: municipality=Koszalin

Parameter types: municipality, entity, country, date, year, string, integer. Each parameter becomes the SPARQL
variable of the same name, bound by a VALUES block (see sparqltext.bind); an optional parameter that is not
given is bound to UNDEF unless it has a default.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from . import sparqltext
from .errors import MunigraphError, ParameterError, UnknownQuery
from .resolve import Resolver
from .store import SelectResult
from .vocab import RDFS, prefix_block, project_root

PARAM_TYPES = ("municipality", "entity", "country", "date", "year", "string", "integer")
_PARAM_LINE = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>\w+)\s+(?P<req>required|optional|default=\S+)(?:\s+(?P<multi>multiple))?\s*(?:--\s*(?P<doc>.*))?$")


@dataclass
class Param:
    name: str
    type: str
    required: bool
    default: str | None
    description: str
    multiple: bool = False


@dataclass
class NamedQuery:
    name: str
    path: Path
    summary: str
    description: str
    params: list[Param]
    examples: list[str]
    text: str

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def queries_dir() -> Path:
    return project_root() / "queries"


def parse_header(name: str, path: Path, text: str) -> NamedQuery:
    fields: dict[str, list[str]] = {"summary": [], "description": [], "param": [], "example": []}
    last = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#+"):
            if line.strip() and not line.startswith("#"):
                break
            continue
        body = line[2:].strip()
        m = re.match(r"^(summary|description|param|example):\s*(.*)$", body)
        if m:
            last = m.group(1)
            fields[last].append(m.group(2))
        elif last in ("description", "summary") and body:
            fields[last][-1] += " " + body
        elif body:
            raise MunigraphError(f"{path}:{number}: expected '#+ summary:', '#+ description:', '#+ param:' or '#+ example:'")
    if not fields["summary"]:
        raise MunigraphError(f"{path}:1: the query has no '#+ summary:' header")
    params = []
    for raw in fields["param"]:
        m = _PARAM_LINE.match(raw)
        if not m or m.group("type") not in PARAM_TYPES:
            raise MunigraphError(f"{path}: bad parameter line {raw!r}; expected 'NAME TYPE required|optional|default=VALUE [multiple] -- description' with TYPE one of {', '.join(PARAM_TYPES)}")
        req = m.group("req")
        params.append(Param(
            name=m.group("name"), type=m.group("type"), required=req == "required",
            default=req.split("=", 1)[1] if req.startswith("default=") else None,
            description=(m.group("doc") or "").strip(), multiple=bool(m.group("multi"))))
    return NamedQuery(name, path, fields["summary"][0], " ".join(fields["description"]), params, fields["example"], text)


def catalog(folder: Path | None = None) -> dict[str, NamedQuery]:
    folder = folder or queries_dir()
    out = {}
    for path in sorted(folder.glob("*.rq")):
        out[path.stem] = parse_header(path.stem, path, path.read_text(encoding="utf-8"))
    return out


def get(name: str, folder: Path | None = None) -> NamedQuery:
    queries = catalog(folder)
    if name not in queries:
        raise UnknownQuery(f"unknown query {name!r}; the named queries are: {', '.join(queries)}")
    return queries[name]


def parse_assignments(pairs: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterError(f"--param {pair!r}: expected name=value")
        key, value = pair.split("=", 1)
        out.setdefault(key.strip(), []).append(value)
    return out


def coerce(param: Param, value: str, resolver: Resolver):
    """One typed RDF term for a parameter value, or a ParameterError saying what was expected."""
    kind = param.type
    if kind == "municipality":
        return resolver.municipality(value, param.name)
    if kind == "entity":
        return resolver.entity(value, param.name)
    if kind == "country":
        return resolver.country(value, param.name)
    if kind == "date":
        if value == "today":
            return Literal(dt.date.today().isoformat(), datatype=XSD.date)
        try:
            return Literal(dt.date.fromisoformat(value).isoformat(), datatype=XSD.date)
        except ValueError:
            raise ParameterError(f"parameter {param.name}: expected a date as YYYY-MM-DD, got {value!r}") from None
    if kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise ParameterError(f"parameter {param.name}: expected a year such as 2019, got {value!r}")
        return Literal(value, datatype=XSD.gYear)
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise ParameterError(f"parameter {param.name}: expected an integer, got {value!r}")
        return Literal(int(value), datatype=XSD.integer)
    return Literal(value)


def bind_parameters(query: NamedQuery, given: dict[str, list[str]], resolver: Resolver) -> dict:
    unknown = sorted(set(given) - {p.name for p in query.params})
    if unknown:
        expected = ", ".join(p.name for p in query.params) or "none"
        raise ParameterError(f"query {query.name}: unknown parameter(s) {', '.join(unknown)}; expected: {expected}")
    values: dict[str, object] = {}
    for param in query.params:
        raw = given.get(param.name)
        if raw and len(raw) > 1 and not param.multiple:
            raise ParameterError(f"parameter {param.name}: given {len(raw)} times, but takes one value")
        if not raw:
            if param.required:
                raise ParameterError(f"query {query.name}: missing parameter {param.name} ({param.type}): {param.description}")
            values[param.name] = coerce(param, param.default, resolver) if param.default is not None else None
            continue
        terms = [coerce(param, value, resolver) for value in raw]
        values[param.name] = terms if param.multiple else terms[0]
    return values


def prepared_text(query: NamedQuery, values: dict) -> str:
    return sparqltext.bind(prefix_block() + query.text, values)


@dataclass
class QueryResult:
    name: str
    variables: list[str]
    rows: list[tuple]
    bound: dict = field(default_factory=dict)


def add_labels(store, result: SelectResult, languages: list[str]) -> SelectResult:
    """After each column that holds IRIs, a `<column>Label` column with the label in the first language available."""
    iris = sorted({str(v) for row in result.rows for v in row if isinstance(v, URIRef)})
    labels: dict[str, dict[str, str]] = {}
    for start in range(0, len(iris), 500):
        chunk = iris[start:start + 500]
        values = " ".join(f"<{i}>" for i in chunk)
        rows = store.select(f"SELECT ?x ?l WHERE {{ VALUES ?x {{ {values} }} ?x <{RDFS}label>|<http://www.w3.org/2004/02/skos/core#prefLabel>|<http://purl.org/dc/terms/title> ?l }}").rows
        for x, label in rows:
            options = labels.setdefault(str(x), {})
            lang = getattr(label, "language", None) or ""
            if lang not in options or str(label) < options[lang]:  # deterministic when a source adds a second label
                options[lang] = str(label)

    def pick(iri: str) -> str | None:
        options = labels.get(iri)
        if not options:
            return None
        for lang in languages:
            if lang in options:
                return options[lang]
        return options[sorted(options)[0]]

    iri_columns = [k for k, var in enumerate(result.variables)
                   if any(isinstance(row[k], URIRef) for row in result.rows)
                   and not var.endswith("Label") and f"{var}Label" not in result.variables]
    if not iri_columns:
        return result
    variables, order = [], []
    for k, var in enumerate(result.variables):
        variables.append(var)
        order.append((k, False))
        if k in iri_columns:
            variables.append(f"{var}Label")
            order.append((k, True))
    rows = []
    for row in result.rows:
        out = []
        for k, is_label in order:
            value = row[k]
            if is_label:
                text = pick(str(value)) if isinstance(value, URIRef) else None
                out.append(Literal(text) if text is not None else None)
            else:
                out.append(value)
        rows.append(tuple(out))
    return SelectResult(variables, rows)


def run_named(store, name: str, given: dict[str, list[str]], base: str, languages: list[str],
              folder: Path | None = None, labels: bool = True) -> QueryResult:
    query = get(name, folder)
    resolver = Resolver(store, base, languages)
    values = bind_parameters(query, given, resolver)
    text = prepared_text(query, values)
    result = store.select(text)
    if labels:
        result = add_labels(store, result, languages)
    return QueryResult(name, result.variables, result.rows, values)


def run_text(store, text: str, languages: list[str], local_graphs: set[str] | None = None, labels: bool = True):
    """A researcher's own query: refused if it would reach the network; SELECT results get labels."""
    sparqltext.guard(text, local_graphs=local_graphs)
    full = prefix_block() + text
    result = store.query(full)
    if isinstance(result, SelectResult) and labels:
        result = add_labels(store, result, languages)
    return result
