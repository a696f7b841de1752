"""Import Wikidata's twinned administrative bodies (P190) into one data file (one named graph, one source).

    munigraph import wikidata --qid Q62868 [--qid ...] [--country Q36 ...] [--all] [--wikidata-endpoint URL]

What it does, in order:

1. Asks a Wikidata SPARQL endpoint (the public Wikidata Query Service unless `--wikidata-endpoint` or
   `$MUNIGRAPH_WIKIDATA_ENDPOINT` names another, such as a local store loaded with Wikidata-format data) for the P190
   statements of the chosen items (and the P190 statements that name them), of the items in the chosen countries
   (P17), or of every item (`--all`), with the qualifiers start time (P580), end time (P582) and end cause (P1534)
   and the precision of the times. Deprecated statements are left out. The query uses only the Wikidata RDF
   model (p:, ps:, pq:, pqv:, wdt:, rdfs:label, skos:altLabel, schema:version), never the `wikibase:label`
   service, so it runs on any SPARQL store. Results are paged (LIMIT/OFFSET over a total ORDER BY).
2. Asks for the labels and alternative labels (pl, en, lt, uk, be, de), country (P17), coordinates (P625),
   instance of (P31), ISO code (P297, of countries) and revision (schema:version) of every item found, in batches.
3. Reconciles the items with the entities of the built store (one bulk query): first by QID (mg:wikidata on a
   place or a local government; a place stands for the local government that governs it), then by name within
   the same country (a curated entity without a QID whose names match; recorded by stating its QID). Items that
   match nothing become new entities, a place and its local government as the gazetteer has them.
4. Writes one Turtle file, `<data folder>/<name>.ttl`, that the build loads as the named graph mgg:<name>, derived
   from id:source/<name> (a mg:Source whose mg:address is the endpoint; the queries, the retrieval date and the
   revisions of the entities read are recorded). Partnerships reuse the IRIs the curated data has for the same pair
   of local governments, so a start year that disagrees with a curated source is a second claim in its own graph
   (the conflicts query shows both), never an overwrite. An end time (P582) or end cause is a status change to
   terminated, as the curated data records ended partnerships.

The file is written to a temporary file and renamed into place when complete. Everything in it is sorted, so the
same endpoint data gives the same bytes (the retrieval date is the only thing that changes from day to day; fix it
with `--date`).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import os
import re
import socket
import time
import unicodedata
import urllib.error
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import click

from .. import __version__
from ..errors import MunigraphError, ParameterError, StoreMissing
from ..vocab import DEFAULT_BASE, DERIVED_GRAPH, META_GRAPH, MG, MGG, MGV, XSD

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
ENDPOINT_ENV = "MUNIGRAPH_WIKIDATA_ENDPOINT"


def _user_agent() -> str:
    """As the Wikimedia User-Agent policy asks: client/version (where to read about it; contact) library/version."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        library = "SPARQLWrapper/" + version("SPARQLWrapper")
    except PackageNotFoundError:
        library = "SPARQLWrapper"
    return f"munigraph/{__version__} (https://w3id.org/munigraph/; munigraph@example.org) {library}"


USER_AGENT = _user_agent()
LANGUAGES = ("pl", "en", "lt", "uk", "be", "de")
PAGE_SIZE = 5000          # rows per request
BATCH_SIZE = 200          # items per entity query (VALUES block)
ATTEMPTS = 5              # requests per query before giving up
MAX_WAIT = 60.0           # longest wait between attempts, seconds (a longer Retry-After is capped)
TIMEOUT = 120.0           # seconds per request
RETRY_STATUSES = {429, 502, 503, 504}

WD = "http://www.wikidata.org/entity/"
WDS = WD + "statement/"
ENTITY_DATA = "https://www.wikidata.org/wiki/Special:EntityData/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

QID = re.compile(r"^Q[1-9][0-9]*$")
STEM = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

