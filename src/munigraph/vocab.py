"""Namespaces and the IRIs of the project's own named graphs."""

from __future__ import annotations

from pathlib import Path

MG = "https://w3id.org/munigraph/ontology#"
MGV = "https://w3id.org/munigraph/vocab/"
MGG = "https://w3id.org/munigraph/graph/"
DEFAULT_BASE = "https://w3id.org/munigraph/id/"

ONTOLOGY_GRAPH = MGG + "ontology"
VOCABULARIES_GRAPH = MGG + "vocabularies"
RULES_GRAPH = MGG + "rules"
DERIVED_GRAPH = MGG + "derived"
META_GRAPH = MGG + "meta"

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

# Prefixes offered to every query (named or the user's own) and used in output.
PREFIXES: dict[str, str] = {
    "mg": MG,
    "mgv": MGV,
    "mgg": MGG,
    "id": DEFAULT_BASE,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "sh": "http://www.w3.org/ns/shacl#",
    "schema": "https://schema.org/",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
}


# For writing Turtle: `id:` is left out, since entity IRIs have slashes that a prefixed name would have to escape.
OUTPUT_PREFIXES: dict[str, str] = {k: v for k, v in PREFIXES.items() if k != "id"}


def prefix_block(prefixes: dict[str, str] | None = None) -> str:
    """SPARQL PREFIX declarations, so stored queries stay portable to any SPARQL 1.1 store."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or PREFIXES).items())


def project_root() -> Path:
    """The folder that holds ontology/, queries/ and data/ (the repository root for an editable install)."""
    return Path(__file__).resolve().parents[2]
