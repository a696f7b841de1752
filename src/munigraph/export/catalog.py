"""catalog.ttl and catalog.jsonld: the DCAT-AP 3.0.1 record of a release, for portals to harvest.

Written after every other file of the release except README.txt/index.html (and SHA256SUMS), which it does not
list, nor itself. One dcat:Catalog with one dcat:Dataset, one dcat:Distribution per file (download URL, media type,
EU file type, size, SHA-256), and, when [publish] sparql_endpoint is set, a dcat:DataService for the public
endpoint (dcat:service of the catalog, and the dcat:accessService of a distribution whose access URL is the
endpoint).

DCAT-AP's range shapes check the class of every object (a licence must be a dct:LicenseDocument, a theme a
skos:Concept with a skos:prefLabel, a format a dct:MediaTypeOrExtent, ...). The EU vocabularies' own data is not
imported, so the record states those few facts about the IRIs it uses, as publishers do, and skos:inScheme for the
EU controlled vocabularies (which mdr-vocabularies.shape.ttl checks). It gives labels only where a shape requires
one (the two themes, with the EU table's English labels), so as not to contradict the authority tables.

Node IRIs are fragments of <download_url>catalog.ttl, the statements are sorted, and the JSON-LD has sorted keys
and nodes, so the same release gives byte-identical files.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from urllib.parse import quote

import pyoxigraph as ox

from ..vocab import MG
from .dumps import jsonld_document
from .void import RDF_FORMATS, download_base, file_url

N = ox.NamedNode
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ADMS = "http://www.w3.org/ns/adms#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
ONTOLOGY = "https://w3id.org/munigraph/ontology"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"

PREFIXES = {"dcat": DCAT, "dct": DCT, "foaf": FOAF, "vcard": VCARD, "spdx": SPDX, "skos": SKOS, "adms": ADMS,
            "xsd": XSD, "rdfs": RDFS}
JSONLD_CONTEXT = {"@context": dict(sorted(PREFIXES.items()))}

# files the catalog never lists: itself and what is written after it
NOT_LISTED = {"catalog.ttl", "catalog.jsonld", "README.txt", "index.html", "SHA256SUMS"}

THEMES = {  # EU data-theme concepts, with their English labels (a skos:Concept needs a skos:prefLabel)
    "GOVE": "Government and public sector",
    "REGI": "Regions and cities",
}

# ISO 3166-1 alpha-2 (mg:countryCode) -> code of the EU country authority table (ISO alpha-3 for these)
COUNTRIES = {
    "AD": "AND", "AL": "ALB", "AM": "ARM", "AT": "AUT", "AZ": "AZE", "BA": "BIH", "BE": "BEL", "BG": "BGR",
    "BY": "BLR", "CH": "CHE", "CY": "CYP", "CZ": "CZE", "DE": "DEU", "DK": "DNK", "EE": "EST", "ES": "ESP",
    "FI": "FIN", "FR": "FRA", "GB": "GBR", "GE": "GEO", "GR": "GRC", "HR": "HRV", "HU": "HUN", "IE": "IRL",
    "IS": "ISL", "IT": "ITA", "LI": "LIE", "LT": "LTU", "LU": "LUX", "LV": "LVA", "MC": "MCO", "MD": "MDA",
    "ME": "MNE", "MK": "MKD", "MT": "MLT", "NL": "NLD", "NO": "NOR", "PL": "POL", "PT": "PRT", "RO": "ROU",
    "RS": "SRB", "RU": "RUS", "SE": "SWE", "SI": "SVN", "SK": "SVK", "SM": "SMR", "TR": "TUR", "UA": "UKR",
    "VA": "VAT", "CA": "CAN", "US": "USA", "CN": "CHN", "JP": "JPN", "KR": "KOR", "IL": "ISR", "KZ": "KAZ",
    "UZ": "UZB", "BR": "BRA", "AR": "ARG", "MX": "MEX", "IN": "IND", "AU": "AUS", "NZ": "NZL", "EG": "EGY",
    "MA": "MAR", "TN": "TUN", "ZA": "ZAF", "VN": "VNM", "MN": "MNG", "KG": "KGZ", "TJ": "TJK", "TM": "TKM",
}

# BCP 47 primary language subtag -> code of the EU language authority table
LANGUAGES = {
    "en": "ENG", "pl": "POL", "de": "DEU", "uk": "UKR", "lt": "LIT", "be": "BEL", "ru": "RUS", "lv": "LAV",
    "ro": "RON", "cs": "CES", "zh": "ZHO", "sv": "SWE", "ka": "KAT", "pt": "POR", "fr": "FRA", "bg": "BUL",
    "it": "ITA", "fi": "FIN", "da": "DAN", "nl": "NLD", "hu": "HUN", "es": "SPA", "et": "EST", "sk": "SLK",
    "sl": "SLV", "hr": "HRV", "sr": "SRP", "el": "ELL", "ga": "GLE", "mt": "MLT", "no": "NOR", "nb": "NOB",
    "nn": "NNO", "is": "ISL", "tr": "TUR", "ja": "JPN", "ko": "KOR", "he": "HEB", "ar": "ARA", "sq": "SQI",
    "mk": "MKD", "bs": "BOS", "hy": "HYE", "az": "AZE", "kk": "KAZ", "yi": "YID", "la": "LAT", "eo": "EPO",
}
CATALOG_LANGUAGES = ("en", "pl")  # the languages of the record itself


# --- what the graph says -----------------------------------------------------------------------------------------

def countries(store) -> list[str]:
    """The ISO alpha-2 codes of the mg:Country nodes in the graph."""
    rows = store.select(f"SELECT DISTINCT ?code WHERE {{ ?c a <{MG}Country> ; <{MG}countryCode> ?code }} ORDER BY ?code").rows
    return sorted({str(code).upper() for code, in rows})


def languages(store) -> list[str]:
    """Primary subtags of the language tags used in the graph's literals."""
    rows = store.select("SELECT DISTINCT (LCASE(LANG(?o)) AS ?l) WHERE { ?s ?p ?o FILTER(isLiteral(?o) && LANG(?o) != '') }").rows
    return sorted({str(l).split("-")[0] for l, in rows})