WIKIDATA_PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pqv: <http://www.wikidata.org/prop/qualifier/value/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
"""

# instance of (P31) → the kind of place. Items of other types are places of no finer kind (mg:Place).
PLACE_TYPES: dict[str, str] = {
    **{q: "Town" for q in ("Q515", "Q3957", "Q532", "Q1549591", "Q486972", "Q7930989", "Q200250", "Q1637706",
                           "Q5119", "Q1093829", "Q15284", "Q747074", "Q484170", "Q262166", "Q42744322",
                           "Q2039348", "Q2177636", "Q127448", "Q856076")},
    **{q: "District" for q in ("Q149621",)},
    **{q: "County" for q in ("Q28575", "Q247073", "Q13220204")},
    **{q: "Region" for q in ("Q150093", "Q3348196", "Q10864048")},
}
TYPE_ORDER = ("Region", "County", "District", "Town")  # when an item has several: the most specific government level


class WikidataError(MunigraphError):
    """The Wikidata endpoint failed (after retries) or answered something unusable."""

    exit_code = 1


# --- selection and query texts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    qids: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    all: bool = False

    @classmethod
    def of(cls, qids: Iterable[str] = (), countries: Iterable[str] = (), all_: bool = False) -> "Selection":
        qids = tuple(sorted({_check_qid(q, "--qid") for q in qids}, key=_qnum))
        countries = tuple(sorted({_check_qid(q, "--country") for q in countries}, key=_qnum))
        if all_ and (qids or countries):
            raise ParameterError("--all imports every P190 statement; give it without --qid or --country")
        if not (all_ or qids or countries):
            raise ParameterError("--qid, --country or --all: give at least one (e.g. --qid Q62868 or --country Q36)")
        return cls(qids, countries, all_)

    def describe(self) -> str:
        if self.all:
            return "every item"
        parts = []
        if self.qids:
            parts.append("the items " + ", ".join(self.qids))
        if self.countries:
            parts.append("the items in the countries " + ", ".join(self.countries))
        return " and ".join(parts)

    def default_stem(self) -> str:
        if self.all:
            return "wikidata-all"
        words = [q.lower() for q in self.qids] + [f"country-{c.lower()}" for c in self.countries]
        stem = "wikidata-" + "-".join(words)
        if len(stem) > 60:
            digest = hashlib.sha256(" ".join(self.qids + ("|",) + self.countries).encode()).hexdigest()[:10]
            stem = f"wikidata-{len(self.qids) + len(self.countries)}-selected-{digest}"
        return stem


def _check_qid(value: str, option: str) -> str:
    value = value.strip()
    if value.startswith(WD):
        value = value[len(WD):]
    if value[:1] == "q":
        value = "Q" + value[1:]
    if not QID.match(value):
        raise ParameterError(f"{option} {value!r}: expected a Wikidata item id like Q62868")
    return value


def _qnum(qid: str) -> int:
    return int(qid[1:])


def statements_query(selection: Selection) -> str:
    """The P190 statements of the selection with their qualifiers (without LIMIT/OFFSET)."""
    blocks = []
    if selection.all:
        blocks.append("?item p:P190 ?statement . ?statement ps:P190 ?partner .")
    if selection.qids:
        values = " ".join("wd:" + q for q in selection.qids)
        blocks.append(f"VALUES ?item {{ {values} }} ?item p:P190 ?statement . ?statement ps:P190 ?partner .")
        blocks.append(f"VALUES ?partner {{ {values} }} ?statement ps:P190 ?partner . ?item p:P190 ?statement .")
    if selection.countries:
        values = " ".join("wd:" + q for q in selection.countries)
        blocks.append(f"VALUES ?country {{ {values} }} ?item wdt:P17 ?country ; p:P190 ?statement . ?statement ps:P190 ?partner .")
    where = "\n  UNION\n  ".join("{ " + b + " }" for b in blocks)
    return WIKIDATA_PREFIXES + f"""SELECT DISTINCT ?item ?statement ?partner ?start ?startPrecision ?end ?endPrecision ?cause WHERE {{
  {where}
  ?statement wikibase:rank ?rank .
  FILTER(?rank != wikibase:DeprecatedRank)
  FILTER(isIRI(?item) && STRSTARTS(STR(?item), "http://www.wikidata.org/entity/Q"))
  FILTER(isIRI(?partner) && STRSTARTS(STR(?partner), "http://www.wikidata.org/entity/Q"))
  OPTIONAL {{
    ?statement pq:P580 ?start . FILTER(isLiteral(?start))
    OPTIONAL {{ ?statement pqv:P580 ?startValue . ?startValue wikibase:timeValue ?start ; wikibase:timePrecision ?startPrecision . }}
  }}
  OPTIONAL {{
    ?statement pq:P582 ?end . FILTER(isLiteral(?end))
    OPTIONAL {{ ?statement pqv:P582 ?endValue . ?endValue wikibase:timeValue ?end ; wikibase:timePrecision ?endPrecision . }}
  }}
  OPTIONAL {{ ?statement pq:P1534 ?cause . FILTER(isIRI(?cause) && STRSTARTS(STR(?cause), "http://www.wikidata.org/entity/Q")) }}
}}
ORDER BY ?statement ?start ?startPrecision ?end ?endPrecision ?cause"""


ENTITY_QUERY_TEMPLATE = """SELECT DISTINCT ?item ?what ?value WHERE {{
  VALUES ?item {{ {values} }}
  {{ ?item rdfs:label ?value . FILTER(LANG(?value) IN ({languages})) BIND("label" AS ?what) }}
  UNION {{ ?item skos:altLabel ?value . FILTER(LANG(?value) IN ({languages})) BIND("alt" AS ?what) }}
  UNION {{ ?item wdt:P17 ?value . BIND("country" AS ?what) }}
  UNION {{ ?item wdt:P625 ?value . BIND("coordinates" AS ?what) }}
  UNION {{ ?item wdt:P31 ?value . BIND("type" AS ?what) }}
  UNION {{ ?item wdt:P297 ?value . BIND("iso2" AS ?what) }}
  UNION {{ ?item schema:version ?value . BIND("revision" AS ?what) }}
  UNION {{ ?data a schema:Dataset ; schema:about ?item ; schema:version ?value . BIND("revision" AS ?what) }}
  UNION {{ ?item schema:dateModified ?value . BIND("modified" AS ?what) }}
  UNION {{ ?data a schema:Dataset ; schema:about ?item ; schema:dateModified ?value . BIND("modified" AS ?what) }}
}}
ORDER BY ?item ?what ?value"""


def entity_query(qids: Iterable[str]) -> str:
    """Labels, alternative labels, country, coordinates, types, ISO code and revision of the given items."""
    values = " ".join("wd:" + q for q in qids)
    languages = ", ".join(f'"{lang}"' for lang in LANGUAGES)
    return WIKIDATA_PREFIXES + ENTITY_QUERY_TEMPLATE.format(values=values, languages=languages)


# --- the endpoint -------------------------------------------------------------------------------------------------

class Client:
    """SELECT queries against a Wikidata SPARQL endpoint through SPARQLWrapper, with retries.

    HTTP 429, 502, 503, 504 and network errors are retried: after Retry-After seconds when the endpoint sends it
    (capped at max_wait), otherwise after 1, 2, 4 ... seconds. After `attempts` failed requests it stops with one
    line naming the endpoint and the last status. Other errors (400 bad query, 500 query timeout) stop at once.
    """

    def __init__(self, endpoint: str, attempts: int = ATTEMPTS, max_wait: float = MAX_WAIT, timeout: float = TIMEOUT,
                 sleep: Callable[[float], None] = time.sleep, notify: Callable[[str], None] | None = None):
        self.endpoint = endpoint
        self.attempts = max(1, attempts)
        self.max_wait = max_wait
        self.timeout = timeout
        self.sleep = sleep
        self.notify = notify
        self.requests = 0

    def select(self, query: str) -> list[dict[str, dict]]:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        last = ""
        for attempt in range(1, self.attempts + 1):
            client = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
            client.setMethod(POST)
            client.setReturnFormat(JSON)
            client.setTimeout(int(self.timeout))
            client.setQuery(query)
            wait = None
            self.requests += 1
            try:
                response = client.query()
                data = response.convert()
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRY_STATUSES:
                    raise WikidataError(f"{self.endpoint}: the endpoint answered HTTP {exc.code} {exc.reason}") from None
                last = f"HTTP {exc.code} {exc.reason}"
                wait = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            except SPARQLWrapperException as exc:
                raise WikidataError(f"{self.endpoint}: the endpoint refused the query: {str(exc).splitlines()[0]}") from None
            except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"cannot connect ({reason})"
            except ValueError as exc:  # not JSON
                raise WikidataError(f"{self.endpoint}: the answer is not SPARQL JSON results ({exc})") from None
            else:
                if not isinstance(data, dict) or "results" not in data:
                    raise WikidataError(f"{self.endpoint}: the answer is not SPARQL JSON results")
                return data["results"]["bindings"]
            if attempt == self.attempts:
                break
            delay = min(self.max_wait, wait if wait is not None else float(2 ** (attempt - 1)))
            if self.notify:
                self.notify(f"{self.endpoint}: {last}; retrying in {delay:g} s (attempt {attempt + 1} of {self.attempts})")
            self.sleep(delay)
        raise WikidataError(f"{self.endpoint}: gave up after {self.attempts} attempt(s); last answer: {last}")

    def paged(self, query: str, page_size: int = PAGE_SIZE, progress: Callable[[int], None] | None = None) -> list[dict]:
        """All rows of a query with a total ORDER BY, LIMIT page_size OFFSET k·page_size until a short page."""
        rows: list[dict] = []
        offset = 0
        while True:
            page = self.select(f"{query}\nLIMIT {page_size} OFFSET {offset}")
            rows.extend(page)
            offset += page_size
            if progress:
                progress(len(page))
            if len(page) < page_size:
                return rows


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


# --- what the endpoint says ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Time:
    lexical: str   # at the precision Wikidata gives: 2019-12-02, 2019-12 or 2019
    datatype: str  # xsd:date, xsd:gYearMonth or xsd:gYear


@dataclass(frozen=True)
class Statement:
    item: str
    statement: str
    partner: str
    start: Time | None
    end: Time | None
    cause: str | None


@dataclass
class Item:
    qid: str
    labels: dict[str, str] = field(default_factory=dict)            # language → label
    alt: set[tuple[str, str]] = field(default_factory=set)          # (language, label)
    countries: set[str] = field(default_factory=set)
    coordinates: set[tuple[str, str]] = field(default_factory=set)  # (latitude, longitude)
    types: set[str] = field(default_factory=set)
    iso2: set[str] = field(default_factory=set)
    revision: str | None = None
    modified: str | None = None

    def names(self) -> list[str]:
        return sorted(set(self.labels.values()) | {text for _, text in self.alt})


@dataclass
class Fetched:
    statements: list[Statement]
    items: dict[str, Item]
    skipped_times: list[str] = field(default_factory=list)


def _value(binding: dict, name: str) -> str | None:
    cell = binding.get(name)
    return None if cell is None else cell.get("value")


def _qid_of(iri: str | None) -> str | None:
    if iri and iri.startswith(WD) and QID.match(iri[len(WD):]):
        return iri[len(WD):]
    return None


TIME = re.compile(r"^([+-]?)(\d{1,})-(\d{2})-(\d{2})T")


def parse_time(value: str | None, precision: str | None) -> Time | None:
    """A Wikidata time at its precision (11 day, 10 month, 9 year); coarser ones (decades ...) give None.

    Without a precision: a first of January reads as a year, a first of the month as a month."""
    if not value:
        return None
    match = TIME.match(value.strip())
    if not match or match.group(1) == "-":
        return None
    year, month, day = match.group(2), match.group(3), match.group(4)
    year = year.lstrip("0").rjust(4, "0")
    if len(year) != 4:
        return None
    if precision is not None:
        try:
            level = int(float(precision))
        except ValueError:
            level = 11
    else:
        # no precision in the store (no pqv: value node): Wikidata pads a coarser time with zeros or with the first
        # of the month / of January, so read those as a month or a year rather than claim a day nobody gave
        level = 9 if month in ("00", "01") and day in ("00", "01") else 10 if day in ("00", "01") else 11
    if level >= 11 and month != "00" and day != "00":
        return Time(f"{year}-{month}-{day}", XSD + "date")
    if level >= 10 and month != "00":
        return Time(f"{year}-{month}", XSD + "gYearMonth")
    if level >= 9:
        return Time(year, XSD + "gYear")
    return None


WKT_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?Point\s*\(\s*([-+]?[0-9.eE+-]+)\s+([-+]?[0-9.eE+-]+)\s*\)\s*$", re.I)


def parse_point(value: str) -> tuple[str, str] | None:
    """(latitude, longitude) as decimal strings from a WKT "Point(lon lat)" on Earth; None for other globes."""
    if value.strip().startswith("<") and "Q2>" not in value:
        return None
    match = WKT_POINT.match(value)
    if not match:
        return None
    try:
        lon, lat = float(match.group(1)), float(match.group(2))
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return _decimal(lat), _decimal(lon)


def _decimal(x: float) -> str:
    text = f"{x:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def fetch(client: Client, selection: Selection, page_size: int = PAGE_SIZE,
          progress: Callable[[str, int, int | None], None] | None = None) -> Fetched:
    """The statements of the selection and the items they mention (and those items' countries and causes)."""
    query = statements_query(selection)
    total = None
    if selection.all:
        count = client.select(WIKIDATA_PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE {\n"
                              + query[len(WIKIDATA_PREFIXES):].rsplit("\nORDER BY", 1)[0] + "\n}")
        total = int(_value(count[0], "n") or 0) if count else 0
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("reading P190 statements", done, total)

    if progress:
        progress("reading P190 statements", 0, total)
    rows = client.paged(query, page_size, advance)
    statements: set[Statement] = set()
    skipped: set[str] = set()
    for row in rows:
        item, partner = _qid_of(_value(row, "item")), _qid_of(_value(row, "partner"))
        statement = _value(row, "statement")
        if not (item and partner and statement):
            continue
        start = parse_time(_value(row, "start"), _value(row, "startPrecision"))
        end = parse_time(_value(row, "end"), _value(row, "endPrecision"))
        for name, parsed in (("start", start), ("end", end)):
            if _value(row, name) and parsed is None:
                skipped.add(f"{statement}: {name} {_value(row, name)} (precision {_value(row, name + 'Precision')})")
        statements.add(Statement(item, statement, partner, start, end, _qid_of(_value(row, "cause"))))
    ordered = sorted(statements, key=lambda s: (s.statement, _time_key(s.start), _time_key(s.end), s.cause or ""))

    items: dict[str, Item] = {}
    wanted = {s.item for s in ordered} | {s.partner for s in ordered}
    _fetch_items(client, wanted, items, page_size, progress)
    extra = {c for i in list(items.values()) for c in i.countries} | {s.cause for s in ordered if s.cause}
    _fetch_items(client, extra - set(items), items, page_size, progress)
    return Fetched(ordered, items, sorted(skipped))


def _time_key(t: Time | None) -> str:
    return "" if t is None else t.lexical


def _fetch_items(client: Client, qids: set[str], items: dict[str, Item], page_size: int,
                 progress: Callable[[str, int, int | None], None] | None) -> None:
    ordered = sorted(qids, key=_qnum)
    for qid in ordered:
        items.setdefault(qid, Item(qid))
    for k in range(0, len(ordered), BATCH_SIZE):
        batch = ordered[k:k + BATCH_SIZE]
        if progress:
            progress("reading labels, countries and coordinates", k, len(ordered))
        for row in client.paged(entity_query(batch), page_size):
            qid, what, cell = _qid_of(_value(row, "item")), _value(row, "what"), row.get("value")
            if qid not in items or cell is None:
                continue
            item, value = items[qid], cell.get("value", "")
            lang = cell.get("xml:lang", "")
            if what == "label" and lang:
                # one label per language; if a store holds several, keep the first in code-point order
                if lang not in item.labels or value < item.labels[lang]:
                    item.labels[lang] = value
            elif what == "alt" and lang:
                item.alt.add((lang, value))
            elif what == "country" and _qid_of(value):
                item.countries.add(_qid_of(value))
            elif what == "coordinates":
                point = parse_point(value)
                if point:
                    item.coordinates.add(point)
            elif what == "type" and _qid_of(value):
                item.types.add(_qid_of(value))
            elif what == "iso2" and re.match(r"^[A-Za-z]{2}$", value):
                item.iso2.add(value.upper())
            elif what == "revision" and value.isdigit():
                if item.revision is None or int(value) > int(item.revision):
                    item.revision = value
            elif what == "modified":
                if item.modified is None or value > item.modified:
                    item.modified = value
    if progress and ordered:
        progress("reading labels, countries and coordinates", len(ordered), len(ordered))


# --- what the store knows ------------------------------------------------------------------------------------------

GOV_CLASSES = (MG + "LocalGovernment", MG + "RegionalGovernment")
PLACE_CLASSES = tuple(MG + c for c in ("Place", "Town", "District", "County", "Region"))


@dataclass
class Known:
    """The entities of the store (every graph but this import's own and the derived one)."""

    base: str
    by_qid: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))      # QID → entities
    qid_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))      # entity → QIDs
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    governs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))     # gov → places
    governed_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # place → govs
    country: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))     # entity → countries
    code: dict[str, str] = field(default_factory=dict)                                 # country → "PL"
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))       # entity → all names
    labels: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))      # entity → rdfs:labels
    partners: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))    # partnership → govs

    def is_gov(self, iri: str) -> bool:
        return bool(self.types.get(iri, set()) & set(GOV_CLASSES))

    def is_place(self, iri: str) -> bool:
        return bool(self.types.get(iri, set()) & set(PLACE_CLASSES)) and not self.is_country(iri)

    def is_country(self, iri: str) -> bool:
        return MG + "Country" in self.types.get(iri, set())

    def defined(self, iri: str) -> bool:
        return iri in self.types

    def country_by_qid(self, qid: str) -> str | None:
        found = sorted(e for e in self.by_qid.get(qid, ()) if self.is_country(e))
        return found[0] if found else None

    def govs_of(self, entity: str) -> set[str]:
        if self.is_gov(entity):
            return {entity}
        return {g for g in self.governed_by.get(entity, ()) if self.is_gov(g)}

    def pair(self, a: str, b: str) -> str | None:
        """The IRI the other sources give the partnership of a and b (the first in order if several)."""
        if not hasattr(self, "_pairs"):
            self._pairs: dict[frozenset, str] = {}
            for p, govs in sorted(self.partners.items(), reverse=True):
                if len(govs) == 2:
                    self._pairs[frozenset(govs)] = p
        return self._pairs.get(frozenset((a, b)))


