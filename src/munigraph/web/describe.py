"""What the linked-data pages show, as plain objects for the templates: SPARQL over the store, labels, sources.

Every function here is blocking (the store is the executor's or the embedded one; both have `select`), so the
routes in pages.py call them inside run_in_threadpool. IRIs are put into query text only after `check_iri`, and
literals only as rdflib N-Triples terms, so nothing from a request can change a query.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from rdflib import BNode, Literal, URIRef

from .. import queries as queries_mod
from ..vocab import MG, MGG, MGV, META_GRAPH, PREFIXES, RDF, RDFS, prefix_block

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = RDF + "type"
LABEL_PREDICATES = (RDFS + "label", SKOS + "prefLabel", DCT + "title")
GOVERNMENT_TYPES = {MG + "LocalGovernment", MG + "RegionalGovernment"}
EVENT_TYPES = {MG + t for t in ("Event", "Visit", "Meeting", "DelegationVisit", "Festival", "CityDays")}
STATUS_COLOURS = {"status-active": "#137333", "status-suspended": "#b06000", "status-terminated": "#a50e0e",
                  "status-expired": "#a50e0e", "status-unknown": "#8a8f98"}
# labels for the few external properties the data uses, when the store has none
FALLBACK_LABELS = {
    RDF_TYPE: "type", RDFS + "label": "label", RDFS + "comment": "comment", RDFS + "seeAlso": "see also",
    SKOS + "altLabel": "alternative label", SKOS + "prefLabel": "preferred label", SKOS + "note": "note",
    SKOS + "definition": "definition", SKOS + "inScheme": "in scheme", SKOS + "broader": "broader",
    SKOS + "narrower": "narrower", SKOS + "topConceptOf": "top concept of", SKOS + "hasTopConcept": "has top concept",
    DCT + "title": "title", DCT + "description": "description", DCT + "publisher": "publisher",
    DCT + "language": "language", DCT + "issued": "issued", DCT + "license": "licence", DCT + "rights": "rights",
    PROV + "wasDerivedFrom": "derived from", OWL + "sameAs": "same as",
}
GRAPH_ROLES = {MGG + "derived": "derived by the rules", MGG + "ontology": "the ontology",
               MGG + "vocabularies": "the vocabularies", META_GRAPH: "the build record", MGG + "rules": "the rules"}
EXTRA_PREFIXES = {
    "schema": "https://schema.org/", "org": "http://www.w3.org/ns/org#", "cv": "http://data.europa.eu/m8g/",
    "locn": "http://www.w3.org/ns/locn#", "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "time": "http://www.w3.org/2006/time#", "foaf": "http://xmlns.com/foaf/0.1/", "adms": "http://www.w3.org/ns/adms#",
    "qb": "http://purl.org/linked-data/cube#", "void": "http://rdfs.org/ns/void#", "dbo": "http://dbpedia.org/ontology/",
    "wikibase": "http://wikiba.se/ontology#", "spdx": "http://spdx.org/rdf/terms#", "vann": "http://purl.org/vocab/vann/",
}
_IRI_OK = re.compile(r'^[^<>"{}|^`\\\x00-\x20]+$')
_LANG_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_LOCAL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def check_iri(iri: str) -> str:
    """The IRI in angle brackets for query text; ValueError for anything that is not a plain absolute IRI."""
    if not _IRI_OK.match(iri) or ":" not in iri:
        raise ValueError(f"not an IRI: {iri!r}")
    return f"<{iri}>"


def is_safe_path(path: str) -> bool:
    return bool(path) and bool(_IRI_OK.match(path))


def values(nodes) -> str:
    return " ".join(check_iri(str(n)) for n in nodes)


# --- languages and labels --------------------------------------------------------------------------------------

def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, best first (q=0 and * left out)."""
    ranked = []
    for order, part in enumerate((header or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        tag = fields[0].lower()
        if not tag or tag == "*" or not _LANG_TAG.match(tag):
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, order, tag))
    return [tag for _, _, tag in sorted(ranked)]


def preferred_languages(lang: str | None, accept_language: str | None, configured: list[str]) -> list[str]:
    """`?lang=` first, then Accept-Language, then the configured languages; each tag once, lower case."""
    out: list[str] = []
    given = [lang] if lang and _LANG_TAG.match(lang) else []
    for tag in given + parse_accept_language(accept_language) + list(configured):
        tag = tag.lower()
        if tag not in out:
            out.append(tag)
    return out or ["en"]


def pick(options: dict[str, str] | None, languages: list[str]) -> str | None:
    """The text in the first language that has one (en-GB counts for en and en for en-GB), else untagged, else any."""
    if not options:
        return None
    for lang in languages:
        if lang in options:
            return options[lang]
        primary = lang.split("-")[0]
        for tag in sorted(options):
            if tag and tag.split("-")[0] == primary:
                return options[tag]
    if "" in options:
        return options[""]
    return options[sorted(options)[0]]