_DATE = re.compile(r"^(-?\d{4,})(?:-(\d\d)(?:-(\d\d))?)?$")
_TYPES = {XSD + "gYear": 1, XSD + "gYearMonth": 2, XSD + "date": 3}  # coarse to fine


def _period(value: str, datatype: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the period a gYear, gYearMonth or date names (time zones ignored)."""
    m = _DATE.match(re.sub(r"(Z|[+-]\d\d:\d\d)$", "", value))
    if not m:
        return None
    try:
        year = int(m.group(1))
        if datatype == XSD + "gYear" and m.group(2) is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if datatype == XSD + "gYearMonth" and m.group(2) and m.group(3) is None:
            month = int(m.group(2))
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        if datatype == XSD + "date" and m.group(3):
            day = dt.date(year, int(m.group(2)), int(m.group(3)))
            return day, day
    except ValueError:
        return None
    return None


def temporal_extent(store) -> tuple[ox.Literal, ox.Literal] | None:
    """The earliest and latest dates of acts, events, status changes, tenures and partnerships, at the precision the
    sources give: the value whose period starts first and the one whose period ends last (1967 rather than the derived
    sort date 1967-01-01; on ties the coarser value, which covers the finer)."""
    props = " ".join(f"<{MG}{p}>" for p in ("date", "startDate", "endDate", "effectiveStartDate", "effectiveEndDate",
                                           "sortDate", "startSortDate", "endSortDate"))
    rows = store.select(f"""SELECT DISTINCT ?d WHERE {{ VALUES ?p {{ {props} }} ?x ?p ?d
        FILTER(DATATYPE(?d) IN (<{XSD}date>, <{XSD}gYearMonth>, <{XSD}gYear>)) }}""").rows
    values = []
    for (d,) in rows:
        datatype = str(d.datatype)
        period = _period(str(d), datatype)
        if period:
            values.append((period, _TYPES[datatype], str(d), datatype))
    if not values:
        return None
    first = min(values, key=lambda v: (v[0][0], v[1], v[2]))
    last = min(values, key=lambda v: (-v[0][1].toordinal(), v[1], v[2]))
    return (ox.Literal(first[2], datatype=N(first[3])), ox.Literal(last[2], datatype=N(last[3])))


def ontology_titles(store) -> list[ox.Literal]:
    rows = store.select(f"SELECT DISTINCT ?t WHERE {{ <{ONTOLOGY}> <{DCT}title> ?t }} ORDER BY ?t").rows
    return [ox.Literal(str(t), language=t.language) if t.language else ox.Literal(str(t)) for t, in rows]


def summary(store) -> tuple[int, int, int]:
    """Statements in the default graph, named graphs, source documents."""
    def one(text):
        return int(store.select(text).rows[0][0])
    return (one("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
            one("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
            one(f"SELECT (COUNT(DISTINCT ?src) AS ?n) WHERE {{ ?src a <{MG}Source> }}"))


# --- the record ----------------------------------------------------------------------------------------------------

def _fragment(path: str) -> str:
    return quote(path, safe="/-._~")


def _date(day: dt.date) -> ox.Literal:
    return ox.Literal(day.isoformat(), datatype=N(XSD + "date"))


def catalog_graph(ctx) -> list[ox.Triple]:
    p = ctx.settings.publish
    doc = download_base(ctx) + "catalog.ttl"
    catalog, dataset, publisher, contact = (f"{doc}#{x}" for x in ("catalog", "dataset", "publisher", "contact-point"))
    endpoint = str(p.get("sparql_endpoint") or "").strip() or None
    service = f"{doc}#sparql-endpoint"
    licence = str(p.get("licence") or "").strip() or None
    out: set[ox.Triple] = set()

    def add(s: str, pred: str, o) -> None:
        out.add(ox.Triple(N(s), N(pred), o if not isinstance(o, str) else N(o)))

    def typed(iri: str, *classes: str) -> str:
        for cls in classes:
            add(iri, RDF_TYPE, cls)
        return iri

    def texts(s: str, pred: str, key: str) -> None:
        for lang in ("en", "pl"):
            if p.get(f"{key}_{lang}"):
                add(s, pred, ox.Literal(p[f"{key}_{lang}"], language=lang))

    def licensed(s: str) -> None:
        if licence:
            add(s, DCT + "license", typed(licence, DCT + "LicenseDocument"))

    def language(code: str) -> str:
        iri = typed(EU + "language/" + LANGUAGES[code], DCT + "LinguisticSystem")
        add(iri, SKOS + "inScheme", EU + "language")
        return iri

    issued = _date(ctx.issued)

    # the catalog
    typed(catalog, DCAT + "Catalog")
    texts(catalog, DCT + "title", "title")
    texts(catalog, DCT + "description", "description")
    add(catalog, DCT + "publisher", publisher)
    if p.get("homepage"):
        add(catalog, FOAF + "homepage", typed(p["homepage"], FOAF + "Document"))
    licensed(catalog)
    add(catalog, DCT + "issued", issued)
    add(catalog, DCT + "modified", issued)
    for lang in CATALOG_LANGUAGES:
        add(catalog, DCT + "language", language(lang))
    scheme = typed(EU + "data-theme", SKOS + "ConceptScheme")
    add(scheme, DCT + "title", ox.Literal("Data theme", language="en"))
    add(catalog, DCAT + "themeTaxonomy", scheme)
    add(catalog, DCAT + "dataset", dataset)

    # who publishes it, and whom to ask
    typed(publisher, FOAF + "Agent")
    add(publisher, FOAF + "name", ox.Literal(p.get("publisher_name") or "munigraph"))
    if p.get("publisher_url"):
        add(publisher, FOAF + "homepage", typed(p["publisher_url"], FOAF + "Document"))
    typed(contact, VCARD + "Kind")
    add(contact, VCARD + "fn", ox.Literal(p.get("contact_name") or p.get("publisher_name") or "munigraph"))
    if p.get("contact_email"):
        add(contact, VCARD + "hasEmail", N("mailto:" + p["contact_email"]))

    # the data set
    typed(dataset, DCAT + "Dataset")
    texts(dataset, DCT + "title", "title")
    texts(dataset, DCT + "description", "description")
    for lang in ("en", "pl"):
        for keyword in p.get(f"keywords_{lang}") or []:
            add(dataset, DCAT + "keyword", ox.Literal(keyword, language=lang))
    for code, label in THEMES.items():
        theme = typed(EU + "data-theme/" + code, SKOS + "Concept")
        add(theme, SKOS + "prefLabel", ox.Literal(label, language="en"))
        add(theme, SKOS + "inScheme", scheme)
        add(dataset, DCAT + "theme", theme)
    for alpha2 in countries(ctx.store):
        alpha3 = COUNTRIES.get(alpha2)
        if alpha3 is None:
            ctx.say(f"catalog: no EU country code known for {alpha2}; left out of dct:spatial")
            continue
        country = typed(EU + "country/" + alpha3, DCT + "Location")
        add(country, SKOS + "inScheme", EU + "country")
        add(dataset, DCT + "spatial", country)
        add(catalog, DCT + "spatial", country)
    extent = temporal_extent(ctx.store)
    if extent:
        period = typed(f"{doc}#temporal-coverage", DCT + "PeriodOfTime")
        add(period, DCAT + "startDate", extent[0])
        add(period, DCAT + "endDate", extent[1])
        add(dataset, DCT + "temporal", period)
    for lang in languages(ctx.store):
        if lang in LANGUAGES:
            add(dataset, DCT + "language", language(lang))
    add(dataset, DCT + "publisher", publisher)
    add(dataset, DCAT + "contactPoint", contact)
    standard = typed(ONTOLOGY, DCT + "Standard")
    for title in ontology_titles(ctx.store):
        add(standard, DCT + "title", title)
    add(dataset, DCT + "conformsTo", standard)
    if p.get("homepage"):
        add(dataset, DCAT + "landingPage", typed(p["homepage"], FOAF + "Document"))
    rights = typed(EU + "access-right/PUBLIC", DCT + "RightsStatement")
    add(rights, SKOS + "inScheme", EU + "access-right")
    add(dataset, DCT + "accessRights", rights)
    add(dataset, DCT + "issued", issued)
    add(dataset, DCT + "modified", issued)
    add(dataset, DCAT + "version", ox.Literal(ctx.release))
    add(dataset, DCT + "identifier", ox.Literal(dataset))
    triples, graphs, sources = summary(ctx.store)
    add(dataset, ADMS + "versionNotes", ox.Literal(
        f"Release {ctx.release}: {triples} distinct statements in {graphs} named graphs, curated from {sources} source "
        "documents (each its own named graph).", language="en"))

    # one distribution per file
    files = sorted((f for f in ctx.files if f.path not in NOT_LISTED), key=lambda f: f.path)
    by_path = {f.path: f for f in files}
    for f in files:
        dist = typed(f"{doc}#dist-{_fragment(f.path)}", DCAT + "Distribution")
        add(dataset, DCAT + "distribution", dist)
        add(dist, DCT + "title", ox.Literal(f.title, language="en"))
        add(dist, DCT + "description", ox.Literal(
            f"{f.title}: {f.path} in release {ctx.release}.", language="en"))
        url = file_url(ctx, f.path)
        add(dist, DCAT + "accessURL", url)
        add(dist, DCAT + "downloadURL", url)
        media_type, file_type = f.media_type, f.file_type
        inner = by_path.get(f.path[:-3]) if f.path.endswith(".gz") else None
        if inner is not None:
            # a gzip copy: the format is that of the content; the compression is dcat:compressFormat (DCAT 3, 5.4)
            media_type, file_type = inner.media_type, inner.file_type
            add(dist, DCAT + "compressFormat", typed(IANA + f.media_type, DCT + "MediaType"))
        add(dist, DCAT + "mediaType", typed(IANA + media_type, DCT + "MediaType"))
        if file_type:
            fmt = typed(EU + "file-type/" + file_type, DCT + "MediaTypeOrExtent")
            add(fmt, SKOS + "inScheme", EU + "file-type")
            add(dist, DCT + "format", fmt)
        add(dist, DCAT + "byteSize", ox.Literal(str(f.size), datatype=N(XSD + "nonNegativeInteger")))
        checksum = typed(f"{doc}#checksum-{_fragment(f.path)}", SPDX + "Checksum")
        add(checksum, SPDX + "algorithm", typed(SPDX + "checksumAlgorithm_sha256", SPDX + "ChecksumAlgorithm"))
        add(checksum, SPDX + "checksumValue", ox.Literal(f.sha256, datatype=N(XSD + "hexBinary")))
        add(dist, SPDX + "checksum", checksum)
        licensed(dist)
        if f.kind == "data" and media_type in RDF_FORMATS:
            add(dist, DCT + "conformsTo", standard)

    # the public SPARQL endpoint
    if endpoint:
        typed(service, DCAT + "DataService")
        add(service, DCT + "title", ox.Literal("munigraph SPARQL endpoint", language="en"))
        add(service, DCT + "title", ox.Literal("punkt dostępowy SPARQL munigraph", language="pl"))
        add(service, DCT + "description", ox.Literal(
            "SPARQL 1.1 query service over the same graph (the default graph is the merge of all named graphs); "
            "a GET without a query returns its service description.", language="en"))
        add(service, DCAT + "endpointURL", endpoint)
        add(service, DCAT + "endpointDescription", endpoint)
        add(service, DCAT + "servesDataset", dataset)
        add(service, DCT + "conformsTo", typed(SPARQL_PROTOCOL, DCT + "Standard"))
        add(service, DCT + "publisher", publisher)
        add(service, DCAT + "contactPoint", contact)
        licensed(service)
        add(catalog, DCAT + "service", service)
        dist = typed(f"{doc}#dist-sparql-endpoint", DCAT + "Distribution")
        add(dataset, DCAT + "distribution", dist)
        add(dist, DCT + "title", ox.Literal("SPARQL endpoint", language="en"))
        add(dist, DCT + "description", ox.Literal("Query the data set live through its SPARQL endpoint.", language="en"))
        add(dist, DCAT + "accessURL", endpoint)
        add(dist, DCAT + "accessService", service)
        licensed(dist)

    rank = {catalog: 0, dataset: 1, service: 2}
    return sorted(out, key=lambda t: (rank.get(t.subject.value, 3 if "#dist-" in t.subject.value else 4),
                                      str(t.subject), t.predicate.value != RDF_TYPE, str(t.predicate), str(t.object)))


def write(ctx) -> None:
    ctx.say("writing catalog.ttl, catalog.jsonld")
    triples = catalog_graph(ctx)
    ox.serialize(triples, str(ctx.out / "catalog.ttl"), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    (ctx.out / "catalog.jsonld").write_text(jsonld_document(triples, JSONLD_CONTEXT), encoding="utf-8")
    ctx.add("catalog.ttl", "text/turtle", "DCAT-AP 3.0.1 catalog record of the release", "RDF_TURTLE", "metadata")
    ctx.add("catalog.jsonld", "application/ld+json", "DCAT-AP 3.0.1 catalog record of the release (JSON-LD)",
            "JSON_LD", "metadata")