def known_query(own_graph: str, base: str) -> str:
    classes = ", ".join(f"<{c}>" for c in (*GOV_CLASSES, *PLACE_CLASSES, MG + "Country", MG + "Partnership"))
    return f"""SELECT DISTINCT ?what ?s ?o WHERE {{
  GRAPH ?g {{
    {{ ?s <{MG}wikidata> ?o . BIND("qid" AS ?what) }}
    UNION {{ ?s a ?o . FILTER(?o IN ({classes})) BIND("type" AS ?what) }}
    UNION {{ ?s <{MG}governs> ?o . BIND("governs" AS ?what) }}
    UNION {{ ?o <{MG}governedBy> ?s . BIND("governs" AS ?what) }}
    UNION {{ ?s <{MG}country> ?o . BIND("country" AS ?what) }}
    UNION {{ ?s <{MG}countryCode> ?o . BIND("code" AS ?what) }}
    UNION {{ ?s <{RDFS}label> ?o . BIND("label" AS ?what)
             FILTER(STRSTARTS(STR(?s), "{base}gov/") || STRSTARTS(STR(?s), "{base}place/")) }}
    UNION {{ ?s <{SKOS}altLabel> ?o . BIND("alt" AS ?what)
             FILTER(STRSTARTS(STR(?s), "{base}gov/") || STRSTARTS(STR(?s), "{base}place/")) }}
    UNION {{ ?s <{MG}partner> ?o . BIND("partner" AS ?what) }}
  }}
  FILTER(?g NOT IN (<{own_graph}>, <{DERIVED_GRAPH}>, <{META_GRAPH}>))
}}"""


