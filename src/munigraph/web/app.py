"""The ASGI application: routes stay thin, the work is in the library and in the modules beside this one.

    /                      what the data set is (pages.index)
    /sparql                SPARQL 1.1 Protocol endpoint, service description, query editor (sparql, editor)
    /id/{path}             entity IRIs: 303 to /page/{path} or /data/{path}.{ext} by Accept (pages)
    /page/{path}           HTML page of an entity (pages)
    /data/{path}[.ext]     RDF description of an entity (pages)
    /ontology[.ext]        the ontology, HTML or RDF (pages)
    /class/{name}          the entities of a class of the ontology (pages)
    /.well-known/void      VoID description (pages)
    /api/queries[/{name}]  named queries as a web API; /openapi.json and /api/docs (api)
    /static                CSS and the query editor's assets
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..config import Settings
from ..store import current_build
from ..errors import StoreMissing
from . import render
from .executor import Executor, ExecutorStore, RemoteExecutor
from .sparql import SparqlEndpoint

HERE = Path(__file__).resolve().parent
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


@dataclass
class ServerOptions:
    allow_update: bool = False
    update_token: str | None = None
    timeout: float = 30.0
    max_rows: int = 100_000
    max_request_bytes: int = 1_000_000
    workers: int = 2
    agreements_per_page: int = 50  # a government's page lists its latest agreements, and links to all of them
    allowed_services: list[str] = field(default_factory=list)
    public_url: str | None = None
    remote: object = None  # a remote.RemoteConfig: serve that remote store instead of the embedded one


class Server:
    """What the routes share: settings, options, the executor, and a small cache of graph names."""

    def __init__(self, settings: Settings, options: ServerOptions, location: Path | None = None):
        self.settings = settings
        self.options = options
        if options.remote is not None:
            self.executor = RemoteExecutor(options.remote, timeout=options.timeout, max_rows=options.max_rows)
            self.location = self.executor.location
        else:
            self.location = location or current_build(settings.store)
            if self.location is None:
                raise StoreMissing(f"{settings.store}: no built graph here; run `munigraph build` first")
            self.executor = Executor(self.location, workers=options.workers, writable=options.allow_update,
                                     timeout=options.timeout, max_rows=options.max_rows)
        self.store = ExecutorStore(self.executor)
        self.templates = Jinja2Templates(env=render.environment())  # the environment the static site renders with too
        self.started_at = time.time()
        self.generation = 0  # updates so far (ETags change with it)
        self._graphs: list[str] | None = None
        self._graph_set: set[str] | None = None
        self._graphs_lock = asyncio.Lock()

    async def graphs(self) -> list[str]:
        if self._graphs is None:
            from starlette.concurrency import run_in_threadpool
            async with self._graphs_lock:
                if self._graphs is None:
                    graphs = await run_in_threadpool(self.store.named_graphs)
                    self._graph_set = set(graphs)
                    self._graphs = graphs
        return self._graphs

    async def graph_set(self) -> set[str]:
        """The graph names as a set, for the query guard (a large store has thousands: made once, not per query)."""
        await self.graphs()
        return self._graph_set

    def forget_graphs(self) -> None:
        self._graphs = None

    def changed(self) -> None:
        """After an update: the graph names and every page's ETag no longer hold."""
        self.forget_graphs()
        self.generation += 1

    def etag(self, *parts: str) -> str | None:
        """An ETag for a page of this build: the same while the build, the server process (so the code and the
        templates) and the data (no update since) are the same; None for a remote store, which can change
        without this server knowing."""
        if self.options.remote is not None:
            return None
        key = "\x00".join((str(self.location), repr(self.started_at), str(self.generation), *parts))
        return 'W/"' + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24] + '"'


def create_app(settings: Settings, options: ServerOptions | None = None, location: Path | None = None) -> Starlette:
    from . import api, pages

    server = Server(settings, options or ServerOptions(), location)
    endpoint = SparqlEndpoint(server)

    async def sparql(request):
        return await endpoint(request)

    @asynccontextmanager
    async def lifespan(app):
        await asyncio.get_running_loop().run_in_executor(None, server.executor.start)
        try:
            yield
        finally:
            server.executor.close()

    routes = [
        Route("/", pages.index(server), methods=["GET"]),
        Route("/sparql", sparql, methods=ALL_METHODS),
        Route("/sparql/", sparql, methods=ALL_METHODS),
        *pages.routes(server),
        *api.routes(server),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.server = server
    return app
