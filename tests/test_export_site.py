"""The static linked-data site (`munigraph export --site`) and the ontology documentation of a release.

The site is built from the session's store, served by Python's http.server (at the root and under a sub-path),
and walked like a browser would: from the front page to Koszalin's government to its partnership with Trakai,
every link on the way fetched. Its data files parse, its pages match the live server's, its links are relative,
the same store gives the same bytes, and its nginx configuration answers /id/ with 303s (when nginx is installed).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from conftest import ROOT, free_port, run_cli, stop_process

ID = "https://w3id.org/munigraph/id/"
MG = Namespace("https://w3id.org/munigraph/ontology#")
KOSZALIN = URIRef(ID + "gov/pl/koszalin")
TRAKAI = URIRef(ID + "gov/lt/trakai-district")
PARTNERSHIP = "partnership/lt-trakai-district--pl-koszalin"
AGREEMENT = "agreement/2019-12-02-lt-trakai-district--pl-koszalin-framework"
NGINX = Path("/usr/sbin/nginx")
SUB_PATH = "mirror/munigraph"  # the second server has the site at /mirror/munigraph/


def context(settings, store, out: Path, target: Path | None = None):
    from munigraph.export import ReleaseContext
    out.mkdir(parents=True, exist_ok=True)
    return ReleaseContext(settings, store, out, "test-1", dt.date(2026, 12, 1), target=target)


@pytest.fixture(scope="module")
def www(settings, store, tmp_path_factory) -> Path:
    """A web root with the site at mirror/munigraph/ (site.write puts it in place itself: no release target)."""
    from munigraph.export import site
    root = tmp_path_factory.mktemp("www")
    site.write(context(settings, store, root.parent / f"{root.name}-release"), root / SUB_PATH)
    return root


@pytest.fixture(scope="module")
def site_dir(www) -> Path:
    return www / SUB_PATH


class StaticServer:
    """`python -m http.server` on a free port of 127.0.0.1, serving one folder."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(self.port),
                                      "--directory", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url, timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("http.server did not answer within 20 s")

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture(scope="module")
def servers(www, site_dir):
    """The site served at the root of one server and under /mirror/munigraph/ of another."""
    at_root, under_path = StaticServer(site_dir), StaticServer(www)
    yield {"root": at_root.url, "sub-path": under_path.url + SUB_PATH + "/"}
    at_root.stop()
    under_path.stop()


class Links(HTMLParser):
    """Every href and src of a page; for <a>, with its title and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict] = []
        self.urls: list[str] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.urls.append(attrs[name])
        if tag == "a" and attrs.get("href") is not None:
            self._open = {"href": attrs["href"], "title": attrs.get("title") or "", "text": ""}
            self.anchors.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def without_links(fragment: str) -> str:
    return re.sub(r'\s(?:href|src)="[^"]*"', "", fragment)


def section(html: str, name: str) -> str:
    return re.search(rf'<section id="{name}">(.*?)</section>', html, re.S).group(1)


def without_server_links(fragment: str) -> str:
    """A live page's fragment without what only the server links (the named-query API), as the site leaves it."""
    return re.sub(r" \(see the named queries .*?\)\.", ".", fragment, flags=re.S)


# --- browsing the site ---------------------------------------------------------------------------------------------

class Browser:
    """Fetches pages, checks every local link on each page it visits, follows the ones it is told to."""

    def __init__(self, client: httpx.Client, start: str):
        self.client = client
        self.start = start
        self.checked: dict[str, int] = {}

    def get(self, url: str) -> httpx.Response:
        r = self.client.get(url)
        assert r.status_code == 200, f"{url}: {r.status_code}"
        return r

    def check_links(self, page_url: str, links: Links) -> None:
        for href in links.urls:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("#"):
                continue  # other sites (http, https) and the page itself
            url = urljoin(page_url, href).split("#")[0]
            assert url.startswith(self.start), f"{page_url}: {href} leaves the site's folder"
            if url not in self.checked:
                self.checked[url] = self.client.head(url).status_code
            assert self.checked[url] == 200, f"{page_url}: {href} -> {url}: {self.checked[url]}"