def read_known(store, own_graph: str, base: str = DEFAULT_BASE) -> Known:
    """What the store knows, in one bulk query; IRIs are given back in the default base (that of data files)."""
    known = Known(DEFAULT_BASE)

    def norm(value: str) -> str:
        return DEFAULT_BASE + value[len(base):] if base != DEFAULT_BASE and value.startswith(base) else value

    for what, s, o in store.select_values(known_query(own_graph, base)):
        s, o = norm(s), norm(o)
        if what == "qid":
            known.by_qid[o].add(s)
            known.qid_of[s].add(o)
        elif what == "type":
            known.types[s].add(o)
        elif what == "governs":
            known.governs[s].add(o)
            known.governed_by[o].add(s)
        elif what == "country":
            known.country[s].add(o)
        elif what == "code":
            known.code[s] = o
        elif what in ("label", "alt"):
            known.names[s].add(o)
            if what == "label":
                known.labels[s].add(o)
        elif what == "partner":
            known.partners[s].add(o)
    return known


def open_known(obj, own_graph: str, notify: Callable[[str], None]) -> Known:
    """Read the built store (or the --endpoint store); without a built store, the data folder itself."""
    try:
        store = obj.open_store()
    except StoreMissing:
        notify(f"no built store in {obj.settings.store}; reconciling with the files of {obj.settings.data}/ instead")
        store = _data_folder_store(obj.settings, own_graph)
    return read_known(store, own_graph, obj.settings.base)


def _data_folder_store(settings, own_graph: str):
    import pyoxigraph as ox

    from .. import build as build_mod
    from ..store import EmbeddedStore

    oxstore = ox.Store()
    data = Path(settings.data)
    if data.is_dir():
        for item in build_mod.input_files([data]):
            if item.kind == "data" and item.graph != own_graph:
                build_mod.load_file(oxstore, item)
    return EmbeddedStore(oxstore)


# --- slugs and IRIs ------------------------------------------------------------------------------------------------

