"""`make bench`: munigraph at scale, measured against baselines in the same run, written to benchmarks/RESULTS.md.

    python benchmarks/bench.py [--size S|M|L] [--repeat 3] [--seed 1] [--out benchmarks/RESULTS.md] [--work DIR]
                               [--duration 5] [--baseline-budget 600]

What runs (each a real process, as a user runs it; medians of --repeat runs, peak memory from the kernel):
1. `munigraph generate` the synthetic data set of the size, then `munigraph build` (load, derive, validate);
   an incremental rebuild after one data file changed;
2. every named query with varied parameters drawn from the data (p50 and p95);
3. `munigraph serve` under uvicorn: requests per second and p95 latency for entity pages, /sparql lookups and
   named-query API calls with 1, 8 and 32 concurrent clients (an asyncio httpx load generator);
4. `munigraph export` of every format, `network stats`, `suggest`;
5. side by side: the plain stack a researcher would write (rdflib parse, rdflib SPARQL, pySHACL: see
   plain_stack.py), rdflib-endpoint serving the same data, and the Oxigraph server on the same data answering the
   same /sparql lookups (the engine's own limit). A baseline that runs past --baseline-budget is stopped and
   reported as a lower bound (">").
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LIMITS = HERE / "LIMITS-L.md"  # what limits the targets missed at size L, from profiles (added to RESULTS.md at L)
PY = sys.executable
MG = [PY, "-m", "munigraph"]
TARGETS_L = {  # the targets of the issue at size L on this machine
    "load_rate": 250_000, "derive": 30.0, "validate": 120.0, "incremental": 10.0, "query_p95_ms": 500.0,
    "pages_rps_8": 200.0, "sparql_vs_oxigraph": 1.5, "peak_gb": 4.0, "build_ratio": 8.0, "query_ratio": 20.0,
}


# --- running things -------------------------------------------------------------------------

class OverBudget(Exception):
    """A measured command ran past its time budget and was stopped."""


def measured(cmd: list[str], *, cwd: Path = ROOT, env: dict | None = None, budget: float | None = None) -> dict:
    """Run a command; its wall time, peak resident memory (MB, the kernel's figure for that process from wait4)
    and output. Raises on failure, and OverBudget when it runs past `budget` seconds (it is then stopped)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=errors, env={**os.environ, **(env or {})})
        timer = None
        if budget:
            timer = threading.Timer(budget, proc.kill)
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        if timer:
            timer.cancel()
            if time.perf_counter() - start >= budget:
                raise OverBudget(f"{' '.join(cmd[2:4])} stopped after {budget:.0f} s")
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        errors.seek(0)
        stdout, stderr = out.read().decode(), errors.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {stderr[-2000:]}")
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "out": stdout, "err": stderr}


def median(values):
    return statistics.median(values) if values else float("nan")


