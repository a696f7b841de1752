"""Media types of the SPARQL endpoint and the serialisers for results (in the worker processes).

SELECT results are written by Oxigraph when they are small enough not to reach the row limit (executor.py), and
here otherwise, so that they can be cut at the limit while they stream; ASK results are written here; graphs
(CONSTRUCT, DESCRIBE, entity data) are written by Oxigraph.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"

SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
ASK_TYPES = {k: v for k, v in SELECT_TYPES.items() if v in ("json", "xml")}
# SELECT results the engine writes itself (executor.py) when they cannot be past the row limit. TSV stays ours: the
# engine abbreviates numbers there (1 for "1"^^xsd:integer), where serialize_select writes N-Triples terms.
NATIVE_SELECT = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
# the order of preference when the client accepts anything
SELECT_OFFER = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "application/json", "application/xml"]
ASK_OFFER = ["application/sparql-results+json", "application/sparql-results+xml", "application/json", "application/xml"]
GRAPH_OFFER = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", "text/plain"]
SUFFIXES = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}
CHARSET = {"text/turtle", "application/n-triples", "text/csv", "text/tab-separated-values", "text/plain"}


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type in CHARSET or media_type.endswith("json") else media_type


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise TypeError(term)


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_value(term) -> str:
    if term is None:
        return ""
    text = term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else ("_:" + term.value if isinstance(term, ox.BlankNode) else str(term))
    if any(c in text for c in ',"\n\r'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _tsv_value(term) -> str:
    return "" if term is None else str(term)  # pyoxigraph's str() is the N-Triples/Turtle form the TSV format asks for


def serialize_select(variables: list[str], rows: list[list], fmt: str, truncated: int | None = None) -> bytes:
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        if truncated:
            doc["munigraph"] = {"truncated": True, "maxRows": truncated,
                                "note": f"results cut at {truncated} rows; add LIMIT/OFFSET to page through them"}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        parts = ['<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
        parts.append("</head>")
        if truncated:
            parts.append(f"<!-- results cut at {truncated} rows -->")
        parts.append("<results>")
        for row in rows:
            parts.append("<result>")
            parts += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>" for v, t in zip(variables, row) if t is not None]
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if fmt == "csv":
        lines = [",".join(variables)] + [",".join(_csv_value(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    lines = ["\t".join("?" + v for v in variables)] + ["\t".join(_tsv_value(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def serialize_ask(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode("utf-8")
    return json.dumps({"head": {}, "boolean": value}).encode("utf-8")


_KIND = {ox.BlankNode: 0, ox.NamedNode: 1, ox.Literal: 2}  # SPARQL's order of terms: blank nodes, IRIs, literals
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
                              "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong",
                              "unsignedShort", "unsignedByte")}


def _order_key(term) -> tuple:
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        try:
            return (2, 0, float(term.value), "")  # numbers by value, as ORDER BY compares them
        except ValueError:
            pass  # an ill-typed number sorts with the other literals, below
    return (_KIND.get(type(term), 3), 1, 0.0, term.value)


def entity_order(triples: list, iri: str) -> list:
    """The triples in the order of `ORDER BY (?s != <iri>) ?s ?p ?o` (render.entity_construct), sorted here rather
    than by the engine, whose ORDER BY decoded the terms again for every comparison and took most of the query's
    time. The same order as the engine's on every entity of the curated and the generated (size L) data; ties keep
    the engine's order of evaluation, as its sort does."""
    me = ox.NamedNode(iri)
    return sorted(triples, key=lambda t: (t.subject != me, _order_key(t.subject), t.predicate.value, _order_key(t.object)))


def serialize_graph(triples: list, media_type: str, prefixes: dict[str, str] | None = None, entity: str | None = None) -> bytes:
    """The triples in the media type; with `entity`, first put in the order of an entity's description (entity_order)."""
    if entity is not None:
        triples = entity_order(triples, entity)
    fmt = GRAPH_TYPES[media_type]
    if fmt == ox.RdfFormat.TURTLE and prefixes:
        return ox.serialize(triples, format=fmt, prefixes=prefixes)
    return ox.serialize(triples, format=fmt)
