"""`munigraph import csv`: a CSV list of twin towns (city1,country1,city2,country2[,year]) as one data file.

The shape is that of the public twin-town lists scraped from Wikipedia (e.g. Hekman/twincities'
twin_cities_raw.csv, 26,114 pairs). Every name is reconciled, in this order, against the local governments and
places already in the built store (read with one bulk SPARQL query) and within the file:

1. an exact label or alternative label (any language) of an entity in the row's country;
2. the normalised form (case folded, diacritics stripped incl. ł→l, dashes/apostrophes/dots unified, a
   parenthesised qualifier such as "(Berlin)" or a "Berlin – " prefix kept as a qualifier) in that country;
3. the normalised form without the qualifier.

A place resolves to the local government that governs it; a place that no government governs gets a new
government that governs it. Several candidates in one country are *ambiguous*: the row is reported with the
candidate IRIs and not imported (nothing is guessed, and no duplicate is minted for an entity that may exist).
Names found nowhere become new entities (a government and the place it governs, under the project's IRI
patterns), one per normalised name and country: "Giżycko" and "Giżycko (rural gmina)" are one entity.
A qualifier is dropped unless it is needed to tell two places of one country apart: "Mitte (Berlin)" and
"Mitte (Hamburg)" stay two entities, and a bare "Mitte" in that country is then ambiguous. The same holds for
the part of the country column before a comma ("Bangor, Wales" and "Bangor, Northern Ireland").

Bad rows (wrong column count, empty name or country, unknown country, bad year, a body paired with itself) are
reported with their line number and skipped. The output is one Turtle file in the data format of data/ (entity
IRIs under https://w3id.org/munigraph/id/, which the build rewrites to the configured base), describing its source
as id:source/<stem>, written to a temporary file and renamed into place; the reconciliation report is a CSV file
written the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click

from ..errors import DataSyntaxError, MunigraphError, ParameterError
from ..vocab import DEFAULT_BASE, DERIVED_GRAPH, MG, MGG, META_GRAPH, ONTOLOGY_GRAPH, RULES_GRAPH, VOCABULARIES_GRAPH, XSD

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NETWORK_GRAPH = MGG + "network"

ROLES = ("city1", "country1", "city2", "country2", "year")
REQUIRED_ROLES = ROLES[:4]
REPORT_COLUMNS = ("line", "side", "name", "country", "country_code", "outcome", "entity", "match", "candidates", "reason")
HEADER_MARK = "# munigraph import csv"  # first line of every file this importer writes (it never overwrites others)

GOV_CLASSES = {MG + "LocalGovernment", MG + "RegionalGovernment"}
PLACE_CLASSES = {MG + "Place", MG + "Town", MG + "District", MG + "County", MG + "Region"}
COUNTRY_CLASS = MG + "Country"

# --- countries ----------------------------------------------------------------------------------------
# ISO 3166-1 alpha-2 code, the English name written as a label, then other English names and misspellings met in
# public lists. "Region, Country" (e.g. "Réunion, France", "Åland Islands, Finland") resolves to the country after
# the comma, with the part before it kept as a region; England, Scotland, Wales and Northern Ireland are regions of
# GB. Kosovo has the user-assigned code XK that Wikidata and the EU use. Northern Cyprus has no code at all: it gets
# the country IRI id:country/northern-cyprus and no mg:countryCode.
_COUNTRY_TABLE = """
AD Andorra
AE United Arab Emirates; UAE
AF Afghanistan
AG Antigua and Barbuda
AI Anguilla
AL Albania
AM Armenia
AO Angola
AR Argentina
AS American Samoa
AT Austria
AU Australia
AW Aruba
AX Åland Islands; Åland; Aland Islands
AZ Azerbaijan
BA Bosnia and Herzegovina; Bosnia and Hercegovina; Bosnia & Herzegovina; Bosnia
BB Barbados
BD Bangladesh
BE Belgium
BF Burkina Faso
BG Bulgaria
BH Bahrain
BI Burundi
BJ Benin
BM Bermuda
BN Brunei; Brunei Darussalam
BO Bolivia
BR Brazil
BS Bahamas; The Bahamas
BT Bhutan
BW Botswana
BY Belarus; Belorussia; Byelorussia
BZ Belize
CA Canada
CD Democratic Republic of the Congo; DR Congo; Congo-Kinshasa; Congo, Democratic Republic of the; Zaire
CF Central African Republic
CG Congo; Republic of the Congo; Congo-Brazzaville
CH Switzerland
CI Ivory Coast; Côte d'Ivoire; Cote d'Ivoire
CK Cook Islands
CL Chile
CM Cameroon
CN China; People's Republic of China; PRC
CO Colombia
CR Costa Rica
CU Cuba
CV Cape Verde; Cabo Verde
CW Curaçao; Curacao
CY Cyprus; Republic of Cyprus
CZ Czech Republic; Czechia
DE Germany; Federal Republic of Germany
DJ Djibouti
DK Denmark
DM Dominica
DO Dominican Republic
DZ Algeria
EC Ecuador
EE Estonia
EG Egypt
EH Western Sahara; Sahrawi Arab Democratic Republic
ER Eritrea
ES Spain
ET Ethiopia
FI Finland
FJ Fiji
FK Falkland Islands
FM Federated States of Micronesia; Micronesia
FO Faroe Islands; Faroes
FR France
GA Gabon
GB United Kingdom; UK; Great Britain; United Kingdom of Great Britain and Northern Ireland
GD Grenada
GE Georgia
GF French Guiana
GG Guernsey
GH Ghana
GI Gibraltar
GL Greenland
GM Gambia; The Gambia
GN Guinea
GP Guadeloupe
GQ Equatorial Guinea
GR Greece; Grece
GT Guatemala
GU Guam
GW Guinea-Bissau
GY Guyana
HK Hong Kong
HN Honduras
HR Croatia
HT Haiti
HU Hungary
ID Indonesia
IE Ireland; Republic of Ireland
IL Israel
IM Isle of Man
IN India
IQ Iraq
IR Iran
IS Iceland; Island
IT Italy; in Italy
JE Jersey
JM Jamaica
JO Jordan
JP Japan; Japa
KE Kenya
KG Kyrgyzstan; Kirghizia
KH Cambodia
KI Kiribati
KM Comoros
KN Saint Kitts and Nevis
KP North Korea; Democratic People's Republic of Korea
KR South Korea; Republic of Korea; Korea
KW Kuwait
KY Cayman Islands
KZ Kazakhstan; Kazakhstah
LA Laos
LB Lebanon
LC Saint Lucia
LI Liechtenstein
LK Sri Lanka
LR Liberia
LS Lesotho
LT Lithuania
LU Luxembourg
LV Latvia
LY Libya
MA Morocco
MC Monaco
MD Moldova; Moldavia; Republic of Moldova
ME Montenegro
MF Saint Martin
MG Madagascar; Madagaskar
MH Marshall Islands
MK North Macedonia; Macedonia; Republic of Macedonia
ML Mali
MM Myanmar; Burma
MN Mongolia
MO Macau; Macao
MP Northern Mariana Islands
MQ Martinique
MR Mauritania
MS Montserrat
MT Malta
MU Mauritius
MV Maldives
MW Malawi
MX Mexico
MY Malaysia
MZ Mozambique
NA Namibia
NC New Caledonia
NE Niger
NG Nigeria
NI Nicaragua
NL Netherlands; The Netherlands; Holland
NO Norway
NP Nepal
NR Nauru
NU Niue
NZ New Zealand
OM Oman
PA Panama
PE Peru
PF French Polynesia
PG Papua New Guinea
PH Philippines
PK Pakistan
PL Poland
PM Saint Pierre and Miquelon
PR Puerto Rico
PS Palestine; State of Palestine; West Bank; Gaza Strip; Palestinian territories
PT Portugal
PW Palau
PY Paraguay
QA Qatar
RE Réunion; Reunion
RO Romania
RS Serbia
RU Russia; Russian Federation
RW Rwanda
SA Saudi Arabia
SB Solomon Islands
SC Seychelles
SD Sudan
SE Sweden
SG Singapore
SI Slovenia
SK Slovakia
SL Sierra Leone
SM San Marino
SN Senegal
SO Somalia
SR Suriname; Surinam
SS South Sudan
ST São Tomé and Príncipe; Sao Tome and Principe
SV El Salvador
SX Sint Maarten
SY Syria
SZ Eswatini; Swaziland
TC Turks and Caicos Islands
TD Chad
TG Togo
TH Thailand
TJ Tajikistan
TL East Timor; Timor-Leste
TM Turkmenistan
TN Tunisia
TO Tonga
TR Turkey; Türkiye
TT Trinidad and Tobago
TV Tuvalu
TW Taiwan; Republic of China
TZ Tanzania
UA Ukraine
UG Uganda
US United States; United States of America; USA; US
UY Uruguay
UZ Uzbekistan
VA Vatican City; Holy See
VC Saint Vincent and the Grenadines
VE Venezuela
VG British Virgin Islands
VI United States Virgin Islands; U.S. Virgin Islands
VN Vietnam; Viet Nam
VU Vanuatu
WF Wallis and Futuna
WS Samoa
XK Kosovo
YE Yemen
YT Mayotte
ZA South Africa
ZM Zambia
ZW Zimbabwe
-- Northern Cyprus; Turkish Republic of Northern Cyprus
"""
NO_CODE = {"Northern Cyprus": "northern-cyprus"}  # countries without an ISO code: the IRI segment used instead
GB_REGIONS = ("England", "Scotland", "Wales", "Northern Ireland")
_GB_REGION_KEYS: set[str] = set()  # filled below, once _fold exists


def _fold(text: str) -> str:
    """Case, diacritics (ł→l, ø→o, ß→ss ...), dashes, apostrophes, dots and spacing folded: the matching form."""
    from ..rules import search_key
    text = search_key(text)
    text = re.sub(r"['`´ʼ‘’]", "", text)
    text = re.sub(r"[\s\-‐‑‒–—―.,_/]+", " ", text)
    return text.strip()


def _country_table() -> tuple[dict[str, str], dict[str, str]]:
    """(folded name -> code, code -> English name); the code of a country without one is its IRI segment."""
    by_name: dict[str, str] = {}
    names: dict[str, str] = {}
    for line in _COUNTRY_TABLE.strip().splitlines():
        code, rest = line.split(" ", 1)
        spellings = [s.strip() for s in rest.split(";")]
        if code == "--":
            code = NO_CODE[spellings[0]]
        names[code] = spellings[0]
        for spelling in spellings:
            by_name.setdefault(_fold(spelling), code)
    for region in GB_REGIONS:
        by_name[_fold(region)] = "GB"
    return by_name, names


COUNTRY_BY_NAME, COUNTRY_NAMES = _country_table()
_GB_REGION_KEYS.update(_fold(r) for r in GB_REGIONS)


@dataclass(frozen=True)
class CountryRef:
    code: str  # ISO alpha-2 (upper case), or the IRI segment of a country without a code
    region: str = ""  # folded region the row names (England, Réunion, Brandenburg ...), "" when none

    @property
    def segment(self) -> str:
        return self.code.lower()

    @property
    def iso(self) -> str | None:
        return self.code if re.fullmatch(r"[A-Z]{2}", self.code) else None


def resolve_country(text: str, extra: dict[str, str] | None = None) -> CountryRef | None:
    """The country a CSV cell names ("Poland", "Georgia (country)", "England, United Kingdom", "Réunion, France")."""
    table = COUNTRY_BY_NAME if not extra else {**extra, **COUNTRY_BY_NAME}

    def look(value: str) -> str | None:
        key = _fold(value)
        if key in table:
            return table[key]
        bare = _fold(re.sub(r"\s*\([^()]*\)\s*$", "", value))
        return table.get(bare)

    text = text.strip()
    if not text:
        return None
    code = look(text)
    if code is not None:
        return CountryRef(code, _fold(text) if _fold(text) in _GB_REGION_KEYS else "")
    if "," in text:
        head, tail = text.rsplit(",", 1)
        code = look(tail)
        if code is not None:
            inner = resolve_country(head, extra)
            if inner is not None and inner.code == code and inner.region:
                return inner  # "England, United Kingdom"
            return CountryRef(code, _fold(head))
    return None


# --- names ------------------------------------------------------------------------------------------------

# Qualifiers that say what kind of unit a name is, not where it is: dropped without telling entities apart.
GENERIC_QUALIFIERS = {_fold(q) for q in (
    "rural gmina", "urban gmina", "urban-rural gmina", "gmina", "country", "town", "city", "municipality",
    "village", "commune", "district", "county", "borough", "city district", "urban", "rural", "region",
    "state", "province", "municipal district", "town and municipality", "urban municipality", "rural municipality",
    "city and county", "metropolitan borough", "parish", "civil parish", "comune", "gemeinde", "stadt", "island")}
_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_DASH = re.compile(r"^(.+?)\s+[-‐‑‒–—―]\s+(.+)$")


@dataclass(frozen=True)
class Name:
    raw: str
    base: str  # folded name without qualifiers
    qualifiers: tuple[str, ...]  # folded qualifiers, generic ones left out

    @property
    def full(self) -> str:
        return self.base + ("|" + "|".join(sorted(self.qualifiers)) if self.qualifiers else "")

    @property
    def head(self) -> str:
        """The first word of the first specific qualifier: what tells this place from another of the same name
        ("Innere Stadt (Vienna)" and "Vienna 1 – Innere Stadt" both have the head "vienna")."""
        return self.qualifiers[0].split()[0] if self.qualifiers else ""


def parse_name(raw: str) -> Name:
    text = " ".join(raw.split())
    qualifiers: list[str] = []
    while True:
        m = _PAREN.match(text)
        if not m or not m.group(1):
            break
        text, qualifier = m.group(1), m.group(2)
        qualifiers.append(qualifier)
    m = _DASH.match(text)
    if m:  # "Berlin – Tempelhof-Schöneberg": the district of a city, the city a qualifier
        qualifiers.insert(0, m.group(1))
        text = m.group(2)
    folded = [_fold(q) for q in qualifiers]
    folded = [q for q in folded if q and q not in GENERIC_QUALIFIERS]
    # the qualifier nearest the name first ("Piedicastello (Trento)" of "Centro Storico – Piedicastello (Trento)")
    return Name(raw, _fold(text), tuple(dict.fromkeys(folded)))


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", _fold(text).encode("ascii", "ignore").decode()).strip("-")
    return slug or "x-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


# --- the graph ---------------------------------------------------------------------------------------------

@dataclass
class GraphIndex:
    """What the store says about local governments, places and countries, indexed for matching."""

    base: str = DEFAULT_BASE
    kinds: dict[str, str] = field(default_factory=dict)  # IRI -> gov | place | country
    country_of: dict[str, str] = field(default_factory=dict)  # entity -> country code
    governs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # place -> governments
    exact: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    full: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    bare: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    countries: dict[str, str] = field(default_factory=dict)  # code -> country IRI
    country_names: dict[str, str] = field(default_factory=dict)  # folded label -> code
    taken: set[str] = field(default_factory=set)  # every entity IRI in use (so new IRIs never collide)


def graph_query(stem: str, base: str) -> str:
    excluded = [MGG + stem, DERIVED_GRAPH, ONTOLOGY_GRAPH, VOCABULARIES_GRAPH, RULES_GRAPH, META_GRAPH, NETWORK_GRAPH]
    preds = [RDFS + "label", SKOS + "altLabel", RDF_TYPE, MG + "country", MG + "governs", MG + "governedBy", MG + "countryCode"]
    return f"""SELECT ?x ?p ?o WHERE {{
  GRAPH ?g {{ ?x ?p ?o }}
  VALUES ?p {{ {' '.join(f'<{p}>' for p in preds)} }}
  FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in excluded)}))
  FILTER(STRSTARTS(STR(?x), "{base}"))
}}"""


def read_graph(store, stem: str, base: str) -> GraphIndex:
    """One bulk query over the store's source graphs (not the graph of `stem` itself, which this import replaces)."""
    rows = store.select_values(graph_query(stem, base)) if store is not None else []
    index = GraphIndex(base=base)
    names: dict[str, set[str]] = defaultdict(set)
    country_iri: dict[str, str] = {}
    codes: dict[str, str] = {}
    for x, p, o in rows:
        if x is None or o is None:
            continue
        index.taken.add(x)
        if p == RDF_TYPE:
            if o in GOV_CLASSES:
                index.kinds[x] = "gov"
            elif o == COUNTRY_CLASS:
                index.kinds[x] = "country"
            elif o in PLACE_CLASSES and index.kinds.get(x) != "gov":
                index.kinds.setdefault(x, "place")
        elif p in (RDFS + "label", SKOS + "altLabel"):
            names[x].add(o)
        elif p == MG + "country":
            country_iri[x] = o
        elif p == MG + "governs":
            index.governs[o].add(x)
        elif p == MG + "governedBy":
            index.governs[x].add(o)
        elif p == MG + "countryCode":
            codes[x] = o
    for iri, kind in index.kinds.items():
        if kind == "country":
            code = codes.get(iri) or iri.rsplit("/", 1)[-1]
            code = code.upper() if re.fullmatch(r"[A-Za-z]{2}", code) else code
            index.countries.setdefault(code, iri)
            for label in names.get(iri, ()):
                index.country_names.setdefault(_fold(label), code)
    code_of_iri = {iri: code for code, iri in index.countries.items()}
    for iri, kind in index.kinds.items():
        if kind not in ("gov", "place") or iri not in country_iri:
            continue
        code = code_of_iri.get(country_iri[iri])
        if code is None:
            continue
        index.country_of[iri] = code
        for label in names.get(iri, ()):
            name = parse_name(label)
            index.exact[(code, label.strip())].add(iri)
            index.full[(code, name.full)].add(iri)
            index.bare[(code, name.base)].add(iri)
    return index


