"""CSV tables of a release (tables/*.csv) and their CSVW metadata (csv-metadata.json).

One table per kind of thing a spreadsheet user looks for: local governments, places, partnerships (one row per
pair), their status changes, agreements, who took part in them, officials (tenures), events and sources. Every
file is UTF-8 with a header row and CRLF line ends (RFC 4180), one row per entity sorted by its IRI (the `id`
column), blank cells for unknown values, and dates exactly as precise as their source gives them (2019-12-02,
2010-05 or 1967). Each cell holds one value, chosen by a fixed rule where the graph has several (sources that
disagree): the most precise date (the earliest of equal precision), the alphabetically first of the rest. The
one exception is partnerships.sources, the space-separated addresses of the sources that state the pair (declared
with the CSVW "separator").

csv-metadata.json is a W3C "Metadata Vocabulary for Tabular Data" (CSVW) TableGroup: for each table its columns
with datatypes, the RDF property each column stands for (`propertyUrl`, the ontology's terms), IRI-valued columns
(`valueUrl`), the entity each cell is about (`aboutUrl`, the row's `id` unless the column describes another
entity, e.g. the English label of the partner), the rdf:type of the rows (a virtual column or a `type` column),
primary and foreign keys. A CSVW processor in minimal mode turns the tables back into RDF statements that are all
in the graph, with two limits of CSVW itself: a column has one datatype, so dates of mixed precision are declared as
strings (with a pattern) and come back as plain literals; and a column has one language, so columns whose values
are in different languages (a person's name, a source's title, a local government's name in its own language) are
helper columns with `suppressOutput`, like the summary columns (`end`, `sources`) that no single property states.

The tables are computed from the store's default graph (the merge of all named graphs plus the derived graph) with
one SPARQL query per column; the choice among several values is made in Python, so the output depends only on the
graph: the same graph gives byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Callable, Sequence

from rdflib import URIRef

from ..vocab import MG, MGV, RDFS, XSD, prefix_block

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"

FOLDER = "tables"
METADATA = "csv-metadata.json"

# A date at the precision of its source: xsd:date, xsd:gYearMonth or xsd:gYear. CSVW gives a column one datatype,
# so such columns are strings with this pattern.
DATE_PATTERN = r"^-?[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
MIXED_DATE = {"base": "string", "format": DATE_PATTERN}
MIXED_DATE_NOTE = ("An ISO 8601 date at the precision of its source: YYYY-MM-DD (xsd:date), YYYY-MM (xsd:gYearMonth) "
                   "or YYYY (xsd:gYear). Declared as a string with a pattern because CSVW gives a column one datatype; "
                   "in the graph the value has the datatype of its precision.")

_PRECISION = {XSD + "date": 3, XSD + "gYearMonth": 2, XSD + "gYear": 1, XSD + "dateTime": 4}

Pair = tuple[str, object]  # (sort key bound to ?k, or "" ; value term)


# --- choosing one value ----------------------------------------------------------------------------------------

def lowest(pairs: Sequence[Pair], row: dict, langs: list[str]):
    """The value with the lowest (key, text): deterministic where sources add a second value."""
    return min(pairs, key=lambda p: (p[0], str(p[1])))[1]


def highest(pairs: Sequence[Pair], row: dict, langs: list[str]):
    return max(pairs, key=lambda p: (p[0], str(p[1])))[1]


def nth(index: int) -> Callable:
    def pick(pairs: Sequence[Pair], row: dict, langs: list[str]):
        values = sorted({str(v): v for _, v in pairs}.items())
        return values[index][1] if len(values) > index else None
    return pick


def most_precise(pairs: Sequence[Pair], row: dict, langs: list[str]):
    """The most precise date; the earliest of those where sources disagree (as the rules pick effective dates)."""
    def key(pair):
        value = pair[1]
        rank = _PRECISION.get(str(getattr(value, "datatype", "") or ""), 0)
        return (-rank, str(value))
    return min(pairs, key=key)[1]


def in_language(pairs: Sequence[Pair], row: dict, langs: list[str]):
    """A name in the first of the configured languages that has one, else the alphabetically first language."""
    def key(pair):
        value = pair[1]
        lang = getattr(value, "language", None) or ""
        return (langs.index(lang) if lang in langs else len(langs), lang, str(value))
    return min(pairs, key=key)[1]


def local_label(pairs: Sequence[Pair], row: dict, langs: list[str]):
    """The name in the local language: a label in a language other than English and Polish (the configured
    language order first, then alphabetically); failing that the Polish label of a Polish government, else the
    English one."""
    others = [p for p in pairs if (getattr(p[1], "language", None) or "") not in ("en", "pl")]
    if others:
        return in_language(others, row, langs)
    wanted = "pl" if str(row.get("country_code") or "") == "PL" else "en"
    chosen = [p for p in pairs if getattr(p[1], "language", None) == wanted]
    return lowest(chosen, row, langs) if chosen else None


def own_language_title(pairs: Sequence[Pair], row: dict, langs: list[str]):
    """A source's title in the source's own language where it has one, else by the configured language order."""
    own = str(row.get("language") or "")
    chosen = [p for p in pairs if getattr(p[1], "language", None) == own]
    return in_language(chosen or list(pairs), row, langs)


def stated_or_latest_ending(pairs: Sequence[Pair], row: dict, langs: list[str]):
    """A stated end (key "0") wins; else the date of the latest ending status change (key "1<sort date>")."""
    stated = [p for p in pairs if p[0] == "0"]
    if stated:
        return most_precise(stated, row, langs)
    return highest(pairs, row, langs)


def joined(pairs: Sequence[Pair], row: dict, langs: list[str]):
    return " ".join(sorted({str(v) for _, v in pairs})) or None


# --- rendering a chosen value as cell text ---------------------------------------------------------------------

def text(value) -> str:
    return str(value)


def local_name(value) -> str:
    return str(value).rsplit("#", 1)[-1]


def language_tag(value) -> str:
    return getattr(value, "language", None) or ""


# --- table specifications --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str
    title: str
    description: str
    pattern: str | None = None       # SPARQL pattern binding ?id (the row, or the `of` column's value), ?v, maybe ?k
    datatype: str | dict = "string"
    property: str | None = None      # propertyUrl; None: a helper column (suppressOutput)
    about: str | None = None         # the column whose IRI the cell is about (default: the row's id)
    iri: bool = False                # the cell holds an IRI: valueUrl "{+name}"
    value_url: str | None = None     # another valueUrl template (e.g. for short class names)
    lang: str | None = None
    of: str | None = None            # the pattern's ?id is this column's value, not the row
    needs: str | None = None         # the column whose chosen value `pick` reads (computed first)
    pick: Callable = lowest
    render: Callable = text
    separator: str | None = None
    references: str | None = None    # name of the table whose id this column refers to (a foreign key)


@dataclass(frozen=True)
class Table:
    name: str                        # file stem
    title: str
    description: str
    rows: str                        # SPARQL pattern binding ?id, one per row
    columns: list[Column]
    row_class: str | None = None     # rdf:type of every row (a virtual column), when there is no `type` column

    @property
    def path(self) -> str:
        return f"{FOLDER}/{self.name}.csv"


def id_column(what: str) -> Column:
    return Column("id", "id", f"The IRI of the {what}.", datatype="anyURI")


def label(name: str, lang: str, what: str, of: str | None = None, language_name: str | None = None) -> Column:
    language_name = language_name or {"en": "English", "pl": "Polish"}[lang]
    return Column(name, f"{name}", f"The {language_name} name of the {what}.",
                  f"?id <{RDFS}label> ?v . FILTER(LANGMATCHES(LANG(?v), \"{lang}\"))",
                  property="rdfs:label", lang=lang, of=of, about=of)


def concept_label(name: str, of: str, what: str) -> Column:
    return Column(name, name, f"The English name of the {what}.",
                  f"?id <{SKOS}prefLabel> ?v . FILTER(LANGMATCHES(LANG(?v), \"en\"))",
                  property="skos:prefLabel", lang="en", of=of, about=of)


def most_specific_type(root: str) -> str:
    return (f"?id a ?v . ?v <{RDFS}subClassOf>* <{root}> . FILTER(STRSTARTS(STR(?v), \"{MG}\")) "
            f"FILTER NOT EXISTS {{ ?id a ?w . ?w <{RDFS}subClassOf>+ ?v . FILTER(?w != ?v) }}")


def instances(root: str) -> str:
    return f"?id a ?class . ?class <{RDFS}subClassOf>* <{root}> . FILTER(isIRI(?id))"


def type_column(root: str, what: str) -> Column:
    return Column("type", "type", f"The class of the {what} in the munigraph ontology, as its local name "
                  f"(e.g. {local_name(root)}); the class IRI is {MG}<type>.",
                  most_specific_type(root), property="rdf:type", value_url=MG + "{type}", render=local_name)


ENDING = f"<{MGV}status-terminated>, <{MGV}status-expired>"

TABLES: list[Table] = [
    Table(
        "local-governments", "Local governments",
        "The public bodies that enter into partnerships and sign agreements (municipalities, districts, counties, "
        "regional governments), with their names, country, the place each governs, its seat and its number of "
        "active partnerships.",
        instances(MG + "LocalGovernment"),
        [
            id_column("local government"),
            type_column(MG + "LocalGovernment", "local government"),
            label("label_en", "en", "local government"),
            label("label_pl", "pl", "local government"),
            Column("country", "country", "The IRI of the country the local government belongs to.",
                   f"?id <{MG}country> ?v", "anyURI", MG + "country", iri=True, references="places"),
            Column("country_code", "country_code", "The ISO 3166-1 alpha-2 code of that country.",
                   f"?id <{MG}countryCode> ?v", property=MG + "countryCode", of="country", about="country"),
            Column("label_local", "label_local",
                   "The name of the local government in its local language (see label_local_lang): a name in a "
                   "language other than English and Polish where the graph has one; the Polish name for a Polish "
                   "government and the English name otherwise. A helper column: its language varies by row.",
                   f"?id <{RDFS}label> ?v", pick=local_label, needs="country_code"),
            Column("label_local_lang", "label_local_lang", "The BCP 47 language tag of label_local.",
                   f"?id <{RDFS}label> ?v", pick=local_label, render=language_tag, needs="country_code"),
            Column("governs", "governs",
                   "The IRI of the place the local government governs (the place with the same slug where it "
                   "governs several, e.g. a district municipality that governs its district and its seat town).",
                   f"?id <{MG}governs> ?v . BIND(IF(STRAFTER(STR(?v), \"/place/\") = STRAFTER(STR(?id), \"/gov/\"), "
                   f"\"0\", \"1\") AS ?k)", "anyURI", MG + "governs", iri=True, references="places"),
            Column("wikidata", "wikidata", "The Wikidata item (QID) of the governed place, if known.",
                   f"?id <{MG}wikidata> ?v", property=MG + "wikidata", of="governs", about="governs"),
            Column("seat", "seat", "The IRI of the town that is the seat of the local government.",
                   f"?id <{MG}seat> ?v", "anyURI", MG + "seat", iri=True),
            Column("active_partner_count", "active_partner_count",
                   "The number of partnerships of the local government that are active at build time (derived).",
                   f"?id <{MG}activePartnerCount> ?v", "integer", MG + "activePartnerCount"),
        ]),
    Table(
        "places", "Places",
        "Towns, districts, counties, regions and countries, with their names, codes, coordinates, the place that "
        "contains them and the local government that governs them.",
        instances(MG + "Place"),
        [
            id_column("place"),
            type_column(MG + "Place", "place"),
            label("label_en", "en", "place"),
            label("label_pl", "pl", "place"),
            Column("country", "country", "The IRI of the country the place lies in (blank for a country).",
                   f"?id <{MG}country> ?v", "anyURI", MG + "country", iri=True),
            Column("country_code", "country_code", "The ISO 3166-1 alpha-2 code of that country.",
                   f"?id <{MG}countryCode> ?v", property=MG + "countryCode", of="country", about="country"),
            Column("part_of", "part_of", "The IRI of the place that immediately contains this one.",
                   f"?id <{MG}partOf> ?v", "anyURI", MG + "partOf", iri=True),
            Column("latitude", "latitude", "WGS84 latitude in decimal degrees (north positive).",
                   f"?id <{MG}latitude> ?v", "decimal", MG + "latitude"),
            Column("longitude", "longitude", "WGS84 longitude in decimal degrees (east positive).",
                   f"?id <{MG}longitude> ?v", "decimal", MG + "longitude"),
            Column("wikidata", "wikidata", "The Wikidata item (QID), e.g. Q62868.",
                   f"?id <{MG}wikidata> ?v", property=MG + "wikidata"),
            Column("iso3166_2", "iso3166_2", "The ISO 3166-2 subdivision code, e.g. LT-52.",
                   f"?id <{MG}iso3166-2> ?v", property=MG + "iso3166-2"),
            Column("teryt", "teryt", "The TERYT code of a Polish territorial unit.",
                   f"?id <{MG}teryt> ?v", property=MG + "teryt"),
            Column("governed_by", "governed_by", "The IRI of the local government that governs the place.",
                   f"?id <{MG}governedBy> ?v", "anyURI", MG + "governedBy", iri=True, references="local-governments"),
        ]),
    Table(
        "partnerships", "Partnerships",
        "One row per pair of partner local governments (partner_a and partner_b sorted by IRI): the start (the "
        "most precise a source gives, the earliest where sources disagree), the status at build time, the end "
        "and the addresses of the sources that state the partnership.",
        instances(MG + "Partnership"),
        [
            id_column("partnership"),
            label("label_en", "en", "partnership"),
            Column("partner_a", "partner_a", "The IRI of the first partner (the lower IRI).",
                   f"?id <{MG}partner> ?v", "anyURI", MG + "partner", iri=True, pick=nth(0),
                   references="local-governments"),
            Column("partner_b", "partner_b", "The IRI of the second partner (the higher IRI).",
                   f"?id <{MG}partner> ?v", "anyURI", MG + "partner", iri=True, pick=nth(1),
                   references="local-governments"),
            label("partner_a_label", "en", "first partner", of="partner_a"),
            label("partner_b_label", "en", "second partner", of="partner_b"),
            Column("kind", "kind", "The IRI of the kind of partnership where a source states it (partner city, "
                   "friendship city, cooperation); blank means not stated (partner city by default).",
                   f"?id <{MG}partnershipKind> ?v", "anyURI", MG + "partnershipKind", iri=True),
            Column("start", "start", "The start of the partnership: the most precise date a source gives, the "
                   "earliest where sources disagree (derived). " + MIXED_DATE_NOTE,
                   f"?id <{MG}effectiveStartDate> ?v", MIXED_DATE, MG + "effectiveStartDate", pick=most_precise),
            Column("status", "status", "The IRI of the status at build time (active, suspended, terminated, "
                   "expired, unknown; derived).",
                   f"?id <{MG}currentStatus> ?v", "anyURI", MG + "currentStatus", iri=True),
            concept_label("status_label", "status", "status"),
            Column("end", "end", "The end of the partnership: a stated end, else the date of the latest ending "
                   "status change (terminated or expired; see status-changes.csv). A helper column: in the graph "
                   "the date belongs to the status change. " + MIXED_DATE_NOTE,
                   f"{{ ?id <{MG}effectiveEndDate> ?v BIND(\"0\" AS ?k) }} UNION {{ ?id <{MG}statusChange> ?c . "
                   f"?c <{MG}status> ?s ; <{MG}date> ?v ; <{MG}sortDate> ?d . FILTER(?s IN ({ENDING})) "
                   f"BIND(CONCAT(\"1\", STR(?d)) AS ?k) }}", MIXED_DATE, pick=stated_or_latest_ending),
            Column("end_change", "end_change", "The IRI of the latest status change that ended the partnership "
                   "(terminated or expired), dated or not.",
                   f"?id <{MG}statusChange> ?v . ?v <{MG}status> ?s . FILTER(?s IN ({ENDING})) "
                   f"OPTIONAL {{ ?v <{MG}sortDate> ?d }} BIND(COALESCE(STR(?d), \"\") AS ?k)",
                   "anyURI", MG + "statusChange", iri=True, pick=highest, references="status-changes"),
            Column("sources", "sources", "The addresses of the sources that state the partnership (a later list "
                   "that no longer names it does not count), separated by spaces. A helper column: the graph "
                   "records this as the named graph of each source.",
                   f"GRAPH ?g {{ ?id <{MG}partner> ?x }} FILTER NOT EXISTS {{ GRAPH ?g {{ ?id <{MG}notListedIn> ?l }} }} "
                   f"?g <{PROV}wasDerivedFrom>/<{MG}address> ?v", "anyURI", pick=joined, separator=" "),
        ], row_class=MG + "Partnership"),
    Table(
        "status-changes", "Status changes of partnerships",
        "Every change of a partnership's status that a source reports (with who decided, how and why, in "
        "English), and the change to active that the rules imply at each partnership's start (implied_by).",
        instances(MG + "StatusChange"),
        [
            id_column("status change"),
            Column("partnership", "partnership", "The IRI of the partnership.",
                   f"?v <{MG}statusChange> ?id ; a <{MG}Partnership>", "anyURI", MG + "statusChange", about="partnership",
                   value_url="{+id}", references="partnerships"),
            Column("status", "status", "The IRI of the new status.",
                   f"?id <{MG}status> ?v", "anyURI", MG + "status", iri=True),
            concept_label("status_label", "status", "new status"),
            Column("date", "date", "The date of the change. " + MIXED_DATE_NOTE,
                   f"?id <{MG}date> ?v", MIXED_DATE, MG + "date", pick=most_precise),
            Column("sort_date", "sort_date", "The first day of the period of the date, for sorting (derived).",
                   f"?id <{MG}sortDate> ?v", "date", MG + "sortDate"),
            Column("until", "until", "The first day of the next change, until which this status held (derived).",
                   f"?id <{MG}statusUntil> ?v", "date", MG + "statusUntil"),
            Column("decided_by", "decided_by", "The IRI of who decided (a local government, council, person or post).",
                   f"?id <{MG}decidedBy> ?v", "anyURI", MG + "decidedBy", iri=True),
            Column("decision", "decision", "How it was decided, in English.",
                   f"?id <{MG}decisionDescription> ?v . FILTER(LANGMATCHES(LANG(?v), \"en\"))",
                   property=MG + "decisionDescription", lang="en"),
            Column("cause", "cause", "Why, in English.",
                   f"?id <{MG}cause> ?v . FILTER(LANGMATCHES(LANG(?v), \"en\"))", property=MG + "cause", lang="en"),
            Column("implied_by", "implied_by", "For the implied change to active at a partnership's start, the "
                   "IRI of that partnership (derived).",
                   f"?id <{MG}impliedBy> ?v . ?v a <{MG}Partnership>", "anyURI", MG + "impliedBy", iri=True,
                   references="partnerships"),
        ], row_class=MG + "StatusChange"),
    Table(
        "agreements", "Agreements",
        "Documents concluded between local governments (letters of intent, partnership, cooperation and framework "
        "agreements, renewals): kind, date (the most precise a source gives), the two parties and where it was "
        "signed.",
        instances(MG + "Agreement"),
        [
            id_column("agreement"),
            label("label_en", "en", "agreement"),
            Column("kind", "kind", "The IRI of the kind of agreement.",
                   f"?id <{MG}agreementKind> ?v", "anyURI", MG + "agreementKind", iri=True),
            concept_label("kind_label", "kind", "kind of agreement"),
            Column("date", "date", "The date of the agreement: the most precise a source gives, the earliest "
                   "where sources disagree. " + MIXED_DATE_NOTE,
                   f"?id <{MG}date> ?v", MIXED_DATE, MG + "date", pick=most_precise),
            Column("party_a", "party_a", "The IRI of the first party (the lower IRI).",
                   f"?id <{MG}party> ?v", "anyURI", MG + "party", iri=True, pick=nth(0), references="local-governments"),
            Column("party_b", "party_b", "The IRI of the second party (the higher IRI).",
                   f"?id <{MG}party> ?v", "anyURI", MG + "party", iri=True, pick=nth(1), references="local-governments"),
            Column("signed_in", "signed_in", "The IRI of the place where it was signed.",
                   f"?id <{MG}signedIn> ?v", "anyURI", MG + "signedIn", iri=True),
        ], row_class=MG + "Agreement"),
    Table(
        "participants", "Participants in agreements and events",
        "Who did what in an act (the signing of an agreement or an event): the person (or a description where the "
        "source names only the office), the role, the post held and the local government represented.",
        instances(MG + "Participation"),
        [
            id_column("participation"),
            Column("act", "act", "The IRI of the act: an agreement (see agreements.csv) or an event (events.csv).",
                   f"?id <{MG}inAct> ?v", "anyURI", MG + "inAct", iri=True),
            Column("person", "person", "The IRI of the person, where the source names one.",
                   f"?id <{MG}participant> ?v", "anyURI", MG + "participant", iri=True),
            Column("person_label", "person_label", "The person's name (in the person's own language where the graph "
                   "has one name; else in the first configured language). A helper column: its language varies.",
                   f"?id <{RDFS}label> ?v", of="person", pick=in_language),
            Column("description", "description", "In English, who took part, where the source does not name the person.",
                   f"?id <{MG}participantDescription> ?v . FILTER(LANGMATCHES(LANG(?v), \"en\"))",
                   property=MG + "participantDescription", lang="en"),
            Column("role", "role", "The IRI of the role (signed, represented, accompanied, invited, hosted, attended).",
                   f"?id <{MG}role> ?v", "anyURI", MG + "role", iri=True),
            concept_label("role_label", "role", "role"),
            Column("post", "post", "The IRI of the post in whose capacity the person acted.",
                   f"?id <{MG}inCapacityOf> ?v", "anyURI", MG + "inCapacityOf", iri=True),
            label("post_label", "en", "post", of="post"),
            Column("on_behalf_of", "on_behalf_of", "The IRI of the local government represented.",
                   f"?id <{MG}onBehalfOf> ?v", "anyURI", MG + "onBehalfOf", iri=True, references="local-governments"),
        ], row_class=MG + "Participation"),
    Table(
        "officials", "Officials (tenures of posts)",
        "Who held which post: the holder, the post, the start and end where a source gives them (the most precise, "
        "derived) and the first and last dates on which a source shows the person in office.",
        instances(MG + "Tenure"),
        [
            id_column("tenure"),
            Column("person", "person", "The IRI of the holder.",
                   f"?id <{MG}holder> ?v", "anyURI", MG + "holder", iri=True),
            Column("person_label", "person_label", "The holder's name (in the person's own language where the graph "
                   "has one name; else in the first configured language). A helper column: its language varies.",
                   f"?id <{RDFS}label> ?v", of="person", pick=in_language),
            Column("post", "post", "The IRI of the post.",
                   f"?id <{MG}post> ?v", "anyURI", MG + "post", iri=True),
            label("post_label", "en", "post", of="post"),
            Column("start", "start", "The start of the tenure (derived: the most precise a source gives). "
                   + MIXED_DATE_NOTE, f"?id <{MG}effectiveStartDate> ?v", MIXED_DATE, MG + "effectiveStartDate",
                   pick=most_precise),
            Column("end", "end", "The end of the tenure (derived: the most precise a source gives). "
                   + MIXED_DATE_NOTE, f"?id <{MG}effectiveEndDate> ?v", MIXED_DATE, MG + "effectiveEndDate",
                   pick=most_precise),
            Column("first_attested", "first_attested", "The earliest date on which a source shows the person in "
                   "office. " + MIXED_DATE_NOTE,
                   f"?id <{MG}attestedOn> ?v . BIND(STR(?v) AS ?k)", MIXED_DATE, MG + "attestedOn"),
            Column("last_attested", "last_attested", "The latest date on which a source shows the person in "
                   "office. " + MIXED_DATE_NOTE,
                   f"?id <{MG}attestedOn> ?v . BIND(STR(?v) AS ?k)", MIXED_DATE, MG + "attestedOn", pick=highest),
        ], row_class=MG + "Tenure"),
    Table(
        "events", "Events",
        "Visits, meetings, delegation visits, festivals and city days in the history of partnerships: type, date, "
        "place, the enclosing event and the partnership whose history it belongs to.",
        instances(MG + "Event"),
        [
            id_column("event"),
            type_column(MG + "Event", "event"),
            label("label_en", "en", "event"),
            Column("date", "date", "The date of the event. " + MIXED_DATE_NOTE,
                   f"?id <{MG}date> ?v", MIXED_DATE, MG + "date", pick=most_precise),
            Column("place", "place", "The IRI of the place where it happened.",
                   f"?id <{MG}eventPlace> ?v", "anyURI", MG + "eventPlace", iri=True, references="places"),
            Column("during", "during", "The IRI of the event during which it happened.",
                   f"?id <{MG}duringEvent> ?v", "anyURI", MG + "duringEvent", iri=True),
            Column("history_of", "history_of", "The IRI of the partnership whose history it belongs to.",
                   f"?id <{MG}historyOf> ?v", "anyURI", MG + "historyOf", iri=True, references="partnerships"),
        ]),
    Table(
        "sources", "Sources",
        "The source documents whose claims the graph records, one named graph each: title, address, publisher, "
        "date of issue, language and the named graph that holds the source's claims.",
        instances(MG + "Source"),
        [
            id_column("source"),
            Column("title", "title", "The title (in the source's language where the graph has it). A helper "
                   "column: its language varies by row; titles that describe a page whose own title was not "
                   "recorded are in English.", f"?id <{DCT}title> ?v", pick=own_language_title, needs="language"),
            Column("address", "address", "The address (IRI) of the source.",
                   f"?id <{MG}address> ?v", "anyURI", MG + "address", iri=True),
            Column("address_precision", "address_precision", "The IRI of mgv:site-only where the address is only the "
                   "site's root, not the page.", f"?id <{MG}addressPrecision> ?v", "anyURI", MG + "addressPrecision",
                   iri=True),
            Column("publisher", "publisher", "The publisher.", f"?id <{DCT}publisher> ?v", property="dc:publisher"),
            Column("issued", "issued", "The date of issue. " + MIXED_DATE_NOTE,
                   f"?id <{DCT}issued> ?v", MIXED_DATE, "dc:issued", pick=most_precise),
            Column("retrieved", "retrieved", "When the source was retrieved. " + MIXED_DATE_NOTE,
                   f"?id <{MG}retrievedOn> ?v", MIXED_DATE, MG + "retrievedOn", pick=most_precise),
            Column("language", "language", "The language of the source (a BCP 47 tag such as pl).",
                   f"?id <{DCT}language> ?v", property="dc:language"),
            Column("graph", "graph", "The IRI of the named graph that holds the source's claims.",
                   f"?v <{PROV}wasDerivedFrom> ?id", "anyURI", PROV + "wasDerivedFrom", about="graph",
                   value_url="{+id}"),
        ], row_class=MG + "Source"),
]

TABLE_BY_NAME = {t.name: t for t in TABLES}


# --- computing the rows ----------------------------------------------------------------------------------------

def _pairs(store, pattern: str) -> dict[object, list[Pair]]:
    result = store.select(prefix_block() + f"SELECT DISTINCT ?id ?v ?k WHERE {{ {pattern} }}")
    out: dict[object, list[Pair]] = {}
    for subject, value, key in result.rows:
        if subject is None or value is None:
            continue
        out.setdefault(subject, []).append((str(key) if key is not None else "", value))
    return out


def table_rows(store, table: Table, languages: list[str]) -> list[list[str]]:
    """The cells of every row of the table, rows sorted by id."""
    ids = sorted({row[0] for row in store.select(prefix_block() + f"SELECT DISTINCT ?id WHERE {{ {table.rows} }}").rows
                  if isinstance(row[0], URIRef)}, key=str)
    chosen: list[dict[str, object]] = [{"id": i} for i in ids]
    # Columns that read another column's value (`of`, `needs`) come after the others, in their declared order.
    order = sorted((c for c in table.columns if c.pattern), key=lambda c: bool(c.of or c.needs))
    for column in order:
        values = _pairs(store, column.pattern)
        for row in chosen:
            subject = row.get(column.of) if column.of else row["id"]
            pairs = values.get(subject) if subject is not None else None
            row[column.name] = column.pick(pairs, row, languages) if pairs else None
    cells = []
    for row in chosen:
        out = []
        for column in table.columns:
            value = row.get(column.name)
            out.append("" if value is None else column.render(value) if column.pattern else str(value))
        cells.append(out)
    return cells


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --- CSVW metadata -----------------------------------------------------------------------------------------------

def column_metadata(column: Column) -> dict:
    out: dict = {"name": column.name, "titles": column.title, "dc:description": column.description,
                 "datatype": column.datatype}
    if column.name == "id":
        out["required"] = True
    if column.separator:
        out["separator"] = column.separator
    if column.lang:
        out["lang"] = column.lang
    if column.property is None:
        out["suppressOutput"] = True
        return out
    if column.about:
        out["aboutUrl"] = "{+" + column.about + "}"
    out["propertyUrl"] = column.property
    if column.value_url:
        out["valueUrl"] = column.value_url
    elif column.iri:
        out["valueUrl"] = "{+" + column.name + "}"
    return out


def table_metadata(table: Table) -> dict:
    columns = [column_metadata(c) for c in table.columns]
    if table.row_class:
        columns.append({"name": "rdf_type", "virtual": True, "propertyUrl": "rdf:type", "valueUrl": table.row_class})
    schema: dict = {"columns": columns, "primaryKey": "id", "aboutUrl": "{+id}"}
    keys = [{"columnReference": c.name, "reference": {"resource": TABLE_BY_NAME[c.references].path, "columnReference": "id"}}
            for c in table.columns if c.references]
    if keys:
        schema["foreignKeys"] = keys
    return {"url": table.path, "dc:title": table.title, "dc:description": table.description, "tableSchema": schema}


def metadata(settings) -> dict:
    publish = getattr(settings, "publish", {}) or {}
    doc: dict = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": f"CSV tables of {publish.get('title_en') or 'munigraph'}",
        "dc:description": ("The munigraph knowledge graph of partnerships between municipalities as CSV tables, one "
                           "row per entity. Each column maps to a term of the munigraph ontology "
                           f"({MG}) or a standard vocabulary; cells are single-valued, dates keep the precision of "
                           "their source. The RDF dumps of the release hold every statement with its source."),
    }
    if publish.get("publisher_name"):
        doc["dc:publisher"] = publish["publisher_name"]
    if publish.get("licence"):
        doc["dc:license"] = {"@id": publish["licence"]}
    doc["dialect"] = {"encoding": "utf-8", "header": True, "delimiter": ","}
    doc["tables"] = [table_metadata(t) for t in TABLES]
    return doc


# --- the release step --------------------------------------------------------------------------------------------

def write(ctx) -> None:
    """Write tables/*.csv and csv-metadata.json under ctx.out and record them with ctx.add."""
    folder = ctx.out / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    languages = list(ctx.settings.languages)
    for table in TABLES:
        ctx.say(f"table {table.path}")
        rows = table_rows(ctx.store, table, languages)
        (ctx.out / table.path).write_bytes(to_csv([c.name for c in table.columns], rows))
        ctx.add(table.path, "text/csv", f"{table.title} (CSV)", "CSV", "data")
    text = json.dumps(metadata(ctx.settings), indent=2, ensure_ascii=False) + "\n"
    (ctx.out / METADATA).write_bytes(text.encode("utf-8"))
    ctx.add(METADATA, "application/csvm+json", "CSVW metadata of the CSV tables (Metadata Vocabulary for Tabular Data)",
            "JSON", "metadata")