@pytest.mark.parametrize("where", ["root", "sub-path"])
def test_follow_links_from_the_index_to_koszalin_and_trakai(servers, where):
    start = servers[where]
    with httpx.Client(timeout=30) as client:
        browser = Browser(client, start)
        index_url = start + "index.html"
        index = browser.get(index_url)
        assert index.headers["content-type"].startswith("text/html")
        links = parse(index.text)
        browser.check_links(index_url, links)
        koszalin = [a for a in links.anchors if a["title"] == str(KOSZALIN)]
        assert koszalin and koszalin[0]["text"] == "City of Koszalin"

        gov_url = urljoin(index_url, koszalin[0]["href"])
        gov = browser.get(gov_url)
        assert re.search(r"<h1>\s*City of Koszalin\s*</h1>", gov.text)
        links = parse(gov.text)
        browser.check_links(gov_url, links)
        to_partnership = [a for a in links.anchors if a["text"] == "partnership"
                          and urljoin(gov_url, a["href"]).endswith(f"/page/{PARTNERSHIP}.html")]
        assert len(to_partnership) == 1, "Koszalin's page should link to its partnership with Trakai"

        partnership_url = urljoin(gov_url, to_partnership[0]["href"])
        final = browser.get(partnership_url)
        links = parse(final.text)
        browser.check_links(partnership_url, links)
        assert "Trakai" in final.text and "2019-12-02" in final.text
        assert "Status history" in final.text
        back = [a for a in links.anchors if a["title"] == str(KOSZALIN)]
        assert back and urljoin(partnership_url, back[0]["href"]) == gov_url
        assert len(browser.checked) > 50  # the pages' links were really tried