def add_option(options: dict[str, str], literal) -> None:
    lang = (getattr(literal, "language", None) or "").lower()
    text = str(literal)
    if lang not in options or text < options[lang]:  # deterministic when two sources give two labels
        options[lang] = text


@dataclass
class Term:
    """An RDF term as a page shows it."""
    kind: str                 # iri, bnode, literal
    text: str
    iri: str | None = None
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None
    status: str | None = None  # css class for status concepts

    @property
    def sort_key(self):
        return (self.kind != "iri", self.text.lower(), self.iri or "")


class Context:
    """One request's view: the store, the base, the languages, and the labels fetched so far.

    `shared`, when given, is a dict kept between requests for what depends only on the build (views.Views keeps
    one per worker and empties it after an update): see `cached`.
    """

    def __init__(self, store, base: str, languages: list[str], shared: dict | None = None):
        self.store = store
        self.base = base
        self.languages = languages
        self.prefixes = {**PREFIXES, "id": base, **EXTRA_PREFIXES}
        self._labels: dict[str, dict[str, str]] = {}
        self._sources: dict | None = None
        self.shared = shared

    def cached(self, key, make):
        """make(), or what it gave for the same key in an earlier request over the same build."""
        if self.shared is None:
            return make()
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]

    def sources(self) -> dict:
        """Graph IRI -> SourceRef: every data graph's source (one query over all graphs, so kept per build; the
        titles are in the request's languages)."""
        if self._sources is None:
            self._sources = self.cached(("sources", self.base, tuple(self.languages)), lambda: source_table(self))
        return self._sources

    def select(self, text: str):
        return self.store.select(prefix_block(self.prefixes) + text)

    def rows(self, text: str) -> list[dict]:
        return self.select(text).dicts()

    def load_labels(self, nodes) -> None:
        iris = sorted({str(n) for n in nodes if isinstance(n, URIRef) and str(n) not in self._labels})
        for iri in iris:
            self._labels[iri] = {}
        for start in range(0, len(iris), 400):
            chunk = iris[start:start + 400]
            preds = "|".join(check_iri(p) for p in LABEL_PREDICATES)
            for x, label in self.select(f"SELECT ?x ?l WHERE {{ VALUES ?x {{ {values(chunk)} }} ?x {preds} ?l }}").rows:
                add_option(self._labels[str(x)], label)

    def label(self, iri: str) -> str | None:
        return pick(self._labels.get(str(iri)), self.languages) or FALLBACK_LABELS.get(str(iri))

    def curie(self, iri: str) -> str:
        best = None
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(best[1])):
                best = (prefix, ns)
        return f"{best[0]}:{iri[len(best[1]):]}" if best else iri

    def href(self, iri: str) -> str | None:
        """Where a page links an IRI: our own page, the ontology's entry, or the IRI itself if it is http(s)."""
        if iri.startswith(self.base) and len(iri) > len(self.base):
            return "/page/" + quote(iri[len(self.base):], safe="/:@!$&'()*+,;=-._~%")
        if iri.startswith(MG) and len(iri) > len(MG):
            return "/ontology#" + quote(iri[len(MG):], safe="-._~")
        return external_href(iri)

    def term(self, node) -> Term:
        if isinstance(node, URIRef):
            iri = str(node)
            status = None
            if iri.startswith(MGV + "status-"):
                local = iri[len(MGV):]
                status = local if local in STATUS_COLOURS else "status-unknown"
            return Term("iri", self.label(iri) or self.curie(iri), iri, self.href(iri), status=status)
        if isinstance(node, BNode):
            return Term("bnode", "(a node without a name)")
        if isinstance(node, Literal):
            datatype = None
            if node.datatype is not None and str(node.datatype) != "http://www.w3.org/2001/XMLSchema#string":
                datatype = self.curie(str(node.datatype))
            return Term("literal", str(node), lang=node.language, datatype=datatype)
        return Term("literal", "" if node is None else str(node))

    def text(self, literals) -> str | None:
        """One text out of several language versions of a literal."""
        options: dict[str, str] = {}
        for lit in literals:
            if lit is not None:
                add_option(options, lit)
        return pick(options, self.languages)


def external_href(iri: str | None) -> str | None:
    """Only http(s) addresses become links, so that data cannot smuggle a javascript: or data: URL into a page."""
    if iri and (iri.startswith("https://") or iri.startswith("http://")) and _IRI_OK.match(iri):
        return iri
    return None


def finest(dates) -> list:
    """Dates without those that are a coarser form of another (2019 beside 2019-12-02), in order."""
    texts = sorted({str(d) for d in dates if d is not None})
    return [t for t in texts if not any(o != t and o.startswith(t) for o in texts)]


# --- sources -------------------------------------------------------------------------------------------------

