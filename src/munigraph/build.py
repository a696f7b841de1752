"""Build: load the ontology and the curated data, derive, validate, and only then swap the new store in.

Each data file `data/<stem>.ttl` becomes the named graph mgg:<stem>, derived from the source it describes,
id:source/<stem>. The loading uses Oxigraph's bulk loader (linear in the size of the data).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from . import incremental
from . import network as network_mod
from . import rules as rules_mod
from . import store as store_mod
from . import validate as validate_mod
from .config import Settings
from .errors import DataSyntaxError, MunigraphError, ValidationFailed
from .vocab import DEFAULT_BASE, DERIVED_GRAPH, MG, MGG, META_GRAPH, ONTOLOGY_GRAPH, RULES_GRAPH, VOCABULARIES_GRAPH, XSD, project_root

PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class InputFile:
    path: Path
    graph: str
    kind: str  # ontology, vocabularies or data
    shown: str  # the path as the user sees it in messages

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass
class BuildReport:
    files: list[InputFile] = field(default_factory=list)
    triples_per_graph: dict[str, int] = field(default_factory=dict)
    rules: rules_mod.RulesResult | None = None
    validation: validate_mod.ValidationReport | None = None
    timings: dict[str, float] = field(default_factory=dict)
    store_path: Path | None = None
    build_date: dt.date | None = None
    incremental: dict | None = None  # what an incremental build re-did (None: a full build)


def ontology_dir() -> Path:
    return project_root() / "ontology"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def input_files(data_paths: list[Path]) -> list[InputFile]:
    """The ontology, the vocabularies, then every data file (a folder means its *.ttl files, sorted)."""
    onto = ontology_dir()
    files = [
        InputFile(onto / "munigraph.ttl", ONTOLOGY_GRAPH, "ontology", _shown(onto / "munigraph.ttl")),
        InputFile(onto / "vocabularies.ttl", VOCABULARIES_GRAPH, "vocabularies", _shown(onto / "vocabularies.ttl")),
        InputFile(onto / "rules.ttl", RULES_GRAPH, "rules", _shown(onto / "rules.ttl")),
    ]
    seen: dict[str, Path] = {}
    for data_path in data_paths:
        data_path = Path(data_path)
        if data_path.is_dir():
            found = sorted(data_path.glob("*.ttl"))
        elif data_path.is_file():
            if data_path.suffix != ".ttl":
                raise MunigraphError(f"{data_path}: expected a Turtle file (.ttl)")
            found = [data_path]
        else:
            raise MunigraphError(f"{data_path}: no such file or folder")
        for path in found:
            if path.stem in seen and seen[path.stem].resolve() != path.resolve():
                raise MunigraphError(f"{path}: another data file, {seen[path.stem]}, already has the name {path.stem!r}; each source needs its own name")
            seen[path.stem] = path
            files.append(InputFile(path, MGG + path.stem, "data", _shown(path)))
    return files


def _syntax_error(shown: str, exc: SyntaxError) -> DataSyntaxError:
    message = exc.args[0] if exc.args else str(exc)
    if ": " in message:
        message = message.split(": ", 1)[1]
    line = exc.lineno or 0
    column = exc.offset or 0
    return DataSyntaxError(f"{shown}:{line}:{column}: {message}")


def load_file(oxstore: ox.Store, item: InputFile, base: str = DEFAULT_BASE) -> None:
    """Load a file into its named graph (the incremental build patches the default graph itself)."""
    graph = ox.NamedNode(item.graph)
    try:
        if base == DEFAULT_BASE:
            oxstore.bulk_load(path=str(item.path), format=ox.RdfFormat.TURTLE, to_graph=graph)
        else:
            oxstore.bulk_extend(ox.Quad(_rebase(t.subject, base), t.predicate, _rebase(t.object, base), graph)
                                for t in ox.parse(path=str(item.path), format=ox.RdfFormat.TURTLE))
    except SyntaxError as exc:
        raise _syntax_error(item.shown, exc) from None
    except OSError as exc:
        raise MunigraphError(f"{item.shown}: cannot read: {exc}") from None


def load_files(oxstore: ox.Store, files: list[InputFile], base: str = DEFAULT_BASE, progress: Progress | None = None) -> None:
    """Load every file into its named graph and into the default graph (the merge), in one pass of the bulk
    loader: one parse per file, the same blank nodes in both graphs, and one batch of database files for the
    whole load (a bulk load per file leaves hundreds of small ones, which slows every later read)."""
    current: list[InputFile] = []
    default = ox.DefaultGraph()

    def quads():
        for k, item in enumerate(files, 1):
            current[:] = [item]
            if progress:
                progress(f"loading {item.shown}", k, len(files))
            graph = ox.NamedNode(item.graph)
            for t in ox.parse(path=str(item.path), format=ox.RdfFormat.TURTLE):
                s, o = (t.subject, t.object) if base == DEFAULT_BASE else (_rebase(t.subject, base), _rebase(t.object, base))
                yield ox.Quad(s, t.predicate, o, graph)
                yield ox.Quad(s, t.predicate, o, default)
    try:
        oxstore.bulk_extend(quads())
    except SyntaxError as exc:
        raise _syntax_error(current[0].shown, exc) from None
    except OSError as exc:
        raise MunigraphError(f"{current[0].shown if current else 'the data'}: cannot read: {exc}") from None


def _rebase(term, base: str):
    if isinstance(term, ox.NamedNode) and term.value.startswith(DEFAULT_BASE):
        return ox.NamedNode(base + term.value[len(DEFAULT_BASE):])
    return term


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def count_per_graph(oxstore: ox.Store) -> dict[str, int]:
    result = oxstore.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {sol["g"].value: int(sol["n"].value) for sol in result}


def write_meta(oxstore: ox.Store, files: list[InputFile], base: str, built_at: dt.datetime,
               settings_hash: str | None = None, hashes: dict[str, str] | None = None,
               counts: dict[str, int] | None = None) -> list[ox.Quad]:
    """Describe every data graph in mgg:meta: its file, content hash, and the source it is derived from."""
    meta = ox.NamedNode(META_GRAPH)
    counts = count_per_graph(oxstore) if counts is None else counts
    hashes = hashes or {}
    quads = []

    def add(s, p, o):
        quads.append(ox.Quad(s, ox.NamedNode(p), o, meta))

    build = ox.NamedNode(MGG + "meta#build")
    add(build, MG + "builtAt", ox.Literal(built_at.isoformat(timespec="seconds"), datatype=ox.NamedNode(XSD + "dateTime")))
    if settings_hash:  # what besides the data the build depends on: an incremental build needs it unchanged
        add(build, MG + "settingsHash", ox.Literal(settings_hash))
    for item in files:
        g = ox.NamedNode(item.graph)
        add(g, RDF_TYPE, ox.NamedNode(MG + "SourceGraph") if item.kind == "data" else ox.NamedNode(MG + "ProjectGraph"))
        add(g, MG + "sourceFile", ox.Literal(item.shown))
        add(g, MG + "contentHash", ox.Literal(hashes.get(item.graph) or "sha256:" + sha256(item.path)))
        add(g, MG + "tripleCount", ox.Literal(str(counts.get(item.graph, 0)), datatype=ox.NamedNode(XSD + "integer")))
        if item.kind == "data":
            add(g, PROV + "wasDerivedFrom", ox.NamedNode(base + "source/" + item.stem))
    oxstore.extend(quads)
    return quads


Progress = Callable[[str, int, int], None]


def assemble(oxstore: ox.Store, files: list[InputFile], settings: Settings, build_date: dt.date,
             report: BuildReport, progress: Progress | None = None, settings_hash: str | None = None,
             hashes: dict[str, str] | None = None) -> None:
    """Load, describe and derive into `oxstore`. Shared by `build` (on disk) and `validate` (in memory).

    The default graph is kept as the merge of all named graphs (an RDF merge, as SPARQL defines a dataset's
    default graph) from the start: each file goes into both, and so does each derived triple. The rules and the
    validation then read the default graph alone, where each triple is once, instead of the union of the named
    graphs, where a triple repeats once per graph that states it; and no merge step is left for the end."""
    t0 = time.perf_counter()
    load_files(oxstore, files, settings.base, progress)
    meta = write_meta(oxstore, files, settings.base, dt.datetime.now(dt.timezone.utc), settings_hash, hashes)
    oxstore.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in meta)
    report.timings["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    rules = rules_mod.load_rules(ontology_dir() / "rules.ttl")
    report.rules = rules_mod.run_rules(
        oxstore, rules, build_date,
        progress=(lambda group, rnd, new: progress(f"deriving (order {group[0].order:g}, round {rnd}, +{new})", 0, 0)) if progress else None,
    )
    report.timings["derive"] = time.perf_counter() - t1
    report.triples_per_graph = count_per_graph(oxstore)


def _build_into(build_dir: Path, report: BuildReport, settings: Settings, progress: Progress | None,
                settings_hash: str | None = None, hashes: dict[str, str] | None = None) -> None:
    oxstore = ox.Store(str(build_dir))
    assemble(oxstore, report.files, settings, report.build_date, report, progress, settings_hash, hashes)
    t = time.perf_counter()
    if progress:
        progress("validating", 0, 0)
    report.validation = validate_mod.validate_store(incremental.MergedView(oxstore), settings, report.files)
    report.timings["validate"] = time.perf_counter() - t
    _keep_validation(oxstore, report.validation, build_dir)
    oxstore.flush()
    oxstore.optimize()
    # The network index: what `network`, `suggest` and `plot` read instead of querying the whole graph each time.
    t = time.perf_counter()
    if progress:
        progress("indexing the partnership network", 0, 0)
    network_mod.save_index(store_mod.EmbeddedStore(oxstore, build_dir), build_dir)
    report.timings["network_index"] = time.perf_counter() - t


def build(settings: Settings, data_paths: list[Path] | None = None, progress: Progress | None = None,
          build_date: dt.date | None = None, full: bool = False) -> BuildReport:
    """Build into a new database; validate; swap it in only when it conforms. Raises on any failure.

    When only some data files changed since the current build (and nothing else it depends on), only their work
    is re-done (see incremental.py); `full=True` always builds from scratch."""
    report = BuildReport(build_date=build_date or dt.date.today())
    report.files = input_files(data_paths or [settings.data])
    store_dir = Path(settings.store)
    started = time.perf_counter()
    hashes = {item.graph: "sha256:" + sha256(item.path) for item in report.files}
    settings_hash = incremental.settings_hash(settings, report.build_date, incremental.settings_files(ontology_dir()))
    rules = rules_mod.load_rules(ontology_dir() / "rules.ttl")
    plan = None if full else incremental.plan(store_dir, report.files, settings_hash, hashes, rules)
    if plan is not None and plan.nothing:
        report.incremental = {**plan.summary(), "up_to_date": True}
        report.store_path = plan.previous
        report.timings["total"] = time.perf_counter() - started
        return report
    build_dir = store_mod.new_build_dir(store_dir)
    try:
        if plan is None:
            _build_into(build_dir, report, settings, progress, settings_hash, hashes)
        else:
            _build_incrementally(build_dir, plan, report, settings, progress, settings_hash, hashes, rules)
    except BaseException as exc:
        # Drop the frames that still hold the half-built database open, then remove it.
        exc.__traceback__ = None
        gc.collect()
        store_mod.discard(build_dir)
        network_mod.drop_index(build_dir)
        validate_mod.findings_path(build_dir).unlink(missing_ok=True)
        raise
    gc.collect()  # the database is closed once its Store object is gone; other processes may now open it
    store_mod.swap_in(store_dir, build_dir)
    network_mod.prune_indexes(store_dir)
    report.store_path = build_dir
    report.timings["total"] = time.perf_counter() - started
    return report


def _build_incrementally(build_dir: Path, plan: "incremental.Plan", report: BuildReport, settings: Settings,
                         progress: Progress | None, settings_hash: str, hashes: dict[str, str], rules: list) -> None:
    """Copy the current build and re-do only the changed files' work (incremental.py explains the steps)."""
    t0 = time.perf_counter()
    build_dir.rmdir()  # a checkpoint is written into a folder that does not exist yet
    ox.Store.read_only(str(plan.previous)).backup(str(build_dir))
    oxstore = ox.Store(str(build_dir))
    base = settings.base
    replaced = [f.graph for f in plan.changed] + plan.removed
    seeds = set()
    left: list[ox.Quad] = []
    for graph in replaced + [META_GRAPH, MGG + "network"]:
        if graph not in (META_GRAPH, MGG + "network"):
            seeds |= incremental.graph_terms(oxstore, graph, base)
        left += list(oxstore.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    scope = incremental.expand(oxstore, seeds, base)  # as the store was
    previous_counts = {q.subject.value: int(q.object.value) for q in oxstore.quads_for_pattern(None, ox.NamedNode(MG + "tripleCount"), None, ox.NamedNode(META_GRAPH))}
    for graph in replaced + [META_GRAPH, MGG + "network"]:
        oxstore.remove_graph(ox.NamedNode(graph)) if oxstore.contains_named_graph(ox.NamedNode(graph)) else None
    reloaded = plan.changed + plan.added
    for k, item in enumerate(reloaded, 1):
        if progress:
            progress(f"loading {item.shown}", k, len(reloaded))
        load_file(oxstore, item, base)
    came: list[ox.Quad] = []
    new_seeds = set()
    for item in reloaded:
        new_seeds |= incremental.graph_terms(oxstore, item.graph, base)
        came += list(oxstore.quads_for_pattern(None, None, None, ox.NamedNode(item.graph)))
    counts = {**previous_counts, **{item.graph: sum(1 for _ in oxstore.quads_for_pattern(None, None, None, ox.NamedNode(item.graph))) for item in reloaded}}
    came += write_meta(oxstore, report.files, base, dt.datetime.now(dt.timezone.utc), settings_hash, hashes, counts)
    # the rules read the union of all graphs, the default graph included: it must not hold the old data
    incremental.patch_default_graph(oxstore, left, came)
    report.timings["load"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    if progress:
        progress("deriving (the changed files' scope)", 0, 0)
    scope |= incremental.expand(oxstore, seeds | new_seeds, base)  # as it is now
    removed = incremental.delete_derived(oxstore, scope)
    incremental.patch_default_graph(oxstore, removed, [])
    added, per_rule = incremental.run_scoped(oxstore, rules, report.build_date, scope, base)
    report.rules = rules_mod.RulesResult([rules_mod.RuleReport(r.iri, r.label, r.order, per_rule.get(r.iri, 0), 1) for r in rules])
    report.timings["derive"] = time.perf_counter() - t1
    report.triples_per_graph = {**{g: n for g, n in counts.items()}, **count_per_graph_of(oxstore, [DERIVED_GRAPH, META_GRAPH])}
    report.triples_per_graph = {g: n for g, n in report.triples_per_graph.items() if n and g not in plan.removed}
    report.incremental = {**plan.summary(), "scope": len(scope), "derived_removed": len(removed), "derived_added": len(added)}

    t = time.perf_counter()
    if progress:
        progress("validating (what the change can affect)", 0, 0)
    previous_findings = validate_mod.load_findings(validate_mod.findings_path(plan.previous))
    changed = incremental.changed_subjects(left + removed, came + added)
    merged = incremental.MergedView(oxstore)
    if previous_findings is None or changed is None:
        report.validation = validate_mod.validate_store(merged, settings, report.files)
        report.incremental["revalidated"] = "all"
    else:
        reaches = validate_mod.revalidation_reaches(validate_mod.load_shapes(base))
        focus = validate_mod.affected_focus([ox.Store.read_only(str(plan.previous)), merged], changed, reaches)
        report.validation = validate_mod.revalidate(merged, settings, previous_findings, focus)
        report.incremental["revalidated"] = len(focus)
    report.timings["validate"] = time.perf_counter() - t
    _keep_validation(oxstore, report.validation, build_dir)
    oxstore.flush()
    t = time.perf_counter()
    if progress:
        progress("indexing the partnership network (the scope's part)", 0, 0)
    network_mod.update_index(store_mod.EmbeddedStore(oxstore, build_dir), plan.previous, build_dir, scope)
    report.timings["network_index"] = time.perf_counter() - t


def _keep_validation(oxstore: ox.Store, validation, build_dir: Path) -> None:
    """The summary line into mgg:meta; a failure if the store does not conform; else the findings saved beside the
    build, for the next incremental build to start from."""
    _add_summary(oxstore, validation.summary_line())
    if not validation.conforms:
        failure = ValidationFailed(validation.summary_line())
        failure.validation = validation
        raise failure
    validate_mod.save_findings(validation, validate_mod.findings_path(build_dir))


def _add_summary(oxstore: ox.Store, line: str) -> None:
    """The validation's summary line in mgg:meta (and in the default graph, the merge)."""
    summary = (ox.NamedNode(MGG + "meta#build"), ox.NamedNode(MG + "validationSummary"), ox.Literal(line))
    oxstore.extend([ox.Quad(*summary, ox.NamedNode(META_GRAPH)), ox.Quad(*summary, ox.DefaultGraph())])


def count_per_graph_of(oxstore: ox.Store, graphs: list[str]) -> dict[str, int]:
    """Counted by the engine (a Python loop over the 2.6 million derived quads of an L store took 20 s)."""
    return {g: int(next(iter(oxstore.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")))["n"].value)
            for g in graphs}


def check(settings: Settings, data_paths: list[Path] | None = None, progress: Progress | None = None,
          build_date: dt.date | None = None) -> BuildReport:
    """Assemble and validate in memory without touching the store (what `munigraph validate` runs)."""
    report = BuildReport(build_date=build_date or dt.date.today())
    report.files = input_files(data_paths or [settings.data])
    oxstore = ox.Store()
    assemble(oxstore, report.files, settings, report.build_date, report, progress)
    report.validation = validate_mod.validate_store(incremental.MergedView(oxstore), settings, report.files)
    return report