_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "ß": "ss", "đ": "d", "Đ": "d",
                       "ı": "i", "œ": "oe", "Œ": "oe", "þ": "th", "ð": "d"})


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '-' (Tempelhof-Schöneberg → tempelhof-schoneberg, Ełk → elk)."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _key_of_gov(iri: str) -> str:
    """`<iso2>-<gov-slug>` of a local government IRI (id:gov/pl/koszalin → pl-koszalin)."""
    rest = iri[len(DEFAULT_BASE + "gov/"):] if iri.startswith(DEFAULT_BASE + "gov/") else iri.rsplit("/id/", 1)[-1]
    return rest.replace("/", "-")


def partnership_iri(a: str, b: str) -> str:
    first, second = sorted((_key_of_gov(a), _key_of_gov(b)))
    return f"{DEFAULT_BASE}partnership/{first}--{second}"


# --- reconciliation ------------------------------------------------------------------------------------------------

@dataclass
class Resolved:
    gov: str
    how: str                     # qid, name or new
    place: str | None = None     # the place (new entities; a name match's place)
    state_qid_on: str | None = None


class Reconciler:
    def __init__(self, known: Known, items: dict[str, Item], notify: Callable[[str], None]):
        self.known = known
        self.items = items
        self.notify = notify
        self.resolved: dict[str, Resolved | None] = {}
        self.new_countries: dict[str, str] = {}   # country QID → new country IRI
        self.new_govs: dict[str, str] = {}        # new local government → its QID
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def country(self, item: Item) -> str | None:
        """The country entity of an item (an existing one by QID, else a new one from the country's ISO code)."""
        for qid in sorted(item.countries, key=_qnum):
            found = self.known.country_by_qid(qid)
            if found:
                return found
        for qid in sorted(item.countries, key=_qnum):
            country = self.items.get(qid)
            if country is None or len(country.iso2) != 1:
                continue
            code = next(iter(country.iso2))
            # a country the store has under this ISO code but without the QID is that country
            existing = sorted(c for c, k in self.known.code.items() if k.upper() == code and self.known.is_country(c))
            if existing:
                return existing[0]
            iri = f"{DEFAULT_BASE}country/{code.lower()}"
            if self.known.defined(iri) or not country.labels:
                continue
            self.new_countries[qid] = iri
            return iri
        return None

    def resolve_all(self, qids: Iterable[str]) -> None:
        pending: list[tuple[str, str, str]] = []  # (qid, country IRI, wanted slug)
        for qid in sorted(set(qids), key=_qnum):
            done = self._by_qid(qid) or self._by_name(qid)
            if done is not None:
                self.resolved[qid] = done
                continue
            item = self.items.get(qid) or Item(qid)
            country = self.country(item)
            if country is None:
                self.warn(f"{qid}: no country (P17) that munigraph knows or can describe; its statements are left out")
                self.resolved[qid] = None
                continue
            if not item.labels:
                self.warn(f"{qid}: no label in {', '.join(LANGUAGES)}; its statements are left out")
                self.resolved[qid] = None
                continue
            name = item.labels.get("en") or next(item.labels[lang] for lang in LANGUAGES if lang in item.labels)
            pending.append((qid, country, slug(name) or qid.lower()))
        # new entities: a slug two new items share, or one an existing entity has, gets the QID appended
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for qid, country, wanted in pending:
            groups[(country, wanted)].append(qid)
        for qid, country, wanted in pending:
            code = self._code(country)
            gov, place = f"{DEFAULT_BASE}gov/{code}/{wanted}", f"{DEFAULT_BASE}place/{code}/{wanted}"
            if len(groups[(country, wanted)]) > 1 or self.known.defined(gov) or self.known.defined(place):
                gov, place = f"{gov}-{qid.lower()}", f"{place}-{qid.lower()}"
            self.resolved[qid] = Resolved(gov, "new", place)
            self.new_govs[gov] = qid

    def _code(self, country: str) -> str:
        code = self.known.code.get(country)
        if code:
            return code.lower()
        return country.rstrip("/").rsplit("/", 1)[-1]

    def _by_qid(self, qid: str) -> Resolved | None:
        entities = sorted(self.known.by_qid.get(qid, ()))
        govs = sorted({g for e in entities for g in self.known.govs_of(e)})
        if len(govs) == 1:
            return Resolved(govs[0], "qid")
        if len(govs) > 1:
            self.warn(f"{qid}: several local governments have this QID ({', '.join(govs)}); its statements are left out")
            return Resolved("", "ambiguous")
        places = [e for e in entities if self.known.is_place(e)]
        if len(places) == 1:
            return self._new_gov_for(places[0], qid)
        return None

    def _new_gov_for(self, place: str, qid: str) -> Resolved:
        """A known place that no local government governs: the import adds its government."""
        rest = place[len(DEFAULT_BASE + "place/"):] if place.startswith(DEFAULT_BASE + "place/") else slug(place.rsplit("/", 1)[-1])
        gov = f"{DEFAULT_BASE}gov/{rest}"
        if self.known.defined(gov):
            gov = f"{gov}-{qid.lower()}"
        self.new_govs[gov] = qid
        return Resolved(gov, "new-gov", place, None if qid in self.known.qid_of.get(place, ()) else place)

    def _name_index(self) -> dict[tuple[str, str, int], set[str]]:
        """(country, slug of a name, tier) → local governments; tier 0: labels, tier 1: every name."""
        if getattr(self, "_index", None) is None:
            index: dict[tuple[str, str, int], set[str]] = defaultdict(set)
            for gov in self.known.types:
                if not self.known.is_gov(gov):
                    continue
                places = sorted(p for p in self.known.governs.get(gov, ()) if self.known.is_place(p))
                main = {slug(x) for e in [gov, *places] for x in self.known.labels.get(e, ())} - {""}
                every = ({slug(x) for e in [gov, *places] for x in self.known.names.get(e, ())} | main) - {""}
                for country in self.known.country.get(gov, ()):
                    for name in main:
                        index[(country, name, 0)].add(gov)
                    for name in every:
                        index[(country, name, 1)].add(gov)
            for place in self.known.types:
                if not self.known.is_place(place) or self.known.govs_of(place):
                    continue
                main = {slug(x) for x in self.known.labels.get(place, ())} - {""}
                every = ({slug(x) for x in self.known.names.get(place, ())} | main) - {""}
                for country in self.known.country.get(place, ()):
                    for name in main:
                        index[(country, name, 0)].add(place)
                    for name in every:
                        index[(country, name, 1)].add(place)
            self._index = index
        return self._index

    def _by_name(self, qid: str) -> Resolved | None:
        """A local government in the item's country whose names match the item's (labels first, then all names);
        one that (or whose place) has another QID is another entity."""
        item = self.items.get(qid)
        if item is None:
            return None
        countries = sorted({c for q in item.countries if (c := self.known.country_by_qid(q))})
        if not countries:
            return None
        index = self._name_index()
        tiers = ({slug(x) for x in item.labels.values()} - {""}, {slug(x) for x in item.names()} - {""})
        for tier, mine in enumerate(tiers):
            found = set()
            for country in countries:
                for name in mine:
                    found |= index.get((country, name, tier), set())
            found = sorted(g for g in found if not self._other_qid(g, qid))
            if len(found) == 1 and not self.known.is_gov(found[0]):
                return self._new_gov_for(found[0], qid)
            if len(found) == 1:
                gov = found[0]
                places = sorted(p for p in self.known.governs.get(gov, ()) if self.known.is_place(p))
                # the QID goes on the place whose name matched (the gov itself when only its own names did)
                matched = [p for p in places if {slug(x) for x in self.known.names.get(p, ())} & mine]
                target = matched[0] if len(matched) == 1 else (places[0] if len(places) == 1 else gov)
                return Resolved(gov, "name", target if target != gov else None,
                                None if qid in self.known.qid_of.get(target, ()) else target)
            if len(found) > 1:
                self.warn(f"{qid}: its names match several local governments ({', '.join(found)}); a new entity is made")
                return None
        return None

    def _other_qid(self, gov: str, qid: str) -> bool:
        places = [p for p in self.known.governs.get(gov, ()) if self.known.is_place(p)] if self.known.is_gov(gov) else []
        return any(q != qid for e in [gov, *places] for q in self.known.qid_of.get(e, ()))