@dataclass
class SourceRef:
    title: str
    href: str | None = None          # the source document's address (http(s) only)
    page: str | None = None          # our page about the source
    address: str | None = None
    publisher: str | None = None
    kind: str = "source"             # source, derived, project, default


def source_table(ctx: Context) -> dict[str, SourceRef]:
    """Every data graph and the source it is derived from (mgg:meta), with the source's address and title."""
    rows = ctx.rows(f"""SELECT ?g ?source ?address ?title ?publisher WHERE {{
      GRAPH <{META_GRAPH}> {{ ?g prov:wasDerivedFrom ?source }}
      OPTIONAL {{ ?source mg:address ?address }}
      OPTIONAL {{ ?source dct:title ?title }}
      OPTIONAL {{ ?source dct:publisher ?publisher }}
    }}""")
    grouped: dict[str, dict] = {}
    for r in rows:
        item = grouped.setdefault(str(r["g"]), {"source": str(r["source"]), "address": None, "titles": [], "publisher": None})
        if r["address"] is not None:
            item["address"] = str(r["address"])
        item["titles"].append(r["title"])
        if r["publisher"] is not None:
            item["publisher"] = str(r["publisher"])
    out = {}
    for g, item in grouped.items():
        out[g] = SourceRef(title=ctx.text(item["titles"]) or item["address"] or ctx.curie(item["source"]),
                           href=external_href(item["address"]), page=ctx.href(item["source"]),
                           address=item["address"], publisher=item["publisher"])
    return out


def graph_refs(ctx: Context, graphs, sources: dict[str, SourceRef]) -> list[SourceRef]:
    refs, seen = [], set()
    for g in sorted(graphs, key=lambda x: (x is None, str(x))):
        if g is None:
            ref = SourceRef("the default graph only", kind="default")
        elif str(g) in sources:
            ref = sources[str(g)]
        elif str(g) == MGG + "derived":
            ref = SourceRef(GRAPH_ROLES[str(g)], kind="derived")
        else:
            ref = SourceRef(GRAPH_ROLES.get(str(g), ctx.curie(str(g))), kind="project")
        if id(ref) not in seen:
            seen.add(id(ref))
            refs.append(ref)
    return refs


def sources_of(ctx: Context, nodes) -> dict[str, list[SourceRef]]:
    """For each node, the sources of the graphs that say anything about it."""
    nodes = sorted({str(n) for n in nodes if not isinstance(n, (BNode, Literal))})
    if not nodes:
        return {}
    table = ctx.sources()
    found: dict[str, set] = {n: set() for n in nodes}
    for x, g in ctx.select(f"SELECT DISTINCT ?x ?g WHERE {{ VALUES ?x {{ {values(nodes)} }} GRAPH ?g {{ ?x ?p ?o }} }}").rows:
        found[str(x)].add(g)
    return {n: [r for r in graph_refs(ctx, gs, table) if r.kind == "source"] for n, gs in found.items()}


# --- the generic description ---------------------------------------------------------------------------------

@dataclass
class Fact:
    value: Term
    sources: list[SourceRef]


@dataclass
class PropertyGroup:
    prop: Term
    facts: list[Fact]


@dataclass
class Incoming:
    prop: Term
    subjects: list[Term]
    total: int = 0                  # how many link through this property (of the first 1000 links), when cut
    all_query: str | None = None    # the SPARQL editor with the query listing all of them, when cut


INCOMING_SHOWN = 25  # links through one property listed on a served page; a hub has hundreds (agreements, partners)


def exists(store, iri: str) -> bool:
    return bool(store.select(f"SELECT ?p WHERE {{ {check_iri(iri)} ?p ?o }} LIMIT 1").rows)