def test_class_pages_list_every_entity_with_links(servers, site_dir, store):
    start = servers["sub-path"]
    url = start + "class/LocalGovernment.html"
    r = httpx.get(url, timeout=30)
    assert r.status_code == 200
    links = parse(r.text)
    governments = {a["title"]: a for a in links.anchors if a["title"].startswith(ID + "gov/")}
    expected = {str(x) for (x,) in store.select(
        f"SELECT DISTINCT ?x WHERE {{ ?x a <{MG.LocalGovernment}> }}").rows}
    assert set(governments) == expected
    assert governments[str(KOSZALIN)]["text"] == "City of Koszalin"
    assert httpx.get(urljoin(url, governments[str(TRAKAI)]["href"]), timeout=30).status_code == 200
    texts = [a["text"] for a in links.anchors if a["title"].startswith(ID + "gov/")]
    assert texts == sorted(texts, key=str.lower)  # by name
    # the front page links each class's list
    index = (site_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="class/Partnership.html"' in index and (site_dir / "class" / "Partnership.html").is_file()


# --- the files ---------------------------------------------------------------------------------------------------

def test_layout(site_dir, store):
    for path in ("index.html", "nginx.conf", "static/munigraph.css", "static/pages.css", "ontology/index.html",
                 "ontology/munigraph.ttl", f"page/{PARTNERSHIP}.html", f"page/{AGREEMENT}.html",
                 f"page/{AGREEMENT}/participant/edita-rudeliene.html", "class/Partnership.html"):
        assert (site_dir / path).is_file(), path
    for ext in ("ttl", "nt", "jsonld", "rdf"):
        assert (site_dir / "data" / f"gov/pl/koszalin.{ext}").is_file()
    subjects = {str(s) for (s,) in store.select(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}")) }}').rows}
    pages = {ID + p.relative_to(site_dir / "page").as_posix()[: -len(".html")] for p in html_files(site_dir / "page")}
    assert pages == subjects  # one page per entity, nothing else
    assert not list(site_dir.parent.glob(".*partial*"))


def sample(site_dir: Path) -> list[str]:
    paths = sorted(p.relative_to(site_dir / "data").as_posix()[: -len(".ttl")] for p in (site_dir / "data").rglob("*.ttl"))
    picked = set(paths[::60]) | {"gov/pl/koszalin", "gov/lt/trakai-district", PARTNERSHIP, AGREEMENT, "person/edita-rudeliene"}
    return sorted(picked)


def test_data_files_parse_and_agree(site_dir):
    for path in sample(site_dir):
        iri = URIRef(ID + path)
        turtle = Graph().parse(site_dir / "data" / f"{path}.ttl", format="turtle")
        raw = (site_dir / "data" / f"{path}.jsonld").read_text(encoding="utf-8")
        assert "@context" not in raw, path  # nothing to fetch: the JSON-LD parses offline
        jsonld = Graph().parse(data=raw, format="json-ld")
        assert len(turtle) > 0 and any(turtle.triples((iri, RDF.type, None))), path
        assert isomorphic(turtle, jsonld), path
        assert all(s == iri or p == RDFS.label for s, p, _ in turtle), path
    koszalin = Graph().parse(site_dir / "data" / "gov/pl/koszalin.ttl", format="turtle")
    assert (KOSZALIN, MG.twinnedWith, TRAKAI) in koszalin
    assert (TRAKAI, RDFS.label, Literal("Trakai District Municipality", lang="en")) in koszalin


def test_the_same_content_as_the_live_server(site_dir, live):
    with httpx.Client(base_url=live.url, timeout=30) as client:
        for ext in ("ttl", "nt", "jsonld", "rdf"):
            r = client.get(f"/data/gov/pl/koszalin.{ext}")
            assert r.status_code == 200
            assert r.content == (site_dir / "data" / f"gov/pl/koszalin.{ext}").read_bytes(), ext
        for path in ("gov/pl/koszalin", PARTNERSHIP, AGREEMENT):
            live_page = client.get(f"/page/{path}").text
            static_page = (site_dir / "page" / f"{path}.html").read_text(encoding="utf-8")
            for name in ("statements", "incoming"):
                expected = without_links(without_server_links(section(live_page, name)))
                assert expected == without_links(section(static_page, name)), (path, name)
            embedded = r'<script type="application/ld\+json">(.*?)</script>'
            assert re.search(embedded, live_page, re.S).group(1) == re.search(embedded, static_page, re.S).group(1)
        live_index = client.get("/").text
        static_index = (site_dir / "index.html").read_text(encoding="utf-8")
        for name in ("numbers", "sources", "governments"):
            # the server shows the build time as rdflib normalises it on the way from its query workers
            # (2026-12-01T09:24:02+00:00), the site as the store has it (2026-12-01T09:24:02Z)
            expected, got = (re.sub(r"<time [^>]*>[^<]*</time>", "<time/>", without_links(section(html, name)))
                             for html in (live_index, static_index))
            assert expected == got, name
        built = re.search(r'<time datetime="([^"]+)">', static_index).group(1)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)", built)


def test_no_page_links_to_an_absolute_path(site_dir, store):
    pages = html_files(site_dir)
    # at least a page for each entity the curated data describes
    entities = store.select_values("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                   "FILTER(STRSTARTS(STR(?s), 'https://w3id.org/munigraph/id/')) }")[0][0]
    assert len(pages) >= int(entities) > 300
    for page in pages:
        for url in parse(page.read_text(encoding="utf-8")).urls:
            assert not url.startswith(("/page/", "/static/", "/data/", "/ontology", "/class/")), f"{page}: {url}"
            assert not url.startswith("/"), f"{page}: {url}"


def test_the_same_store_gives_the_same_site(site_dir, settings, store, tmp_path):
    from munigraph.export import site
    again = tmp_path / "again"
    site.write(context(settings, store, tmp_path / "release"), again)
    first = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    assert first == second
    for name in first:
        assert (site_dir / name).read_bytes() == (again / name).read_bytes(), name


# --- nginx ---------------------------------------------------------------------------------------------------------

def test_nginx_configuration_has_the_redirects(site_dir):
    conf = (site_dir / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"location ~ \^/id/\(\?<munigraph_path>\.\+\)\$", conf)
    assert "return 303 /$munigraph_entity_dir/$munigraph_path.$munigraph_entity_ext;" in conf
    assert "add_header Vary Accept always;" in conf
    for pattern, ext in (("text/turtle", "ttl"), (r"application/ld\+json", "jsonld"), ("text/html", "html")):
        assert re.search(rf'"~\*{re.escape(pattern)}"\s+{ext};', conf), pattern
    assert re.search(r"map \$munigraph_entity_ext \$munigraph_entity_dir \{\s+html\s+page;\s+default\s+data;", conf)
    assert conf.count("#") > 20  # explained


@pytest.fixture(scope="module")
def nginx(site_dir, tmp_path_factory):
    if not NGINX.exists():
        pytest.skip("nginx is not installed (apt-get install nginx) to try the configuration")
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    conf = (site_dir / "nginx.conf").read_text(encoding="utf-8")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("root /srv/munigraph/site;", f"root {site_dir};")
    (prefix / "site.conf").write_text(conf, encoding="utf-8")
    temp = " ".join(f"{kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers would run as nobody, who cannot read pytest's tmp
    (prefix / "nginx.conf").write_text(f"""{user}daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"};
events {{}}
http {{ access_log off; {temp} include {prefix / "site.conf"}; }}
""", encoding="utf-8")
    check = subprocess.run([str(NGINX), "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([str(NGINX), "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def test_nginx_answers_entity_iris_with_303(nginx):
    with httpx.Client(base_url=nginx, timeout=30) as client:
        for accept, location in (("text/html,application/xhtml+xml,*/*;q=0.8", "/page/gov/pl/koszalin.html"),
                                 ("*/*", "/page/gov/pl/koszalin.html"),
                                 ("text/turtle", "/data/gov/pl/koszalin.ttl"),
                                 ("application/ld+json", "/data/gov/pl/koszalin.jsonld"),
                                 ("application/n-triples", "/data/gov/pl/koszalin.nt"),
                                 ("application/rdf+xml", "/data/gov/pl/koszalin.rdf")):
            r = client.get("/id/gov/pl/koszalin", headers={"Accept": accept})
            assert r.status_code == 303, accept
            assert r.headers["location"] == location, accept
            assert "accept" in r.headers.get("vary", "").lower()
            target = client.get(location)
            assert target.status_code == 200, location
        assert client.get("/data/gov/pl/koszalin.ttl").headers["content-type"].startswith("text/turtle")
        assert client.get("/data/gov/pl/koszalin.jsonld").headers["content-type"].startswith("application/ld+json")
        assert client.get("/id/gov/xx/nowhere").status_code == 404
        assert client.get(f"/page/{PARTNERSHIP}").status_code == 200  # the live server's address, without .html
        negotiated = client.get("/data/gov/pl/koszalin", headers={"Accept": "application/ld+json"})
        assert negotiated.status_code == 200 and negotiated.headers["content-type"].startswith("application/ld+json")
        assert client.get("/nginx.conf").status_code == 404


# --- where the site goes -------------------------------------------------------------------------------------------

@pytest.fixture
def stub_build(monkeypatch):
    from munigraph.export import site

    def build(ctx, folder):
        folder.mkdir(parents=True)
        (folder / "index.html").write_text("new", encoding="utf-8")
    monkeypatch.setattr(site, "build", build)
    return site


def test_a_site_inside_the_release_is_written_into_its_temporary_folder(stub_build, settings, store, tmp_path):
    ctx = context(settings, store, tmp_path / ".dist.partial-1", target=tmp_path / "dist")
    stub_build.write(ctx, tmp_path / "dist" / "site")
    assert (ctx.out / "site" / "index.html").read_text() == "new"
    assert ctx.pending == [] and not (tmp_path / "dist").exists()


def test_a_site_elsewhere_is_swapped_in_after_the_release(stub_build, settings, store, tmp_path):
    from munigraph.errors import MunigraphError
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("old", encoding="utf-8")
    ctx = context(settings, store, tmp_path / ".dist.partial-1", target=tmp_path / "dist")
    stub_build.write(ctx, tmp_path / "site")
    assert (tmp_path / "site" / "index.html").read_text() == "old"  # not yet: export() swaps it after the release
    [(partial, target)] = ctx.pending
    assert target == tmp_path / "site" and (partial / "index.html").read_text() == "new"
    with pytest.raises(MunigraphError):
        stub_build.write(ctx, tmp_path)  # the site would hold the release
    # without a release target (site.write on its own) the site is swapped in at once
    alone = context(settings, store, tmp_path / "alone-release")
    stub_build.write(alone, tmp_path / "site")
    assert (tmp_path / "site" / "index.html").read_text() == "new"


def test_export_with_the_site_inside_the_release(store_dir, tmp_path):
    out = tmp_path / "dist"
    run = run_cli("--store", str(store_dir), "export", "--out", str(out), "--site", str(out / "site"), "--release", "t-site")
    assert run.code == 0, run.err
    assert (out / "site" / "index.html").is_file() and (out / "site" / "page" / f"{PARTNERSHIP}.html").is_file()
    assert (out / "ontology" / "index.html").is_file() and (out / "README.txt").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]  # nothing left beside it


# --- the ontology documentation of a release ------------------------------------------------------------------------

def test_docs_write_the_ontology_folder(settings, store, tmp_path):
    from munigraph.export import docs
    ctx = context(settings, store, tmp_path / "release")
    docs.write(ctx)
    folder = ctx.out / "ontology"
    for name in ("munigraph.ttl", "shapes.ttl", "rules.ttl", "vocabularies.ttl", "context.jsonld"):
        assert (folder / name).read_bytes() == (ROOT / "ontology" / name).read_bytes(), name
    html = (folder / "index.html").read_text(encoding="utf-8")
    part = re.search(r'<section class="term" id="Partnership">(.*?)</section>', html, re.S).group(1)
    assert "mg:Partnership" in part and "partnerstwo" in part and "@pl" in part and "close match" in part
    start = re.search(r'<section class="term" id="startDate">(.*?)</section>', html, re.S).group(1)
    assert "domain" in start and "range" in start and "<em>or</em>" in start and "schema:startDate" in start
    links = parse(html).urls
    assert "static/pages.css" in links and "static/munigraph.css" in links and "munigraph.ttl" in links
    assert not [u for u in links if u.startswith("/")]
    for href in links:
        if not re.match(r"^[a-z]+:", href) and not href.startswith("#") and href not in ("../index.html", "../void.ttl"):
            assert (folder / unquote(href)).is_file(), href  # the release's index.html and void.ttl come later
    recorded = {f.path: f for f in ctx.files}
    assert recorded["ontology/munigraph.ttl"].media_type == "text/turtle" and recorded["ontology/munigraph.ttl"].file_type == "RDF_TURTLE"
    assert recorded["ontology/context.jsonld"].media_type == "application/ld+json" and recorded["ontology/context.jsonld"].file_type == "JSON_LD"
    assert recorded["ontology/index.html"].media_type == "text/html" and recorded["ontology/index.html"].file_type == "HTML"
    assert {f.kind for f in ctx.files} == {"documentation"}
    assert all(f.size == (ctx.out / f.path).stat().st_size for f in ctx.files)


def test_the_docs_page_is_the_live_ontology_page(settings, store, tmp_path, live):
    from munigraph.export import docs
    ctx = context(settings, store, tmp_path / "release")
    docs.write(ctx)
    static = (ctx.out / "ontology" / "index.html").read_text(encoding="utf-8")
    served = httpx.get(live.url + "/ontology", headers={"Accept": "text/html"}, timeout=30).text
    body = lambda html: without_links(html[html.index("<h1>"):html.index("</main>")])  # noqa: E731
    assert body(static).replace(' type="text/turtle"', "") == body(re.sub(
        r' · <a href="/ontology\.(?:nt|jsonld|rdf)" type="[^"]+">[^<]+</a>', "", served)).replace(' type="text/turtle"', "")


# --- the server's class pages, the same template ----------------------------------------------------------------------

def test_server_class_page(live):
    r = httpx.get(live.url + "/class/Partnership", timeout=30)
    assert r.status_code == 200 and f'href="/page/{PARTNERSHIP}"' in r.text
    assert httpx.get(live.url + "/class/NoSuchClass", timeout=30).status_code == 404
    assert 'href="/class/LocalGovernment"' in httpx.get(live.url + "/", timeout=30).text
