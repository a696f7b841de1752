"""Linked-data pages."""

from __future__ import annotations

from starlette.responses import HTMLResponse


def index(server):
    async def endpoint(request):
        return HTMLResponse("<h1>munigraph</h1>")
    return endpoint


def routes(server):
    return []