def describe(ctx: Context, iri: str, incoming_shown: int | None = None) -> dict | None:
    """The entity's statements grouped by property, each value with the sources that state it; its incoming links
    (the first `incoming_shown` of each property and a SPARQL query for all, or all of them when None).
    None when nothing has the IRI as subject (the first query says so: no separate `exists`)."""
    me = check_iri(iri)
    rows = ctx.select(f"SELECT ?p ?o ?g WHERE {{ {me} ?p ?o . OPTIONAL {{ GRAPH ?g {{ {me} ?p ?o }} }} }}").rows
    if not rows:
        return None
    statements: dict[tuple, set] = {}
    for p, o, g in rows:
        statements.setdefault((p, o), set()).add(g)
    for key, graphs in statements.items():
        if len(graphs) > 1:
            graphs.discard(None)
    incoming_rows = ctx.select(f"""SELECT DISTINCT ?s ?p WHERE {{
      ?s ?p {me} . FILTER(isIRI(?s))
      FILTER NOT EXISTS {{ {me} ?p ?s }}
    }} ORDER BY ?p ?s LIMIT 1000""").rows
    by_property: dict = {}
    for s, p in incoming_rows:
        by_property.setdefault(p, []).append(s)
    # the first `incoming_shown` of each property, by IRI (the query's order), are listed and get labels
    shown_count = incoming_shown if incoming_shown is not None else len(incoming_rows)
    ctx.load_labels([URIRef(iri)] + [n for key in statements for n in key] + list(by_property)
                    + [s for subjects in by_property.values() for s in subjects[:shown_count]])
    table = ctx.sources()

    groups: dict[str, PropertyGroup] = {}
    for (p, o), graphs in statements.items():
        group = groups.setdefault(str(p), PropertyGroup(ctx.term(p), []))
        group.facts.append(Fact(ctx.term(o), graph_refs(ctx, graphs, table)))
    first = {RDF_TYPE: 0, RDFS + "label": 1, SKOS + "altLabel": 2}
    ordered = sorted(groups.values(), key=lambda g: (first.get(g.prop.iri, 3), g.prop.text.lower(), g.prop.iri))
    for group in ordered:
        group.facts.sort(key=lambda f: f.value.sort_key)
    incoming: dict[str, Incoming] = {}
    for p, subjects in by_property.items():
        shown = [ctx.term(s) for s in subjects[:shown_count]]
        item = incoming[str(p)] = Incoming(ctx.term(p), sorted(shown, key=lambda t: t.sort_key))
        if len(subjects) > len(shown):
            item.total = len(subjects)
            item.all_query = "/sparql?" + urlencode({"query": f"SELECT ?from WHERE {{\n  ?from <{p}> {me} . FILTER(isIRI(?from))\n"
                                                              f"  FILTER NOT EXISTS {{ {me} <{p}> ?from }}\n}} ORDER BY ?from"})
    types = sorted(str(o) for (p, o) in statements if str(p) == RDF_TYPE and isinstance(o, URIRef))
    by_prop: dict[str, list] = {}
    for (p, o) in statements:
        by_prop.setdefault(str(p), []).append(o)
    return {
        "iri": iri,
        "label": ctx.label(iri) or ctx.curie(iri),
        "types": types,
        "type_terms": [ctx.term(URIRef(t)) for t in types],
        "groups": ordered,
        "by_prop": by_prop,
        "statements": statements,
        "incoming": sorted(incoming.values(), key=lambda i: i.prop.text.lower()),
        "sources": table,
    }


# --- agreements and who took part ----------------------------------------------------------------------------

@dataclass
class Participant:
    person: Term | None
    description: str | None
    roles: list[Term]
    posts: list[Term]
    on_behalf_of: list[Term]


@dataclass
class AgreementRow:
    agreement: Term
    dates: list[str]
    kinds: list[Term]
    parties: list[Term]
    participants: list[Participant]
    sources: list[SourceRef]
    relations: list[Term] = field(default_factory=list)


def participants(ctx: Context, acts) -> dict[str, list[Participant]]:
    acts = sorted({str(a) for a in acts})
    if not acts:
        return {}
    rows = ctx.rows(f"""SELECT ?act ?x ?person ?description ?role ?post ?onBehalfOf WHERE {{
      VALUES ?act {{ {values(acts)} }}
      ?x mg:inAct ?act .
      OPTIONAL {{ ?x mg:participant ?person }}
      OPTIONAL {{ ?x mg:participantDescription ?description }}
      OPTIONAL {{ ?x mg:role ?role }}
      OPTIONAL {{ ?x mg:inCapacityOf ?post }}
      OPTIONAL {{ ?x mg:onBehalfOf ?onBehalfOf }}
    }}""")
    ctx.load_labels(r[k] for r in rows for k in ("person", "role", "post", "onBehalfOf"))
    grouped: dict[tuple, dict] = {}
    for r in rows:
        item = grouped.setdefault((str(r["act"]), str(r["x"])), {k: set() for k in ("person", "description", "role", "post", "onBehalfOf")})
        for k in item:
            if r[k] is not None:
                item[k].add(r[k])
    out: dict[str, list[Participant]] = {a: [] for a in acts}
    for (act, _), item in sorted(grouped.items()):
        person = sorted(item["person"])[0] if item["person"] else None
        out[act].append(Participant(
            person=ctx.term(person) if person is not None else None,
            description=ctx.text(item["description"]),
            roles=sorted((ctx.term(x) for x in item["role"]), key=lambda t: t.sort_key),
            posts=sorted((ctx.term(x) for x in item["post"]), key=lambda t: t.sort_key),
            on_behalf_of=sorted((ctx.term(x) for x in item["onBehalfOf"]), key=lambda t: t.sort_key)))
    for people in out.values():
        people.sort(key=lambda p: ((p.on_behalf_of[0].text if p.on_behalf_of else ""),
                                   (p.roles[0].text if p.roles else ""), p.person.text if p.person else (p.description or "")))
    return out


