"""A remote store: a SPARQL 1.1 query endpoint (through SPARQLWrapper), optionally an update endpoint and a
SPARQL 1.1 Graph Store HTTP Protocol address, with credentials, timeouts and retries.

Where engines differ, it is handled here and nowhere else (see `Dialect`): the graphs an engine keeps for itself
(Virtuoso's virtrdf# and friends) are not the store's named graphs; numbers come back as xsd:integer whatever
integer type the engine gives aggregates (Virtuoso: xsd:int); old-style "typed-literal" JSON is read as a literal;
language tags are compared lower-case (BCP 47 tags are case-insensitive). The named queries themselves go to every
engine unchanged.

Credentials come from the environment or the config file (see config.py), never from the command line, and never
appear in output: they are sent in headers only (never in URLs), the config objects do not print them, and every
message that leaves this module passes through `redact`.
"""

from __future__ import annotations

import base64
import email.utils
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

import pyoxigraph as ox

from . import sparqltext
from .errors import MunigraphError
from .store import SelectResult, XSD_STRING, to_rdflib
from .vocab import XSD

AGENT = "munigraph (https://w3id.org/munigraph/)"
AUTH_KINDS = ("none", "basic", "digest", "bearer")
RETRY_STATUSES = (429, 503)


class RemoteError(MunigraphError):
    """The remote store refused a request, could not be reached, or answered something unexpected."""


class RemoteTimeout(RemoteError):
    """A request to the remote store ran past its time limit."""


@dataclass(frozen=True)
class RemoteConfig:
    """Where the remote store is and how to talk to it. Secrets are left out of repr()."""

    endpoint: str | None = None          # SPARQL query endpoint
    update_endpoint: str | None = None   # SPARQL update endpoint (push needs it)
    graph_store: str | None = None       # Graph Store HTTP Protocol address (push uploads through it when given)
    auth: str = "none"                   # none, basic, digest or bearer
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    timeout: float = 60.0                # seconds per request
    retries: int = 5                     # on 429/503 (and dropped connections of reads)

    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.token) if s]

    def check(self) -> "RemoteConfig":
        if self.auth not in AUTH_KINDS:
            raise MunigraphError(f"auth {self.auth!r}: expected one of {', '.join(AUTH_KINDS)}")
        for name in ("endpoint", "update_endpoint", "graph_store"):
            url = getattr(self, name)
            if url is None:
                continue
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise MunigraphError(f"{name.replace('_', ' ')} {redact(url, self)!r}: expected an http(s) URL")
            if parts.username is not None or parts.password is not None:
                raise MunigraphError(f"{name.replace('_', ' ')}: credentials do not belong in the URL; set MUNIGRAPH_USER and "
                                     "MUNIGRAPH_PASSWORD (or MUNIGRAPH_TOKEN) in the environment, or the [remote] table of munigraph.toml")
        if self.auth in ("basic", "digest") and not (self.user and self.password):
            raise MunigraphError(f"auth {self.auth} needs a user and a password (MUNIGRAPH_USER, MUNIGRAPH_PASSWORD)")
        if self.auth == "bearer" and not self.token:
            raise MunigraphError("auth bearer needs a token (MUNIGRAPH_TOKEN)")
        return self


def redact(text: str, config: RemoteConfig | None) -> str:
    """`text` with every secret of `config` (and its URL-encoded and base64 forms) replaced by ***."""
    if config is None:
        return text
    for secret in config.secrets():
        forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
        if config.user:
            forms.add(base64.b64encode(f"{config.user}:{secret}".encode()).decode())
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "***")
    return text


# --- engine differences ---------------------------------------------------------------------------------------

