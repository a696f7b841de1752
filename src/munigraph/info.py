"""What a store holds: triples per named graph, entities per class, and how the build went."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .vocab import MG, MGG, META_GRAPH, PREFIXES

_GRAPHS = f"""
SELECT ?g ?n ?file WHERE {{
  {{ SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g }}
  OPTIONAL {{ GRAPH <{META_GRAPH}> {{ ?g <{MG}sourceFile> ?file }} }}
}} ORDER BY ?g"""

_CLASSES = f"""
SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE {{
  ?x a ?class . FILTER(STRSTARTS(STR(?class), "{MG}"))
  FILTER NOT EXISTS {{ GRAPH <{MGG}ontology> {{ ?x ?p ?o }} }}
}} GROUP BY ?class ORDER BY DESC(?n) ?class"""

_BUILD = f"""
SELECT ?p ?o WHERE {{ GRAPH <{META_GRAPH}> {{ <{MGG}meta#build> ?p ?o }} }}"""


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def store_summary(store, languages=None) -> dict:
    graphs = [{"graph": str(g), "triples": int(n), "file": str(f) if f is not None else None}
              for g, n, f in store.select(_GRAPHS).rows]
    classes = [{"class": str(c), "entities": int(n)} for c, n in store.select(_CLASSES).rows]
    build = {str(p).rsplit("#", 1)[-1]: str(o) for p, o in store.select(_BUILD).rows}
    merged = int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0])
    return {
        "store": str(store.location) if store.location else None,
        "triples": sum(g["triples"] for g in graphs),
        "distinct_triples": merged,
        "graphs": graphs,
        "classes": classes,
        "build": build,
    }


def print_summary(summary: dict, console: Console) -> None:
    build = summary.get("build", {})
    console.print(f"[bold]munigraph store[/bold] {summary.get('store') or ''}")
    if build:
        console.print(f"built at {build.get('builtAt', '?')}; {build.get('validationSummary', '')}", markup=False, highlight=False)
    table = Table(title="Triples per named graph", header_style="bold")
    table.add_column("graph")
    table.add_column("file")
    table.add_column("triples", justify="right")
    for g in summary["graphs"]:
        table.add_row(_short(g["graph"]), g["file"] or "", str(g["triples"]))
    table.add_row("[bold]all graphs[/bold]", "", f"[bold]{summary['triples']}[/bold]")
    table.add_row("default graph (their merge, each triple once)", "", str(summary["distinct_triples"]))
    console.print(table)
    classes = Table(title="Entities per class", header_style="bold")
    classes.add_column("class")
    classes.add_column("entities", justify="right")
    for c in summary["classes"]:
        classes.add_row(_short(c["class"]), str(c["entities"]))
    console.print(classes)


def build_summary(report) -> dict:
    return {
        "store": str(report.store_path) if report.store_path else None,
        "build_date": report.build_date.isoformat() if report.build_date else None,
        "files": [f.shown for f in report.files],
        "triples_per_graph": report.triples_per_graph,
        "derived": {r.rule: r.derived for r in report.rules.reports} if report.rules else {},
        "derive_seconds": {r.rule: round(r.seconds, 3) for r in report.rules.reports} if report.rules else {},
        "validation": {
            "conforms": report.validation.conforms,
            "violations": len(report.validation.violations),
            "warnings": len(report.validation.warnings),
            "results": [f.as_dict() for f in report.validation.findings],
        } if report.validation else None,
        "seconds": {k: round(v, 3) for k, v in report.timings.items()},
        "incremental": getattr(report, "incremental", None),
    }


def build_text(report) -> str:
    increment = getattr(report, "incremental", None)
    if increment and increment.get("up_to_date"):
        return f"up to date: no data file changed since the build in {report.store_path} ({increment['reused']} files)"
    total = sum(report.triples_per_graph.values())
    lines = [
        f"built {len(report.files)} files into {report.store_path}: {total} triples in {len(report.triples_per_graph)} graphs",
        f"derived {report.rules.total} triples by {len(report.rules.reports)} rules" if report.rules else "",
        report.validation.summary_line() if report.validation else "",
        (f"incremental: re-did {', '.join(increment['changed'] + increment['added']) or 'nothing'}"
         + (f", removed {', '.join(increment['removed'])}" if increment['removed'] else "")
         + f"; reused {increment['reused']} unchanged files; {increment['scope']} entities in scope"
         + (f"; re-validated {increment['revalidated']} focus nodes" if "revalidated" in increment else "")) if increment else "",
        "time: " + ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items()),
    ]
    return "\n".join(line for line in lines if line)
