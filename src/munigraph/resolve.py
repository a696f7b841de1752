"""Turning what a user types (a name in any language, a QID, a CURIE, an IRI) into the entity it means.

Names are matched through the mg:searchKey index that the build derives (case and diacritics folded), so
'Troki', 'trakai' and 'Trakų rajono savivaldybė' all find their entity without scanning every label. A place
resolves to the local government that governs it. An unknown or ambiguous name is an error listing candidates.
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef

from .errors import ParameterError
from .rules import search_key
from .vocab import MG, PREFIXES

_QID = re.compile(r"^[Qq][1-9][0-9]*$")
_CURIE = re.compile(r"^([A-Za-z][\w-]*):(\S*)$")


def expand(value: str, base: str) -> str | None:
    """An IRI for an <IRI>, an http(s) IRI or a known CURIE; None when the value is a name."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    if value.startswith(("http://", "https://", "urn:")):
        return value
    m = _CURIE.match(value)
    if m and m.group(1) in PREFIXES and not value.startswith(("http:", "https:")):
        namespace = base if m.group(1) == "id" else PREFIXES[m.group(1)]
        return namespace + m.group(2)
    return None


def _literal(text: str) -> str:
    return Literal(text).n3()


class Resolver:
    def __init__(self, store, base: str, languages: list[str]):
        self.store = store
        self.base = base
        self.languages = languages

    def label(self, iri: str) -> str:
        rows = self.store.select(
            f"SELECT ?l WHERE {{ <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}").rows
        labels = [r[0] for r in rows if r[0] is not None]
        for lang in self.languages:
            for lab in labels:
                if getattr(lab, "language", None) == lang:
                    return str(lab)
        return str(sorted(labels)[0]) if labels else iri

    def _exists(self, iri: str) -> bool:
        return bool(self.store.query(f"ASK {{ <{iri}> ?p ?o }}"))

    def _candidates(self, key: str) -> list[tuple[str, str]]:
        """(entity, kind) pairs whose search key equals `key`; kind is gov, place or other."""
        rows = self.store.select(f"""
            SELECT DISTINCT ?x ?kind WHERE {{
              ?x <{MG}searchKey> {_literal(key)} .
              OPTIONAL {{ ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{MG}LocalGovernment> . BIND("gov" AS ?g) }}
              OPTIONAL {{ ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{MG}Place> . BIND("place" AS ?pl) }}
              BIND(COALESCE(?g, ?pl, "other") AS ?kind)
            }}""").rows
        return sorted({(str(r[0]), str(r[1])) for r in rows})

    def _governments_of(self, place: str) -> list[str]:
        rows = self.store.select(f"SELECT DISTINCT ?g WHERE {{ <{place}> <{MG}governedBy> ?g }}").rows
        return sorted(str(r[0]) for r in rows)

    def _suggest(self, key: str, kinds: tuple[str, ...]) -> list[str]:
        prefix = key[:3]
        if not prefix:
            return []
        rows = self.store.select(f"""
            SELECT DISTINCT ?x WHERE {{
              ?x <{MG}searchKey> ?k . FILTER(STRSTARTS(?k, {_literal(prefix)}))
              ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c .
              VALUES ?c {{ {' '.join(f'<{MG}{k}>' for k in kinds)} }}
            }} LIMIT 10""").rows
        return sorted(str(r[0]) for r in rows)

    def _describe(self, iris: list[str]) -> str:
        return "; ".join(f"{self.label(i)} <{i}>" for i in iris)

    def municipality(self, value: str, name: str = "municipality") -> URIRef:
        """The local government meant by `value` (a place resolves to its government)."""
        value = value.strip()
        if not value:
            raise ParameterError(f"parameter {name}: expected a municipality (a name, a QID such as Q62868, a CURIE or an IRI), got an empty value")
        iri = expand(value, self.base)
        if iri is not None:
            if not self._exists(iri):
                raise ParameterError(f"parameter {name}: {value} is not in the graph")
            matches = [(iri, self._kind(iri))]
        else:
            matches = self._candidates(search_key(value))
        governments: set[str] = set()
        for entity, kind in matches:
            if kind == "gov":
                governments.add(entity)
            elif kind == "place":
                governments.update(self._governments_of(entity))
        if not governments:
            if iri is not None:
                raise ParameterError(f"parameter {name}: {value} is neither a local government nor a place governed by one")
            hint = self._suggest(search_key(value), ("LocalGovernment", "Place"))
            more = f"; did you mean: {self._describe(hint)}" if hint else ""
            raise ParameterError(f"parameter {name}: no municipality called {value!r}{more}")
        if len(governments) > 1:
            raise ParameterError(f"parameter {name}: {value!r} is ambiguous; candidates: {self._describe(sorted(governments))}")
        return URIRef(governments.pop())

    def entity(self, value: str, name: str = "entity") -> URIRef:
        value = value.strip()
        iri = expand(value, self.base)
        if iri is not None:
            if not self._exists(iri):
                raise ParameterError(f"parameter {name}: {value} is not in the graph")
            return URIRef(iri)
        matches = sorted({e for e, _ in self._candidates(search_key(value))})
        if not matches:
            raise ParameterError(f"parameter {name}: nothing in the graph is called {value!r}; give a name, a QID, a CURIE such as id:gov/pl/koszalin, or an IRI")
        if len(matches) > 1:
            govs = [e for e, kind in self._candidates(search_key(value)) if kind == "gov"]
            if len(govs) == 1:
                return URIRef(govs[0])
            raise ParameterError(f"parameter {name}: {value!r} is ambiguous; candidates: {self._describe(matches)}")
        return URIRef(matches[0])

    def country(self, value: str, name: str = "country") -> URIRef:
        value = value.strip()
        iri = expand(value, self.base)
        if iri is None and re.fullmatch(r"[A-Za-z]{2}", value):
            iri = f"{self.base}country/{value.lower()}"
        if iri is not None:
            if not self._exists(iri):
                raise ParameterError(f"parameter {name}: no country {value} in the graph")
            return URIRef(iri)
        matches = [e for e, _ in self._candidates(search_key(value)) if self._kind(e) == "country"]
        if len(matches) != 1:
            raise ParameterError(f"parameter {name}: expected a country (ISO code such as PL, a name such as Poland, or a QID), got {value!r}")
        return URIRef(matches[0])

    def _kind(self, iri: str) -> str:
        rows = self.store.select(f"""
            SELECT ?c WHERE {{ <{iri}> a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c .
              VALUES ?c {{ <{MG}LocalGovernment> <{MG}Country> <{MG}Place> }} }}""").rows
        kinds = {str(r[0]).rsplit("#", 1)[-1] for r in rows}
        if "LocalGovernment" in kinds:
            return "gov"
        if "Country" in kinds:
            return "country"
        if "Place" in kinds:
            return "place"
        return "other"


def is_qid(value: str) -> bool:
    return bool(_QID.match(value.strip()))
