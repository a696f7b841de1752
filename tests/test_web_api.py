"""The named queries as a web API, against the real server."""

from __future__ import annotations

import csv
import io

import httpx

GOV = "https://w3id.org/munigraph/id/gov/"


def test_list_of_queries(live):
    r = httpx.get(live.url + "/api/queries")
    assert r.status_code == 200
    names = {q["name"]: q for q in r.json()}
    assert {"partners", "shared-partners", "timeline", "conflicts"} <= set(names)
    assert names["shared-partners"]["url"] == "/api/queries/shared-partners"
    assert [p["name"] for p in names["shared-partners"]["params"]] == ["a", "b"]


def test_run_as_json_and_csv(live):
    r = httpx.get(live.url + "/api/queries/shared-partners", params={"a": "Koszalin", "b": "Troki"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+json")
    rows = r.json()["results"]["bindings"]
    assert [b["partner"]["value"] for b in rows] == [GOV + "ua/ivano-frankivsk"]
    assert "Ivano-Frankivsk" in rows[0]["partnerLabel"]["value"]
    for url, headers in ((live.url + "/api/queries/shared-partners.csv", {}),
                         (live.url + "/api/queries/shared-partners", {"Accept": "text/csv"})):
        r = httpx.get(url, params={"a": "Koszalin", "b": "Troki"}, headers=headers)
        assert r.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(r.text)))
        assert table[0]["partner"] == GOV + "ua/ivano-frankivsk"
    polish = httpx.get(live.url + "/api/queries/shared-partners.json", params={"a": "Koszalin", "b": "Troki", "lang": "pl"}).json()
    assert polish["results"]["bindings"][0]["partnerLabel"]["value"] != rows[0]["partnerLabel"]["value"]


def test_parameter_errors_are_400_with_the_reason(live):
    r = httpx.get(live.url + "/api/queries/partners", params={"municipality": "Koszalinn"})
    assert r.status_code == 400 and "did you mean" in r.json()["error"] and "Koszalin" in r.json()["error"]
    r = httpx.get(live.url + "/api/queries/partners")
    assert r.status_code == 400 and "missing parameter municipality" in r.json()["error"]
    r = httpx.get(live.url + "/api/queries/partners?municipality=Koszalin&municipality=Troki")
    assert r.status_code == 400 and "given 2 times" in r.json()["error"]
    r = httpx.get(live.url + "/api/queries/partners", params={"municipality": "Koszalin", "date": "yesterday"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["error"]
    r = httpx.get(live.url + "/api/queries/nope")
    assert r.status_code == 404 and "partners" in r.json()["error"]


def test_openapi_document_and_docs_page(live):
    spec = httpx.get(live.url + "/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    partners = spec["paths"]["/api/queries/partners"]["get"]
    params = {p["name"]: p for p in partners["parameters"]}
    assert params["municipality"]["required"] is True and params["date"]["schema"]["format"] == "date"
    assert "text/csv" in partners["responses"]["200"]["content"]
    assert set(spec["paths"]) >= {f"/api/queries/{n}" for n in ("partners", "shared-partners", "timeline", "sources")}
    page = httpx.get(live.url + "/api/docs")
    assert page.status_code == 200 and "GET /api/queries/partners" in page.text and "/openapi.json" in page.text


def test_a_parameter_repeated_gives_several_values(live):
    both = httpx.get(live.url + "/api/queries/partner-ranking.json?country=PL&country=LT").json()["results"]["bindings"]
    countries = {b["municipalityCountry"]["value"].rsplit("/", 1)[-1] for b in both}
    assert countries == {"pl", "lt"}
    only_pl = httpx.get(live.url + "/api/queries/partner-ranking.json?country=PL").json()["results"]["bindings"]
    assert len(both) > len(only_pl)
