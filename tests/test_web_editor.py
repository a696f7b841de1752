"""The query editor at /sparql (without a browser): what the page offers, the plain form, local assets only."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from conftest import LiveServer
from munigraph import queries
from munigraph.vocab import PREFIXES

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "munigraph" / "web" / "static" / "vendor" / "yasgui"
KOSZALIN = "https://w3id.org/munigraph/id/gov/pl/koszalin"
TRAKAI = "https://w3id.org/munigraph/id/gov/lt/trakai-district"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Page(HTMLParser):
    """The parts of a page the tests look at: assets, links, forms, scripts, text areas."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.assets: list[tuple[str, str]] = []  # (tag, url) of everything the browser loads by itself
        self.links: list[dict] = []
        self.forms: list[dict] = []
        self.inputs: list[dict] = []
        self.scripts: list[dict] = []
        self.textareas: dict[str, str] = {}
        self._textarea: str | None = None
        self._script: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self._script = {**a, "text": ""}
            self.scripts.append(self._script)
            if a.get("src"):
                self.assets.append((tag, a["src"]))
        elif tag == "link" and a.get("href"):
            self.assets.append((tag, a["href"]))
        elif tag in ("img", "iframe", "source", "video", "audio", "embed") and a.get("src"):
            self.assets.append((tag, a["src"]))
        elif tag == "a":
            self.links.append(a)
        elif tag == "form":
            self.forms.append(a)
        elif tag in ("input", "button"):
            self.inputs.append({"tag": tag, **a})
        elif tag == "textarea":
            self._textarea = a.get("name", "")
            self.textareas[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._textarea is not None:
            self.textareas[self._textarea] += data
        if self._script is not None:
            self._script["text"] += data


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc  # a path or a relative reference, never http(s):// or //host


def yasgui_installed() -> bool:
    """The assets are there and the server of the `live` fixture (which inherits the environment) uses them."""
    from munigraph.web.editor import yasgui_available
    return yasgui_available()


@pytest.fixture(scope="module")
def editor_page(live):
    response = httpx.get(live.url + "/sparql", headers=HTML, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response


@pytest.fixture(scope="module")
def plain(store_dir):
    """A server started with MUNIGRAPH_NO_YASGUI=1: the editor is the plain form, as without the assets."""
    server = LiveServer(store_dir, env={"MUNIGRAPH_NO_YASGUI": "1"})
    client = httpx.Client(base_url=server.url, timeout=30)
    yield client
    client.close()
    server.stop()


def test_get_sparql_for_a_browser_is_the_editor_with_every_named_query(editor_page):
    assert "Vary" in editor_page.headers and "Accept" in editor_page.headers["Vary"]
    page = Page(editor_page.text)
    names = set(queries.catalog())
    assert len(names) >= 10
    for name in names:
        assert name in editor_page.text
        assert any(parse_qs(urlsplit(a.get("href", "")).query).get("editor") == [name] for a in page.links), name
    # the plain form is always on the page (YASGUI hides it once it runs)
    form = next(f for f in page.forms if f.get("id") == "plain-editor")
    assert form["method"].lower() == "get" and form["action"] == "/sparql"
    assert "query" in page.textareas


def test_editor_page_loads_only_local_assets(live, editor_page):
    page = Page(editor_page.text)
    assert page.assets, "the page should at least load its CSS"
    for tag, url in page.assets:
        assert is_local(url), f"<{tag}> loads {url} from elsewhere"
        assert not re.match(r"(?i)^\s*(https?:)?//", url)
        response = httpx.get(live.url + url if url.startswith("/") else f"{live.url}/{url}", timeout=30)
        assert response.status_code == 200, f"{url}: {response.status_code}"
    for script in page.scripts:
        if not script.get("src"):  # inline: only the JSON configuration, no code
            assert script.get("type") == "application/json", script


@pytest.mark.skipif(not yasgui_installed(), reason="the YASGUI assets are not installed (make yasgui needs npm) or MUNIGRAPH_NO_YASGUI is set")
def test_yasgui_configuration(editor_page):
    page = Page(editor_page.text)
    srcs = [url for tag, url in page.assets]
    assert "/static/vendor/yasgui/yasgui.min.js" in srcs
    assert "/static/vendor/yasgui/yasgui.min.css" in srcs
    assert "/static/editor.js" in srcs
    config_script = next(s for s in page.scripts if s.get("id") == "yasgui-config")
    assert "</" not in config_script["text"]
    config = json.loads(config_script["text"])
    assert config["endpoint"] == ""  # the page's own URL: this server's /sparql
    assert config["prefixes"] == PREFIXES
    catalog = queries.catalog()
    assert [t["name"] for t in config["tabs"]] == list(catalog)
    tabs = {t["name"]: t for t in config["tabs"]}
    shared = tabs["shared-partners"]["query"]
    assert f"VALUES (?a ?b) {{ (<{KOSZALIN}> <{TRAKAI}>) }}" in shared
    assert shared.startswith("PREFIX mg: <https://w3id.org/munigraph/ontology#>")
    partners = tabs["partners"]["query"]
    assert f"VALUES (?municipality ?date) {{ (<{KOSZALIN}> UNDEF) }}" in partners
    assert "VALUES" not in tabs["conflicts"]["query"]  # no parameters


def test_example_tab_queries_run_on_the_endpoint(live, editor_page):
    if not yasgui_installed():
        pytest.skip("the YASGUI assets are not installed")
    config = json.loads(next(s for s in Page(editor_page.text).scripts if s.get("id") == "yasgui-config")["text"])
    tabs = {t["name"]: t["query"] for t in config["tabs"]}
    response = httpx.post(live.url + "/sparql", data={"query": tabs["shared-partners"]},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    partners = [b["partner"]["value"] for b in response.json()["results"]["bindings"]]
    assert "https://w3id.org/munigraph/id/gov/ua/ivano-frankivsk" in partners


def test_plain_form_without_yasgui(plain):
    response = plain.get("/sparql", headers=HTML)
    assert response.status_code == 200
    page = Page(response.text)
    assert not any("vendor/yasgui" in url for tag, url in page.assets)
    assert not any(s.get("id") == "yasgui-config" for s in page.scripts)
    assert not any(s.get("src") for s in page.scripts)  # no script at all: the form works without JavaScript
    form = next(f for f in page.forms if f.get("id") == "plain-editor")
    assert form["method"].lower() == "get"
    assert any(i["tag"] == "button" and i.get("type") == "submit" for i in page.inputs)
    assert page.textareas["query"].startswith("PREFIX mg:")
    for name in queries.catalog():
        assert f'href="?editor={name}"' in response.text


def test_editor_parameter_fills_the_form_and_the_query_runs(plain):
    response = plain.get("/sparql", params={"editor": "shared-partners"}, headers=HTML)
    assert response.status_code == 200
    text = Page(response.text).textareas["query"]
    assert f"<{KOSZALIN}>" in text and f"<{TRAKAI}>" in text
    # submitting the form is GET /sparql?query=<the text>
    run = plain.get("/sparql", params={"query": text}, headers={"Accept": "application/sparql-results+json"})
    assert run.status_code == 200, run.text
    partners = [b["partner"]["value"] for b in run.json()["results"]["bindings"]]
    assert partners == ["https://w3id.org/munigraph/id/gov/ua/ivano-frankivsk"]


def test_an_unknown_editor_name_says_so(plain):
    response = plain.get("/sparql", params={"editor": "no-such-query"}, headers=HTML)
    assert response.status_code == 200
    assert "no named query called" in response.text and "no-such-query" in response.text
    assert Page(response.text).textareas["query"].startswith("PREFIX")


def test_missing_assets_or_the_switch_turn_yasgui_off(monkeypatch, tmp_path):
    """Without the vendor folder the page is the plain form (the same branch MUNIGRAPH_NO_YASGUI takes above)."""
    from munigraph.web import editor
    monkeypatch.delenv("MUNIGRAPH_NO_YASGUI", raising=False)
    monkeypatch.setattr(editor, "VENDOR", tmp_path / "missing")
    assert editor.yasgui_available() is False
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "yasgui.min.js").write_text("")
    monkeypatch.setattr(editor, "VENDOR", partial)
    assert editor.yasgui_available() is False  # the CSS is missing
    (partial / "yasgui.min.css").write_text("")
    assert editor.yasgui_available() is True
    for off in ("1", "true", "yes"):
        monkeypatch.setenv("MUNIGRAPH_NO_YASGUI", off)
        assert editor.yasgui_available() is False
    monkeypatch.setenv("MUNIGRAPH_NO_YASGUI", "0")
    assert editor.yasgui_available() is True


def test_the_plain_template_renders_without_a_server():
    from jinja2 import Environment, FileSystemLoader
    from munigraph.web import editor
    from munigraph.web.app import HERE
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True)

    class Request:
        class url:
            path = "/sparql"
    example = editor.Example("shared-partners", "The partners in common", "", [], "a=Koszalin b=Troki",
                             "SELECT * WHERE { ?s ?p \"</textarea>\" }")
    html = env.get_template("sparql.html").render(
        request=Request, yasgui=False, examples=[example], selected=example, unknown_editor=None,
        form_text=example.text, editor_param="editor", prefixes=PREFIXES, config_json=None)
    page = Page(html)
    assert page.textareas["query"] == example.text  # escaped: the query cannot end the textarea
    assert not any(s.get("src") for s in page.scripts)
    assert 'href="?editor=shared-partners"' in html


def test_script_json_cannot_end_the_script_element():
    from munigraph.web.editor import script_json
    data = {"query": "SELECT * WHERE { ?s ?p \"</script><script>alert(1)</script>\" } # <!-- x"}
    text = script_json(data)
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == data


def test_an_example_value_that_does_not_resolve_stays_unbound(store, settings):
    from munigraph.resolve import Resolver
    from munigraph.web.editor import example_values
    named = queries.get("shared-partners")
    broken = queries.NamedQuery(named.name, named.path, named.summary, named.description, named.params,
                                ["a=Koszalin b=Atlantis-Nowhere"], named.text)
    values = example_values(broken, Resolver(store, settings.base, settings.languages))
    assert str(values["a"]) == KOSZALIN and values["b"] is None
    assert f"VALUES (?a ?b) {{ (<{KOSZALIN}> UNDEF) }}" in queries.prepared_text(broken, values)


def test_vendored_assets_match_the_pinned_version_and_fetch_nothing():
    makefile = (ROOT / "Makefile").read_text()
    version = re.search(r"^YASGUI_VERSION\s*:=\s*(\S+)", makefile, re.M).group(1)
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "the YASGUI version must be pinned exactly"
    assert "src/munigraph/web/static/vendor/" in (ROOT / ".gitignore").read_text().split()
    if not all((VENDOR / f).is_file() for f in ("package.json", "yasgui.min.js", "yasgui.min.css")):
        pytest.skip("the YASGUI assets are not installed")
    meta = json.loads((VENDOR / "package.json").read_text())
    assert (meta["name"], meta["version"]) == ("@zazuko/yasgui", version)
    css = (VENDOR / "yasgui.min.css").read_text()
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", css), "the CSS must not load anything from elsewhere"