# --- reading the CSV --------------------------------------------------------------------------------------------

@dataclass
class Mention:
    line: int
    side: int
    raw: str
    country_text: str
    country: CountryRef
    name: Name
    note: str = ""
    cluster: "Cluster | None" = None
    ambiguous: list["Cluster"] = field(default_factory=list)  # when the name fits several entities of the file


@dataclass
class Row:
    line: int
    cells: list[str]
    positions: dict[str, int] = field(default_factory=dict)
    year: str | None = None
    mentions: list[Mention] = field(default_factory=list)
    rejected: str | None = None
    rejected_side: int | None = None

    def raw_side(self, side: int) -> tuple[str, str]:
        return self.cells[self.positions[f"city{side}"]].strip(), self.cells[self.positions[f"country{side}"]].strip()


@dataclass
class Cluster:
    """One entity of the file: every mention of one name (normalised) in one country."""

    country: CountryRef
    base: str
    discriminator: str = ""  # region or qualifier head that tells it from a namesake, "" when it needs none
    mentions: list[Mention] = field(default_factory=list)
    outcome: str = ""  # matched | created | ambiguous
    entity: str | None = None  # the government (IRI under the store's base)
    place: str | None = None  # for a created government: the place it governs
    place_exists: bool = False
    match: str = ""
    candidates: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.country.code, self.base, self.discriminator)

    def names(self) -> list[str]:
        counts = Counter(m.raw.strip() for m in self.mentions)
        return sorted(counts, key=lambda n: (-counts[n], n))