def p95(values):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A server started for the benchmark on 127.0.0.1, stopped when done."""

    def __init__(self, cmd: list[str], url: str, ready: str, cwd: Path = ROOT, log: Path | None = None,
                 wait: float = 600.0):
        import httpx
        self.url = url
        self.log = open(log or os.devnull, "w")
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{' '.join(cmd)} exited with {self.proc.returncode}")
            try:
                if httpx.get(url + ready, timeout=5).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{' '.join(cmd)} did not answer")

    def peak_mb(self) -> float:
        """The peak resident memory of the server and its worker processes, summed (VmHWM from /proc)."""
        def pids(pid: int) -> list[int]:
            # each thread lists the children it started: the query workers are started from a thread of the
            # server's pool, so the main thread's list alone left them out (the server looked like 75 MB at L)
            children = []
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    children += (task / "children").read_text().split()
                except OSError:
                    pass
            return [pid] + [p for child in children for p in pids(int(child))]
        total = 0.0
        for pid in pids(self.proc.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                pass
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


async def _load(urls: list[tuple[str, dict]], clients: int, duration: float, latencies: list[float] | None = None) -> dict:
    """`clients` concurrent clients, each sending the next request as soon as the last answered, for `duration` s.
    The latencies are added to `latencies` when given (for figures over several rounds)."""
    import httpx
    latencies = [] if latencies is None else latencies
    before = len(latencies)
    failures = 0
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        async def worker(k: int):
            nonlocal failures
            n = k
            while time.perf_counter() < deadline:
                url, headers = urls[n % len(urls)]
                n += clients
                t = time.perf_counter()
                try:
                    r = await client.get(url, headers=headers)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t)
                else:
                    failures += 1
        started = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(clients)))
        elapsed = time.perf_counter() - started
    done = len(latencies) - before
    return {"rps": done / elapsed, "p50_ms": median(latencies) * 1000, "p95_ms": p95(latencies) * 1000,
            "requests": done, "failures": failures, "seconds": elapsed}


def load(urls, clients: int, duration: float) -> dict:
    figures = asyncio.run(_load(urls, clients, duration))
    figures.pop("seconds")
    return figures


SPARQL_ROUNDS = 3


def load_alternating(url_sets: list[list[tuple[str, dict]]], clients: int, duration: float, rounds: int = SPARQL_ROUNDS) -> list[dict]:
    """The same load on several servers in turn, `rounds` times, `duration` s in all for each: their figures are
    then taken under the same state of a shared machine, which a ratio between them needs (measured minutes
    apart, the /sparql ratio moved between 1.4x and 1.8x from one run to the next)."""
    latencies: list[list[float]] = [[] for _ in url_sets]
    totals = [{"requests": 0, "failures": 0, "seconds": 0.0} for _ in url_sets]
    for _ in range(rounds):
        for k, urls in enumerate(url_sets):
            part = asyncio.run(_load(urls, clients, duration / rounds, latencies[k]))
            for key in totals[k]:
                totals[k][key] += part[key]
    return [{"rps": t["requests"] / t["seconds"], "p50_ms": median(lat) * 1000, "p95_ms": p95(lat) * 1000,
             "requests": t["requests"], "failures": t["failures"]} for t, lat in zip(totals, latencies)]


# --- the steps ------------------------------------------------------------------------------

def generate(size: str, seed: int, data: Path) -> dict:
    run = measured(MG + ["generate", "--size", size, "--seed", str(seed), "--out", str(data), "--format", "json"])
    return {**json.loads(run["out"]), "seconds": run["seconds"]}


def build(store: Path, data: Path, repeat: int) -> dict:
    from munigraph.vocab import DERIVED_GRAPH, META_GRAPH
    runs = []
    for _ in range(repeat):
        run = measured(MG + ["--store", str(store), "build", "--full", "--data", str(data), "--format", "json"])
        report = json.loads(run["out"])
        per_graph = report["triples_per_graph"]
        runs.append({**report["seconds"], "wall": run["seconds"], "peak_mb": run["peak_mb"],
                     "triples": sum(per_graph.values()), "report": report,
                     # what the load phase loads: the data files' graphs, not the derived relations or the metadata
                     "loaded": sum(n for g, n in per_graph.items() if g not in (DERIVED_GRAPH, META_GRAPH))})
    out = {phase: median([r[phase] for r in runs]) for phase in ("load", "derive", "validate", "total", "wall")
           if all(phase in r for r in runs)}
    out["network_index"] = median([r.get("network_index", 0.0) for r in runs])
    out["peak_mb"] = max(r["peak_mb"] for r in runs)
    out["triples"] = runs[-1]["triples"]
    out["loaded_triples"] = runs[-1]["loaded"]
    out["load_rate"] = out["loaded_triples"] / out["load"] if out.get("load") else float("nan")
    out["warnings"] = runs[-1]["report"]["validation"]["warnings"]
    out["violations"] = runs[-1]["report"]["validation"]["violations"]
    out["runs"] = len(runs)
    return out


def incremental(store: Path, data: Path) -> dict:
    """Change one data file (a comment on its source), rebuild, and put the file back."""
    files = sorted(p for p in data.glob("*.ttl") if "gazetteer" not in p.name) or sorted(data.glob("*.ttl"))
    target = files[len(files) // 2]
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\n# changed by the benchmark\n<https://w3id.org/munigraph/id/source/" +
                           target.stem.encode() + b"> <http://www.w3.org/2000/01/rdf-schema#comment> \"changed\"@en .\n")
        run = measured(MG + ["--store", str(store), "build", "--data", str(data), "--format", "json"])
    finally:
        target.write_bytes(original)
    report = json.loads(run["out"])
    # The last phase of the run, so the store is not rebuilt back to the data as generated (at L that is as long
    # again as the measured rebuild)
    return {"file": target.name, "wall": run["seconds"], "seconds": report["seconds"], "peak_mb": run["peak_mb"],
            "reused": report.get("incremental")}


def parameter_sets(store_dir: Path, seed: int, n: int) -> dict[str, list[dict[str, list[str]]]]:
    """For every named query, n sets of parameters drawn from the data (municipalities with partners, pairs that
    share a partner, entities, countries, dates)."""
    sys.path.insert(0, str(ROOT / "src"))
    from munigraph import queries as queries_mod
    from munigraph.store import EmbeddedStore
    store = EmbeddedStore.open(store_dir)
    rng = random.Random(seed)
    govs = [r[0] for r in store.select_values(
        "SELECT DISTINCT ?g WHERE { ?p a <https://w3id.org/munigraph/ontology#Partnership> ; "
        "<https://w3id.org/munigraph/ontology#partner> ?g } ORDER BY ?g")]
    pairs = store.select_values(
        "SELECT ?a ?b WHERE { ?p a <https://w3id.org/munigraph/ontology#Partnership> ; "
        "<https://w3id.org/munigraph/ontology#partner> ?a , ?b . FILTER(STR(?a) < STR(?b)) } ORDER BY ?a ?b LIMIT 20000")
    countries = [r[0] for r in store.select_values(
        "SELECT DISTINCT ?c WHERE { ?x <https://w3id.org/munigraph/ontology#countryCode> ?c } ORDER BY ?c")]
    out = {}
    for name, query in queries_mod.catalog().items():
        sets = []
        for _ in range(n if query.params else 1):  # a query without parameters is the same query each time
            a, b = rng.choice(pairs) if pairs else (rng.choice(govs), rng.choice(govs))
            given: dict[str, list[str]] = {}
            for param in query.params:
                if param.type == "municipality":
                    given[param.name] = [a if param.name != "b" else b]
                elif param.type == "entity":
                    given[param.name] = [rng.choice(govs)]
                elif param.type == "country" and param.required:
                    given[param.name] = [rng.choice(countries)]
                elif param.type == "date" and param.required:
                    given[param.name] = [f"{rng.randint(1990, 2024)}-01-01"]
                elif param.type == "date" and rng.random() < 0.5:
                    given[param.name] = [f"{rng.randint(1990, 2024)}-06-01"]
            sets.append(given)
        out[name] = sets
    return out


def named_queries(store_dir: Path, params: dict, repeat: int) -> dict:
    """Each named query as the library runs it (resolution, binding, the query, labels), in one warm process."""
    sys.path.insert(0, str(ROOT / "src"))
    from munigraph import queries as queries_mod
    from munigraph.store import EmbeddedStore
    from munigraph.vocab import DEFAULT_BASE
    store = EmbeddedStore.open(store_dir)
    languages = ["en", "pl", "lt", "uk", "be", "de"]
    out = {}
    for name, sets in params.items():
        times = []
        for _ in range(repeat):
            for given in sets:
                t = time.perf_counter()
                queries_mod.run_named(store, name, given, DEFAULT_BASE, languages)
                times.append(time.perf_counter() - t)
        out[name] = {"p50_ms": median(times) * 1000, "p95_ms": p95(times) * 1000, "runs": len(times)}
    return out


VALIDATE_SHARE = 0.4  # of the baseline's budget, for pySHACL; the rest is the parse, the dump's parse and the queries


def plain_stack(data: Path, dump: Path, params: dict, store_dir: Path, budget: float, query_cap: float = 60.0) -> dict:
    """The rdflib + pySHACL baseline in its own process (plain_stack.py), stopped after `budget` seconds."""
    spec = Path(tempfile.mkstemp(suffix=".json")[1])
    texts = _bound_texts(store_dir, params)
    validate_cap = max(1.0, budget * VALIDATE_SHARE)
    spec.write_text(json.dumps({"data": str(data), "dump": str(dump), "queries": texts, "shapes": str(ROOT / "ontology" / "shapes.ttl"),
                                "ontology": [str(ROOT / "ontology" / "munigraph.ttl"), str(ROOT / "ontology" / "vocabularies.ttl")],
                                "query_cap": query_cap, "validate_cap": validate_cap}))
    proc = subprocess.Popen([PY, str(HERE / "plain_stack.py"), str(spec)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    results: dict = {"validate_cap": validate_cap}
    deadline = time.monotonic() + budget
    try:
        for line in proc.stdout:  # one JSON object per finished phase, so a stopped run keeps what it measured
            results.update(json.loads(line))
            if time.monotonic() > deadline:
                break
    finally:
        if proc.poll() is None:
            proc.kill()
            results["stopped_after"] = budget
        proc.wait()
        spec.unlink(missing_ok=True)
    return results


def _bound_texts(store_dir: Path, params: dict) -> dict[str, list[str]]:
    """The exact query texts munigraph runs (parameters resolved and bound), for the other engines to run too."""
    from munigraph import queries as queries_mod
    from munigraph.resolve import Resolver
    from munigraph.store import EmbeddedStore
    from munigraph.vocab import DEFAULT_BASE
    store = EmbeddedStore.open(store_dir)
    resolver = Resolver(store, DEFAULT_BASE, ["en"])
    out = {}
    for name, sets in params.items():
        query = queries_mod.get(name)
        out[name] = [queries_mod.prepared_text(query, queries_mod.bind_parameters(query, given, resolver)) for given in sets]
    return out


def lookups(store_dir: Path, seed: int, n: int = 200) -> list[str]:
    """/sparql lookups: the statements about one entity (what a linked-data client asks most)."""
    from munigraph.store import EmbeddedStore
    store = EmbeddedStore.open(store_dir)
    govs = [r[0] for r in store.select_values(
        "SELECT ?g WHERE { ?g a <https://w3id.org/munigraph/ontology#LocalGovernment> } ORDER BY ?g")]
    rng = random.Random(seed)
    return [f"SELECT ?p ?o WHERE {{ <{g}> ?p ?o }}" for g in rng.sample(govs, min(n, len(govs)))]


def servers(store_dir: Path, dump: Path, work: Path, params: dict, lookup_queries: list[str], duration: float,
            seed: int, concurrency=(1, 8, 32), endpoint_wait: float = 600.0) -> dict:
    from urllib.parse import quote
    rng = random.Random(seed)
    govs = [g for sets in params.values() for given in sets for g in given.get("municipality", [])] or \
           [q.split("<")[1].split(">")[0] for q in lookup_queries]
    base = "https://w3id.org/munigraph/id/"
    out: dict = {"munigraph": {}, "oxigraph": {}, "rdflib-endpoint": {}, "sparql_rounds": SPARQL_ROUNDS}
    html = {"Accept": "text/html"}
    json_accept = {"Accept": "application/sparql-results+json"}

    def sparql_urls(url):
        return [(f"{url}?query={quote(q)}", json_accept) for q in lookup_queries]

    # the Oxigraph server on the same data (loaded from the same dump): the engine's own speed. It runs beside
    # munigraph's server, and the /sparql lookups go to the two in turn (load_alternating)
    location = work / "oxigraph-server"
    shutil.rmtree(location, ignore_errors=True)
    oxigraph = shutil.which("oxigraph", path=str(Path(PY).parent)) or "oxigraph"
    subprocess.run([oxigraph, "load", "--location", str(location), "--file", str(dump)], check=True, capture_output=True)
    port = free_port()
    ox_server = Service([oxigraph, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                        f"http://127.0.0.1:{port}", "/query?query=ASK%7B%7D")
    try:
        port = free_port()
        mg = Service(MG + ["--store", str(store_dir), "serve", "--port", str(port), "--log-level", "warning"],
                     f"http://127.0.0.1:{port}", "/sparql?query=ASK%7B%7D", log=work / "serve.log")
        try:
            pages = [(f"{mg.url}/page/{g[len(base):]}", html) for g in rng.sample(govs, min(200, len(govs))) if g.startswith(base)]
            api = [(f"{mg.url}/api/queries/partners?municipality={quote(g)}", {"Accept": "application/json"}) for g in govs[:200]]
            for clients in concurrency:
                mine, engine = load_alternating([sparql_urls(mg.url + "/sparql"), sparql_urls(ox_server.url + "/query")], clients, duration)
                out["munigraph"][clients] = {"pages": load(pages, clients, duration), "sparql": mine, "api": load(api, clients, duration)}
                out["oxigraph"][clients] = {"sparql": engine}
            out["serve_peak_mb"] = mg.peak_mb()
        finally:
            mg.stop()
    finally:
        ox_server.stop()
    # rdflib-endpoint serving the same dump with rdflib's own store
    port = free_port()
    endpoint = shutil.which("rdflib-endpoint", path=str(Path(PY).parent)) or "rdflib-endpoint"
    try:
        rdflib_server = Service([endpoint, "serve", str(dump), "--host", "127.0.0.1", "--port", str(port)],
                                f"http://127.0.0.1:{port}", "/?query=ASK%7B%7D", log=work / "rdflib-endpoint.log",
                                wait=endpoint_wait)
    except RuntimeError as exc:  # loading a large dump into rdflib's memory store can take longer than we wait
        out["rdflib-endpoint"]["failed"] = str(exc)[-300:]
        return out
    try:
        for clients in (8,):
            out["rdflib-endpoint"][clients] = {"sparql": load(sparql_urls(rdflib_server.url + "/"), clients, duration)}
    finally:
        rdflib_server.stop()
    return out


def commands(store_dir: Path, work: Path, params: dict, repeat: int, budget: float = 1800.0) -> dict:
    out = {}
    try:
        exports = [measured(MG + ["--store", str(store_dir), "export", "--out", str(work / "export")], budget=budget) for _ in range(repeat)]
        out["export"] = {"seconds": median([r["seconds"] for r in exports]), "peak_mb": max(r["peak_mb"] for r in exports)}
    except OverBudget:
        out["export"] = {"seconds": float("nan"), "peak_mb": float("nan"), "stopped_after": budget}
    stats = [measured(MG + ["--store", str(store_dir), "network", "stats", "--status", "all", "--format", "json"]) for _ in range(repeat)]
    out["network stats"] = {"seconds": median([r["seconds"] for r in stats]), "peak_mb": max(r["peak_mb"] for r in stats)}
    who = [given["municipality"][0] for given in params.get("partners", [])][:max(repeat, 3)]
    runs = [measured(MG + ["--store", str(store_dir), "suggest", g, "--status", "all", "--format", "json"]) for g in who]
    out["suggest"] = {"seconds": median([r["seconds"] for r in runs]), "peak_mb": max(r["peak_mb"] for r in runs)}
    return out


def dump_store(store_dir: Path, dump: Path) -> None:
    """The built store's named graphs (derived relations included) as N-Quads, for the other engines."""
    import pyoxigraph as ox
    from munigraph.store import current_build
    store = ox.Store.read_only(str(current_build(store_dir)))
    with open(dump, "wb") as fh:
        store.dump(fh, format=ox.RdfFormat.N_QUADS)
    del store


