"""Reading SPARQL text without executing it: tokens, a guard against network access, parameter binding.

Parameters are bound as RDF terms: a VALUES block, serialised from rdflib terms, is inserted at the top of the
query's WHERE clause. Because the values are serialised terms (with N-Triples escaping), a value such as
`Koszalin" } ; DROP ALL ; #` stays one literal and cannot change the query. The same text runs unchanged on
the embedded store and on any SPARQL 1.1 endpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from rdflib.term import Node

from .errors import RefusedQuery

_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_STRING_LONG = re.compile(r'("""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\')', re.S)
_STRING = re.compile(r'("(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')')
_WORD = re.compile(r"[A-Za-z_][\w\-.]*(?::[\w\-.%]*)?|:[\w\-.%]*|[?$]\w+|\d[\w.]*", re.U)


@dataclass
class Token:
    kind: str  # comment, string, iri, word, var, punct, space
    text: str
    start: int


def tokens(query: str) -> Iterator[Token]:
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            j = i
            while j < n and query[j].isspace():
                j += 1
            yield Token("space", query[i:j], i)
            i = j
            continue
        if c == "#":
            j = query.find("\n", i)
            j = n if j < 0 else j
            yield Token("comment", query[i:j], i)
            i = j
            continue
        if c in "\"'":
            m = _STRING_LONG.match(query, i) or _STRING.match(query, i)
            if m:
                yield Token("string", m.group(0), i)
                i = m.end()
                continue
        if c == "<":
            m = _IRI.match(query, i)
            if m:
                yield Token("iri", m.group(0), i)
                i = m.end()
                continue
        m = _WORD.match(query, i)
        if m and m.end() > i:
            text = m.group(0).rstrip(".") or m.group(0)
            kind = "var" if text[0] in "?$" else "word"
            yield Token(kind, text, i)
            i += len(text)
            continue
        yield Token("punct", c, i)
        i += 1


def significant(query: str) -> list[Token]:
    return [t for t in tokens(query) if t.kind not in ("space", "comment")]


def declared_prefixes(toks: list[Token]) -> dict[str, str]:
    out = {}
    for a, b, c in zip(toks, toks[1:], toks[2:]):
        if a.kind == "word" and a.text.upper() == "PREFIX" and c.kind == "iri":
            out[b.text.rstrip(":")] = c.text[1:-1]
    return out


def guard(query: str, *, local_graphs: set[str] | None = None, allow_network: bool = False,
          known_prefixes: dict[str, str] | None = None) -> None:
    """Refuse SERVICE and LOAD, and FROM / FROM NAMED naming a graph the store does not hold.

    munigraph never fetches anything for a query; these are refused so that a query cannot be used to make
    the machine reach the network, and so that a FROM that would be a remote fetch elsewhere fails loudly.
    """
    if allow_network:
        return
    toks = significant(query)
    prefixes = dict(known_prefixes or {})
    prefixes.update(declared_prefixes(toks))
    for k, tok in enumerate(toks):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "SERVICE":
            target = toks[k + 1].text if k + 1 < len(toks) else ""
            if target.upper() == "SILENT" and k + 2 < len(toks):
                target = toks[k + 2].text
            raise RefusedQuery(f"SERVICE {target} refused: munigraph does not send queries to other endpoints unless they are allowed")
        if word == "LOAD":
            raise RefusedQuery("LOAD refused: munigraph does not fetch remote data")
        if word == "FROM":
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            if nxt is not None and nxt.kind == "word" and nxt.text.upper() == "NAMED":
                nxt = toks[k + 2] if k + 2 < len(toks) else None
            if nxt is None:
                continue
            iri = _expand(nxt, prefixes)
            if local_graphs is not None and iri not in local_graphs:
                raise RefusedQuery(f"FROM <{iri}> refused: the store has no such graph, and munigraph does not fetch remote graphs")


def _expand(tok: Token, prefixes: dict[str, str]) -> str:
    if tok.kind == "iri":
        return tok.text[1:-1]
    if ":" in tok.text:
        prefix, local = tok.text.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + local
    return tok.text


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (the first such keyword), or UPDATE for anything else."""
    for tok in significant(query):
        if tok.kind == "word" and tok.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return tok.text.upper()
    return "UPDATE"


def term_text(term: Node | None) -> str:
    if term is None:
        return "UNDEF"
    return term.n3()


def bind(query: str, values: dict[str, Node | None]) -> str:
    """Insert `VALUES (?a ?b) { (term term) }` at the top of the query's (first) WHERE group."""
    if not values:
        return query
    toks = significant(query)
    insert_at = None
    for k, tok in enumerate(toks):
        if tok.kind == "word" and tok.text.upper() == "WHERE":
            for nxt in toks[k + 1:]:
                if nxt.kind == "punct" and nxt.text == "{":
                    insert_at = nxt.start + 1
                    break
            break
    if insert_at is None:
        for k, tok in enumerate(toks):
            if tok.kind == "word" and tok.text.upper() in ("SELECT", "ASK", "DESCRIBE"):
                for nxt in toks[k + 1:]:
                    if nxt.kind == "punct" and nxt.text == "{":
                        insert_at = nxt.start + 1
                        break
                break
    if insert_at is None:
        raise RefusedQuery("cannot bind parameters: the query has no WHERE clause")
    names = " ".join(f"?{name}" for name in values)
    row = " ".join(term_text(v) for v in values.values())
    block = f"\n  VALUES ({names}) {{ ({row}) }}\n"
    return query[:insert_at] + block + query[insert_at:]