@dataclass
class ImportOptions:
    columns: list[str] | None = None
    stem: str | None = None
    source: str | None = None
    source_title: str | None = None
    source_publisher: str | None = None
    source_licence: str | None = None
    source_rights: str | None = None
    language: str = "en"
    retrieved_on: dt.date | None = None


@dataclass
class ImportResult:
    path: Path
    stem: str
    rows: list[Row]
    clusters: list[Cluster]
    countries_created: list[str]
    partnerships: dict[str, dict]
    report: list[dict[str, str]]
    turtle: str
    summary: dict
    timings: dict[str, float]


def default_stem(path: Path) -> str:
    return "import-" + slugify(path.stem)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise MunigraphError(f"{path}: no such file; expected a CSV file of partner cities")
    if path.is_dir():
        raise MunigraphError(f"{path}: is a folder; expected a CSV file of partner cities")
    data = path.read_bytes()
    if not data.strip():
        raise DataSyntaxError(f"{path}:1: the file is empty; expected a CSV header such as city1,country1,city2,country2")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataSyntaxError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); expected a CSV file") from None


def _column_positions(path: Path, header: list[str], columns: list[str] | None) -> dict[str, int]:
    names = [h.strip() for h in header]
    lowered = [h.lower() for h in names]
    if columns is None:
        missing = [r for r in REQUIRED_ROLES if r not in lowered]
        if missing:
            if len(header) < 4:
                raise DataSyntaxError(f"{path}:1: expected a CSV header with at least 4 comma-separated columns "
                                      f"(city1,country1,city2,country2), got {len(header)} column(s): {','.join(names)[:80]!r}")
            raise DataSyntaxError(f"{path}:1: expected a header naming the columns city1,country1,city2,country2 "
                                  f"(or give --columns); the header is {','.join(names)!r}")
        positions = {r: lowered.index(r) for r in REQUIRED_ROLES}
        if "year" in lowered:
            positions["year"] = lowered.index("year")
        return positions
    if len(columns) not in (4, 5):
        raise ParameterError(f"--columns: expected 4 or 5 column names (city1,country1,city2,country2[,year]), got {len(columns)}")
    positions: dict[str, int] = {}
    for role, given in zip(ROLES, columns):
        given = given.strip()
        if given.isdigit() and 1 <= int(given) <= len(names):
            positions[role] = int(given) - 1
        elif given.lower() in lowered:
            positions[role] = lowered.index(given.lower())
        else:
            raise ParameterError(f"--columns: {path} has no column {given!r} (for {role}); its columns are {', '.join(names)}")
    if len(set(positions.values())) != len(positions):
        raise ParameterError(f"--columns: each role needs its own column, got {','.join(columns)}")
    return positions


