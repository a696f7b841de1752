"""`munigraph export --site DIR`: a static linked-data site, the live server's pages as files.

Every page is rendered by the code and templates the server uses (web/render.py), with links made relative to
the file they are in, so the folder works from any static web server and under any sub-path:

    index.html                      the front page (the server's /)
    page/{path}.html                one page per entity {base}{path} (the server's /page/{path})
    data/{path}.{ttl,nt,jsonld,rdf} its description (the server's /data/{path}.{ext})
    class/{Name}.html               the entities of each class mg:{Name} of the front page (/class/{Name})
    ontology/index.html             the ontology documentation and the ontology files (as in the release, docs.py)
    static/munigraph.css, pages.css the style sheets
    nginx.conf                      a sample nginx configuration: the folder, and /id/{path} answered with a 303
                                    to the page or the data by Accept, as the live server does

Links to what only a server has (the SPARQL editor, the named-query API, VoID) are left out of the pages; the
SPARQL link goes to [publish] sparql_endpoint when one is set. Output is deterministic: entities in IRI order,
lists sorted as on the server.

Where the site goes: a folder inside the release's target (`--out dist --site dist/site`) is written into the
release's temporary folder and swapped in with it. Any other folder is written beside its target as
`.{name}.partial-{pid}` and swapped in (see export.swap) right after the release, so that an export that fails
leaves both the release and the site as they were.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote

from rdflib import Literal

from ..errors import MunigraphError
from ..web import describe as d
from ..web import formats, render
from . import docs

DATA_FORMATS = dict(formats.SUFFIXES)  # ext -> media type: what /data/ serves
MAX_SEGMENT = 200                      # bytes of one path segment, leaving room for the suffix in 255


# --- which entities get pages --------------------------------------------------------------------------------

def file_safe(path: str) -> bool:
    """Whether {base}{path} can be a file of the site: no empty, `.` or `..` segments, nothing too long."""
    if not d.is_safe_path(path):
        return False
    segments = unquote(render.quote_path(path)).split("/")
    return all(s and s not in (".", "..") and len(s.encode("utf-8")) <= MAX_SEGMENT for s in segments)


def entities(store, base: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(path, IRI) of every IRI under the base that is the subject of a statement, in order; and those left out."""
    rows = store.select(f"""SELECT DISTINCT ?s WHERE {{
      ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {Literal(base).n3()})) }}""").rows
    kept, skipped = [], []
    for (s,) in rows:
        iri = str(s)
        path = iri[len(base):]
        (kept if file_safe(path) else skipped).append((path, iri))
    return sorted(kept), sorted(iri for _, iri in skipped)


# --- links -----------------------------------------------------------------------------------------------------

def site_links(pages: set[str], classes: set[str], settings):
    """Where the server's paths are in the site folder (URL-quoted, relative to its root), or None."""
    sparql = (settings.publish or {}).get("sparql_endpoint") or None

    def resolve(path: str) -> str | None:
        if path == "/":
            return "index.html"
        if path.startswith("/page/"):
            rest = path[len("/page/"):]
            return f"page/{rest}.html" if rest in pages else None
        if path.startswith("/data/"):
            stem, dot, ext = path[len("/data/"):].rpartition(".")
            return f"data/{stem}.{ext}" if dot and ext in DATA_FORMATS and stem in pages else None
        if path.startswith("/class/"):
            name = path[len("/class/"):]
            return f"class/{name}.html" if name in classes else None
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            return f"static/{name}" if name in render.PAGE_CSS else None
        if path == "/ontology":
            return "ontology/index.html"
        if path == "/ontology.ttl":
            return "ontology/munigraph.ttl"
        if path == "/sparql" and sparql:
            return sparql
        return None
    return resolve


# --- writing ---------------------------------------------------------------------------------------------------

def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)


def build(ctx, folder: Path) -> dict:
    """Write the whole site into `folder` (which must not exist yet); what was written, counted."""
    store, settings = ctx.store, ctx.settings
    if folder.exists():
        raise MunigraphError(f"{folder}: already exists; the site needs a folder of its own")
    env = render.environment()
    construct = render.embedded_construct(store)
    view = d.Context(store, settings.base, list(settings.languages) or ["en"])  # one label cache for every page

    found, skipped = entities(store, settings.base)
    for iri in skipped:
        ctx.say(f"site: no page for <{iri}> (its path cannot be a file name)")
    pages = {render.quote_path(path) for path, _ in found}
    index = render.index_context(view)
    classes = sorted(c["list"][len("/class/"):] for c in index["o"]["classes"] if c.get("list"))
    links = render.StaticLinks(site_links(pages, set(classes), settings), "index.html")

    folder.mkdir(parents=True)
    docs.copy_styles(folder / "static")
    _write(folder / "index.html", render.render(env, "index.html", index, links.at("index.html")))
    for name in classes:
        here = f"class/{name}.html"
        page = render.class_context(view, name)
        if page is not None:
            _write(folder / here, render.render(env, "class.html", page, links.at(here)))
    docs.write_folder(store, settings, folder / "ontology", links.at("ontology/index.html"), env)

    for n, (path, iri) in enumerate(found, 1):
        quoted = render.quote_path(path)
        name = unquote(quoted)  # the file a static server finds for the quoted link
        page = render.build_page(view, iri, path, construct)
        if page is None:  # cannot happen: every path is the subject of a statement
            continue
        here = f"page/{quoted}.html"
        _write(folder / "page" / f"{name}.html", render.render(env, "entity.html", render.entity_context(view, page), links.at(here)))
        for ext, media in DATA_FORMATS.items():
            _write(folder / "data" / f"{name}.{ext}", render.entity_data(construct, iri, media))
        if n % 100 == 0:
            ctx.say(f"site: {n} of {len(found)} pages")
    _write(folder / "nginx.conf", NGINX_CONF)
    return {"pages": len(found), "classes": len(classes), "skipped": len(skipped)}