_INTEGER_TYPES = {XSD + t for t in ("int", "long", "short", "byte", "unsignedInt", "unsignedLong", "unsignedShort",
                                    "unsignedByte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                    "nonPositiveInteger")}
_VIRTUOSO_GRAPHS = re.compile(r"^(http://www\.openlinksw\.com/|http://www\.w3\.org/ns/ldp#$|http://localuriqaserver/|"
                              r"http://www\.w3\.org/2002/07/owl#$|urn:activitystreams-owl:map$|http://localhost:\d+/DAV/?)")


class Dialect:
    """What one engine does differently. `generic` for engines that follow the specifications to the letter."""

    name = "generic"
    integer_aggregates = False  # the engine gives COUNT/SUM of integers another integer type than xsd:integer

    def system_graph(self, iri: str) -> bool:
        return False

    def prepare(self, query: str) -> str:
        """The query text as this engine needs it (same meaning)."""
        return query

    def term(self, value: dict | None):
        """A pyoxigraph term from a SPARQL JSON results binding, normalised."""
        if value is None:
            return None
        kind = value["type"]
        if kind == "uri":
            return ox.NamedNode(value["value"])
        if kind == "bnode":
            return ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", value["value"]))
        if kind in ("literal", "typed-literal"):
            if value.get("xml:lang"):
                return ox.Literal(value["value"], language=value["xml:lang"].lower())
            datatype = value.get("datatype")
            if datatype and datatype != XSD_STRING:
                if self.integer_aggregates and datatype in _INTEGER_TYPES:
                    datatype = XSD + "integer"
                return ox.Literal(value["value"], datatype=ox.NamedNode(datatype))
            return ox.Literal(value["value"])
        if kind == "triple":
            v = value["value"]
            return ox.Triple(self.term(v["subject"]), self.term(v["predicate"]), self.term(v["object"]))
        raise RemoteError(f"unexpected term in the results: {kind}")


class Virtuoso(Dialect):
    name = "virtuoso"
    integer_aggregates = True

    def system_graph(self, iri: str) -> bool:
        return bool(_VIRTUOSO_GRAPHS.match(iri))

    def prepare(self, query: str) -> str:
        # Virtuoso 7.2 fails ("SQ200: No column ...") or filters wrongly when a VALUES column that is UNDEF in every
        # row is used in an OPTIONAL or FILTER; such a column binds nothing, so leaving it out means the same.
        return drop_undef_columns(query)


def _values_terms(toks: list, start: int) -> tuple[list[list[tuple[int, int]]], int] | None:
    """Rows of (start, end) spans of the terms of a VALUES row block starting at toks[start] == '{'."""
    rows, k = [], start + 1
    while k < len(toks) and toks[k].text != "}":
        if toks[k].text != "(":
            return None
        k += 1
        row = []
        while k < len(toks) and toks[k].text != ")":
            first = toks[k]
            k += 1
            if first.kind == "string" and k < len(toks):
                if toks[k].text == "@" and k + 1 < len(toks):
                    k += 2
                elif toks[k].text == "^" and k + 2 < len(toks) and toks[k + 1].text == "^":
                    k += 3
            last = toks[k - 1]
            row.append((first.start, last.start + len(last.text)))
        rows.append(row)
        k += 1
    return rows, k


def drop_undef_columns(query: str) -> str:
    """`VALUES (?a ?b) { (<x> UNDEF) }` becomes `VALUES (?a) { (<x>) }`: a column that is UNDEF in every row binds
    nothing. Only the `VALUES (vars) { (row) ... }` form is rewritten; anything else is left as it is."""
    toks = sparqltext.significant(query)
    edits = []
    for k, tok in enumerate(toks):
        if not (tok.kind == "word" and tok.text.upper() == "VALUES" and k + 1 < len(toks) and toks[k + 1].text == "("):
            continue
        end_vars = k + 2
        while end_vars < len(toks) and toks[end_vars].kind == "var":
            end_vars += 1
        if end_vars >= len(toks) or toks[end_vars].text != ")" or end_vars + 1 >= len(toks) or toks[end_vars + 1].text != "{":
            continue
        variables = [t.text for t in toks[k + 2:end_vars]]
        parsed = _values_terms(toks, end_vars + 1)
        if parsed is None or not parsed[0] or any(len(r) != len(variables) for r in parsed[0]):
            continue
        rows, close = parsed
        keep = [c for c in range(len(variables)) if not all(query[r[c][0]:r[c][1]].upper() == "UNDEF" for r in rows)]
        if len(keep) == len(variables):
            continue
        if keep:
            text = ("VALUES (" + " ".join(variables[c] for c in keep) + ") { "
                    + " ".join("(" + " ".join(query[r[c][0]:r[c][1]] for c in keep) + ")" for r in rows) + " }")
        else:
            text = ""  # a row of nothing but UNDEF is the identity of a join
        edits.append((tok.start, toks[close].start + 1, text))
    for begin, end, text in reversed(edits):
        query = query[:begin] + text + query[end:]
    return query


def dialect_for(server_header: str) -> Dialect:
    return Virtuoso() if "virtuoso" in server_header.lower() else Dialect()


# --- HTTP with credentials, timeouts and retries --------------------------------------------------------------

def _retry_after(header: str | None) -> float | None:
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Http:
    """Requests to the remote store: authenticated, with a time limit, retried with backoff on 429 and 503."""

    def __init__(self, config: RemoteConfig, sleep: Callable[[float], None] = time.sleep, say: Callable[[str], None] | None = None):
        self.config = config
        self.sleep = sleep
        self.say = say
        handlers: list = []
        if config.auth in ("basic", "digest"):
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in (config.endpoint, config.update_endpoint, config.graph_store):
                if url:
                    manager.add_password(None, url, config.user, config.password)
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager) if config.auth == "digest"
                            else urllib.request.HTTPBasicAuthHandler(manager))
        self.opener = urllib.request.build_opener(*handlers)
        self.server_header = ""

    def headers(self) -> dict[str, str]:
        out = {"User-Agent": AGENT}
        if self.config.auth == "bearer":
            out["Authorization"] = f"Bearer {self.config.token}"
        elif self.config.auth == "basic":  # sent at once rather than after a 401, so a POST body goes once
            token = base64.b64encode(f"{self.config.user}:{self.config.password}".encode()).decode()
            out["Authorization"] = f"Basic {token}"
        return out

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None,
                what: str = "request", idempotent: bool = True) -> tuple[int, dict, bytes]:
        attempt = 0
        while True:
            req = urllib.request.Request(url, data=body, method=method, headers={**self.headers(), **(headers or {})})
            try:
                with self.opener.open(req, timeout=self.config.timeout) as response:
                    self.server_header = response.headers.get("Server", "") or self.server_header
                    return response.status, dict(response.headers), response.read()
            except urllib.error.HTTPError as exc:
                detail = exc.read()[:500].decode("utf-8", "replace").strip()
                self.server_header = exc.headers.get("Server", "") or self.server_header
                if exc.code in RETRY_STATUSES and attempt < self.config.retries:
                    wait = _retry_after(exc.headers.get("Retry-After"))
                    wait = min(60.0, wait if wait is not None else 0.5 * 2 ** attempt)
                    self._note(f"{what}: {exc.code} from the remote store; retrying in {wait:.1f} s")
                    self.sleep(wait)
                    attempt += 1
                    continue
                if exc.code in (401, 403):
                    raise RemoteError(self._clean(f"{what}: {exc.code} {exc.reason}: the remote store refused the credentials "
                                                  f"(auth {self.config.auth}{', user ' + self.config.user if self.config.user else ''})")) from None
                raise RemoteError(self._clean(f"{what}: {exc.code} {exc.reason}" + (f": {detail}" if detail else ""))) from None
            except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                timed_out = isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError)
                if idempotent and not timed_out and attempt < self.config.retries:
                    wait = min(30.0, 0.5 * 2 ** attempt)
                    self._note(f"{what}: {reason}; retrying in {wait:.1f} s")
                    self.sleep(wait)
                    attempt += 1
                    continue
                if timed_out:
                    raise RemoteTimeout(self._clean(f"{what}: no answer within {self.config.timeout:g} s")) from None
                raise RemoteError(self._clean(f"{what}: cannot reach {_host(url)}: {reason}")) from None

    def update(self, text: str, what: str = "update") -> None:
        if not self.config.update_endpoint:
            raise RemoteError("this needs an update endpoint: give --update-endpoint URL (or MUNIGRAPH_UPDATE_ENDPOINT)")
        body = urllib.parse.urlencode({"update": text}).encode("utf-8")
        self.request("POST", self.config.update_endpoint, body,
                     {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, what=what)

    def post_graph(self, graph: str, ntriples: bytes, what: str = "upload") -> None:
        """Add triples to a graph by the Graph Store HTTP Protocol (POST merges)."""
        url = _graph_url(self.config.graph_store, graph)
        self.request("POST", url, ntriples, {"Content-Type": "application/n-triples"}, what=what)

    def _clean(self, text: str) -> str:
        return redact(text, self.config)

    def _note(self, text: str) -> None:
        if self.say:
            self.say(self._clean(text))


def _host(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _graph_url(graph_store: str, graph: str) -> str:
    # Virtuoso's GSP address takes graph-uri, the specification says graph; give both
    joiner = "&" if "?" in graph_store else "?"
    if "graph-crud" in graph_store:
        return graph_store + joiner + urllib.parse.urlencode({"graph-uri": graph})
    return graph_store + joiner + urllib.parse.urlencode({"graph": graph})


# --- the store interface ---------------------------------------------------------------------------------------

_GRAPH_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
                "text/plain": ox.RdfFormat.N_TRIPLES, "text/ntriples": ox.RdfFormat.N_TRIPLES,
                "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD}


_PROBE = "ASK {}"
_ORDERED_CONSTRUCT = re.compile(r"\bCONSTRUCT\s*\{\s*\?(\w+)\s+\?(\w+)\s+\?(\w+)\s*\.?\s*\}\s*WHERE", re.I)


class RemoteStore:
    """The library's store interface (query, select, select_values, named_graphs) over a SPARQL endpoint.

    Its default graph must be the union (or merge) of the named graphs, as on munigraph's own server, an Oxigraph
    server started with --union-default-graph, Virtuoso, GraphDB, QLever, or Fuseki with tdb2:unionDefaultGraph.
    """

    def __init__(self, config: RemoteConfig | str, timeout: float | None = None, say: Callable[[str], None] | None = None):
        if isinstance(config, str):
            config = RemoteConfig(endpoint=config)
        if timeout is not None:
            config = RemoteConfig(**{**config.__dict__, "timeout": timeout})
        if not config.endpoint:
            raise MunigraphError("a remote store needs a query endpoint (--endpoint URL or MUNIGRAPH_ENDPOINT)")
        self.config = config.check()
        self.endpoint = config.endpoint
        self.location = config.endpoint
        self.timeout = config.timeout
        self.http = Http(config, say=say)
        self._dialect: Dialect | None = None

    @property
    def dialect(self) -> Dialect:
        if self._dialect is None:
            self.raw(_PROBE)  # the Server header of the answer tells the engine
        return self._dialect

    # one request -------------------------------------------------------------------------------------------------
    def raw(self, query: str, accept: str | None = None, default_graphs=(), named_graphs=()) -> tuple[str, bytes]:
        """(content type, body) of the answer to a query, sent through SPARQLWrapper, retried on 429/503."""
        from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException, Unauthorized
        form = sparqltext.query_form(query)
        if query != _PROBE:
            query = self.dialect.prepare(query)
        attempt = 0
        while True:
            client = SPARQLWrapper(self.endpoint, agent=AGENT)
            client.setMethod(POST)
            client.setTimeout(max(1, int(self.timeout)))
            client.setQuery(query)
            client.queryType = form if form != "UPDATE" else "SELECT"  # SPARQLWrapper's own guess mistakes mg:address for ADD
            client.setReturnFormat(JSON if form in ("SELECT", "ASK") else TURTLE)
            client.setOnlyConneg(True)
            for g in default_graphs:
                client.addDefaultGraph(g)
            for g in named_graphs:
                client.addNamedGraph(g)
            if accept:
                client.addCustomHttpHeader("Accept", accept)
            elif form not in ("SELECT", "ASK"):
                client.addCustomHttpHeader("Accept", "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8")
            if self.config.auth in ("basic", "digest"):
                from SPARQLWrapper import BASIC, DIGEST
                client.setHTTPAuth(DIGEST if self.config.auth == "digest" else BASIC)
                client.setCredentials(self.config.user, self.config.password)
            elif self.config.auth == "bearer":
                client.addCustomHttpHeader("Authorization", f"Bearer {self.config.token}")
            try:
                response = client.query().response
                if self._dialect is None:
                    self._dialect = dialect_for(response.headers.get("Server", "") or "")
                content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                return content_type, response.read()
            except urllib.error.HTTPError as exc:
                if exc.code in RETRY_STATUSES and attempt < self.config.retries:
                    wait = _retry_after(exc.headers.get("Retry-After"))
                    time.sleep(min(60.0, wait if wait is not None else 0.5 * 2 ** attempt))
                    attempt += 1
                    continue
                raise RemoteError(self._clean(f"{_host(self.endpoint)}: the endpoint answered {exc.code} {exc.reason}")) from None
            except Unauthorized:
                raise RemoteError(self._clean(f"{_host(self.endpoint)}: the endpoint refused the credentials (auth {self.config.auth})")) from None
            except SPARQLWrapperException as exc:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                detail = ""
                if "Response:" in str(exc):
                    detail = str(exc).split("Response:", 1)[1].strip()[:300]
                raise RemoteError(self._clean(f"{_host(self.endpoint)}: the endpoint refused the query: {first} {detail}".strip())) from None
            except (TimeoutError, OSError) as exc:
                if isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
                    raise RemoteTimeout(f"{_host(self.endpoint)}: no answer within {self.timeout:g} s") from None
                raise RemoteError(self._clean(f"{_host(self.endpoint)}: cannot reach the endpoint: {getattr(exc, 'reason', exc)}")) from None

    def _clean(self, text: str) -> str:
        return redact(text, self.config)

    # results as pyoxigraph terms ----------------------------------------------------------------------------------
    def solutions(self, query: str, **graphs) -> tuple[list[str], list[list]] | bool:
        """SELECT: (variables, rows of normalised pyoxigraph terms); ASK: a bool."""
        content_type, body = self.raw(query, **graphs)
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            raise RemoteError(f"{_host(self.endpoint)}: expected SPARQL JSON results, got {content_type or 'no content type'}") from None
        if "boolean" in data:
            return bool(data["boolean"])
        dialect = self.dialect
        variables = data["head"]["vars"]
        rows = [[dialect.term(b.get(v)) for v in variables] for b in data["results"]["bindings"]]
        return variables, rows

    def triples(self, query: str, **graphs) -> list:
        """CONSTRUCT/DESCRIBE: a list of pyoxigraph triples.

        A graph is a set, so engines need not keep the order of `CONSTRUCT { ?s ?p ?o } ... ORDER BY` (Virtuoso does
        not); such a query is sent as the SELECT DISTINCT it amounts to, whose order every engine keeps."""
        as_select = _ORDERED_CONSTRUCT.sub(r"SELECT DISTINCT ?\1 ?\2 ?\3 WHERE", query, count=1)
        if as_select != query and "ORDER" in query.upper():
            variables, rows = self.solutions(as_select, **graphs)
            return [ox.Triple(*row) for row in rows if None not in row]
        content_type, body = self.raw(query, **graphs)
        fmt = _GRAPH_TYPES.get(content_type, ox.RdfFormat.TURTLE)
        try:
            return list(ox.parse(body, format=fmt))
        except SyntaxError as exc:
            raise RemoteError(f"{_host(self.endpoint)}: the endpoint's {content_type} does not parse: {exc}") from None

    # the store interface -----------------------------------------------------------------------------------------
    def query(self, query: str):
        """SelectResult for SELECT, bool for ASK, rdflib Graph for CONSTRUCT/DESCRIBE (as EmbeddedStore.query)."""
        if sparqltext.query_form(query) in ("CONSTRUCT", "DESCRIBE"):
            from rdflib import Graph
            graph = Graph()
            for t in self.triples(query):
                graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            return graph
        result = self.solutions(query)
        if isinstance(result, bool):
            return result
        variables, rows = result
        return SelectResult(variables, [tuple(to_rdflib(t) for t in row) for row in rows])

    def select(self, query: str) -> SelectResult:
        result = self.query(query)
        if not isinstance(result, SelectResult):
            raise MunigraphError("expected a SELECT query")
        return result

    def select_values(self, query: str) -> list[tuple]:
        result = self.solutions(query)
        if isinstance(result, bool):
            raise MunigraphError("expected a SELECT query")
        return [tuple(None if t is None else t.value for t in row) for row in result[1]]

    def named_graphs(self) -> list[str]:
        rows = self.select_values("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(g for (g,) in rows if g and not self.dialect.system_graph(g) and not g.startswith(STAGING))

    def count(self, graph: str) -> int:
        rows = self.select_values(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def counts(self) -> dict[str, int]:
        rows = self.select_values("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {g: int(n) for g, n in rows if g and not self.dialect.system_graph(g)}

    # a copy in memory, laid out as a build -------------------------------------------------------------------------
    def graph_triples(self, graph: str, page: int = 50_000) -> list:
        total = self.count(graph)
        pattern = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        if total <= page:
            return self.triples(pattern)
        out = []
        for offset in range(0, total, page):
            out.extend(self.triples(f"{pattern} ORDER BY ?s ?p ?o LIMIT {page} OFFSET {offset}"))
        return out

    def snapshot(self, progress: Callable[[str, int, int], None] | None = None):
        """The remote's named graphs in an in-memory EmbeddedStore whose default graph is their merge, as a build
        lays it out: what `validate` and `export` read with --endpoint."""
        from .store import EmbeddedStore
        oxstore = ox.Store()
        graphs = self.named_graphs()
        for k, graph in enumerate(graphs, 1):
            if progress:
                progress(f"reading {graph}", k, len(graphs))
            name = ox.NamedNode(graph)
            oxstore.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in self.graph_triples(graph))
        oxstore.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        return EmbeddedStore(oxstore, None)


# Temporary graphs of a push are named under STAGING and hold IRIs prefixed with STAGED (see push.py).
STAGING = "urn:munigraph:push:"
STAGED = "urn:munigraph:staged:"
