"""The CSV tables of a release and their CSVW metadata (munigraph.export.tables).

The tables are written once per module from the session's store (built from data/). The CSVW metadata is read
back with an independent CSVW implementation, the `csvw` package: it parses the metadata, reads every table with
its declared datatypes (failing on a cell that does not fit), and checks primary and foreign keys. `csvw` does not
emit RDF (its JSON conversion cannot expand URI templates over anyURI cells), so the CSVW-to-RDF rules of minimal
mode (W3C "Generating RDF from Tabular Data on the Web") are applied here to the rows it reads, and every statement
they give must be in the graph.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import warnings
from pathlib import Path
from urllib.parse import urljoin

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from munigraph.export import ReleaseContext
from munigraph.export import tables

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/munigraph/id/"
MG = "https://w3id.org/munigraph/ontology#"
MGV = "https://w3id.org/munigraph/vocab/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL = "http://www.w3.org/2002/07/owl#"
PREFIXES = f"PREFIX mg: <{MG}>\nPREFIX mgv: <{MGV}>\nPREFIX xsd: <{XSD}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

FILES = ["local-governments", "places", "partnerships", "status-changes", "agreements", "participants", "officials",
         "events", "sources"]

# The classes whose instances make up each table (listed, not inferred, so the count is independent of the code).
CLASSES = {
    "local-governments": ["LocalGovernment", "RegionalGovernment"],
    "places": ["Place", "Town", "District", "County", "Region", "Country"],
    "partnerships": ["Partnership"],
    "status-changes": ["StatusChange"],
    "agreements": ["Agreement"],
    "participants": ["Participation"],
    "officials": ["Tenure"],
    "events": ["Event", "Visit", "Meeting", "DelegationVisit", "Festival", "CityDays"],
    "sources": ["Source"],
}

# Terms of standard vocabularies that columns may map to (everything else must be declared in the ontology).
STANDARD_TERMS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/language",
    "http://purl.org/dc/terms/publisher",
    "http://purl.org/dc/terms/issued",
    "http://www.w3.org/ns/prov#wasDerivedFrom",
}


def write_release(store, settings, out: Path) -> ReleaseContext:
    ctx = ReleaseContext(settings, store, out, "2026.12.01", dt.date(2026, 12, 1))
    tables.write(ctx)
    return ctx


@pytest.fixture(scope="module")
def release(store, settings, tmp_path_factory) -> ReleaseContext:
    return write_release(store, settings, tmp_path_factory.mktemp("release-tables"))


def read_table(release: ReleaseContext, name: str) -> list[dict[str, str]]:
    raw = (release.out / "tables" / f"{name}.csv").read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in rows}


def count(store, classes: list[str]) -> int:
    values = " ".join(f"mg:{c}" for c in classes)
    rows = store.select(PREFIXES + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?c {{ {values} }} ?x a ?c }}").rows
    return int(rows[0][0])


# --- the files -------------------------------------------------------------------------------------------------

def test_every_table_and_the_metadata_are_recorded(release):
    recorded = {f.path: f for f in release.files}
    assert set(recorded) == {f"tables/{n}.csv" for n in FILES} | {"csv-metadata.json"}
    for name in FILES:
        item = recorded[f"tables/{name}.csv"]
        assert (item.media_type, item.file_type, item.kind) == ("text/csv", "CSV", "data")
        assert item.title and item.size == (release.out / item.path).stat().st_size
        assert item.sha256 == hashlib.sha256((release.out / item.path).read_bytes()).hexdigest()
    meta = recorded["csv-metadata.json"]
    assert (meta.media_type, meta.file_type, meta.kind) == ("application/csvm+json", "JSON", "metadata")


@pytest.mark.parametrize("name", FILES)
def test_tables_are_plain_utf8_csv_sorted_by_id_with_one_row_per_entity(release, store, name):
    raw = (release.out / "tables" / f"{name}.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    header, body = records[0], records[1:]
    assert header[0] == "id" and len(set(header)) == len(header)
    assert all(len(r) == len(header) for r in body)
    ids = [r[0] for r in body]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(i.startswith(ID) for i in ids)
    assert len(body) == count(store, CLASSES[name])


def test_two_runs_give_byte_identical_files(release, store, settings, tmp_path):
    again = write_release(store, settings, tmp_path)
    assert [(f.path, f.sha256) for f in again.files] == [(f.path, f.sha256) for f in release.files]
    for f in release.files:
        assert (tmp_path / f.path).read_bytes() == (release.out / f.path).read_bytes()


# --- the rows the graph has ------------------------------------------------------------------------------------

def test_koszalin_and_trakai_district_partnership_from_2019_12_02_active(release):
    row = by_id(read_table(release, "partnerships"))[ID + "partnership/lt-trakai-district--pl-koszalin"]
    assert row["partner_a"] == ID + "gov/lt/trakai-district"
    assert row["partner_b"] == ID + "gov/pl/koszalin"
    assert row["partner_a_label"] == "Trakai District Municipality"
    assert row["partner_b_label"] == "City of Koszalin"
    assert row["start"] == "2019-12-02"
    assert row["status"] == MGV + "status-active" and row["status_label"] == "active"
    assert row["end"] == "" and row["end_change"] == ""
    assert "https://koszalin.pl/pl/news/litewskie-troki-naszym-kolejnym-miastem-partnerskim?language=pl" in row["sources"].split(" ")


def test_ivano_frankivsk_and_serpukhov_terminated_on_2016_02_09(release):
    row = by_id(read_table(release, "partnerships"))[ID + "partnership/ru-serpukhov--ua-ivano-frankivsk"]
    assert (row["partner_a"], row["partner_b"]) == (ID + "gov/ru/serpukhov", ID + "gov/ua/ivano-frankivsk")
    assert row["status"] == MGV + "status-terminated" and row["status_label"] == "terminated"
    assert row["start"] == "2001"
    assert row["end"] == "2016-02-09"
    change = by_id(read_table(release, "status-changes"))[row["end_change"]]
    assert change["partnership"] == row["id"]
    assert change["date"] == "2016-02-09" and change["status"] == MGV + "status-terminated"
    assert change["decided_by"] == ID + "person/ruslan-martsinkiv"


def test_partners_are_sorted_and_dates_keep_their_precision(release):
    rows = read_table(release, "partnerships")
    assert all(r["partner_a"] < r["partner_b"] for r in rows)
    starts = {r["id"].rsplit("/", 1)[1]: r["start"] for r in rows}
    assert starts["pl-koszalin--ua-ivano-frankivsk"] == "2010-05"   # month precision
    assert starts["dk-gladsaxe--pl-koszalin"] == "1967"              # the earliest where sources disagree (1967, 1990)
    assert starts["bg-silistra--by-lida"] == ""                      # unknown: blank
    agreements = by_id(read_table(release, "agreements"))
    framework = agreements[ID + "agreement/2019-12-02-lt-trakai-district--pl-koszalin-framework"]
    assert framework["date"] == "2019-12-02"                         # the most precise of 2019-12-02 and 2019
    assert framework["kind_label"] == "framework cooperation agreement"


def test_local_governments_and_places(release):
    govs = by_id(read_table(release, "local-governments"))
    trakai = govs[ID + "gov/lt/trakai-district"]
    assert trakai["label_local"] == "Trakų rajono savivaldybė" and trakai["label_local_lang"] == "lt"
    assert trakai["governs"] == ID + "place/lt/trakai-district"      # of its two governed places, the same slug
    assert trakai["seat"] == ID + "place/lt/trakai"
    assert trakai["country_code"] == "LT"
    koszalin = govs[ID + "gov/pl/koszalin"]
    assert koszalin["wikidata"] == "Q62868" and koszalin["label_local_lang"] == "pl"
    assert int(koszalin["active_partner_count"]) >= 13
    assert govs[ID + "gov/pl/west-pomeranian-voivodeship"]["type"] == "RegionalGovernment"
    places = by_id(read_table(release, "places"))
    town = places[ID + "place/lt/trakai"]
    assert (town["type"], town["label_pl"], town["latitude"]) == ("Town", "Troki", "54.6333")
    assert town["governed_by"] == ID + "gov/lt/trakai-district"
    assert places[ID + "place/lt/trakai-district"]["iso3166_2"] == "LT-52"
    assert places[ID + "country/pl"]["type"] == "Country"


def test_participants_officials_events_and_sources(release):
    participants = by_id(read_table(release, "participants"))
    signer = participants[ID + "agreement/2019-12-02-lt-trakai-district--pl-koszalin-framework/participant/edita-rudeliene"]
    assert signer["person_label"] == "Edita Rudelienė" and signer["role_label"] == "signatory"
    assert signer["on_behalf_of"] == ID + "gov/lt/trakai-district"
    unnamed = participants[ID + "event/2017-10-trakai-delegation-visit-to-koszalin/participant/1"]
    assert unnamed["person"] == "" and unnamed["description"] == "a representative of the Lithuanian municipal administration"
    officials = by_id(read_table(release, "officials"))
    mayor = officials[ID + "tenure/edita-rudeliene/lt-trakai-district-mayor"]
    assert (mayor["first_attested"], mayor["last_attested"]) == ("2016", "2019-12-02")
    assert officials[ID + "tenure/piotr-jedlinski/pl-koszalin-president"]["end"] == "2024"
    events = by_id(read_table(release, "events"))
    visit = events[ID + "event/2017-10-trakai-delegation-visit-to-koszalin"]
    assert (visit["type"], visit["date"], visit["during"]) == ("DelegationVisit", "2017-10", ID + "event/2017-10-hanza-jazz-festiwal")
    assert visit["history_of"] == ID + "partnership/lt-trakai-district--pl-koszalin"
    sources = by_id(read_table(release, "sources"))
    seed = sources[ID + "source/koszalin-2019-12-02-troki"]
    assert seed["title"] == "Litewskie Troki naszym kolejnym miastem partnerskim!"
    assert (seed["issued"], seed["language"]) == ("2019-12-02", "pl")
    assert seed["graph"] == "https://w3id.org/munigraph/graph/koszalin-2019-12-02-troki"
    assert sources[ID + "source/gk24-2024"]["address_precision"] == MGV + "site-only"


# --- the CSVW metadata -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def metadata(release) -> dict:
    return json.loads((release.out / "csv-metadata.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "munigraph.ttl")


def expand_name(name: str) -> str:
    """A prefixed name of the CSVW context (rdf:type, rdfs:label, dc:issued) as an IRI; anything else unchanged."""
    from csvw.metadata import NAMESPACES
    prefix, _, local = name.partition(":")
    return NAMESPACES[prefix] + local if prefix in NAMESPACES and not local.startswith("//") else name


def test_metadata_is_a_csvw_table_group_describing_every_table(release, metadata):
    assert metadata["@context"][0] == "http://www.w3.org/ns/csvw"
    assert [t["url"] for t in metadata["tables"]] == [f"tables/{n}.csv" for n in FILES]
    for table in metadata["tables"]:
        assert table["dc:title"]
        schema = table["tableSchema"]
        assert schema["primaryKey"] == "id" and schema["aboutUrl"] == "{+id}"
        header = next(csv.reader(io.StringIO((release.out / table["url"]).read_text(encoding="utf-8"))))
        assert [c["name"] for c in schema["columns"] if not c.get("virtual")] == header
        types = [c for c in schema["columns"] if c.get("propertyUrl") == "rdf:type"]
        assert len(types) == 1, table["url"]  # a virtual column or a `type` column
        for column in schema["columns"]:
            assert column.get("suppressOutput") or column.get("propertyUrl"), column["name"]
            if column.get("separator"):
                assert column.get("suppressOutput"), "a list-valued cell has no single property"
        for key in schema.get("foreignKeys", []):
            assert key["reference"]["resource"] in [t["url"] for t in metadata["tables"]]
            assert key["reference"]["columnReference"] == "id"


def test_every_property_is_declared_in_the_ontology_or_a_standard_vocabulary(metadata, ontology):
    declared = {str(s) for s in ontology.subjects(RDF_TYPE, None)}
    kinds = [URIRef(OWL + "ObjectProperty"), URIRef(OWL + "DatatypeProperty"), URIRef(OWL + "AnnotationProperty"),
             URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#Property")]
    properties = {str(s) for t in kinds for s in ontology.subjects(RDF_TYPE, t)}
    classes = {str(s) for s in ontology.subjects(RDF_TYPE, URIRef(OWL + "Class"))}
    seen = set()
    for table in metadata["tables"]:
        for column in table["tableSchema"]["columns"]:
            if "propertyUrl" not in column:
                continue
            iri = expand_name(column["propertyUrl"])
            seen.add(iri)
            if iri.startswith(MG):
                assert iri in properties, f"{table['url']} {column['name']}: {iri} is not a property of the ontology"
            else:
                assert iri in STANDARD_TERMS, f"{table['url']} {column['name']}: {iri}"
            if column.get("virtual"):
                assert column["valueUrl"] in classes
            elif column["propertyUrl"] == "rdf:type":
                assert column["valueUrl"] == MG + "{type}"
    assert MG + "partner" in seen and MG + "currentStatus" in seen and MG + "effectiveStartDate" in seen
    assert declared  # the ontology parsed


def test_an_independent_csvw_implementation_validates_the_tables(release):
    from csvw import TableGroup
    path = release.out / "csv-metadata.json"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # `csvw` reports problems in metadata and data as warnings
        group = TableGroup.from_file(path)
        for table in group.tables:
            # Strict reading: every cell must parse as its column's datatype (IRIs, dates, decimals, integers) and
            # dates of mixed precision must match their pattern; a required cell must not be empty.
            rows = list(table.iterdicts(strict=True))
            assert rows, table.url
            assert table.check_primary_key(), table.url
        # Every foreign key value is an id of the referenced table (empty cells are allowed, as in SQL).
        assert group.check_referential_integrity(strict=False)


# --- CSVW to RDF (minimal mode) ----------------------------------------------------------------------------------

CSVW_DATATYPES = {name: URIRef(XSD + name) for name in
                  ("string", "anyURI", "date", "decimal", "integer", "boolean", "gYear", "gYearMonth")}


def lexical(value) -> str:
    """A cell value as `csvw` reads it, back to its string form (the value a URI template sees)."""
    if hasattr(value, "unsplit"):
        return value.unsplit()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def csvw_to_rdf(metadata_path: Path) -> list[tuple[str, object, object, object]]:
    """The statements of the CSVW tables in minimal mode, each as (table url, subject, predicate, object).

    For every row and every column that is not suppressed and whose cell is not null (virtual columns always):
    the subject is the column's aboutUrl expanded with the row's cells (a blank node per row without one), the
    predicate its propertyUrl, the object its valueUrl as an IRI, else the cell value as a literal of the column's
    datatype, language-tagged for strings in a column with a language."""
    from csvw import TableGroup
    group = TableGroup.from_file(metadata_path)
    base = metadata_path.resolve().as_uri()
    out = []
    for table in group.tables:
        if table.suppressOutput:
            continue
        table_url = urljoin(base, str(table.url))
        columns = table.tableSchema.columns
        for rownum, row in enumerate(table.iterdicts(strict=True), start=1):
            variables = {c.name: lexical(row[c.name]) for c in columns
                         if not c.virtual and not is_null(row.get(c.name))}
            default_subject = BNode()

            def expand(template, name: str) -> str:
                # CSVW: expand the template, expand a prefixed name of the CSVW context, resolve against the table
                expanded = template.expand(_row=str(rownum), _name=name, **variables)
                expanded = expand_name(expanded)
                return urljoin(table_url, expanded)

            for column in columns:
                if column.suppressOutput:
                    continue
                value = None if column.virtual else row.get(column.name)
                if not column.virtual and is_null(value):
                    continue
                about = column.inherit("aboutUrl")
                subject = URIRef(expand(about, column.name)) if about else default_subject
                prop = column.inherit("propertyUrl")
                predicate = URIRef(expand(prop, column.name) if prop else f"{table_url}#{column.name}")
                value_url = column.inherit("valueUrl")
                if value_url:
                    assert not isinstance(value, list), "a valueUrl on a list-valued column"
                    obj = URIRef(expand(value_url, column.name))
                else:
                    values = value if isinstance(value, list) else [value]
                    for item in values[1:]:
                        out.append((str(table.url), subject, predicate, literal(column, item)))
                    obj = literal(column, values[0])
                out.append((str(table.url), subject, predicate, obj))
    return out


def is_null(value) -> bool:
    return value is None or (isinstance(value, list) and not value)


def literal(column, value) -> Literal:
    base = column.datatype.base if column.datatype else "string"
    lang = column.inherit("lang")
    if base == "string":
        if lang and lang != "und":
            return Literal(lexical(value), lang=lang)
        return Literal(lexical(value))  # a simple literal is an xsd:string
    return Literal(lexical(value), datatype=CSVW_DATATYPES[base])


def is_mixed_date(column) -> bool:
    return bool(column.datatype and column.datatype.base == "string" and column.datatype.format == tables.DATE_PATTERN)


@pytest.fixture(scope="module")
def csvw_rdf(release):
    return csvw_to_rdf(release.out / "csv-metadata.json")


@pytest.fixture(scope="module")
def mixed_date_properties(release) -> set[str]:
    """Predicates of the columns that hold dates of mixed precision (strings in CSVW)."""
    from csvw import TableGroup
    group = TableGroup.from_file(release.out / "csv-metadata.json")
    return {expand_name(str(c.propertyUrl.uri)) for t in group.tables for c in t.tableSchema.columns
            if is_mixed_date(c) and c.propertyUrl is not None and not c.suppressOutput}


def sparql_term(term) -> str:
    return term.n3()


def test_every_statement_of_the_csvw_tables_is_in_the_graph(store, csvw_rdf, mixed_date_properties):
    assert len(csvw_rdf) > 2000
    tables_seen = {t for t, *_ in csvw_rdf}
    assert tables_seen == {f"tables/{n}.csv" for n in FILES}
    missing = []
    for table, s, p, o in csvw_rdf:
        assert isinstance(s, URIRef), f"{table}: a row without aboutUrl"
        if isinstance(o, Literal) and str(p) in mixed_date_properties and o.datatype is None and o.language is None:
            # CSVW declares these columns as strings; in the graph the value has the datatype of its precision.
            query = (f"ASK {{ {sparql_term(s)} {sparql_term(p)} ?o . FILTER(STR(?o) = {Literal(str(o)).n3()} && "
                     f"DATATYPE(?o) IN (xsd:date, xsd:gYearMonth, xsd:gYear)) }}")
        elif isinstance(o, Literal):
            query = f"ASK {{ {sparql_term(s)} {sparql_term(p)} ?o . FILTER(?o = {o.n3()}) }}"
        else:
            query = f"ASK {{ {sparql_term(s)} {sparql_term(p)} {sparql_term(o)} }}"
        if not store.query(PREFIXES + query):
            missing.append((table, s, p, o))
    assert not missing, f"{len(missing)} statement(s) not in the graph, e.g. {missing[:5]}"


def test_the_csvw_partnerships_are_the_graphs_partnerships(store, csvw_rdf):
    """For partnerships, the tables' statements of type, partners, start and status are exactly the graph's."""
    got: dict[str, set] = {}
    for table, s, p, o in csvw_rdf:
        if table == "tables/partnerships.csv":
            got.setdefault(str(p), set()).add((str(s), str(o)))
    graph: dict[str, set] = {}
    rows = store.select(PREFIXES + """
        SELECT DISTINCT ?p ?prop ?o WHERE {
          ?p a mg:Partnership .
          { ?p mg:partner ?o BIND(mg:partner AS ?prop) } UNION { ?p mg:currentStatus ?o BIND(mg:currentStatus AS ?prop) }
          UNION { ?p mg:effectiveStartDate ?o BIND(mg:effectiveStartDate AS ?prop) }
          UNION { BIND(mg:Partnership AS ?o) BIND(<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> AS ?prop) }
        }""").rows
    for p, prop, o in rows:
        graph.setdefault(str(prop), set()).add((str(p), str(o)))
    for prop in (MG + "partner", MG + "currentStatus", MG + "effectiveStartDate", str(RDF_TYPE)):
        assert got[prop] == graph[prop], prop
    assert len(graph[MG + "partner"]) == 2 * len(graph[str(RDF_TYPE)])


def test_types_labels_and_links_of_the_other_tables_round_trip(csvw_rdf, store):
    """Spot checks across tables: the statements a CSVW processor gives include these facts of the graph."""
    triples = {(str(s), str(p), str(o)) for _, s, p, o in csvw_rdf}
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    assert (ID + "place/lt/trakai", str(RDF_TYPE), MG + "Town") in triples
    assert (ID + "place/lt/trakai", label, "Troki") in triples
    assert (ID + "gov/pl/koszalin", str(RDF_TYPE), MG + "LocalGovernment") in triples
    assert (ID + "place/pl/koszalin", MG + "wikidata", "Q62868") in triples
    assert ("https://w3id.org/munigraph/graph/trakai-lt", "http://www.w3.org/ns/prov#wasDerivedFrom", ID + "source/trakai-lt") in triples
    assert (ID + "partnership/ru-serpukhov--ua-ivano-frankivsk", MG + "statusChange",
            ID + "partnership/ru-serpukhov--ua-ivano-frankivsk/status/2016-02-09-terminated") in triples
    assert (ID + "partnership/ru-serpukhov--ua-ivano-frankivsk/status/2016-02-09-terminated", MG + "date", "2016-02-09") in triples
    for name, classes in CLASSES.items():
        typed = {s for t, s, p, o in csvw_rdf if t == f"tables/{name}.csv" and p == RDF_TYPE}
        assert len(typed) == count(store, classes), name