_YEAR = re.compile(r"^\d{4}$")


@dataclass
class ParsedCsv:
    path: Path
    positions: dict[str, int]
    width: int
    records: list[tuple[int, list[str]]]  # (line where the record starts, cells)


def parse_csv(path: Path, columns: list[str] | None) -> ParsedCsv:
    """The file's records with their line numbers; raises on what is not CSV of the expected shape."""
    path = Path(path)
    text = _read_text(path)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataSyntaxError(f"{path}:{line}: a NUL byte; expected a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise DataSyntaxError(f"{path}:1: {exc}; expected a CSV header such as city1,country1,city2,country2") from None
    positions = _column_positions(path, header, columns)
    records: list[tuple[int, list[str]]] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataSyntaxError(f"{path}:{reader.line_num}: {exc}; expected CSV (quote fields that hold commas or quotes)") from None
        start, line = line, reader.line_num + 1
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line holds no pair
        records.append((start, cells))
    return ParsedCsv(path, positions, len(header), records)


def read_rows(parsed: ParsedCsv, extra_countries: dict[str, str] | None = None) -> list[Row]:
    positions, width = parsed.positions, parsed.width
    this_year = dt.date.today().year
    rows: list[Row] = []
    for start, cells in parsed.records:
        row = Row(start, cells, positions)
        rows.append(row)
        if len(cells) != width:
            row.rejected = f"expected {width} columns (as in the header), got {len(cells)}"
            continue
        if "year" in positions:
            year = cells[positions["year"]].strip()
            if year:
                if not _YEAR.match(year) or not 1000 <= int(year) <= this_year + 1:
                    row.rejected = f"bad year {year!r}: expected a four-digit year such as 1990"
                    continue
                row.year = year
        for side in (1, 2):
            raw = cells[positions[f"city{side}"]]
            country_text = cells[positions[f"country{side}"]]
            if not raw.strip():
                row.rejected, row.rejected_side = f"empty name (city{side})", side
                break
            note = ""
            if not country_text.strip():
                # "Varna, Bulgaria" in the name column and nothing in the country column; or a territory
                # ("Falkland Islands") named as the partner itself
                head, _, tail = raw.rpartition(",")
                if head.strip() and resolve_country(tail, extra_countries) is not None:
                    raw, country_text = head, tail
                    note = "country taken from the name column"
                elif resolve_country(raw, extra_countries) is not None:
                    country_text = raw
                    note = "the name is a country or territory; country taken from it"
                else:
                    row.rejected, row.rejected_side = f"empty country (country{side}) for {raw.strip()!r}", side
                    break
            country = resolve_country(country_text, extra_countries)
            if country is None:
                row.rejected, row.rejected_side = f"unknown country {country_text.strip()!r} (country{side}); expected an English country name", side
                break
            name = parse_name(raw)
            if not name.base:
                row.rejected, row.rejected_side = f"no name left in {raw.strip()!r} (city{side})", side
                break
            row.mentions.append(Mention(start, side, raw.strip(), country_text.strip(), country, name, note=note))
        if row.rejected:
            row.mentions = []
    return rows


# --- reconciliation -------------------------------------------------------------------------------------------

def cluster_mentions(mentions: list[Mention]) -> list[Cluster]:
    """One cluster per (country, name); split by region, then by qualifier head, only where namesakes need it.

    A mention without the attribute that splits its group (a bare "Mitte" beside "Mitte (Berlin)" and
    "Mitte (Hamburg)") joins no cluster: it is ambiguous within the file."""
    groups: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in mentions:
        groups[(m.country.code, m.name.base)].append(m)
    clusters: list[Cluster] = []
    for (code, base), group in sorted(groups.items()):
        for region, part in _split(group, lambda m: m.country.region):
            for head, sub in _split(part, lambda m: m.name.head):
                cluster = Cluster(CountryRef(code, region), base, " ".join(x for x in (region, head) if x))
                cluster.mentions = sub
                for m in sub:
                    m.cluster = cluster
                clusters.append(cluster)
    return clusters


def _split(mentions: list[Mention], attribute) -> list[tuple[str, list[Mention]]]:
    values = sorted({attribute(m) for m in mentions} - {""})
    if len(values) < 2:
        return [("", mentions)]
    return [(v, [m for m in mentions if attribute(m) == v]) for v in values]


def _targets(index: GraphIndex, entities: set[str]) -> set[str]:
    """The local governments meant: a government itself, or the governments of a place (the place when it has none)."""
    found: set[str] = set()
    for e in entities:
        kind = index.kinds.get(e)
        if kind == "gov":
            found.add(e)
        elif kind == "place":
            found.update(index.governs.get(e) or {e})
    return found


def match_cluster(index: GraphIndex, cluster: Cluster) -> None:
    code = cluster.country.code
    names = cluster.names()
    steps = [
        ("exact label", lambda: set().union(*(index.exact.get((code, n), set()) for n in names))),
        ("normalised label", lambda: set().union(*(index.full.get((code, m.name.full), set()) for m in cluster.mentions))),
    ]
    if not cluster.discriminator:
        steps.append(("normalised label without qualifier", lambda: index.bare.get((code, cluster.base), set())))
    for how, find in steps:
        targets = _targets(index, find())
        if not targets:
            continue
        if len(targets) > 1:
            cluster.outcome, cluster.match, cluster.candidates = "ambiguous", how, sorted(targets)
            return
        target = targets.pop()
        if index.kinds.get(target) == "place":  # a place that no government governs yet: a government for it
            cluster.outcome, cluster.match = "created", f"{how} of the place {target}; new government governing it"
            cluster.place, cluster.place_exists = target, True
            return
        cluster.outcome, cluster.match, cluster.entity = "matched", how, target
        return
    cluster.outcome, cluster.match = "created", "not in the graph"


_LOCAL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def assign_iris(index: GraphIndex, clusters: list[Cluster]) -> None:
    """New IRIs (id:gov/<cc>/<slug>, id:place/<cc>/<slug>) in a fixed order, so the same input gives the same file."""
    base = index.base
    created = [c for c in clusters if c.outcome == "created"]
    for cluster in sorted(created, key=lambda c: c.key):
        seg = cluster.country.segment
        if cluster.place_exists:
            slug = cluster.place.rstrip("/").rsplit("/", 1)[-1]
            candidates = [slug] + [f"{slug}-{n}" for n in range(2, 1000)]
            for s in candidates:
                gov = f"{base}gov/{seg}/{s}"
                if gov not in index.taken:
                    break
            cluster.entity = gov
            index.taken.add(gov)
            continue
        slug = slugify(cluster.base)
        if cluster.discriminator:
            slug = f"{slug}-{slugify(cluster.discriminator)}"
        for n in range(1, 1000):
            s = slug if n == 1 else f"{slug}-{n}"
            gov, place = f"{base}gov/{seg}/{s}", f"{base}place/{seg}/{s}"
            if gov not in index.taken and place not in index.taken:
                break
        cluster.entity, cluster.place = gov, place
        index.taken.update((gov, place))


def partnership_key(iri: str, base: str) -> str:
    rest = iri[len(base):] if iri.startswith(base) else iri.rsplit("/", 2)[-2] + "/" + iri.rsplit("/", 1)[-1]
    if rest.startswith("gov/"):
        rest = rest[4:]
    return slugify(rest.replace("/", " ")) if not re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+", rest) else rest.replace("/", "-")


def import_csv(path: Path, store, settings, options: ImportOptions | None = None, parsed: ParsedCsv | None = None) -> ImportResult:
    """Read, reconcile against the store (None: the file alone) and within the file; return the data and report.

    Nothing is written: see `write_result`.
    """
    options = options or ImportOptions()
    path = Path(path)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    stem = options.stem or default_stem(path)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", stem):
        raise ParameterError(f"--name {stem!r}: expected a file name of lower-case letters, digits and '-' (e.g. import-twin-cities)")
    base = settings.base
    parsed = parsed or parse_csv(path, options.columns)
    timings["read_csv"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    index = read_graph(store, stem, base)
    timings["read_graph"] = time.perf_counter() - t1
    rows = read_rows(parsed, index.country_names)
    t2 = time.perf_counter()
    mentions = [m for r in rows for m in r.mentions]
    clusters = cluster_mentions(mentions)
    by_group: dict[tuple[str, str], list[Cluster]] = defaultdict(list)
    for c in clusters:
        by_group[(c.country.code, c.base)].append(c)
    for c in clusters:
        match_cluster(index, c)
    assign_iris(index, clusters)
    for m in mentions:
        if m.cluster is None:  # a bare name where the file has namesakes told apart by region or qualifier
            m.ambiguous = [c for c in by_group[(m.country.code, m.name.base)]
                           if c.discriminator and (not m.country.region or c.country.region == m.country.region)]
    # countries the data needs and the graph lacks
    needed = {c.country.code for c in clusters if c.outcome == "created"}
    countries_created = sorted(code for code in needed if code not in index.countries)
    country_iri = dict(index.countries)
    for code in countries_created:
        country_iri[code] = f"{base}country/{code.lower()}"
    # partnerships
    partnerships: dict[str, dict] = {}
    for row in rows:
        if row.rejected or len(row.mentions) != 2:
            continue
        if any(m.cluster is None or m.cluster.outcome == "ambiguous" for m in row.mentions):
            continue
        a, b = (m.cluster.entity for m in row.mentions)
        if a == b:
            row.rejected = f"both sides are the same local government ({_curie(a, base)})"
            continue
        ka, kb = sorted((partnership_key(a, base), partnership_key(b, base)))
        iri = f"{base}partnership/{ka}--{kb}"
        entry = partnerships.setdefault(iri, {"partners": sorted((a, b)), "years": set(), "lines": []})
        entry["lines"].append(row.line)
        if row.year:
            entry["years"].add(row.year)
    timings["reconcile"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    report = build_report(rows, partnerships, index)
    summary = summarise(path, stem, rows, clusters, countries_created, partnerships, index)
    turtle = write_turtle(path, stem, rows, clusters, countries_created, country_iri, partnerships, options, settings, summary)
    timings["write"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    summary["seconds"] = round(timings["total"], 2)
    return ImportResult(path, stem, rows, clusters, countries_created, partnerships, report, turtle, summary, timings)


def _curie(iri: str | None, base: str) -> str:
    if not iri:
        return ""
    return "id:" + iri[len(base):] if iri.startswith(base) else iri


def _how(index: GraphIndex, c: Cluster, m: Mention) -> str:
    """How this mention found its entity: by which label in the graph, or through another line of the file."""
    if c.outcome == "matched" or c.place_exists:
        target = c.entity if c.outcome == "matched" else c.place
        code = c.country.code
        for how, entities in (("exact label", index.exact.get((code, m.raw), set())),
                              ("normalised label", index.full.get((code, m.name.full), set())),
                              ("normalised label without qualifier", index.bare.get((code, m.name.base), set()))):
            hits = _targets(index, entities) if c.outcome == "matched" else entities
            if target in hits:
                return how + ("" if c.outcome == "matched" else f" of the place {_curie(target, index.base)}; new government governing it")
        return c.match
    if c.mentions[0] is not m:
        return f"same entity as line {c.mentions[0].line}"
    return c.match


def build_report(rows: list[Row], partnerships: dict[str, dict], index: GraphIndex) -> list[dict[str, str]]:
    base = index.base
    first_line = {}
    for iri, entry in partnerships.items():
        for line in entry["lines"]:
            first_line[line] = (iri, entry["lines"][0])
    report: list[dict[str, str]] = []
    for row in rows:
        if row.rejected:
            side = row.rejected_side
            cells = [c.strip() for c in row.cells]
            if side and len(cells) == len(row.cells):
                name, country = row.raw_side(side)
            elif row.rejected.startswith("both sides"):
                name, country = " / ".join(m.raw for m in row.mentions), " / ".join(m.country_text for m in row.mentions)
            else:
                name, country = ",".join(cells)[:200], ""
            report.append({"line": str(row.line), "side": str(side or ""), "name": name, "country": country,
                           "country_code": "", "outcome": "rejected", "entity": "", "match": "", "candidates": "",
                           "reason": row.rejected})
            continue
        other_ambiguous = {m.side for m in row.mentions if m.cluster is None or m.cluster.outcome == "ambiguous"}
        for m in row.mentions:
            c = m.cluster
            entry = {"line": str(row.line), "side": str(m.side), "name": m.raw, "country": m.country_text,
                     "country_code": m.country.iso or "", "outcome": "", "entity": "", "match": "", "candidates": "", "reason": m.note}
            reasons = [m.note] if m.note else []
            if c is None:
                entry.update(outcome="ambiguous", match="namesakes in the file",
                             candidates=" ".join(sorted(_curie(x.entity, base) for x in m.ambiguous if x.entity)))
                reasons.append("the file names several places so in this country; row not imported (give the region or qualifier)")
            elif c.outcome == "ambiguous":
                entry.update(outcome="ambiguous", match=c.match, candidates=" ".join(_curie(x, base) for x in c.candidates))
                reasons.append("several local governments of this country have this name; row not imported")
            else:
                entry.update(outcome=c.outcome, entity=_curie(c.entity, base), match=_how(index, c, m))
                if other_ambiguous - {m.side}:
                    reasons.append("row not imported: the other side is ambiguous")
                elif row.line in first_line and first_line[row.line][1] != row.line:
                    reasons.append(f"the same partnership as line {first_line[row.line][1]}")
            entry["reason"] = "; ".join(reasons)
            report.append(entry)
    return report


def summarise(path, stem, rows, clusters, countries_created, partnerships, index) -> dict:
    rejected = [r for r in rows if r.rejected]
    ambiguous_rows = [r for r in rows if not r.rejected and any(m.cluster is None or m.cluster.outcome == "ambiguous" for m in r.mentions)]
    imported = sum(len(e["lines"]) for e in partnerships.values())
    matched = {c.entity for c in clusters if c.outcome == "matched"}
    created = [c for c in clusters if c.outcome == "created"]
    reasons = Counter(re.sub(r"'.*", "'...'", r.rejected).split(" (")[0] for r in rejected)
    return {
        "file": str(path), "name": stem, "graph": MGG + stem,
        "rows": len(rows), "rows_imported": imported, "rows_rejected": len(rejected), "rows_ambiguous": len(ambiguous_rows),
        "partnerships": len(partnerships), "duplicate_rows": imported - len(partnerships),
        "entities_matched": len(matched), "entities_created": len(created),
        "governments_created_for_existing_places": sum(1 for c in created if c.place_exists),
        "names_ambiguous": sum(1 for c in clusters if c.outcome == "ambiguous"),
        "countries_created": countries_created,
        "rejected_by_reason": dict(sorted(reasons.items())),
        "graph_entities_read": len([k for k in index.kinds.values() if k in ("gov", "place")]),
    }


# --- Turtle ------------------------------------------------------------------------------------------------------

def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


class _Names:
    """Prefixed names where the local part allows it (govpl:koszalin), else full IRIs, always in the default base."""

    def __init__(self, base: str):
        self.base = base
        self.prefixes: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        if iri.startswith(self.base):
            iri = DEFAULT_BASE + iri[len(self.base):]
        rest = iri[len(DEFAULT_BASE):] if iri.startswith(DEFAULT_BASE) else None
        if rest is not None:
            parts = rest.split("/")
            if len(parts) == 3 and parts[0] in ("gov", "place") and _LOCAL.match(parts[1]) and _LOCAL.match(parts[2]):
                prefix = parts[0] + parts[1]
                self.prefixes[prefix] = f"{DEFAULT_BASE}{parts[0]}/{parts[1]}/"
                return f"{prefix}:{parts[2]}"
            if len(parts) == 2 and parts[0] in ("partnership", "country", "source") and _LOCAL.match(parts[1]):
                self.prefixes[parts[0]] = f"{DEFAULT_BASE}{parts[0]}/"
                return f"{parts[0]}:{parts[1]}"
        return f"<{iri}>"


def write_turtle(path, stem, rows, clusters, countries_created, country_iri, partnerships, options: ImportOptions,
                 settings, summary) -> str:
    base = settings.base
    lang = options.language
    n = _Names(base)
    body: list[str] = []
    source = n(f"{base}source/{stem}")
    address = options.source or path.resolve().as_uri()
    title = options.source_title or f"Twin towns and partner cities listed in {path.name}"
    retrieved = (options.retrieved_on or dt.date.today()).isoformat()
    src = [f"{source} a mg:Source",
           f"    dct:title {_lit(title, lang)}",
           f"    mg:address <{address}>",
           f"    dct:language {_lit(lang)}"]
    if options.source_publisher:
        src.append(f"    dct:publisher {_lit(options.source_publisher)}")
    if options.source_licence:
        src.append(f"    dct:license <{options.source_licence}>")
    if options.source_rights:
        src.append(f"    dct:rights {_lit(options.source_rights, lang)}")
    src.append(f"    mg:retrievedOn \"{retrieved}\"^^xsd:date")
    rows_text = f"{summary['rows']} rows"
    src.append(f"    dct:extent {_lit(rows_text, 'en')}")
    src.append("    rdfs:comment " + _lit(
        f"Imported by munigraph import csv from {path.name} on {retrieved}: {summary['rows']} rows, "
        f"{summary['rows_imported']} imported as {summary['partnerships']} partnerships, {summary['rows_rejected']} rejected, "
        f"{summary['rows_ambiguous']} ambiguous; {summary['entities_matched']} local governments matched in the graph, "
        f"{summary['entities_created']} created.", "en"))
    body.append(" ;\n".join(src) + " .\n")
    if countries_created:
        body.append("# --- countries the graph did not have ---------------------------------------------------\n")
        for code in countries_created:
            iri = n(country_iri[code])
            code_part = f" ;\n    mg:countryCode {_lit(code)}" if re.fullmatch(r"[A-Z]{2}", code) else ""
            body.append(f"{iri} a mg:Country ;\n    rdfs:label {_lit(COUNTRY_NAMES.get(code, code), 'en')}{code_part} .\n")
    created = sorted((c for c in clusters if c.outcome == "created"), key=lambda c: c.entity)
    if created:
        body.append("# --- local governments (and the places they govern) that the graph did not have -----------\n")
    for c in created:
        names = c.names()
        label, alts = names[0], names[1:]
        country = n(country_iri[c.country.code])
        alt = (" ;\n    skos:altLabel " + " , ".join(_lit(a, lang) for a in alts)) if alts else ""
        body.append(f"{n(c.entity)} a mg:LocalGovernment ;\n    rdfs:label {_lit(label, lang)}{alt} ;\n"
                    f"    mg:country {country} ;\n    mg:governs {n(c.place)} .\n")
        if not c.place_exists:
            body.append(f"{n(c.place)} a mg:Place ;\n    rdfs:label {_lit(label, lang)}{alt} ;\n    mg:country {country} .\n")
    if partnerships:
        body.append("# --- partnerships (line numbers of the CSV rows that state them) ---------------------------\n")
    for iri in sorted(partnerships):
        entry = partnerships[iri]
        a, b = entry["partners"]
        years = "".join(f" ;\n    mg:startDate \"{y}\"^^xsd:gYear" for y in sorted(entry["years"]))
        lines = ", ".join(str(x) for x in entry["lines"])
        body.append(f"# line {lines}\n{n(iri)} a mg:Partnership ;\n    mg:partner {n(a)} , {n(b)}{years} .\n")
    prefixes = {"rdfs": RDFS, "skos": SKOS, "xsd": XSD, "dct": "http://purl.org/dc/terms/", "mg": MG, **dict(sorted(n.prefixes.items()))}
    head = [f"{HEADER_MARK}: {path.name} -> data file {stem}.ttl (named graph mgg:{stem}); do not edit by hand, re-import instead.",
            "# Each partnership below is a claim of the source described first; entity IRIs use the default base, which the",
            "# build rewrites to the configured one."]
    head += [f"@prefix {p}: <{iri}> ." for p, iri in prefixes.items()]
    return "\n".join(head) + "\n\n" + "\n".join(body)


# --- writing --------------------------------------------------------------------------------------------------

def report_csv(report: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(report)
    return out.getvalue()


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary file would be, not mkstemp's 0600
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_target(target: Path) -> None:
    """Refuse to overwrite a file that this importer did not write (a curated data file, say)."""
    if target.exists():
        with open(target, encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
        if not first.startswith(HEADER_MARK):
            raise MunigraphError(f"{target}: exists and was not written by `munigraph import csv`; choose another --name or --out")


def write_result(result: ImportResult, out_dir: Path, report_path: Path | None = None) -> tuple[Path, Path]:
    target = Path(out_dir) / f"{result.stem}.ttl"
    report_path = report_path or Path(out_dir) / f"{result.stem}.report.csv"
    check_target(target)
    _atomic_write(report_path, report_csv(result.report))
    _atomic_write(target, result.turtle)
    return target, report_path


def summary_text(summary: dict) -> str:
    lines = [f"{summary['file']}: {summary['rows']} rows; {summary['rows_imported']} imported as {summary['partnerships']} partnerships "
             f"({summary['duplicate_rows']} duplicate rows), {summary['rows_rejected']} rejected, {summary['rows_ambiguous']} ambiguous",
             f"local governments: {summary['entities_matched']} matched in the graph, {summary['entities_created']} created "
             f"({summary['governments_created_for_existing_places']} for places already in the graph), {summary['names_ambiguous']} names ambiguous",
             f"countries created: {', '.join(summary['countries_created']) or 'none'}"]
    if summary["rejected_by_reason"]:
        lines.append("rejected: " + "; ".join(f"{n} × {r}" for r, n in summary["rejected_by_reason"].items()))
    return "\n".join(lines)


# --- the command ----------------------------------------------------------------------------------------------------

@click.command("csv")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--columns", help="The columns holding city1,country1,city2,country2[,year]: header names or 1-based numbers, comma-separated (default: a header with those names).")
@click.option("--source", "source", metavar="URL", help="Address (IRI) of the source the file comes from (default: the file's file: URI).")
@click.option("--source-title", help="Title of the source (default: 'Twin towns and partner cities listed in FILE').")
@click.option("--source-publisher", help="Who publishes the source.")
@click.option("--source-licence", "--source-license", "source_licence", metavar="URL", help="Licence of the source (an IRI), e.g. https://opensource.org/licenses/MIT.")
@click.option("--source-rights", help="Copyright or attribution statement of the source.")
@click.option("--source-language", "language", default="en", show_default=True, help="Language of the source's names (the tag of the labels written).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Data folder to write into (default: the configured data folder).")
@click.option("--name", "stem", help="File name (without .ttl) and graph name of the import (default: import-<file name>).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Reconciliation report CSV (default: <out>/<name>.report.csv).")
@click.option("--retrieved-on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date recorded as mg:retrievedOn (default: today).")
@click.option("--dry-run", is_flag=True, help="Write nothing; print the report (CSV) on stdout.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="json: a machine-readable summary on stdout.")
@click.pass_obj
def command(obj, file, columns, source, source_title, source_publisher, source_licence, source_rights, language, out, stem,
            report_path, retrieved_on, dry_run, fmt):
    """Import a CSV list of twin towns (city1,country1,city2,country2[,year]) as one data file.

    Names are reconciled against the built store (exact and alternative labels, then normalised forms, in the
    row's country) and within the file; the rest become new local governments. Writes <out>/<name>.ttl (one
    named graph with its source) and a reconciliation report; bad rows are reported by line and skipped.
    """
    settings = obj.settings
    if source is not None and not _IRI.match(source):
        raise ParameterError(f"--source {source!r}: expected an IRI such as https://example.org/list.csv")
    if source_licence is not None and not _IRI.match(source_licence):
        raise ParameterError(f"--source-licence {source_licence!r}: expected an IRI such as https://opensource.org/licenses/MIT")
    options = ImportOptions(columns=[c for c in columns.split(",")] if columns else None, stem=stem, source=source,
                            source_title=source_title, source_publisher=source_publisher, source_licence=source_licence,
                            source_rights=source_rights, language=language,
                            retrieved_on=retrieved_on.date() if retrieved_on else None)
    out_dir = Path(out) if out else Path(settings.data)
    parsed = parse_csv(file, options.columns)  # the file's errors come before the store's
    final_stem = stem or default_stem(file)
    if not dry_run:
        check_target(out_dir / f"{final_stem}.ttl")
    result = import_csv(file, obj.open_store(), settings, options, parsed=parsed)
    summary = dict(result.summary, dry_run=dry_run)
    if dry_run:
        if fmt == "json":
            click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            click.echo(report_csv(result.report), nl=False)
    else:
        target, report_file = write_result(result, out_dir, report_path)
        summary.update(output=str(target), report=str(report_file))
        if fmt == "json":
            click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    if source is None:
        click.echo(f"note: no --source given; the source's address is the file's own ({file.resolve().as_uri()})", err=True)
    click.echo(summary_text(result.summary), err=True)
    if not dry_run:
        click.echo(f"wrote {summary['output']} and {summary['report']}; run `munigraph build` to load it as mgg:{result.stem}", err=True)


_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|^`\\]+$')
