"""Linked-data pages against the real server: /id, /page, /data, /, /ontology, /.well-known/void."""

from __future__ import annotations

import json
import re
import textwrap

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from conftest import LiveServer, run_cli

ID = "https://w3id.org/munigraph/id/"
MG = Namespace("https://w3id.org/munigraph/ontology#")
VOID = Namespace("http://rdfs.org/ns/void#")
KOSZALIN = URIRef(ID + "gov/pl/koszalin")
TRAKAI = URIRef(ID + "gov/lt/trakai-district")
PARTNERSHIP = "partnership/lt-trakai-district--pl-koszalin"
AGREEMENT = "agreement/2019-12-02-lt-trakai-district--pl-koszalin-framework"
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
MEDIA = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}


@pytest.fixture(scope="module")
def client(live):
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def koszalin_page(client):
    r = client.get("/page/gov/pl/koszalin", headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    return r


def varies_on_accept(response) -> bool:
    return "accept" in [v.strip().lower() for v in response.headers.get("vary", "").split(",")]


def h1(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


# --- /id -----------------------------------------------------------------------------------------------------------

def test_id_redirects_a_browser_to_the_page(client):
    r = client.get("/id/gov/pl/koszalin", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/page/gov/pl/koszalin"
    assert varies_on_accept(r)
    with_lang = client.get("/id/gov/pl/koszalin?lang=pl", headers={"Accept": "text/html"}, follow_redirects=False)
    assert with_lang.headers["location"] == "/page/gov/pl/koszalin?lang=pl"


def test_id_redirects_rdf_clients_to_the_data(client):
    r = client.get("/id/gov/pl/koszalin", headers={"Accept": "text/turtle"}, follow_redirects=False)
    assert r.status_code == 303 and varies_on_accept(r)
    assert r.headers["location"] == "/data/gov/pl/koszalin.ttl"
    for accept, ext in (("application/ld+json", "jsonld"), ("application/rdf+xml;q=0.9, text/html;q=0.1", "rdf"),
                        ("application/n-triples", "nt"), ("text/plain", "nt")):
        other = client.get("/id/gov/pl/koszalin", headers={"Accept": accept}, follow_redirects=False)
        assert other.headers["location"] == f"/data/gov/pl/koszalin.{ext}", accept
    data = client.get(r.headers["location"])
    assert data.status_code == 200 and data.headers["content-type"].startswith("text/turtle")
    assert varies_on_accept(data)
    graph = Graph().parse(data=data.text, format="turtle")
    assert (KOSZALIN, MG.twinnedWith, TRAKAI) in graph
    assert (TRAKAI, RDFS.label, Literal("Trakai District Municipality", lang="en")) in graph  # labels of what it points to


def test_unknown_entities_are_404(client):
    for url in ("/id/gov/xx/nowhere", "/page/gov/xx/nowhere"):
        r = client.get(url, headers={"Accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "Not found" in r.text and varies_on_accept(r)
    assert client.get("/data/gov/xx/nowhere.ttl").status_code == 404
    # characters that cannot be in an IRI never reach a query
    for url in ("/page/gov%3E%20%7B%20%3Fs", "/id/a%22b", "/data/x%0Ay.ttl"):
        assert client.get(url, follow_redirects=False).status_code == 404


# --- /data ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", list(RDFLIB_FORMATS))
def test_data_in_every_format_parses(client, ext):
    r = client.get(f"/data/gov/pl/koszalin.{ext}")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == MEDIA[ext]
    graph = Graph().parse(data=r.content, format=RDFLIB_FORMATS[ext])
    assert (KOSZALIN, MG.twinnedWith, TRAKAI) in graph
    assert (KOSZALIN, RDF.type, MG.LocalGovernment) in graph
    assert all(s == KOSZALIN or p == RDFS.label for s, p, _ in graph)


def test_data_without_suffix_is_negotiated(client):
    for accept, media in (("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
                          ("application/rdf+xml", "application/rdf+xml"), ("application/n-triples", "application/n-triples"),
                          ("*/*", "text/turtle"), ("application/ld+json;q=0.5, text/turtle;q=0.4", "application/ld+json")):
        r = client.get("/data/gov/pl/koszalin", headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media, accept
        assert varies_on_accept(r)
    refused = client.get("/data/gov/pl/koszalin", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and varies_on_accept(refused)


# --- /page ---------------------------------------------------------------------------------------------------------

def test_page_of_koszalin(koszalin_page):
    html = koszalin_page.text
    assert varies_on_accept(koszalin_page)
    assert h1(html) == "City of Koszalin"
    assert f'href="/page/{PARTNERSHIP}"' in html
    assert re.search(r'<a href="/page/gov/lt/trakai-district"[^>]*>Trakai District Municipality</a>', html)
    assert "Edita Rudelienė" in html and "Piotr Jedliński" in html
    assert "<svg" in html and "</svg>" in html
    for ext, media in MEDIA.items():
        assert f'<link rel="alternate" type="{media}" href="/data/gov/pl/koszalin.{ext}">' in html
    # the sources behind a fact link to the source's address
    assert 'href="https://koszalin.pl/pl/news/litewskie-troki-naszym-kolejnym-miastem-partnerskim?language=pl"' in html


def test_page_embeds_json_ld(koszalin_page):
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', koszalin_page.text, re.S)
    assert len(scripts) == 1
    doc = json.loads(scripts[0])
    graph = Graph().parse(data=json.dumps(doc), format="json-ld")
    assert (KOSZALIN, MG.twinnedWith, TRAKAI) in graph


def test_page_labels_follow_the_language(client):
    polish = client.get("/page/gov/pl/koszalin", params={"lang": "pl"})
    assert h1(polish.text) == "gmina miasto Koszalin"
    assert '<html lang="pl">' in polish.text
    lithuanian = client.get("/page/gov/lt/trakai-district", headers={"Accept-Language": "lt"})
    assert h1(lithuanian.text) == "Trakų rajono savivaldybė"
    assert '<html lang="lt">' in lithuanian.text
    assert "Vary" in lithuanian.headers and "accept-language" in lithuanian.headers["vary"].lower()
    # a language without a label falls back to the configured ones (English first)
    assert h1(client.get("/page/gov/pl/koszalin", headers={"Accept-Language": "fr, lt;q=0.5"}).text) == "City of Koszalin"


def test_page_of_a_partnership(client):
    r = client.get(f"/page/{PARTNERSHIP}")
    html = r.text
    assert r.status_code == 200
    assert 'href="/page/gov/pl/koszalin"' in html and 'href="/page/gov/lt/trakai-district"' in html
    assert "Status history" in html and 'class="status-active"' in html
    assert f'href="/page/{AGREEMENT}"' in html
    assert "established by" in html
    assert 'href="/page/event/2016-12-koszalin-visit-to-trakai"' in html
    timeline = re.search(r'href="(/api/queries/timeline\?[^"]+)"', html).group(1).replace("&amp;", "&")
    rows = client.get(timeline).json()["results"]["bindings"]
    assert any(row["item"]["value"] == ID + AGREEMENT for row in rows)


def test_page_of_an_agreement(client):
    html = client.get(f"/page/{AGREEMENT}").text
    assert "Who took part" in html
    for name in ("Edita Rudelienė", "Piotr Jedliński", "Jan Kuriata"):
        assert name in html
    assert "signatory" in html and "Mayor of Trakai District Municipality" in html
    assert 'href="https://trakai.lt/"' in html


def test_a_government_page_lists_its_latest_agreements_and_links_to_all(store_dir, store):
    """With --agreements-per-page 1, Koszalin's page lists its latest agreement only, says how many there are and
    links to the page with all of them; a value other than `all` is a 400 that names the parameter."""
    dated = store.select_values(f"SELECT ?a ?date WHERE {{ ?a a <{MG}Agreement> ; <{MG}party> <{KOSZALIN}> . "
                                f"OPTIONAL {{ ?a <{MG}date> ?date }} }}")
    agreements = {a for a, _ in dated}
    assert len(agreements) >= 2
    latest = max(agreements, key=lambda a: (max((d or "") for x, d in dated if x == a), a))
    server = LiveServer(store_dir, "--agreements-per-page", "1")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            cut = c.get("/page/gov/pl/koszalin").text
            listed = set(re.findall(r'href="/page/(agreement/[^"]+)"', cut.split('id="agreements"')[1].split("</section>")[0]))
            assert listed == {latest[len(ID):]}
            assert f"The latest 1 of {len(agreements)} agreements" in cut
            every = c.get("/page/gov/pl/koszalin?agreements=all")
            assert every.status_code == 200 and "agreements-cut" not in every.text
            section = every.text.split('id="agreements"')[1].split("</section>")[0]
            assert set(re.findall(r'href="/page/(agreement/[^"]+)"', section)) == {a[len(ID):] for a in agreements}
            assert c.get("/page/gov/pl/koszalin").headers["etag"] != every.headers["etag"]
            bad = c.get("/page/gov/pl/koszalin?agreements=some")
            assert bad.status_code == 400 and "agreements=&#39;some&#39;" in bad.text
    finally:
        server.stop()


def test_a_page_lists_the_first_links_of_a_property_and_links_to_the_query_for_all(store):
    """Trakai is a partner, a party, ... of many: past `incoming_shown` links through one property (25 on a served
    page) the page lists that many, and a SPARQL query that lists them all (here run, to check it finds them)."""
    from urllib.parse import parse_qs, urlsplit

    from munigraph.vocab import DEFAULT_BASE
    from munigraph.web import describe as d
    facts = d.describe(d.Context(store, DEFAULT_BASE, ["en"]), str(TRAKAI), incoming_shown=2)
    cut = [i for i in facts["incoming"] if i.all_query]
    assert cut, [(i.prop.iri, len(i.subjects)) for i in facts["incoming"]]
    for item in cut:
        assert len(item.subjects) == 2 and item.total > 2
        query = parse_qs(urlsplit(item.all_query).query)["query"][0]
        found = [row[0] for row in store.select_values(query)]
        assert len(found) == item.total and {t.iri for t in item.subjects} <= set(found)


def test_page_of_a_plain_entity_has_the_generic_table(client):
    r = client.get("/page/person/edita-rudeliene")
    assert r.status_code == 200
    assert h1(r.text) == "Edita Rudelienė"
    assert "Statements" in r.text and "Links to" in r.text
    assert f'href="/page/{AGREEMENT}/participant/edita-rudeliene"' in r.text  # incoming link, with its property


def test_pages_carry_an_etag_and_answer_304(client):
    first = client.get("/page/gov/pl/koszalin")
    tag = first.headers["etag"]
    again = client.get("/page/gov/pl/koszalin", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert varies_on_accept(again)
    assert client.get("/page/gov/pl/koszalin", headers={"If-None-Match": f'"other", {tag}'}).status_code == 304
    assert client.get("/page/gov/pl/koszalin", headers={"If-None-Match": '"other"'}).status_code == 200
    # another language is another representation: another tag, and the English one does not match it
    polish = client.get("/page/gov/pl/koszalin", params={"lang": "pl"}, headers={"If-None-Match": tag})
    assert polish.status_code == 200 and polish.headers["etag"] != tag
    assert client.get(f"/page/{PARTNERSHIP}").headers["etag"] != tag
    # the data: one tag per format
    ttl = client.get("/data/gov/pl/koszalin.ttl")
    assert client.get("/data/gov/pl/koszalin.ttl", headers={"If-None-Match": ttl.headers["etag"]}).status_code == 304
    assert client.get("/data/gov/pl/koszalin.nt").headers["etag"] != ttl.headers["etag"]
    # nothing to cache on a 404
    assert "etag" not in client.get("/page/gov/xx/nowhere").headers


# --- escaping ------------------------------------------------------------------------------------------------------

EVIL = """\
@prefix mg:   <https://w3id.org/munigraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct:  <http://purl.org/dc/terms/> .

<https://w3id.org/munigraph/id/source/evil> a mg:Source ;
    mg:address <https://example.org/evil> ;
    dct:title "Fixture <script>alert(2)</script>"@en ;
    dct:publisher "munigraph tests" ;
    dct:language "en" .

<https://w3id.org/munigraph/id/country/xa> a mg:Country ; rdfs:label "Testland A"@en ; mg:countryCode "XA" .

<https://w3id.org/munigraph/id/gov/xa/evil> a mg:LocalGovernment ;
    rdfs:label "<script>alert(1)</script>"@en ;
    rdfs:comment "\\"><img src=x onerror=alert(3)></script><!--"@en ;
    rdfs:seeAlso <javascript:alert(4)> ;
    mg:country <https://w3id.org/munigraph/id/country/xa> .
"""


def test_text_from_the_data_is_escaped(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "evil.ttl").write_text(textwrap.dedent(EVIL), encoding="utf-8")
    store = tmp_path / "store"
    run_cli("--store", str(store), "build", "--data", str(data), check=True)
    server = LiveServer(store)
    try:
        for url in ("/page/gov/xa/evil", "/"):
            html = httpx.get(server.url + url, timeout=30).text
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
            assert "<script>alert" not in html and "<img" not in html, url
        page = httpx.get(server.url + "/page/gov/xa/evil", timeout=30).text
        assert 'href="javascript:' not in page
        embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
        assert "</" not in embedded
        labels = [v["@value"] for node in json.loads(embedded) for v in node.get(str(RDFS.label), [])]
        assert "<script>alert(1)</script>" in labels
    finally:
        server.stop()


# --- / ---------------------------------------------------------------------------------------------------------------

def test_front_page(client):
    r = client.get("/")
    html = r.text
    assert r.status_code == 200
    for href in ("/sparql", "/api/docs", "/ontology", "/.well-known/void", "/api/queries/partners", "/page/gov/pl/koszalin"):
        assert f'href="{href}"' in html, href
    assert "Litewskie Troki naszym kolejnym miastem partnerskim!" in html
    assert 'href="https://trakai.lt/"' in html and "Trakų rajono savivaldybė" in html  # a source's address and publisher
    assert "built " in html and re.search(r'<time datetime="\d{4}-\d\d-\d\dT', html)
    count = re.search(r"<strong>(\d+)</strong> triples in the default graph", html)
    assert count and int(count.group(1)) > 1000


# --- /.well-known/void ---------------------------------------------------------------------------------------------

def test_void_description(client, live):
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=r.text, format="turtle")
    datasets = list(graph.subjects(VOID.sparqlEndpoint, None))
    assert len(datasets) == 1
    dataset = datasets[0]
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(live.url + "/sparql")
    answer = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                        headers={"Accept": "application/sparql-results+json"}).json()
    assert int(graph.value(dataset, VOID.triples)) == int(answer["results"]["bindings"][0]["n"]["value"])
    assert graph.value(dataset, VOID.exampleResource) == KOSZALIN
    assert str(graph.value(dataset, VOID.uriSpace)) == ID
    assert URIRef(str(MG)) in set(graph.objects(dataset, VOID.vocabulary))
    for p in (VOID.entities, VOID.distinctSubjects, VOID.distinctObjects, VOID.classes, VOID.properties):
        assert int(graph.value(dataset, p)) > 0, p
    partitions = {graph.value(part, VOID["class"]): int(graph.value(part, VOID.entities))
                  for part in graph.objects(dataset, VOID.classPartition)}
    assert partitions[MG.Partnership] > 10
    assert any(graph.value(part, VOID.property) == MG.twinnedWith for part in graph.objects(dataset, VOID.propertyPartition))
    subset = URIRef("https://w3id.org/munigraph/graph/koszalin-2019-12-02-troki")
    assert subset in set(graph.objects(dataset, VOID.subset))
    assert int(graph.value(subset, VOID.triples)) > 0
    assert str(graph.value(subset, URIRef("http://purl.org/dc/terms/source"))).startswith("https://koszalin.pl/")
    as_ntriples = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert as_ntriples.headers["content-type"].startswith("application/n-triples") and varies_on_accept(as_ntriples)


# --- /ontology -----------------------------------------------------------------------------------------------------

def test_ontology_as_html(client):
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and varies_on_accept(r)
    html = r.text
    section = re.search(r'<section class="term" id="Partnership">(.*?)</section>', html, re.S).group(1)
    assert "mg:Partnership" in section and "partnerstwo" in section and "partnership" in section
    assert "close match" in section
    start = re.search(r'<section class="term" id="startDate">(.*?)</section>', html, re.S).group(1)
    assert "domain" in start and "range" in start and "<em>or</em>" in start  # the union of Tenure and Partnership
    assert "subproperty of" in start and "schema:startDate" in start


def test_ontology_as_rdf(client):
    r = client.get("/ontology.ttl")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=r.text, format="turtle")
    assert (MG.Partnership, RDF.type, OWL.Class) in graph
    assert (MG.Partnership, RDFS.label, Literal("partnerstwo", lang="pl")) in graph
    negotiated = client.get("/ontology", headers={"Accept": "application/ld+json"})
    assert negotiated.headers["content-type"].startswith("application/ld+json") and varies_on_accept(negotiated)
    assert (MG.Partnership, RDF.type, OWL.Class) in Graph().parse(data=negotiated.content, format="json-ld")
    for ext in ("nt", "rdf"):
        assert len(Graph().parse(data=client.get(f"/ontology.{ext}").content, format=RDFLIB_FORMATS[ext])) == len(graph)
    assert client.get("/ontology.png").status_code == 404