# --- the report -----------------------------------------------------------------------------

def commit() -> str:
    """The commit measured (with '+changes' when the working tree differs from it)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB memory"
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; Python {platform.python_version()}"


def ratio(slow, fast) -> str:
    if slow is None or fast in (None, 0) or fast != fast:
        return "–"
    return f"{slow / fast:.1f}x"


def report(results: dict, size: str) -> str:
    b, q, s, c, plain = results["build"], results["queries"], results["servers"], results["commands"], results["plain"]
    inc = results.get("incremental")
    lines = [f"# munigraph benchmark: size {size}", "",
             f"Measured {results['date']} on {results['machine']}" + (f", commit {results['commit']}." if results.get("commit") else "."),
             f"Data: `munigraph generate --size {size} --seed {results['seed']}`: {results['generate'].get('files', '?')} files, "
             f"{b['triples']:,} triples in the store after derivation; medians of {results['repeat']} runs; peak memory is the "
             "largest resident set of the process (from the kernel).", "",
             "## Build", "", "| phase | seconds |", "|---|---:|"]
    for phase in ("load", "derive", "validate", "network_index", "total"):
        if phase in b:
            lines.append(f"| {phase} | {b[phase]:.2f} |")
    lines += ["", f"Load rate {b['load_rate']:,.0f} triples/s ({b.get('loaded_triples', b['triples']):,} triples of the data files "
              f"loaded in {b['load']:.1f} s); peak memory {b['peak_mb']:,.0f} MB; validation: "
              f"{b['violations']} violations, {b['warnings']} warnings."]
    if inc:
        lines += ["", f"Incremental: after changing `{inc['file']}`, the rebuild took {inc['wall']:.2f} s "
                  f"(phases: {', '.join(f'{k} {v:.2f}' for k, v in inc['seconds'].items())})"
                  + (f"; reused: {inc['reused']}" if inc.get("reused") else "; it re-did every phase (no incremental build yet).")]
    lines += ["", "## Named queries", "", "In one warm process (resolution of the parameters, binding, the query, labels); "
              "parameters vary per run.", "", "| query | p50 ms | p95 ms | runs | plain rdflib p50 ms | ratio |", "|---|---:|---:|---:|---:|---:|"]
    plain_q = plain.get("queries", {})
    for name, fig in sorted(q.items()):
        other = plain_q.get(name, {}).get("p50_ms")
        capped = plain_q.get(name, {}).get("stopped_at_cap_s")
        shown = "–" if other is None else (f"> {capped * 1000:.0f}" if capped else f"{other:.1f}")
        lines.append(f"| {name} | {fig['p50_ms']:.1f} | {fig['p95_ms']:.1f} | {fig['runs']} | {shown} | "
                     f"{('> ' if capped else '') + ratio(other, fig['p50_ms'])} |")
    lines += ["", "## Server", "", "Requests per second and p95 latency; the load generator runs on the same machine."
              + (f" The Oxigraph server runs beside munigraph's, and the /sparql lookups go to the two in turn, "
                 f"{s['sparql_rounds']} rounds each." if s.get("sparql_rounds") else ""), "",
              "| clients | entity pages rps | p95 ms | /sparql lookups rps | p95 ms | named-query API rps | p95 ms | Oxigraph server /query rps | p95 ms |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for clients, fig in s["munigraph"].items():
        o = s["oxigraph"].get(clients, {}).get("sparql", {})
        lines.append(f"| {clients} | {fig['pages']['rps']:.0f} | {fig['pages']['p95_ms']:.1f} | {fig['sparql']['rps']:.0f} | "
                     f"{fig['sparql']['p95_ms']:.1f} | {fig['api']['rps']:.0f} | {fig['api']['p95_ms']:.1f} | "
                     f"{o.get('rps', float('nan')):.0f} | {o.get('p95_ms', float('nan')):.1f} |")
    re8 = s["rdflib-endpoint"].get(8, {}).get("sparql", {})
    mg8 = s["munigraph"].get(8, {}).get("sparql", {})
    ox8 = s["oxigraph"].get(8, {}).get("sparql", {})
    if s["rdflib-endpoint"].get("failed"):
        lines += ["", f"rdflib-endpoint did not start on this data: {s['rdflib-endpoint']['failed']}"]
    lines += ["", f"rdflib-endpoint on the same data, 8 clients: {re8.get('rps', float('nan')):.0f} requests/s, "
              f"p95 {re8.get('p95_ms', float('nan')):.1f} ms; munigraph's throughput is {ratio(mg8.get('rps'), re8.get('rps'))} of it. "
              f"munigraph's /sparql p50 latency with 1 client is {ratio(s['munigraph'][1]['sparql']['p50_ms'], s['oxigraph'].get(1, {}).get('sparql', {}).get('p50_ms'))} "
              "the Oxigraph server's own.", "",
              f"Peak memory of the server with its query workers during these runs: {s.get('serve_peak_mb', float('nan')):,.0f} MB.", "",
              "## Commands", "", "| command | seconds | peak MB |", "|---|---:|---:|"]
    for name, fig in c.items():
        if fig.get("stopped_after"):
            lines.append(f"| {name} | > {fig['stopped_after']:.0f} (stopped) | – |")
        else:
            lines.append(f"| {name} | {fig['seconds']:.2f} | {fig['peak_mb']:,.0f} |")
    lines += ["", "## The plain stack (rdflib + pySHACL)", "",
              "What a researcher would write: parse the data files into an rdflib Dataset, validate it with pySHACL"
              + (f" (first, stopped after {plain['validate_cap']:.0f} s; then its time is a lower bound), " if plain.get("validate_cap") else ", ")
              + "and "
              "run the same named queries (the same bound texts) with rdflib's SPARQL over the built graph (dumped with its "
              "derived relations, so both answer the same question)." + (f" Stopped after {plain['stopped_after']:.0f} s: "
              "missing figures are at least that." if plain.get("stopped_after") else ""), "",
              "| | plain stack s | munigraph s | ratio |", "|---|---:|---:|---:|"]
    if "parse" in plain:
        lines.append(f"| parse/load | {plain['parse']:.2f} | {b['load']:.2f} | {ratio(plain['parse'], b['load'])} |")
    plain_validate, validate_stopped = plain_validation(plain)
    if plain_validate is not None:
        at_least = "≥ " if validate_stopped else ""
        lines.append(f"| validate | {'> ' if validate_stopped else ''}{plain_validate:.2f}{' (stopped)' if validate_stopped else ''} | "
                     f"{b['validate']:.2f} | {at_least}{ratio(plain_validate, b['validate'])} |")
    if "parse" in plain and plain_validate is not None:
        lines.append(f"| build (parse + validate vs whole build) | {'> ' if validate_stopped else ''}{plain['parse'] + plain_validate:.2f} | "
                     f"{b['total']:.2f} | {'≥ ' if validate_stopped else ''}{ratio(plain['parse'] + plain_validate, b['total'])} |")
    mq = [fig["p50_ms"] for name, fig in q.items() if name in plain_q]
    pq = [plain_q[name]["p50_ms"] for name in q if name in plain_q]
    if mq:
        lines.append(f"| named queries (median of the per-query p50, ms) | {median(pq):.1f} | {median(mq):.1f} | {ratio(median(pq), median(mq))} |")
    if size == "L":
        lines += ["", "## Targets at size L", "", *targets(results)]
        if LIMITS.exists():  # written by hand from profiles of the missed targets; kept beside the script
            lines += ["", LIMITS.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def targets(results: dict) -> list[str]:
    b, q, s = results["build"], results["queries"], results["servers"]
    t = TARGETS_L
    rows = [("load rate ≥ 250,000 triples/s", b["load_rate"] >= t["load_rate"], f"{b['load_rate']:,.0f}"),
            ("derived relations ≤ 30 s", b["derive"] <= t["derive"], f"{b['derive']:.1f} s"),
            ("full validation ≤ 120 s", b["validate"] <= t["validate"], f"{b['validate']:.1f} s")]
    if results.get("incremental"):
        rows.append(("incremental rebuild ≤ 10 s", results["incremental"]["wall"] <= t["incremental"], f"{results['incremental']['wall']:.1f} s"))
    worst = max(fig["p95_ms"] for fig in q.values())
    rows.append(("every named query p95 ≤ 500 ms", worst <= t["query_p95_ms"], f"worst {worst:.0f} ms"))
    pages8 = s["munigraph"][8]["pages"]["rps"]
    rows.append(("entity pages ≥ 200 requests/s with 8 clients", pages8 >= t["pages_rps_8"], f"{pages8:.0f}/s"))
    mine, theirs = s["munigraph"][1]["sparql"]["p50_ms"], s["oxigraph"][1]["sparql"]["p50_ms"]
    rows.append(("/sparql within 1.5x of the Oxigraph server", mine <= t["sparql_vs_oxigraph"] * theirs, f"{mine / theirs:.2f}x"))
    peak = max(b["peak_mb"], s.get("serve_peak_mb", 0.0), *(fig["peak_mb"] for fig in results["commands"].values() if fig["peak_mb"] == fig["peak_mb"])) / 1024
    rows.append(("peak memory ≤ 4 GB (build, serve with its workers, export, commands)", peak <= t["peak_gb"], f"{peak:.2f} GB"))
    plain, q = results.get("plain", {}), results["queries"]
    plain_validate, validate_stopped = plain_validation(plain)
    if "parse" in plain and plain_validate is not None:
        build_ratio = (plain["parse"] + plain_validate) / b["total"]
        if not validate_stopped:
            rows.append(("build ≥ 8x faster than the plain rdflib stack", build_ratio >= t["build_ratio"], f"{build_ratio:.1f}x"))
        else:  # a lower bound: it shows the target met, or nothing
            rows.append(("build ≥ 8x faster than the plain rdflib stack", True if build_ratio >= t["build_ratio"] else None,
                         f"≥ {build_ratio:.1f}x (pySHACL was stopped after {plain_validate:.0f} s)"))
    elif "parse" in plain:
        build_ratio = plain["parse"] / b["total"]
        rows.append(("build ≥ 8x faster than the plain rdflib stack", True if build_ratio >= t["build_ratio"] else None,
                     f"≥ {build_ratio:.1f}x (its parse alone against the whole build; its validation did not start)"))
    plain_q = plain.get("queries", {})
    pairs = [(plain_q[name]["p50_ms"], fig["p50_ms"]) for name, fig in q.items() if name in plain_q and fig["p50_ms"] > 0]
    if pairs:
        query_ratio = median([slow / fast for slow, fast in pairs])
        rows.append(("queries ≥ 20x faster than the plain rdflib stack (median of the per-query ratios)",
                     query_ratio >= t["query_ratio"], f"{query_ratio:.1f}x"))
    shown = {True: "yes", False: "NO", None: "not shown"}  # None: a lower bound below the target
    return ["| target | met | measured |", "|---|---|---|", *(f"| {name} | {shown[ok]} | {value} |" for name, ok, value in rows)]


def plain_validation(plain: dict) -> tuple[float | None, bool]:
    """pySHACL's seconds on the plain stack, and whether that is a lower bound (it was stopped at its cap)."""
    if "validate" in plain:
        return plain["validate"], False
    if "validate_stopped_at" in plain:
        return plain["validate_stopped_at"], True
    return None, False


