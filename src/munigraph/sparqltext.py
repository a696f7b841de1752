"""Reading SPARQL text without executing it: tokens, a guard against network access, parameter binding.

Parameters are bound as RDF terms: a VALUES block, serialised from rdflib terms, is inserted at the top of the
query's WHERE clause. Because the values are serialised terms (with N-Triples escaping), a value such as
`Koszalin" } ; DROP ALL ; #` stays one literal and cannot change the query. The same text runs unchanged on
the embedded store and on any SPARQL 1.1 endpoint.
"""

from __future__ import annotations

import itertools
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
          known_prefixes: dict[str, str] | None = None, allowed_services: list[str] | None = None) -> None:
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
            target = toks[k + 1] if k + 1 < len(toks) else None
            if target is not None and target.text.upper() == "SILENT" and k + 2 < len(toks):
                target = toks[k + 2]
            if target is not None and _expand(target, prefixes) in (allowed_services or []):
                continue
            target = target.text if target is not None else ""
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
    # a parameter given several values (a list) makes one row per combination
    choices = [v if isinstance(v, list) else [v] for v in values.values()]
    rows = " ".join("(" + " ".join(term_text(v) for v in combo) + ")" for combo in itertools.product(*choices))
    block = f"\n  VALUES ({names}) {{ {rows} }}\n"
    return query[:insert_at] + block + query[insert_at:]


def bind_within(query: str, var: str, block: str) -> str:
    """`block` (a VALUES block for ?var) at the top of every group of the query's WHERE clause that mentions ?var:
    the WHERE group itself, UNION branches, OPTIONAL, GRAPH and nested groups, and the WHERE groups of sub-selects
    that project ?var; not inside a sub-select that does not project ?var (a join there would repeat its rows),
    nor inside EXISTS or MINUS, nor in a CONSTRUCT template or a VALUES data block.

    For a query in which ?var is bound in every solution, as a rule's scope variable is, each of these joins gives
    the same answers for those values: every group on the way down already binds ?var to one of them, a join
    distributes over UNION, an OPTIONAL part can only join rows with the same value, and a sub-select grouped by
    a projected ?var keeps the groups of those values. Oxigraph then looks the values up in every part, where
    VALUES at the top alone leaves sub-selects, UNION branches and OPTIONAL parts to be evaluated over the whole
    store before the join."""
    toks = significant(query)
    frames: list[dict] = []   # open groups: kind, whether a sub-select projects ?var, whether ?var is in it
    select_at: dict[int, set] = {}   # depth -> variables projected by a SELECT whose WHERE group is not open yet
    inserts: list[int] = []
    in_where = False   # past the top-level WHERE keyword (before it: a CONSTRUCT template)
    values_next = False   # the next "{" opens a VALUES data block
    for k, tok in enumerate(toks):
        depth = len(frames)
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "SELECT":
            select_at[depth] = set()
        elif word == "WHERE" and depth == 0:
            in_where = True
        elif word == "VALUES":
            values_next = True
        elif tok.kind == "var" or (tok.kind == "punct" and tok.text == "*"):
            if depth in select_at:
                select_at[depth].add(tok.text if tok.kind == "punct" else "?" + tok.text[1:])
            elif tok.kind == "var" and tok.text[1:] == var:
                for frame in frames:
                    frame["mentions"] = True
        if tok.kind == "punct" and tok.text == "{":
            before = toks[k - 1].text.upper() if k and toks[k - 1].kind == "word" else ""
            if values_next:
                kind, values_next = "data", False
            elif depth in select_at:
                kind = "select" if ("?" + var) in select_at[depth] or "*" in select_at[depth] else "closed"
                del select_at[depth]
            elif before in ("EXISTS", "MINUS") or (depth == 0 and not in_where):
                kind = "closed"
            elif k + 1 < len(toks) and toks[k + 1].kind == "word" and toks[k + 1].text.upper() == "SELECT":
                kind = "wrapper"   # the braces around a sub-select: nothing may come before its SELECT
            else:
                kind = "group"
            open_ok = all(f["kind"] in ("group", "select", "wrapper") for f in frames)
            frames.append({"kind": kind, "mentions": False, "at": tok.start + 1, "ok": open_ok and kind in ("group", "select")})
        elif tok.kind == "punct" and tok.text == "}" and frames:
            frame = frames.pop()
            if frame["ok"] and frame["mentions"]:
                inserts.append(frame["at"])
    for at in sorted(inserts, reverse=True):
        query = query[:at] + f" {block} " + query[at:]
    return query


class UpdateDatasetConflict(RefusedQuery):
    """using-graph-uri / using-named-graph-uri given for an update that has its own USING or WITH."""


def _operations(toks: list[Token]) -> list[list[Token]]:
    """Split an update request into its operations (at ';' outside braces)."""
    ops, current, depth = [], [], 0
    for tok in toks:
        if tok.kind == "punct" and tok.text == "{":
            depth += 1
        elif tok.kind == "punct" and tok.text == "}":
            depth -= 1
        if tok.kind == "punct" and tok.text == ";" and depth == 0:
            ops.append(current)
            current = []
            continue
        current.append(tok)
    if current:
        ops.append(current)
    return ops


def add_using(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """Apply the protocol's using-graph-uri / using-named-graph-uri: a USING clause before each WHERE of a
    DELETE/INSERT operation (SPARQL 1.1 Protocol 2.2.3). An operation that has its own USING or WITH conflicts."""
    if not default_graphs and not named_graphs:
        return update
    clause = " ".join([f"USING <{g}>" for g in default_graphs] + [f"USING NAMED <{g}>" for g in named_graphs]) + " "
    inserts = []
    for op in _operations(significant(update)):
        words = [t for t in op if t.kind == "word"]
        k = 0
        while k < len(words) and words[k].text.upper() in ("PREFIX", "BASE"):
            k += 1 if words[k].text.upper() == "BASE" else 2
        keyword = words[k].text.upper() if k < len(words) else ""
        nxt = words[k + 1].text.upper() if k + 1 < len(words) else ""
        if keyword not in ("DELETE", "INSERT", "WITH") or nxt in ("DATA", "WHERE"):
            continue
        depth = 0
        where = None
        for tok in op:
            if tok.kind == "punct" and tok.text == "{":
                depth += 1
            elif tok.kind == "punct" and tok.text == "}":
                depth -= 1
            elif tok.kind == "word" and depth == 0:
                upper = tok.text.upper()
                if upper in ("USING", "WITH"):
                    raise UpdateDatasetConflict(f"the update has its own {upper} clause and the request gives using-graph-uri/using-named-graph-uri; give one or the other")
                if upper == "WHERE" and where is None:
                    where = tok.start
        if where is not None:
            inserts.append(where)
    for position in sorted(inserts, reverse=True):
        update = update[:position] + clause + update[position:]
    return update