# --- the graph -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lit:
    value: str
    lang: str | None = None
    datatype: str | None = None


class Triples:
    def __init__(self):
        self.data: dict[str, set[tuple[str, object]]] = defaultdict(set)

    def add(self, s: str, p: str, o) -> None:
        self.data[s].add((p, o))


@dataclass
class ImportResult:
    path: Path
    stem: str
    statements: int
    partnerships: int
    new_entities: int
    by_qid: int
    by_name: int
    warnings: list[str]
    text: str


def make_graph(fetched: Fetched, known: Known, selection: Selection, endpoint: str, stem: str,
               retrieved: dt.date, notify: Callable[[str], None] = lambda m: None) -> tuple[Triples, dict]:
    items = fetched.items
    rec = Reconciler(known, items, notify)
    rec.resolve_all({s.item for s in fetched.statements} | {s.partner for s in fetched.statements})
    t = Triples()
    source = f"{DEFAULT_BASE}source/{stem}"

    # partnerships: both directions of a P190 pair are one partnership
    pairs: dict[tuple[str, str], list[Statement]] = defaultdict(list)
    for st in fetched.statements:
        a, b = rec.resolved.get(st.item), rec.resolved.get(st.partner)
        if not a or not b or not a.gov or not b.gov:
            continue
        if a.gov == b.gov:
            rec.warn(f"{st.statement}: {st.item} and {st.partner} are the same local government ({a.gov}); left out")
            continue
        pairs[tuple(sorted((a.gov, b.gov)))].append(st)

    used: set[str] = set()
    used_causes: set[str] = set()
    for (a, b), statements in sorted(pairs.items()):
        iri = known.pair(a, b) or partnership_iri(a, b)
        used.update(s.item for s in statements)
        used.update(s.partner for s in statements)
        t.add(iri, RDF_TYPE, MG + "Partnership")
        t.add(iri, MG + "partner", a)
        t.add(iri, MG + "partner", b)
        if not known.defined(iri):
            t.add(iri, RDFS + "label", Lit(f"{_label(a, rec, known)} – {_label(b, rec, known)}", "en"))
        for st in statements:
            t.add(iri, RDFS + "seeAlso", st.statement)
        for start in _most_precise({s.start for s in statements if s.start}):
            t.add(iri, MG + "startDate", Lit(start.lexical, datatype=start.datatype))
        # an end time and/or end cause is a status change to terminated, dated at the most precise end given
        ends: dict[Time | None, set[str]] = defaultdict(set)
        for s in statements:
            if s.end or s.cause:
                ends[s.end].update({s.cause} if s.cause else set())
        undated_causes = ends.pop(None, None)
        changes: list[tuple[Time | None, set[str]]] = []
        for end in _most_precise(set(ends)):
            causes = {c for e, cs in ends.items() if end.lexical.startswith(e.lexical) for c in cs}
            changes.append((end, causes | (undated_causes or set())))
        if not changes and undated_causes is not None:
            changes.append((None, undated_causes))
        for end, causes in changes:
            change = f"{iri}/status/{end.lexical if end else 'undated'}-terminated"
            t.add(iri, MG + "statusChange", change)
            t.add(change, RDF_TYPE, MG + "StatusChange")
            t.add(change, MG + "status", MGV + "status-terminated")
            if end:
                t.add(change, MG + "date", Lit(end.lexical, datatype=end.datatype))
            for cause in causes:
                used_causes.add(cause)
                for lang, text in items.get(cause, Item(cause)).labels.items():
                    t.add(change, MG + "cause", Lit(text, lang))
            t.add(change, RDFS + "comment", Lit("Wikidata gives an end time (P582) or an end cause (P1534) of this "
                                                "twinning; it does not say whether it was ended by a decision or "
                                                "lapsed, so it is recorded as terminated.", "en"))
        if len(_most_precise({s.start for s in statements if s.start})) > 1:
            rec.warn(f"{iri}: Wikidata's statements give different start dates; both are kept (see `munigraph query conflicts`)")

    # entities: new ones described as the gazetteer does; name matches get their QID stated
    new_countries_used: set[str] = set()
    counts = {"new": 0, "qid": 0, "name": 0, "new-gov": 0}
    for qid in sorted(used, key=_qnum):
        r = rec.resolved[qid]
        counts[r.how] = counts.get(r.how, 0) + 1
        item = items.get(qid, Item(qid))
        if r.how in ("name", "new-gov") and r.state_qid_on:
            t.add(r.state_qid_on, MG + "wikidata", Lit(qid))
        if r.how == "new-gov":
            country = sorted(known.country.get(r.place, ())) or [rec.country(item)]
            kinds = known.types.get(r.place, set())
            t.add(r.gov, RDF_TYPE, MG + ("RegionalGovernment" if MG + "Region" in kinds else "LocalGovernment"))
            for lang, text in item.labels.items():
                t.add(r.gov, RDFS + "label", Lit(text, lang))
            if country[0]:
                t.add(r.gov, MG + "country", country[0])
            t.add(r.gov, MG + "governs", r.place)
            t.add(r.place, MG + "governedBy", r.gov)
            t.add(r.gov, RDFS + "comment", Lit(f"Made by the Wikidata import from item {qid}, whose labels it carries, "
                                               f"as the local government of a place that had none.", "en"))
            for cq, iri in rec.new_countries.items():
                if iri == country[0]:
                    new_countries_used.add(cq)
            continue
        if r.how != "new":
            continue
        country = rec.country(item)
        for cq, iri in rec.new_countries.items():
            if iri == country:
                new_countries_used.add(cq)
        kind = _place_kind(item)
        place, gov = r.place, r.gov
        t.add(place, RDF_TYPE, MG + kind)
        t.add(gov, RDF_TYPE, MG + ("RegionalGovernment" if kind == "Region" else "LocalGovernment"))
        for node in (place, gov):
            for lang, text in item.labels.items():
                t.add(node, RDFS + "label", Lit(text, lang))
            for lang, text in item.alt:
                if item.labels.get(lang) != text:
                    t.add(node, SKOS + "altLabel", Lit(text, lang))
            t.add(node, MG + "country", country)
        t.add(place, MG + "wikidata", Lit(qid))
        t.add(place, MG + "governedBy", gov)
        t.add(gov, MG + "governs", place)
        if item.coordinates:
            lat, lon = sorted(item.coordinates)[0]
            t.add(place, MG + "latitude", Lit(lat, datatype=XSD + "decimal"))
            t.add(place, MG + "longitude", Lit(lon, datatype=XSD + "decimal"))
        t.add(gov, RDFS + "comment", Lit(f"Made by the Wikidata import from item {qid}, whose labels it carries "
                                         "(Wikidata's item stands for the place and its local government alike).", "en"))
    for cq in sorted(new_countries_used, key=_qnum):
        iri, citem = rec.new_countries[cq], items[cq]
        t.add(iri, RDF_TYPE, MG + "Country")
        for lang, text in citem.labels.items():
            t.add(iri, RDFS + "label", Lit(text, lang))
        t.add(iri, MG + "countryCode", Lit(next(iter(citem.iso2))))
        t.add(iri, MG + "wikidata", Lit(cq))

    # the source
    t.add(source, RDF_TYPE, MG + "Source")
    t.add(source, MG + "address", endpoint)
    t.add(source, DCT + "title", Lit(f"Wikidata: twinned administrative bodies (P190) of {selection.describe()}", "en"))
    t.add(source, DCT + "publisher", Lit("Wikidata (Wikimedia Foundation), through the SPARQL endpoint " + endpoint))
    t.add(source, DCT + "language", Lit("mul"))
    t.add(source, MG + "retrievedOn", Lit(retrieved.isoformat(), datatype=XSD + "date"))
    t.add(source, RDFS + "comment", Lit(
        "Imported by `munigraph import wikidata`: P190 statements (not deprecated) with their start time (P580), "
        "end time (P582) and end cause (P1534); labels, country (P17), coordinates (P625) and instance of (P31) of "
        "the items. Each P190 value is read as the local government of the place it names.", "en"))
    activity = f"{source}/retrieval"
    t.add(source, PROV + "wasGeneratedBy", activity)
    t.add(activity, RDF_TYPE, PROV + "Activity")
    t.add(activity, RDFS + "label", Lit(f"munigraph {__version__} reading Wikidata's P190 statements", "en"))
    t.add(activity, PROV + "used", endpoint)
    t.add(activity, SCHEMA + "query", Lit(statements_query(selection) + "\n# paged with LIMIT and OFFSET"))
    t.add(activity, SCHEMA + "query", Lit(WIKIDATA_PREFIXES + ENTITY_QUERY_TEMPLATE.format(
        values="# the items found, in batches", languages=", ".join(f'"{x}"' for x in LANGUAGES))))
    revised = sorted(used | used_causes | new_countries_used, key=_qnum)
    for qid in revised:
        item = items.get(qid)
        if item is None or (item.revision is None and item.modified is None):
            continue
        data = ENTITY_DATA + qid
        t.add(source, DCT + "source", data)
        t.add(data, SCHEMA + "about", WD + qid)
        if item.revision:
            t.add(data, SCHEMA + "version", Lit(item.revision, datatype=XSD + "integer"))
        if item.modified:
            t.add(data, SCHEMA + "dateModified", Lit(item.modified, datatype=XSD + "dateTime"))
    summary = {"partnerships": len(pairs), "new": counts.get("new", 0) + counts.get("new-gov", 0), "qid": counts.get("qid", 0),
               "name": counts.get("name", 0), "warnings": rec.warnings + [f"left out (too coarse): {x}" for x in fetched.skipped_times]}
    return t, summary


