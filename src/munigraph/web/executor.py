"""Running SPARQL in worker processes, so that a query past its time limit is really stopped.

Oxigraph evaluates a query in native code that Python cannot interrupt. Each worker process holds its own handle on
the store; the server sends it one operation at a time over a pipe and waits at most the time limit. A worker that
does not answer in time is killed (which stops the query) and replaced, and the client gets 503. Read-only servers
run several workers on a read-only handle; a server that accepts updates runs one worker holding the store for
writing, so every query sees every update.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import pickle
import queue
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..store import SelectResult


class QueryTimeout(Exception):
    """The operation ran past the time limit; its worker was killed and replaced."""


class QueryFailed(Exception):
    """The engine refused the operation (syntax error, unsupported feature, ...): a client error."""


@dataclass
class Reply:
    media_type: str | None = None
    body: bytes = b""
    truncated: int | None = None
    rows: SelectResult | None = None
    value: object = None


# --- inside the worker process ------------------------------------------------------------------

def _worker(conn, location: str, writable: bool) -> None:
    import pyoxigraph as ox

    from . import formats
    from .views import LocalStore

    store = ox.Store(location) if writable else ox.Store.read_only(location)
    local = LocalStore(store)
    views = None  # the HTML views (views.py), made on the first page asked for
    while True:
        try:
            op = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        try:
            kind = op["kind"]
            if kind == "query":
                reply = _run_query(ox, formats, store, op)
            elif kind == "page":
                if views is None:
                    from .views import Views
                    views = Views(local, local.construct)
                html = views.page(op)
                reply = Reply("text/html", html or b"", value=html is not None)
            elif kind == "select":
                reply = Reply(rows=local.select(op["text"]))
            elif kind == "ask":
                reply = Reply(value=bool(store.query(op["text"])))
            elif kind == "construct":
                triples = list(store.query(op["text"]))
                reply = Reply(media_type=op["media_type"], body=formats.serialize_graph(triples, op["media_type"], op.get("prefixes"), op.get("entity")))
            elif kind == "update":
                store.update(op["text"], base_iri=op.get("base_iri"))
                store.flush()
                if views is not None:
                    views.forget()  # what the views kept described the store before the update
                reply = Reply(value=True)
            elif kind == "graphs":
                reply = Reply(value=sorted(g.value for g in store.named_graphs()))
            else:
                raise ValueError(f"unknown operation {kind}")
            conn.send(("ok", reply))
        except SyntaxError as exc:
            conn.send(("failed", f"syntax error: {exc.args[0] if exc.args else exc}"))
        except Exception as exc:  # the engine's own errors are reported to the client, the worker lives on
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


def _run_query(ox, formats, store, op) -> Reply:
    options = {}
    if op.get("default_graphs"):
        options["default_graph"] = [ox.NamedNode(g) for g in op["default_graphs"]]
    if op.get("named_graphs"):
        options["named_graphs"] = [ox.NamedNode(g) for g in op["named_graphs"]]
    if op.get("base_iri"):
        options["base_iri"] = op["base_iri"]
    result = store.query(op["text"], **options)
    max_rows = op["max_rows"]
    media_type = op["media_type"]
    if isinstance(result, ox.QueryBoolean):
        return Reply(media_type, formats.serialize_ask(bool(result), formats.ASK_TYPES[media_type]))
    if isinstance(result, ox.QuerySolutions):
        fmt = formats.SELECT_TYPES[media_type]
        if fmt in formats.NATIVE_SELECT:
            # The engine writes the results (several times faster than building them here), unless they could be
            # more than max_rows: every row takes at least one byte, so output that stays within max_rows bytes
            # has at most max_rows rows. Past that the engine stops writing, and the query is run again below
            # and cut row by row (the larger results, where the extra run costs least in proportion).
            out = _Bounded(max_rows)
            try:
                result.serialize(out, format=formats.NATIVE_SELECT[fmt])
                return Reply(media_type, out.getvalue())
            except _Bounded.Full:
                result = store.query(op["text"], **options)
        variables = [v.value for v in result.variables]
        rows = []
        truncated = None
        for solution in result:
            if len(rows) == max_rows:
                truncated = max_rows
                break
            rows.append([solution[v] for v in variables])
        return Reply(media_type, formats.serialize_select(variables, rows, fmt, truncated), truncated)
    triples = []
    truncated = None
    for triple in result:
        if len(triples) == max_rows:
            truncated = max_rows
            break
        triples.append(triple)
    return Reply(media_type, formats.serialize_graph(triples, media_type, op.get("prefixes")), truncated)


class _Bounded:
    """A binary file for the engine's serialiser that refuses to hold more than `limit` bytes."""

    class Full(Exception):
        """The serialised results passed the limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise self.Full()
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the parts are kept in memory."""

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