def agreement_rows(ctx: Context, agreements, relations: dict[str, set] | None = None) -> list[AgreementRow]:
    agreements = sorted({str(a) for a in agreements})
    if not agreements:
        return []
    rows = ctx.rows(f"""SELECT ?a ?date ?kind ?party WHERE {{
      VALUES ?a {{ {values(agreements)} }}
      OPTIONAL {{ ?a mg:date ?date }}
      OPTIONAL {{ ?a mg:agreementKind ?kind }}
      OPTIONAL {{ ?a mg:party ?party }}
    }}""")
    ctx.load_labels([URIRef(a) for a in agreements] + [r[k] for r in rows for k in ("kind", "party")]
                    + [URIRef(x) for rel in (relations or {}).values() for x in rel])
    info = {a: {"date": set(), "kind": set(), "party": set()} for a in agreements}
    for r in rows:
        for k in ("date", "kind", "party"):
            if r[k] is not None:
                info[str(r["a"])][k].add(r[k])
    people = participants(ctx, agreements)
    sources = sources_of(ctx, agreements)
    out = []
    for a in agreements:
        item = info[a]
        out.append(AgreementRow(
            agreement=ctx.term(URIRef(a)), dates=finest(item["date"]),
            kinds=sorted((ctx.term(k) for k in item["kind"]), key=lambda t: t.sort_key),
            parties=sorted((ctx.term(p) for p in item["party"]), key=lambda t: t.sort_key),
            participants=people.get(a, []), sources=sources.get(a, []),
            relations=sorted((ctx.term(URIRef(r)) for r in (relations or {}).get(a, ())), key=lambda t: t.sort_key)))
    out.sort(key=lambda r: (r.dates[0] if r.dates else "9999", r.agreement.text))
    return out


# --- local governments -----------------------------------------------------------------------------------------

_PLACEHOLDER = "urn:munigraph:page:government"


@dataclass
class PartnerRow:
    partner: Term
    partnership: str | None
    country: Term | None
    start: Term | None
    status: Term | None
    end: Term | None
    ordinal: str | None
    sources: list[tuple[str, str | None]]


def government(ctx: Context, iri: str, agreement_limit: int | None = None) -> dict:
    """The partners (all of them) and the agreements: the latest `agreement_limit` if there are more (None: all).
    A hub's 500 agreements with their participants made a 750 KB page that took half a second."""
    me = check_iri(iri)
    # The named query `partners`, bound to this government directly: the page knows it is one, so the resolver's
    # checks (two queries) and the label columns run_named adds (another query; the page fetches its own) are not
    # needed. The text is bound once to a placeholder (binding tokenises the query), then to each government.
    def prepared() -> str:
        return queries_mod.prepared_text(queries_mod.get("partners"), {"municipality": URIRef(_PLACEHOLDER), "date": None})
    text = ctx.cached(("named query", "partners"), prepared).replace(f"<{_PLACEHOLDER}>", me)
    result = ctx.store.select(text)
    partnerships = {str(partner): str(p) for partner, p in ctx.select(f"""SELECT DISTINCT ?partner ?p WHERE {{
      ?p a mg:Partnership ; mg:partner {me} , ?partner . FILTER(?partner != {me}) }}""").rows}
    rows = [dict(zip(result.variables, row)) for row in result.rows]
    ctx.load_labels([r[k] for r in rows for k in ("partner", "country", "status")])
    partners = []
    for r in rows:
        partners.append(PartnerRow(
            partner=ctx.term(r["partner"]),
            partnership=ctx.href(partnerships[str(r["partner"])]) if str(r["partner"]) in partnerships else None,
            country=ctx.term(r["country"]) if r["country"] is not None else None,
            start=ctx.term(r["start"]) if r["start"] is not None else None,
            status=ctx.term(r["status"]) if r["status"] is not None else None,
            end=ctx.term(r["end"]) if r["end"] is not None else None,
            ordinal=str(r["ordinal"]) if r["ordinal"] is not None else None,
            sources=[(a, external_href(a)) for a in sorted(str(r["sources"] or "").split())]))  # GROUP_CONCAT order is the engine's
    latest: dict[str, str] = {}  # each agreement's latest date as text ("" when undated: listed last)
    for a, date in ctx.select(f"SELECT DISTINCT ?a ?date WHERE {{ ?a a mg:Agreement ; mg:party {me} . OPTIONAL {{ ?a mg:date ?date }} }}").rows:
        latest[str(a)] = max(latest.get(str(a), ""), str(date) if date is not None else "")
    shown = sorted(latest)
    if agreement_limit is not None and len(shown) > agreement_limit:
        shown = sorted(latest, key=lambda a: (latest[a], a), reverse=True)[:agreement_limit]
    return {"partners": partners, "agreements": agreement_rows(ctx, shown), "agreements_total": len(latest),
            "network": network(ctx.label(iri) or ctx.curie(iri), partners)}


