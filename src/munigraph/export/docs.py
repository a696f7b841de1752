"""The ontology folder of a release: the ontology, shapes, rules, vocabularies and JSON-LD context as they are in
the repository (byte copies), and ontology/index.html documenting every class and property.

The page is the live server's /ontology page: the same template (templates/ontology.html) filled by the same code
(web/render.ontology_context over the store's ontology graph), rendered as a standalone file whose links are
relative: its style sheets are copied to ontology/static/, the Turtle link goes to munigraph.ttl beside it, the
front page and VoID links to the release's index.html and void.ttl, and links to what only a server has (the
SPARQL editor, the named-query API) are left out. The static site (site.py) writes the same folder for itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from ..vocab import project_root
from ..web import describe as d
from ..web import render

# (file in ontology/, media type, EU file type, title)
SOURCES = [
    ("munigraph.ttl", "text/turtle", "RDF_TURTLE", "The munigraph ontology (OWL, Turtle)"),
    ("shapes.ttl", "text/turtle", "RDF_TURTLE", "SHACL shapes the data is validated against (Turtle)"),
    ("rules.ttl", "text/turtle", "RDF_TURTLE", "The derivation rules (Turtle)"),
    ("vocabularies.ttl", "text/turtle", "RDF_TURTLE", "Controlled vocabularies: statuses, roles, kinds of agreement (SKOS, Turtle)"),
    ("context.jsonld", "application/ld+json", "JSON_LD", "JSON-LD context for the munigraph vocabulary"),
]
PAGE = "index.html"
STYLE_FOLDER = "static"


def release_links(settings) -> Callable[[str], str | None]:
    """Where the server's paths are in a release folder, for the documentation page (ontology/index.html)."""
    sparql = (settings.publish or {}).get("sparql_endpoint") or None

    def resolve(path: str) -> str | None:
        if path == "/":
            return "index.html"                          # the release's own index (readme.py)
        if path == "/ontology":
            return f"ontology/{PAGE}"
        if path == "/ontology.ttl":
            return "ontology/munigraph.ttl"
        if path.startswith("/static/") and path[len("/static/"):] in render.PAGE_CSS:
            return f"ontology/{STYLE_FOLDER}/{path[len('/static/'):]}"
        if path == "/.well-known/void":
            return "void.ttl"                            # the release's VoID description (void.py)
        if path == "/sparql" and sparql:
            return sparql
        return None
    return resolve


def write_folder(store, settings, folder: Path, url_map: render.StaticLinks, env=None) -> list[str]:
    """Copy the ontology files into `folder` and render its index.html; the names written, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    source = project_root() / "ontology"
    written = []
    for name, *_ in SOURCES:
        shutil.copyfile(source / name, folder / name)
        written.append(name)
    ctx = d.Context(store, settings.base, list(settings.languages) or ["en"])
    page = render.render(env or render.environment(), "ontology.html",
                         render.ontology_context(ctx, render.embedded_construct(store)), url_map)
    (folder / PAGE).write_text(page, encoding="utf-8")
    written.append(PAGE)
    return written


def copy_styles(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in render.PAGE_CSS:
        shutil.copyfile(render.STATIC / name, folder / name)
    return list(render.PAGE_CSS)


def write(ctx) -> None:
    ctx.say("ontology documentation")
    folder = ctx.out / "ontology"
    links = render.StaticLinks(release_links(ctx.settings), f"ontology/{PAGE}")
    write_folder(ctx.store, ctx.settings, folder, links)
    copy_styles(folder / STYLE_FOLDER)
    for name, media_type, file_type, title in SOURCES:
        ctx.add(f"ontology/{name}", media_type, title, file_type, kind="documentation")
    ctx.add(f"ontology/{PAGE}", "text/html", "Documentation of the ontology: every class and property (HTML)", "HTML",
            kind="documentation")
    for name in render.PAGE_CSS:
        ctx.add(f"ontology/{STYLE_FOLDER}/{name}", "text/css", f"Style sheet of the ontology documentation ({name})",
                "CSS", kind="documentation")