# --- in the server ------------------------------------------------------------------------------

class _MessageReader:
    """Reads one message of multiprocessing.Connection's framing (a 4-byte big-endian length, or -1 and an
    8-byte length, then the pickle) from a pipe as the event loop reports it readable, never blocking."""

    def __init__(self, fd: int, done: "asyncio.Future"):
        self.fd, self.done = fd, done
        self.buffer = bytearray()
        self.size: int | None = None

    def on_readable(self) -> None:
        if self.done.done():
            return
        try:
            chunk = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            return
        except OSError as exc:
            self.done.set_exception(exc)
            return
        if not chunk:
            self.done.set_exception(EOFError())
            return
        self.buffer += chunk
        if self.size is None and len(self.buffer) >= 4:
            (size,) = struct.unpack("!i", self.buffer[:4])
            if size >= 0:
                self.size, del_ = size, 4
            elif len(self.buffer) >= 12:
                (self.size,), del_ = struct.unpack("!Q", self.buffer[4:12]), 12
            else:
                return
            del self.buffer[:del_]
        if self.size is not None and len(self.buffer) >= self.size:
            try:
                self.done.set_result(pickle.loads(self.buffer[:self.size]))
            except Exception as exc:  # an answer that does not unpickle: the worker is replaced, the client told
                self.done.set_exception(EOFError(f"unreadable answer: {exc}"))


class _Worker:
    def __init__(self, ctx, location: str, writable: bool):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, location, writable), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class Executor:
    """A pool of worker processes over one store; `run` is blocking and thread-safe."""

    def __init__(self, location: Path, *, workers: int = 2, writable: bool = False, timeout: float = 30.0,
                 max_rows: int = 100_000):
        self.location = str(location)
        self.writable = writable
        self.timeout = timeout
        self.max_rows = max_rows
        self.size = 1 if writable else max(1, workers)
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self.restarts = 0

    def start(self) -> None:
        for _ in range(self.size):
            self._spawn()
        self.run({"kind": "graphs"}, timeout=60)  # wait until a worker has opened the store

    def _spawn(self) -> None:
        worker = _Worker(self._ctx, self.location, self.writable)
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.kill()

    def run(self, op: dict, timeout: float | None = None) -> Reply:
        limit = self.timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"no worker became free within {limit:g} s") from None
        remaining = max(0.1, limit - (time.monotonic() - started))
        try:
            worker.conn.send(op)
            if not worker.conn.poll(remaining):
                raise QueryTimeout(f"the query ran longer than the time limit of {limit:g} s and was stopped")
            status, payload = worker.conn.recv()
        except (QueryTimeout, EOFError, OSError) as exc:
            raise self._lost(worker, exc) from None
        return self._answered(worker, status, payload)

    async def arun(self, op: dict, timeout: float | None = None) -> Reply:
        """`run` for the event loop: the answer is awaited as the worker's pipe becoming readable and read as it
        comes, with no thread in between (a thread hop each way was a sixth of a short lookup's time). When no
        worker is idle, the wait for one happens in a thread, as in `run`."""
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            from starlette.concurrency import run_in_threadpool
            return await run_in_threadpool(self.run, op, timeout)
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        reader = _MessageReader(worker.conn.fileno(), loop.create_future())
        try:
            worker.conn.send(op)
            loop.add_reader(reader.fd, reader.on_readable)
            try:
                status, payload = await asyncio.wait_for(reader.done, limit)
            except asyncio.TimeoutError:
                raise QueryTimeout(f"the query ran longer than the time limit of {limit:g} s and was stopped") from None
            finally:
                loop.remove_reader(reader.fd)
                # the event loop (uvloop) made the socket non-blocking; `run`, in a thread, reads it blocking
                os.set_blocking(reader.fd, True)
        except BaseException as exc:  # also cancelled (the client went away): its answer is still coming
            raise self._lost(worker, exc) from None
        return self._answered(worker, status, payload)

    def _answered(self, worker: _Worker, status: str, payload) -> Reply:
        """The worker answered: it is free again, and its answer is the reply or the engine's refusal."""
        self._idle.put(worker)
        if status == "failed":
            raise QueryFailed(payload)
        return payload

    def _lost(self, worker: _Worker, exc: BaseException) -> BaseException:
        """The worker cannot be used again (stopped, past the time limit, or an answer still on its way): it is
        replaced; what to raise is returned (a worker that died is the client's QueryFailed)."""
        self._replace(worker)
        if isinstance(exc, (EOFError, OSError)):
            return QueryFailed("the query worker stopped unexpectedly; try again")
        return exc

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
        self.restarts += 1
        self._spawn()


