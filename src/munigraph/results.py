"""Writing results: a table for people, CSV/TSV for spreadsheets, SPARQL JSON for machines."""

from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, Graph, Literal, URIRef
from rich.console import Console
from rich.table import Table

from .store import SelectResult

FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "xml": "xml", "table": "turtle",
                 "csv": "nt", "tsv": "nt", "json": "json-ld"}


def plain(term) -> str:
    """The value a spreadsheet user expects: an IRI as is, a literal's lexical form, nothing for unbound."""
    if term is None:
        return ""
    return str(term)


def sparql_json_term(term) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
    return out


def to_csv(result: SelectResult, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    if delimiter == "\t":
        buffer.write("\t".join(result.variables) + "\n")
        for row in result.rows:
            buffer.write("\t".join(plain(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") for v in row) + "\n")
        return buffer.getvalue()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([plain(v) for v in row])
    return buffer.getvalue()


def to_json(result: SelectResult) -> str:
    bindings = [{var: sparql_json_term(v) for var, v in zip(result.variables, row) if v is not None} for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=2)


def short(term, prefixes: dict[str, str]) -> str:
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, ns in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(ns):
                return f"{prefix}:{text[len(ns):]}"
    return plain(term)


def print_table(result: SelectResult, console: Console, prefixes: dict[str, str], title: str | None = None) -> None:
    """For people: an IRI column with a label column beside it is shown once, by its label."""
    labelled = {var for var in result.variables if f"{var}Label" in result.variables}
    shown = [k for k, var in enumerate(result.variables) if not (var.endswith("Label") and var[:-5] in labelled)]
    index = {var: k for k, var in enumerate(result.variables)}
    table = Table(title=title, show_lines=False, header_style="bold")
    for k in shown:
        table.add_column(result.variables[k], overflow="fold")
    for row in result.rows:
        cells = []
        for k in shown:
            var = result.variables[k]
            label = row[index[f"{var}Label"]] if var in labelled else None
            cells.append(plain(label) if label is not None else short(row[k], prefixes))
        table.add_row(*cells)
    console.print(table)
    console.print(f"{len(result.rows)} row(s)", style="dim")


def write_select(result: SelectResult, fmt: str, out, prefixes: dict[str, str], title: str | None = None) -> None:
    if fmt == "csv":
        out.write(to_csv(result))
    elif fmt == "tsv":
        out.write(to_csv(result, "\t"))
    elif fmt == "json":
        out.write(to_json(result) + "\n")
    else:
        print_table(result, Console(file=out, width=200 if not getattr(out, "isatty", lambda: False)() else None), prefixes, title)


def write_graph(graph: Graph, fmt: str, out, prefixes: dict[str, str]) -> None:
    for prefix, ns in prefixes.items():
        graph.bind(prefix, ns, override=True)
    out.write(graph.serialize(format=GRAPH_FORMATS.get(fmt, "turtle")))