def _most_precise(times: set[Time]) -> list[Time]:
    """Drop a time that a more precise compatible one refines (2019 by 2019-12-02); sorted."""
    return sorted((x for x in times if not any(y != x and y.lexical.startswith(x.lexical) for y in times)),
                  key=lambda x: x.lexical)


def _place_kind(item: Item) -> str:
    kinds = {PLACE_TYPES[t] for t in item.types if t in PLACE_TYPES}
    for kind in TYPE_ORDER:
        if kind in kinds:
            return kind
    return "Place"


def _label(gov: str, rec: Reconciler, known: Known) -> str:
    """An English-ish name of a local government for a partnership's label (its place's name where known)."""
    qid = rec.new_govs.get(gov)
    if qid:
        labels = rec.items[qid].labels
        return labels.get("en") or labels[sorted(labels)[0]]
    places = sorted(p for p in known.governs.get(gov, ()) if known.is_place(p))
    for entity in places + [gov]:
        names = sorted(known.labels.get(entity, ()))
        if names:
            return names[0]
    return _key_of_gov(gov)


# --- Turtle --------------------------------------------------------------------------------------------------------

OUT_PREFIXES = {
    "rdfs": RDFS, "skos": SKOS, "xsd": XSD, "dct": DCT, "prov": PROV, "schema": SCHEMA,
    "mg": MG, "mgv": MGV, "wd": WD,
}
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _iri(value: str) -> str:
    if value == RDF_TYPE:
        return "a"
    for prefix, ns in OUT_PREFIXES.items():
        if value.startswith(ns) and _LOCAL.match(value[len(ns):]):
            return f"{prefix}:{value[len(ns):]}"
    return "<" + value.replace(">", "%3E") + ">"


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if "\n" in text:
        return '"""' + escaped.replace("\r", "\\r") + '"""'
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def _term(o) -> str:
    if isinstance(o, Lit):
        text = _string(o.value)
        if o.lang:
            return f"{text}@{o.lang}"
        if o.datatype:
            return f"{text}^^{_iri(o.datatype)}"
        return text
    return _iri(o)


