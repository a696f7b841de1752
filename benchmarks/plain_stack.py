"""The baseline of `make bench`: what a researcher would write without munigraph (rdflib and pySHACL only).

    python benchmarks/plain_stack.py SPEC.json

SPEC names the data folder, the built graph's N-Quads dump (derived relations included) and the bound query texts
that munigraph ran. Prints one JSON object per finished phase on stdout (so a run stopped by the benchmark's time
budget keeps what it measured):
  {"parse": s}            every data file into an rdflib Dataset, one named graph per file
  {"validate": s}         pySHACL with the project's shapes over the merged data, or
  {"validate_stopped_at": s}  when it ran past SPEC's validate_cap (a lower bound)
  {"dump_parse": s}       the built graph's dump into a Dataset
  {"queries": {...}}      the same named queries with rdflib's SPARQL over the dump (p50/p95 per query, each
                          stopped at SPEC's query_cap)
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import statistics
import sys
import time
from pathlib import Path

from rdflib import Dataset, Graph, URIRef


@contextlib.contextmanager
def time_limit(seconds: float):
    """Stop a pure-Python rdflib query after `seconds` (SIGALRM interrupts it between bytecodes)."""
    def stop(signum, frame):
        raise TimeoutError
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def plain_shapes(text: str) -> str:
    """The project's shapes as a researcher would run them on one merged rdflib Graph. Two shapes read the data
    files' named graphs (`GRAPH ?g { ... }`, leaving out the derived graph); rdflib refuses GRAPH on a Graph, and the
    merged data holds the files' triples only, so they read the merged graph instead: the same check."""
    text = re.sub(r"GRAPH \?g \{ ([^{}]*) \}", r"\1", text)
    return text.replace("?g != <https://w3id.org/munigraph/graph/derived>", "true")


def emit(**figures) -> None:
    print(json.dumps(figures), flush=True)


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    data = Path(spec["data"])
    t = time.perf_counter()
    dataset = Dataset()
    for path in sorted(data.glob("*.ttl")):
        dataset.graph(URIRef("https://w3id.org/munigraph/graph/" + path.stem)).parse(path, format="turtle")
    emit(parse=time.perf_counter() - t)

    # pySHACL first, with its own cap (it would take hours at L): stopped, it still gives a lower bound
    import pyshacl
    merged = Graph()  # the data with the ontology and vocabularies (class hierarchy, status values) beside it
    for graph in dataset.graphs():
        for triple in graph:
            merged.add(triple)
    for path in spec["ontology"]:
        merged.parse(path, format="turtle")
    shapes = Graph().parse(data=plain_shapes(Path(spec["shapes"]).read_text(encoding="utf-8")), format="turtle")
    del dataset
    validate_cap = float(spec.get("validate_cap", 600))
    t = time.perf_counter()
    try:
        with time_limit(validate_cap):
            pyshacl.validate(merged, shacl_graph=shapes, inference="none", advanced=True)
        emit(validate=time.perf_counter() - t)
    except TimeoutError:
        emit(validate_stopped_at=validate_cap)
    del merged

    t = time.perf_counter()
    built = Dataset(default_union=True)
    built.parse(spec["dump"], format="nquads")
    emit(dump_parse=time.perf_counter() - t)
    figures: dict = {}
    cap = float(spec.get("query_cap", 60))
    for name, texts in spec["queries"].items():
        times, stopped = [], False
        for text in texts:
            t = time.perf_counter()
            try:
                with time_limit(cap):
                    list(built.query(text))
            except TimeoutError:
                stopped = True  # recorded as the cap: the real time is longer
            times.append(time.perf_counter() - t)
            if stopped:
                break
        ordered = sorted(times)
        figures[name] = {"p50_ms": statistics.median(times) * 1000, "p95_ms": ordered[round(0.95 * (len(ordered) - 1))] * 1000,
                         "runs": len(times), "stopped_at_cap_s": cap if stopped else None}
        emit(queries=figures)


if __name__ == "__main__":
    main()