def network(centre: str, partners: list[PartnerRow], size: int = 720) -> dict:
    """Positions for an SVG of the partner network: the government in the middle, its partners on a circle."""
    width, height = size, max(360, min(size, 260 + 14 * len(partners)))
    cx, cy = width / 2, height / 2
    rx, ry = cx - 190, cy - 40  # an ellipse, so that many partners spread over the height too
    nodes = []
    seen = set()
    unique = [p for p in partners if not (p.partner.iri in seen or seen.add(p.partner.iri))]
    for k, p in enumerate(unique):
        angle = -math.pi / 2 + 2 * math.pi * k / max(1, len(unique))
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        cos = math.cos(angle)
        anchor = "start" if cos > 0.2 else ("end" if cos < -0.2 else "middle")
        lx = x + (10 if anchor == "start" else -10 if anchor == "end" else 0)
        ly = y + (4 if anchor != "middle" else (-10 if math.sin(angle) < 0 else 18))
        status = p.status.status if p.status is not None and p.status.status else "status-unknown"
        nodes.append({"x": round(x, 1), "y": round(y, 1), "lx": round(lx, 1), "ly": round(ly, 1), "anchor": anchor,
                      "label": p.partner.text, "href": p.partner.href, "status": status,
                      "status_text": p.status.text if p.status is not None else "unknown",
                      "colour": STATUS_COLOURS.get(status, STATUS_COLOURS["status-unknown"])})
    legend = [{"status": s, "colour": c, "y": 20 + 16 * k} for k, (s, c) in enumerate(
        (s, c) for s, c in STATUS_COLOURS.items() if s != "status-expired")]
    return {"width": width, "height": height, "cx": round(cx, 1), "cy": round(cy, 1), "centre": centre,
            "nodes": nodes, "legend": legend}


# --- partnerships ----------------------------------------------------------------------------------------------

@dataclass
class StatusRow:
    change: Term
    date: str | None
    sort: str | None
    status: Term | None
    cause: str | None
    decided_by: list[Term]
    decision: str | None
    until: str | None
    implied: bool
    sources: list[SourceRef]


@dataclass
class EventRow:
    event: Term
    dates: list[str]
    places: list[Term]
    types: list[Term]
    sources: list[SourceRef]


def partnership(ctx: Context, iri: str, facts: dict) -> dict:
    me = check_iri(iri)
    by_prop = facts["by_prop"]
    partners = sorted((ctx.term(p) for p in by_prop.get(MG + "partner", [])), key=lambda t: t.sort_key)
    rows = ctx.rows(f"""SELECT ?change ?date ?sort ?status ?cause ?decidedBy ?decision ?until ?implied WHERE {{
      {me} mg:statusChange ?change .
      OPTIONAL {{ ?change mg:date ?date }} OPTIONAL {{ ?change mg:sortDate ?sort }}
      OPTIONAL {{ ?change mg:status ?status }} OPTIONAL {{ ?change mg:cause ?cause }}
      OPTIONAL {{ ?change mg:decidedBy ?decidedBy }} OPTIONAL {{ ?change mg:decisionDescription ?decision }}
      OPTIONAL {{ ?change mg:statusUntil ?until }} OPTIONAL {{ ?change mg:impliedBy ?implied }}
    }}""")
    ctx.load_labels([r[k] for r in rows for k in ("change", "status", "decidedBy")])
    changes: dict[str, dict] = {}
    for r in rows:
        item = changes.setdefault(str(r["change"]), {k: set() for k in ("date", "sort", "status", "cause", "decidedBy", "decision", "until", "implied")})
        for k in item:
            if r[k] is not None:
                item[k].add(r[k])
    change_sources = sources_of(ctx, [URIRef(c) for c in changes])
    history = []
    for c, item in changes.items():
        status = sorted(item["status"])[0] if item["status"] else None
        history.append(StatusRow(
            change=ctx.term(URIRef(c)), date=", ".join(finest(item["date"])) or None,
            sort=min((str(s) for s in item["sort"]), default=None),
            status=ctx.term(status) if status is not None else None, cause=ctx.text(item["cause"]),
            decided_by=sorted((ctx.term(x) for x in item["decidedBy"]), key=lambda t: t.sort_key),
            decision=ctx.text(item["decision"]), until=min((str(s) for s in item["until"]), default=None),
            implied=bool(item["implied"]), sources=change_sources.get(c, [])))
    history.sort(key=lambda h: (h.sort or "9999", not h.implied, h.change.text))

    relation_rows = ctx.select(f"""SELECT DISTINCT ?a ?rel WHERE {{
      VALUES ?rel {{ mg:agreement mg:establishedBy mg:renewedBy }} {me} ?rel ?a }}""").rows
    relations: dict[str, set] = {}
    for a, rel in relation_rows:
        relations.setdefault(str(a), set()).add(str(rel))
    agreements = agreement_rows(ctx, relations, relations)

    event_rows = ctx.rows(f"""SELECT ?e ?date ?place ?type WHERE {{
      ?e mg:historyOf {me} . OPTIONAL {{ ?e mg:date ?date }} OPTIONAL {{ ?e mg:eventPlace ?place }} OPTIONAL {{ ?e a ?type }} }}""")
    ctx.load_labels([r[k] for r in event_rows for k in ("e", "place", "type")])
    events: dict[str, dict] = {}
    for r in event_rows:
        item = events.setdefault(str(r["e"]), {"date": set(), "place": set(), "type": set()})
        for k in item:
            if r[k] is not None:
                item[k].add(r[k])
    event_sources = sources_of(ctx, [URIRef(e) for e in events])
    event_list = [EventRow(ctx.term(URIRef(e)), finest(item["date"]),
                           sorted((ctx.term(x) for x in item["place"]), key=lambda t: t.sort_key),
                           sorted((ctx.term(x) for x in item["type"] if str(x) != MG + "Event" or len(item["type"]) == 1), key=lambda t: t.sort_key),
                           event_sources.get(e, []))
                  for e, item in events.items()]
    event_list.sort(key=lambda e: (e.dates[0] if e.dates else "9999", e.event.text))

    def claims(prop: str) -> list[Fact]:
        return [f for g in facts["groups"] if g.prop.iri == prop for f in g.facts]

    current = by_prop.get(MG + "currentStatus", [])
    effective = by_prop.get(MG + "effectiveStartDate", [])
    timeline = None
    if len(partners) == 2:
        from urllib.parse import urlencode
        timeline = "/api/queries/timeline?" + urlencode({"a": partners[0].iri, "b": partners[1].iri})
    return {
        "partners": partners,
        "start": ctx.term(sorted(effective, key=str)[0]) if effective else None,
        "start_claims": claims(MG + "startDate") + claims(MG + "startedBefore"),
        "end_claims": claims(MG + "endDate"),
        "current": ctx.term(sorted(current)[0]) if current else None,
        "history": history,
        "agreements": agreements,
        "events": event_list,
        "timeline": timeline,
    }


