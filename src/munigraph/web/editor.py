"""The query editor at /sparql for browsers."""

from __future__ import annotations

from starlette.requests import Request


async def render_editor(server, request: Request):
    return server.templates.TemplateResponse(request, "sparql.html", {"yasgui": False, "examples": []}, headers={"Vary": "Accept"})