class ExecutorStore:
    """The library's store interface (select/query/named_graphs) over the executor, for pages and named queries."""

    def __init__(self, executor: Executor):
        self.executor = executor
        # a folder for the embedded store; the endpoint's URL (a str) for a remote one
        self.location = executor.location if isinstance(executor, RemoteExecutor) else Path(executor.location)

    def select(self, text: str) -> SelectResult:
        return self.executor.run({"kind": "select", "text": text}).rows

    def query(self, text: str):
        from ..sparqltext import query_form
        form = query_form(text)
        if form == "ASK":
            return self.executor.run({"kind": "ask", "text": text}).value
        if form == "SELECT":
            return self.select(text)
        raise QueryFailed("only SELECT and ASK go through this interface")

    def select_values(self, text: str) -> list[tuple]:
        return [tuple(None if v is None else str(v) for v in row) for row in self.select(text).rows]

    def named_graphs(self) -> list[str]:
        return self.executor.run({"kind": "graphs"}).value


class RemoteExecutor:
    """The executor's interface over a remote store (`munigraph serve --endpoint`): each operation is one request
    to the remote endpoint, under the same time limit; its answers are written by the same serialisers as the
    embedded store's, so the pages and /sparql give the same bytes for the same data."""

    def __init__(self, remote, *, timeout: float = 30.0, max_rows: int = 100_000):
        from ..remote import RemoteConfig, RemoteStore
        config = RemoteConfig(**{**remote.__dict__, "timeout": timeout})
        self.store = RemoteStore(config)
        self.location = config.endpoint
        self.timeout = timeout
        self.max_rows = max_rows
        self.writable = False
        self.restarts = 0
        self._page_views = None

    def _views(self):
        """The HTML views, here in the server, each query one request to the remote store. They keep nothing
        between requests (cache=False): the remote store can change without this server knowing."""
        if self._page_views is None:
            from .views import Views
            store = ExecutorStore(self)

            def construct(text: str, media_type: str, prefixes: dict | None = None, entity: str | None = None) -> bytes:
                return self.run({"kind": "construct", "text": text, "media_type": media_type, "prefixes": prefixes,
                                 "entity": entity}).body
            self._page_views = Views(store, construct, cache=False)
        return self._page_views

    def start(self) -> None:
        self.run({"kind": "graphs"})

    def close(self) -> None:
        """Nothing to close: a remote store has no worker processes."""

    def run(self, op: dict, timeout: float | None = None) -> Reply:
        from ..remote import RemoteError, RemoteTimeout
        try:
            return self._run(op)
        except RemoteTimeout as exc:
            raise QueryTimeout(str(exc)) from None
        except RemoteError as exc:
            raise QueryFailed(str(exc)) from None

    def _run(self, op: dict) -> Reply:
        from ..sparqltext import query_form
        from ..store import to_rdflib
        from . import formats
        kind = op["kind"]
        store = self.store
        if kind == "page":
            html = self._views().page(op)
            return Reply("text/html", html or b"", value=html is not None)
        if kind == "graphs":
            return Reply(value=store.named_graphs())
        if kind == "select":
            variables, rows = store.solutions(op["text"])
            return Reply(rows=SelectResult(variables, [tuple(to_rdflib(t) for t in row) for row in rows]))
        if kind == "ask":
            return Reply(value=bool(store.solutions(op["text"])))
        if kind == "construct":
            triples = store.triples(op["text"])
            return Reply(media_type=op["media_type"], body=formats.serialize_graph(triples, op["media_type"], op.get("prefixes"), op.get("entity")))
        if kind != "query":
            raise QueryFailed(f"{kind}: not available on a remote store (it is changed with `munigraph push`)")
        graphs = {"default_graphs": op.get("default_graphs") or (), "named_graphs": op.get("named_graphs") or ()}
        media_type, max_rows = op["media_type"], op["max_rows"]
        form = query_form(op["text"])
        if form == "ASK":
            return Reply(media_type, formats.serialize_ask(bool(store.solutions(op["text"], **graphs)), formats.ASK_TYPES[media_type]))
        if form == "SELECT":
            variables, rows = store.solutions(op["text"], **graphs)
            truncated = max_rows if len(rows) > max_rows else None
            return Reply(media_type, formats.serialize_select(variables, rows[:max_rows], formats.SELECT_TYPES[media_type], truncated), truncated)
        triples = store.triples(op["text"], **graphs)
        truncated = max_rows if len(triples) > max_rows else None
        return Reply(media_type, formats.serialize_graph(triples[:max_rows], media_type, op.get("prefixes")), truncated)
