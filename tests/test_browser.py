"""A real headless browser (Debian's chromium, driven by Playwright) on the running server.

It follows a link from Koszalin's government page to the partnership with Trakai, and runs a named query in the
SPARQL editor (YASGUI when its assets are installed, the plain form otherwise, and the plain form again on a server
started with MUNIGRAPH_NO_YASGUI=1). Every request the browser makes is recorded: all must go to 127.0.0.1, and any
other is aborted before it leaves the machine. Screenshots of each step go to tests/artifacts/.

Playwright's own browser downloads are not used (`playwright install` is never run): the test launches
/usr/bin/chromium and is skipped when it is not installed (`apt-get install chromium`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VENDOR = Path(__file__).resolve().parents[1] / "src" / "munigraph" / "web" / "static" / "vendor" / "yasgui"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_SCHEMES = {"data", "blob", "about"}  # never leave the browser

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium) for the headless-browser tests"),
]


def yasgui_installed() -> bool:
    return (VENDOR / "yasgui.min.js").is_file() and (VENDOR / "yasgui.min.css").is_file()


class Browser:
    """A fresh chromium profile; records every request, aborts those that would leave 127.0.0.1."""

    def __init__(self, playwright, profile: Path):
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900})
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route("**/*", self._route)

    @staticmethod
    def is_local(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in LOCAL_SCHEMES or parts.hostname == "127.0.0.1"

    def _route(self, route):
        if self.is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def page(self):
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def outside(self) -> list[str]:
        return [url for url in self.requests if not self.is_local(url)]

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def playwright():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    b = Browser(playwright, tmp_path / "profile")
    yield b
    b.close()
    assert b.requests, "the browser made no request at all"
    assert b.outside() == [], f"requests that would have left 127.0.0.1: {b.outside()}"


@pytest.fixture(scope="module")
def plain_live(store_dir):
    """A second server with the YASGUI assets switched off: the editor is the plain form."""
    server = LiveServer(store_dir, env={"MUNIGRAPH_NO_YASGUI": "1"})
    yield server
    server.stop()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def run_with_plain_form(page, base_url: str, name: str, step: str) -> str:
    """Fill the form from the named query's link, submit it, and return what the endpoint answered."""
    page.locator(f"a.named-query[data-name='{name}']").click()
    page.wait_for_load_state()
    textarea = page.locator("#plain-editor textarea[name=query]")
    assert "VALUES" in textarea.input_value(), "the link should fill the form with the query, parameters bound"
    shot(page, f"{step}-form-filled")
    with page.expect_navigation():
        page.locator("#plain-editor button[type=submit]").click()
    assert urlsplit(page.url).path == "/sparql" and "query=" in page.url
    shot(page, f"{step}-form-results")
    return page.locator("body").inner_text()


def test_koszalin_page_links_to_the_partnership_with_trakai(live, browser):
    page = browser.page()
    response = page.goto(f"{live.url}/page/gov/pl/koszalin")
    assert response is not None and response.status == 200
    shot(page, "01-koszalin-government")
    link = page.locator("a[href$='/page/partnership/lt-trakai-district--pl-koszalin']").first
    assert link.count() == 1, "Koszalin's page should link to its partnership with Trakai"
    with page.expect_navigation():
        link.click()
    assert urlsplit(page.url).path.endswith("/page/partnership/lt-trakai-district--pl-koszalin")
    page.wait_for_load_state()
    shot(page, "02-partnership-trakai-koszalin")
    assert "Trakai" in page.locator("body").inner_text()
    assert browser.errors == []


def test_sparql_editor_runs_the_shared_partners_example(live, browser):
    page = browser.page()
    response = page.goto(f"{live.url}/sparql")
    assert response is not None and response.status == 200
    if page.locator("#yasgui-config").count() == 0:  # no YASGUI assets (or MUNIGRAPH_NO_YASGUI): the plain form
        assert not yasgui_installed() or os.environ.get("MUNIGRAPH_NO_YASGUI")
        text = run_with_plain_form(page, live.url, "shared-partners", "03")
        assert "ivano-frankivsk" in text.lower()
        return
    page.wait_for_selector("#tab-munigraph-shared-partners", timeout=20_000)
    shot(page, "03-sparql-editor")
    # every named query is a tab
    config = json.loads(page.locator("#yasgui-config").text_content())
    for tab in config["tabs"]:
        assert page.locator(f"#tab-{tab['id']}").count() == 1, tab["name"]
    page.locator("#tab-munigraph-shared-partners").click()
    panel = page.locator("#munigraph-shared-partners")
    panel.wait_for(state="visible")
    editor_text = page.evaluate("window.munigraphYasgui.getTab().yasqe.getValue()")
    assert "VALUES (?a ?b)" in editor_text and "gov/pl/koszalin" in editor_text
    shot(page, "04-shared-partners-tab")
    panel.locator(".yasqe_queryButton").click()
    rows = panel.locator(".yasr table tbody tr")
    rows.first.wait_for(timeout=20_000)
    shot(page, "05-shared-partners-results")
    table = panel.locator(".yasr table").inner_text().lower()
    assert "ivano-frankivsk" in table, table
    assert rows.count() >= 1
    assert browser.errors == []
    # the query went to this server's own endpoint
    assert any(urlsplit(u).path == "/sparql" and u.startswith(live.url) for u in browser.requests[1:])


def test_plain_form_without_yasgui(plain_live, browser):
    page = browser.page()
    response = page.goto(f"{plain_live.url}/sparql")
    assert response is not None and response.status == 200
    assert page.locator("#yasgui").count() == 0
    shot(page, "06-plain-form")
    text = run_with_plain_form(page, plain_live.url, "shared-partners", "07")
    # a browser's Accept gets SPARQL results as XML (or JSON); either way the row is there
    assert "https://w3id.org/munigraph/id/gov/ua/ivano-frankivsk" in text, text[:2000]
    assert browser.errors == []