# --- the ontology ----------------------------------------------------------------------------------------------

def ontology_view(ctx: Context, graph) -> dict:
    """Classes and properties of the ontology graph (an rdflib Graph), with labels, comments and alignments."""
    from rdflib.collection import Collection
    from rdflib.namespace import OWL as O, RDF as R, RDFS as S, SKOS as K

    def texts(s, p) -> list[tuple[str, str]]:
        order = {"en": 0, "pl": 1}
        items = [(o.language or "", str(o)) for o in graph.objects(s, p) if isinstance(o, Literal)]
        return sorted(items, key=lambda x: (order.get(x[0], 2), x[0], x[1]))

    def name(node) -> Term:
        iri = str(node)
        return Term("iri", ctx.curie(iri), iri, ctx.href(iri))

    def expr(node) -> dict:
        if isinstance(node, URIRef):
            return {"op": None, "members": [name(node)]}
        for op, word in ((O.unionOf, "or"), (O.intersectionOf, "and")):
            lst = graph.value(node, op)
            if lst is not None:
                return {"op": word, "members": [name(m) if isinstance(m, URIRef) else Term("bnode", "(anonymous)")
                                              for m in Collection(graph, lst)]}
        return {"op": None, "members": [Term("bnode", "(anonymous class)")]}

    relations = [("subclass of", S.subClassOf), ("subproperty of", S.subPropertyOf), ("domain", S.domain),
                 ("range", S.range), ("equivalent class", O.equivalentClass), ("equivalent property", O.equivalentProperty),
                 ("inverse of", O.inverseOf), ("disjoint with", O.disjointWith), ("exact match", K.exactMatch),
                 ("close match", K.closeMatch), ("broad match", K.broadMatch), ("narrow match", K.narrowMatch),
                 ("related match", K.relatedMatch), ("see also", S.seeAlso)]

    def entry(s, kinds: list[str]) -> dict:
        iri = str(s)
        local = iri[len(MG):] if iri.startswith(MG) else ctx.curie(iri)
        return {"iri": iri, "id": local, "curie": ctx.curie(iri), "kinds": kinds,
                "labels": texts(s, S.label), "comments": texts(s, S.comment), "notes": texts(s, K.note),
                "relations": [(title, [expr(o) for o in sorted(graph.objects(s, p), key=str)])
                              for title, p in relations if (s, p, None) in graph]}

    classes = sorted({s for t in (O.Class, S.Class) for s in graph.subjects(R.type, t) if isinstance(s, URIRef)}, key=str)
    prop_types = [(O.ObjectProperty, "object property"), (O.DatatypeProperty, "datatype property"),
                  (O.AnnotationProperty, "annotation property"), (R.Property, "property"),
                  (O.FunctionalProperty, "functional"), (O.InverseFunctionalProperty, "inverse functional"),
                  (O.SymmetricProperty, "symmetric"), (O.TransitiveProperty, "transitive")]
    props: dict = {}
    for t, word in prop_types:
        for s in graph.subjects(R.type, t):
            if isinstance(s, URIRef):
                props.setdefault(s, []).append(word)
    header = next((s for s in graph.subjects(R.type, O.Ontology)), None)
    return {
        "ontology": {"iri": str(header), "titles": texts(header, URIRef(DCT + "title")),
                     "descriptions": texts(header, URIRef(DCT + "description")),
                     "version": str(graph.value(header, O.versionInfo) or "")} if header is not None else None,
        "classes": [entry(c, ["class"]) for c in classes],
        "properties": [entry(p, kinds) for p, kinds in sorted(props.items(), key=lambda x: str(x[0]))],
    }