def load_results(path: Path) -> dict:
    """An earlier run's RESULTS.json, with the client counts (strings in JSON) as numbers again; a file that is
    missing or is not such a run stops the script with one line that names it."""
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        for section in results["servers"].values():
            if isinstance(section, dict):
                for key in [k for k in section if k.isdigit()]:
                    section[int(key)] = section.pop(key)
    except OSError as exc:
        raise SystemExit(f"bench.py: {path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise SystemExit(f"bench.py: {path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except (KeyError, AttributeError, TypeError):
        raise SystemExit(f"bench.py: {path}: not the RESULTS.json of a benchmark run (no \"servers\" section)") from None
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["S", "M", "L"],
                        help="S, M or L (default: $BENCH_SIZE, else M; with --render, the size of that run)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=10, help="parameter sets per named query")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per server measurement")
    parser.add_argument("--baseline-budget", type=float, default=600.0, help="seconds before the plain stack is stopped")
    parser.add_argument("--query-cap", type=float, default=60.0, help="seconds after which one rdflib query is stopped")
    parser.add_argument("--command-budget", type=float, default=1800.0, help="seconds after which an export run is stopped")
    parser.add_argument("--endpoint-wait", type=float, default=600.0,
                        help="seconds to wait for rdflib-endpoint to load the dump before it is recorded as failed")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--render", type=Path, metavar="RESULTS.json",
                        help="only write --out again from the figures of an earlier run (its RESULTS.json)")
    parser.add_argument("--data", type=Path, help="benchmark this data folder instead of generating one (e.g. data/)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed afterwards)")
    args = parser.parse_args(argv)
    if args.render:
        results = load_results(args.render)
        args.out.write_text(report(results, args.size or results.get("size") or "M"), encoding="utf-8")
        return
    args.size = args.size or os.environ.get("BENCH_SIZE") or "M"
    work = args.work or Path(tempfile.mkdtemp(prefix="munigraph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    say = lambda message: print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
    try:
        results: dict = {"date": dt.date.today().isoformat(), "machine": machine(), "seed": args.seed, "repeat": args.repeat,
                         "size": args.size, "commit": commit()}
        data, store = work / "data", work / "store"
        if args.data:
            shutil.rmtree(data, ignore_errors=True)
            shutil.copytree(args.data, data)
            results["generate"] = {"files": len(list(data.glob("*.ttl"))), "given": str(args.data)}
        else:
            say(f"generating size {args.size}")
            results["generate"] = generate(args.size, args.seed, data)
        say("building")
        results["build"] = build(store, data, args.repeat)
        params = parameter_sets(store, args.seed, args.queries)
        say("named queries")
        results["queries"] = named_queries(store, params, args.repeat)
        dump = work / "dump.nq"
        dump_store(store, dump)
        say("servers")
        results["servers"] = servers(store, dump, work, params, lookups(store, args.seed), args.duration, args.seed,
                                      endpoint_wait=args.endpoint_wait)
        say("export, network stats, suggest")
        results["commands"] = commands(store, work, params, args.repeat, args.command_budget)
        say("the plain rdflib stack")
        results["plain"] = plain_stack(data, dump, params, store, args.baseline_budget, args.query_cap)
        say("incremental rebuild")
        results["incremental"] = incremental(store, data)
        args.out.write_text(report(results, args.size), encoding="utf-8")
        (args.out.with_suffix(".json")).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        say(f"wrote {args.out}")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