def write(ctx, site_dir: Path) -> None:
    """The static site at `site_dir` (the folder given to --site), written as the module docstring says."""
    ctx.say("static site")
    target = Path(os.path.abspath(site_dir))
    release = getattr(ctx, "target", None)
    release = Path(os.path.abspath(release)) if release is not None else None
    if release is not None:
        if target == release or release.is_relative_to(target):
            raise MunigraphError(f"{site_dir}: the site folder cannot be or hold the release folder {release}")
        if target.is_relative_to(release):
            build(ctx, ctx.out / target.relative_to(release))
            return
    if target.exists() and not target.is_dir():
        raise MunigraphError(f"{site_dir}: exists and is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.partial-*"):  # left by exports that were killed
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(stale, ignore_errors=True)
    tmp = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        build(ctx, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pending = getattr(ctx, "pending", None)
    if release is not None and pending is not None:
        pending.append((tmp, target))  # swapped in by export() right after the release
    else:
        from . import swap
        swap(tmp, target)


NGINX_CONF = r"""# nginx configuration for the static linked-data site written by `munigraph export --site DIR`.
#
# Include it inside the http { } block (e.g. save it as /etc/nginx/conf.d/munigraph.conf), set `root` to the site
# folder and `server_name` to the host the entity IRIs resolve to, then `nginx -t && nginx -s reload`.
#
# It serves the folder as files, and answers the entity IRIs as the live server (`munigraph serve`) does:
#
#   GET /id/{path}     303 See Other, by the Accept header (and Vary: Accept):
#                        text/html, */* or nothing        -> /page/{path}.html
#                        text/turtle                      -> /data/{path}.ttl
#                        application/ld+json              -> /data/{path}.jsonld
#                        application/n-triples            -> /data/{path}.nt
#                        application/rdf+xml              -> /data/{path}.rdf
#                        text/plain                       -> /data/{path}.nt
#                      404 when the site has no page for {path}
#   GET /page/{path}   the page; the .html may be left out, so the live server's addresses keep working
#   GET /data/{path}   the data; without a suffix, by Accept (Turtle unless another RDF type is asked for)
#   GET /ontology/     the ontology documentation; /ontology.ttl the ontology; /class/{Name} a class's entities
#
# nginx does not weigh q-values: the first of the patterns below that occurs in Accept decides, RDF types
# first (browsers never send them, so a client that names one wants it), then text/html, then text/plain.
#
# Under a sub-path (the site at https://example.org/munigraph/): add the prefix to every `location` and to the
# `return` targets below (`location ~ ^/munigraph/id/(?<munigraph_path>.+)$`, `return 303 /munigraph/...`) and
# set `root` to the folder that holds the site as `munigraph/`. The pages themselves need no change: their links
# are relative.

# Accept -> the suffix an entity IRI redirects to (html: the page)
map $http_accept $munigraph_entity_ext {
    default                     html;
    "~*text/turtle"             ttl;
    "~*application/ld\+json"    jsonld;
    "~*application/n-triples"   nt;
    "~*application/rdf\+xml"    rdf;
    "~*text/html"               html;
    "~*text/plain"              nt;
}

# the folder of that suffix: pages under /page/, RDF under /data/
map $munigraph_entity_ext $munigraph_entity_dir {
    html                        page;
    default                     data;
}

# Accept -> the suffix of /data/{path} asked for without one
map $http_accept $munigraph_data_ext {
    default                     ttl;
    "~*text/turtle"             ttl;
    "~*application/ld\+json"    jsonld;
    "~*application/n-triples"   nt;
    "~*application/rdf\+xml"    rdf;
    "~*text/plain"              nt;
}

server {
    listen 80;
    server_name data.example.org;
    root /srv/munigraph/site;           # the folder written by `munigraph export --site`
    index index.html;
    absolute_redirect off;              # Location: /page/... as the live server sends it, whatever the proxy in front

    # the files of the site (this block replaces the inherited mime.types, so it lists every suffix the site has)
    types {
        text/html                 html;
        text/css                  css;
        text/turtle               ttl;
        application/n-triples     nt;
        application/ld+json       jsonld;
        application/rdf+xml       rdf;
    }
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/css text/turtle application/n-triples application/ld+json application/rdf+xml;

    # this file is not part of what the site publishes
    location = /nginx.conf {
        return 404;
    }

    # entity IRIs: 303 to the page or to the data, chosen by Accept
    location ~ ^/id/(?<munigraph_path>.+)$ {
        if (!-f $document_root/page/$munigraph_path.html) {
            return 404;
        }
        add_header Vary Accept always;
        return 303 /$munigraph_entity_dir/$munigraph_path.$munigraph_entity_ext;
    }

    # entity pages, with or without .html
    location /page/ {
        try_files $uri $uri.html =404;
    }

    # entity data: /data/{path}.{ttl,nt,jsonld,rdf}, or /data/{path} by Accept
    location /data/ {
        add_header Vary Accept always;
        try_files $uri $uri.$munigraph_data_ext =404;
    }

    # the entities of a class, with or without .html
    location /class/ {
        try_files $uri $uri.html =404;
    }

    # the ontology as the live server has it at /ontology.ttl (the documentation is /ontology/)
    location = /ontology.ttl {
        try_files /ontology/munigraph.ttl =404;
    }
    location = /ontology {
        return 301 /ontology/;
    }

    location / {
        try_files $uri $uri/ =404;
    }
}
"""