def _sort_key(o) -> tuple:
    if isinstance(o, Lit):
        return (1, o.value, o.lang or "", o.datatype or "")
    return (0, o, "", "")


def to_turtle(t: Triples, header: str) -> str:
    lines = [header.rstrip("\n"), ""]
    lines += [f"@prefix {p}: <{ns}> ." for p, ns in OUT_PREFIXES.items()]
    def is_source(s: str) -> bool:
        return s.startswith(DEFAULT_BASE + "source/") and "/" not in s[len(DEFAULT_BASE + "source/"):]

    source_first = sorted(t.data, key=lambda s: (not is_source(s), s))
    for s in source_first:
        lines.append("")
        by_predicate: dict[str, list] = defaultdict(list)
        for p, o in t.data[s]:
            by_predicate[p].append(o)
        predicates = sorted(by_predicate, key=lambda p: (p != RDF_TYPE, _iri(p)))
        lines.append(_iri(s))
        for k, p in enumerate(predicates):
            objects = " ,\n        ".join(_term(o) for o in sorted(by_predicate[p], key=_sort_key))
            end = " ." if k == len(predicates) - 1 else " ;"
            lines.append(f"    {_iri(p)} {objects}{end}")
    return "\n".join(lines) + "\n"


# --- the import as a whole ----------------------------------------------------------------------------------------

def run_import(obj, selection: Selection, endpoint: str, out: Path, stem: str, retrieved: dt.date,
               page_size: int = PAGE_SIZE, attempts: int = ATTEMPTS, max_wait: float = MAX_WAIT,
               timeout: float = TIMEOUT, progress=None, notify: Callable[[str], None] = lambda m: None) -> ImportResult:
    """Query, reconcile, write `out/stem.ttl` atomically. Raises WikidataError before anything is written."""
    if not STEM.match(stem):
        raise ParameterError(f"--name {stem!r}: expected a file stem of lower-case letters, digits, '-', '_' or '.'")
    if page_size < 1:
        raise ParameterError(f"--page-size {page_size}: expected a positive number of rows")
    own_graph = MGG + stem
    known = open_known(obj, own_graph, notify)
    client = Client(endpoint, attempts=attempts, max_wait=max_wait, timeout=timeout, notify=notify)
    fetched = fetch(client, selection, page_size, progress)
    if not fetched.statements:
        raise WikidataError(f"{endpoint}: no P190 statements of {selection.describe()}; nothing written")
    triples, summary = make_graph(fetched, known, selection, endpoint, stem, retrieved, notify)
    header = (f"# Claims of Wikidata: twinned administrative bodies (P190) of {selection.describe()}, read from {endpoint}.\n"
              f"# Written by `munigraph import wikidata`; loaded into mgg:{stem}. Do not edit: run the import again.")
    text = to_turtle(triples, header)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem}.ttl"
    tmp = out / f".{stem}.ttl.tmp-{os.getpid()}"
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return ImportResult(path, stem, len(fetched.statements), summary["partnerships"], summary["new"],
                        summary["qid"], summary["name"], summary["warnings"], text)


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"--date {value!r}: expected a date YYYY-MM-DD") from None


@click.command("wikidata")
@click.option("--qid", "qids", multiple=True, metavar="QID", help="An item whose P190 statements to import (e.g. Q62868 Koszalin). Repeatable.")
@click.option("--country", "countries", multiple=True, metavar="QID", help="Import the P190 statements of the items in this country (P17; e.g. Q36 Poland). Repeatable.")
@click.option("--all", "all_", is_flag=True, help="Import every P190 statement the endpoint holds (for a local mirror of Wikidata data).")
@click.option("--wikidata-endpoint", "endpoint", envvar=ENDPOINT_ENV, default=DEFAULT_ENDPOINT, show_default=True,
              help=f"The Wikidata SPARQL endpoint (${ENDPOINT_ENV}), e.g. a local store loaded with Wikidata-format data.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Data folder to write into (default: the configured data folder).")
@click.option("--name", "name", metavar="STEM", help="File stem and graph name (default wikidata-<qids or countries>, or wikidata-all).")
@click.option("--date", "date", callback=_date, metavar="YYYY-MM-DD", help="Retrieval date to record (default: today, UTC).")
@click.option("--page-size", "page_size", type=int, default=PAGE_SIZE, show_default=True, help="Rows per request.")
@click.option("--attempts", "attempts", type=click.IntRange(1, 50), default=ATTEMPTS, show_default=True, help="Requests per query before giving up (429/503 and network errors are retried).")
@click.option("--max-wait", "max_wait", type=click.FloatRange(0, 3600), default=MAX_WAIT, show_default=True, help="Longest wait between attempts in seconds (caps Retry-After).")
@click.option("--timeout", "timeout", type=click.FloatRange(1, 3600), default=TIMEOUT, show_default=True, help="Seconds per request.")
@click.pass_obj
def command(obj, qids, countries, all_, endpoint, out, name, date, page_size, attempts, max_wait, timeout):
    """Import Wikidata's twinned administrative bodies (P190) into a data file.

    \b
    munigraph import wikidata --qid Q62868                 # Koszalin's P190 statements (both directions)
    munigraph import wikidata --country Q36                # those of the items in Poland
    munigraph import wikidata --all --wikidata-endpoint http://localhost:7878/query   # a local mirror

    Writes DATA/<name>.ttl (one source, one named graph), reconciled with the built store by QID; then run
    `munigraph build`. A start that disagrees with a curated source is a separate claim (see the conflicts query).
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    err = Console(stderr=True, soft_wrap=True)
    selection = Selection.of(qids, countries, all_)
    stem = name or selection.default_stem()
    retrieved = date or dt.datetime.now(dt.timezone.utc).date()
    progress_bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
    with progress_bar:
        task = progress_bar.add_task("reading", total=None)

        def progress(message, done, total):
            progress_bar.update(task, description=message, completed=done, total=total)

        def notify(message):
            progress_bar.console.print(message, markup=False, highlight=False)

        result = run_import(obj, selection, endpoint, out or obj.settings.data, stem, retrieved, page_size=page_size,
                            attempts=attempts, max_wait=max_wait, timeout=timeout, progress=progress, notify=notify)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)
    err.print(f"wrote {result.path}: {result.partnerships} partnership(s) from {result.statements} P190 statement(s); "
              f"items reconciled by QID {result.by_qid}, by name {result.by_name}, new {result.new_entities}. "
              f"Next: munigraph build", markup=False, highlight=False)
    click.echo(str(result.path))