# --- the data set ----------------------------------------------------------------------------------------------

def built_at(ctx: Context) -> str | None:
    rows = ctx.select(f"SELECT ?t WHERE {{ GRAPH <{META_GRAPH}> {{ <{MGG}meta#build> mg:builtAt ?t }} }}").rows
    return str(rows[0][0]) if rows else None


def overview(ctx: Context) -> dict:
    """What the front page shows: counts, build time, sources, and the local governments by country."""
    triples = int(ctx.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0])
    classes = ctx.select(f"""SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE {{
      ?x a ?class . FILTER(STRSTARTS(STR(?class), STR(mg:)))
      FILTER NOT EXISTS {{ GRAPH <{MGG}ontology> {{ ?x ?p ?o }} }}
    }} GROUP BY ?class ORDER BY DESC(?n) ?class""").rows
    govs = ctx.rows("""SELECT DISTINCT ?gov ?country ?count WHERE {
      VALUES ?type { mg:LocalGovernment mg:RegionalGovernment } ?gov a ?type .
      OPTIONAL { ?gov mg:country ?country } OPTIONAL { ?gov mg:activePartnerCount ?count } }""")
    table = ctx.sources()
    sources = list({id(s): s for s in table.values()}.values())
    ctx.load_labels([c for c, _ in classes] + [r[k] for r in govs for k in ("gov", "country")])
    by_country: dict[str, dict] = {}
    for r in govs:
        key = str(r["country"]) if r["country"] is not None else ""
        group = by_country.setdefault(key, {"country": ctx.term(r["country"]) if r["country"] is not None else None, "governments": {}})
        entry = group["governments"].setdefault(str(r["gov"]), {"term": ctx.term(r["gov"]), "count": None})
        if r["count"] is not None:
            entry["count"] = max(int(r["count"]), entry["count"] or 0)
    countries = []
    for group in sorted(by_country.values(), key=lambda g: (g["country"] is None, g["country"].text.lower() if g["country"] else "")):
        countries.append({"country": group["country"],
                          "governments": sorted(group["governments"].values(), key=lambda e: e["term"].text.lower())})
    return {
        "triples": triples,
        "graphs": len(table),
        "classes": [{"term": ctx.term(c), "count": int(n), "list": class_href(str(c))} for c, n in classes],
        "built_at": built_at(ctx),
        "sources": sorted(sources, key=lambda s: s.title.lower()),
        "countries": countries,
        "governments": sum(len(c["governments"]) for c in countries),
    }


# --- the entities of a class -----------------------------------------------------------------------------------

def class_href(iri: str) -> str | None:
    """Where the list of a class's entities is: /class/{local name}, for the project's own classes."""
    if iri.startswith(MG) and _LOCAL_NAME.match(iri[len(MG):]):
        return "/class/" + iri[len(MG):]
    return None


def class_members(ctx: Context, iri: str) -> dict | None:
    """Every entity of the class (as the front page counts them: not the ontology's own terms), by label."""
    me = check_iri(iri)
    rows = ctx.select(f"""SELECT DISTINCT ?x WHERE {{
      ?x a {me} . FILTER NOT EXISTS {{ GRAPH <{MGG}ontology> {{ ?x ?p ?o }} }} }}""").rows
    if not rows:
        return None
    comments = [c for (c,) in ctx.select(f"SELECT ?c WHERE {{ GRAPH <{MGG}ontology> {{ {me} rdfs:comment ?c }} }}").rows]
    ctx.load_labels([URIRef(iri)] + [x for (x,) in rows])
    members = sorted((ctx.term(x) for (x,) in rows), key=lambda t: t.sort_key)
    return {"iri": iri, "term": ctx.term(URIRef(iri)), "label": ctx.label(iri) or ctx.curie(iri),
            "curie": ctx.curie(iri), "comment": ctx.text(comments), "members": members}
