"""Engine profiles: what differs between SPARQL servers, and how the client copes with it.

The client speaks the SPARQL 1.1 Protocol and Graph Store Protocol to every engine; a
:class:`Profile` says, for one kind of server (``CLUSTERKG_ENGINE_KIND``: ``oxigraph``,
``virtuoso``, ``fuseki``, ``graphdb``, ``qlever``, ``generic``, or ``detect``), where its
endpoints are, how a query is sent (direct POST, form POST or GET, in order of preference),
which HTTP authentication it wants, which of its graphs are its own rather than ours (hidden
from the default graph and from ``GRAPH ?g``), how a truncated answer is recognised there
and which literals it returns in a form that must be repaired. The measured facts behind each
entry are in the README ("Remote engines").

Size: the profiles and detection, and the Virtuoso repairs of query text and answers, each a
small function with its doctest; they belong together as the list of what differs.

>>> profile_for("virtuoso").query_methods
('form', 'get')
>>> profile_for("virtuoso").endpoints("http://127.0.0.1:8890/sparql", None, None).store
'http://127.0.0.1:8890/sparql-graph-crud-auth'
>>> profile_for("fuseki").endpoints("http://h:3030/ds/sparql", None, None).update
'http://h:3030/ds/update'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp

from kg.errors import QueryTimeout, ResultTooLarge


@dataclass(frozen=True)
class Endpoints:
    """Where the engine answers queries, updates and Graph Store requests."""

    query: str
    update: str
    store: str

    @classmethod
    def oxigraph(cls, base: str) -> Endpoints:
        """The endpoints of an Oxigraph server at a base URL."""
        base = base.rstrip("/")
        return cls(f"{base}/query", f"{base}/update", f"{base}/store")


Kind = Literal["oxigraph", "virtuoso", "fuseki", "graphdb", "qlever", "generic"]
KINDS: tuple[Kind, ...] = ("oxigraph", "virtuoso", "fuseki", "graphdb", "qlever", "generic")
Method = Literal["direct", "form", "get"]

XSD = "http://www.w3.org/2001/XMLSchema#"
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
)
"""Graphs every Virtuoso 7 database holds (about 2,500 triples), besides two named after its
own address: ``<base>/sparql`` (the service description) and ``<base>/DAV/``."""


@dataclass(frozen=True)
class Profile:
    """How to talk to one kind of engine."""

    kind: Kind
    query_methods: tuple[Method, ...] = ("direct", "form", "get")
    """How a query is sent, best first; the client falls back to the next when one fails."""
    auth: Literal["basic", "digest"] = "basic"
    store_graph_param: str = "graph"
    """The Graph Store Protocol's parameter naming a graph (Virtuoso: ``graph-uri``)."""
    hidden_graphs: tuple[str, ...] = ()
    """The engine's own graphs, kept out of the default graph and out of ``GRAPH ?g``."""
    repair_literals: bool = False
    """Whether answers carry literals in a non-canonical, lossy form that is repaired here."""
    truncation_header: str | None = None
    """A response header that says the engine cut the result at its row cap."""
    partial_header: str | None = None
    """A response header that says the answer is partial (a timeout mid-way)."""
    own_default_graph: bool = True
    """Whether the store has a default graph of its own (Virtuoso keeps every triple in a
    named graph: its Graph Store refuses ``default``; the layer reads it as empty)."""

    def endpoints(self, url: str, update_url: str | None, store_url: str | None) -> Endpoints:
        """The query, update and Graph Store endpoints from the configured query URL."""
        query = url.rstrip("/")
        if self.kind == "virtuoso":
            base = _strip(query, ("/sparql-auth", "/sparql"))
            return Endpoints(
                f"{base}/sparql",
                update_url or f"{base}/sparql-auth",
                store_url or f"{base}/sparql-graph-crud-auth",
            )
        if self.kind == "graphdb":  # /repositories/<id>: query; .../statements: update
            return Endpoints(
                query, update_url or f"{query}/statements", store_url or f"{query}/rdf-graphs/service"
            )
        if self.kind == "qlever":  # one endpoint for queries and updates
            return Endpoints(query, update_url or query, store_url or query)
        if self.kind == "fuseki":  # /ds/query or /ds/sparql, /ds/update, /ds/data
            base = _strip(query, ("/query", "/sparql"))
            return Endpoints(query, update_url or f"{base}/update", store_url or f"{base}/data")
        base = _strip(query, ("/query", "/sparql"))
        if base == query:
            query = f"{base}/query"
        return Endpoints(query, update_url or f"{base}/update", store_url or f"{base}/store")

    def hidden(self, engine_url: str) -> tuple[str, ...]:
        """The engine's own graphs, the ones named after its address included."""
        if self.kind != "virtuoso":
            return self.hidden_graphs
        base = _strip(engine_url.rstrip("/"), ("/sparql-auth", "/sparql"))
        return (*self.hidden_graphs, f"{base}/sparql", f"{base}/DAV/")

    def prepare_query(self, text: str, hidden: tuple[str, ...], *, update: bool = False) -> str:
        """The query (or, with ``update``, update) text as sent: on Virtuoso, DESCRIBE as a
        concise bounded description (a pragma, before the prologue) and one BASE where the
        layer put a second in front.

        In a query (not an update, whose ``GRAPH <g> { }`` may be data), an empty graph
        pattern ``GRAPH <g> { }`` / ``GRAPH ?g { }`` matches where the graph holds a triple
        (:func:`_empty_graph_patterns`): Virtuoso 7.2.5 matches it for any bound IRI, graph or
        not, and never for a free variable.

        ``FILTER EXISTS { VALUES (?v) { (<a>) (<b>) } }`` (the write path's neighbourhood query,
        kg/rq/writes-incoming.rq) becomes ``FILTER (?v IN (<a>, <b>))``: Virtuoso 7.2.5 answers
        the first with no rows, or fails with SP031 when the variable is also BIND-ed.

        >>> print(profile_for("virtuoso").prepare_query("ASK {}", ()))
        define sql:describe-mode "CBD"
        ASK {}
        """
        if self.kind != "virtuoso":
            return text
        # Not `define input:default-graph-exclude`: on 7.2.5 any such pragma makes every
        # GRAPH <iri> pattern empty (measured). Its system graphs are made private instead
        # (scripts/virtuoso/start), so the anonymous /sparql user does not see them.
        if not update:
            text = _empty_graph_patterns(text)
        text = _graph_list_grouped(_exists_values_as_in(_one_base(text)))
        text = _values_language_tags_upper(text)
        return 'define sql:describe-mode "CBD"\n' + text  # DESCRIBE as a CBD, as Oxigraph

    def clean_message(self, message: str) -> str:
        r"""The engine's error message without what it echoes of the request (Virtuoso repeats
        the whole query text, the layer's pragmas included).

        >>> profile_for("virtuoso").clean_message("Error SP030: syntax error\n\nSPARQL query:\nASK")
        'Error SP030: syntax error'
        """
        if self.kind == "virtuoso":
            return message.split("\n\nSPARQL query:", 1)[0].split("\nSPARQL query:", 1)[0].strip()
        return message

    def check_complete(self, headers: dict[str, str], what: str) -> None:
        """Refuse an answer the engine marks as cut short (never passed on as a success).

        >>> profile_for("virtuoso").check_complete({"x-sparql-maxrows": "10000"}, "query")
        Traceback (most recent call last):
        kg.errors.ResultTooLarge: the engine cut the result of the query at its row cap of 10000 ...
        """
        if self.partial_header and self.partial_header in headers:
            state = headers[self.partial_header]
            raise QueryTimeout(
                f"the engine answered the {what} only in part (state {state}: its own time limit); "
                "it was refused, not passed on"
            )
        if self.truncation_header and self.truncation_header in headers:
            cap = headers[self.truncation_header]
            raise ResultTooLarge(
                f"the engine cut the result of the {what} at its row cap of {cap} "
                "rows (ResultSetMaxRows); narrow the query or add LIMIT"
            )

    def repair(self, body: bytes, content_type: str, query: str = "") -> bytes:
        """Repair literals the engine returns in a lossy form (Virtuoso: booleans as 1/0,
        durations as a number of months) in SPARQL JSON results and N-Triples; a variable
        the query binds to ``EXISTS {...}`` / ``NOT EXISTS {...}``, or to booleans in a VALUES
        block, is a boolean (Virtuoso answers an integer)."""
        if not self.repair_literals:
            return body
        if "json" in content_type:
            return repair_json_results(body, exists_variables(query) | values_boolean_variables(query))
        if "n-triples" in content_type or "n-quads" in content_type:
            return repair_ntriples(body)
        return body


_TWO_BASES = re.compile(r"^\s*BASE\s*<([^>]*)>\s*BASE\s*<([^>]*)>", re.IGNORECASE)


def _one_base(text: str) -> str:
    """One BASE where the text starts with two (Virtuoso 7 refuses a second BASE): the second
    resolved against the first, as SPARQL would.

    >>> _one_base("BASE <http://s/sparql> BASE <a/> SELECT ?x {}")
    'BASE <http://s/a/> SELECT ?x {}'
    """
    match = _TWO_BASES.match(text)
    if match is None:
        return text
    return f"BASE <{urljoin(match[1], match[2])}>" + text[match.end() :]


_TERM = r"(?:<[^<>\s]*>|UNDEF)"
_EXISTS_VALUES = re.compile(
    r"FILTER\s+EXISTS\s*\{\s*VALUES\s*(?:\(\s*[?$](\w+)\s*\)\s*\{((?:\s*\(\s*"
    + _TERM
    + r"\s*\))*)|[?$](\w+)\s*\{((?:\s*"
    + _TERM
    + r")*))\s*\}\s*\}",
    re.IGNORECASE,
)


def _exists_values_as_in(text: str) -> str:
    r"""``FILTER EXISTS { VALUES ... }`` of one variable as ``FILTER (?v IN (...))``; with an
    ``UNDEF`` row it holds for any value, so it goes.

    >>> _exists_values_as_in("FILTER EXISTS {\n VALUES (?in) {\n (<urn:a>)\n (<urn:b>)\n }\n }")
    'FILTER (?in IN (<urn:a>, <urn:b>))'
    >>> _exists_values_as_in("FILTER EXISTS { VALUES ?in { UNDEF } }")
    ''
    """

    def rewrite(m: re.Match[str]) -> str:
        name = m[1] or m[3]
        terms = re.findall(_TERM, m[2] if m[1] else m[4] or "")
        if "UNDEF" in (t.upper() for t in terms):
            return ""
        return f"FILTER (?{name} IN ({', '.join(terms)}))"

    return _EXISTS_VALUES.sub(rewrite, text)


_EMPTY_GRAPH = re.compile(r"\bGRAPH\s*(<[^<>\s]*>|[?$]\w+)\s*\{\s*\}", re.IGNORECASE)
_VALUES_VARIABLES = re.compile(r"\bVALUES\s*(?:\(([^)]*)\)|[?$](\w+))", re.IGNORECASE)


def _empty_graph_patterns(text: str) -> str:
    """Empty graph patterns as patterns Virtuoso 7.2.5 answers as SPARQL says (a graph exists
    there when it holds a triple: it keeps no empty graphs). A variable a VALUES block binds
    becomes ``FILTER EXISTS``; a free variable a subquery of the graphs; an IRI a subquery of
    one row (7.2.5 ignores a ``FILTER EXISTS`` that shares no variable with its group, and
    answers ``ASK { FILTER EXISTS { GRAPH <nowhere> { ?s ?p ?o } } }`` true; measured), which
    binds ``?kg_graph`` to 1 (``SELECT *`` shows it).

    >>> _empty_graph_patterns("ASK { GRAPH <urn:g> { } }")
    'ASK { { SELECT (1 AS ?kg_graph) { GRAPH <urn:g> { ?kg_s ?kg_p ?kg_o } } LIMIT 1 } }'
    >>> _empty_graph_patterns("SELECT ?g { VALUES (?g) { (<urn:g>) } GRAPH ?g { } }")
    'SELECT ?g { VALUES (?g) { (<urn:g>) } FILTER EXISTS { GRAPH ?g { ?kg_s ?kg_p ?kg_o } } }'
    >>> _empty_graph_patterns("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    'SELECT DISTINCT ?g WHERE { { SELECT ?g { GRAPH ?g { ?kg_s ?kg_p ?kg_o } } GROUP BY ?g } }'
    """
    if _EMPTY_GRAPH.search(text) is None:
        return text
    bound = {
        name
        for listed, single in _VALUES_VARIABLES.findall(text)
        for name in (re.findall(r"[?$](\w+)", listed) if listed else [single])
    }
    triple = "?kg_s ?kg_p ?kg_o"

    def rewrite(m: re.Match[str]) -> str:
        term = m[1]
        if term.startswith("<"):
            return f"{{ SELECT (1 AS ?kg_graph) {{ GRAPH {term} {{ {triple} }} }} LIMIT 1 }}"
        if term[1:] in bound:
            return f"FILTER EXISTS {{ GRAPH {term} {{ {triple} }} }}"
        name = term[1:]
        return f"{{ SELECT ?{name} {{ GRAPH ?{name} {{ {triple} }} }} GROUP BY ?{name} }}"

    return _EMPTY_GRAPH.sub(rewrite, text)


_GRAPH_LIST = re.compile(
    r"SELECT\s+DISTINCT\s+\?(\w+)\s+(?:WHERE\s*)?\{\s*GRAPH\s+\?\1\s*\{\s*(\?\w+\s+\?\w+\s+\?\w+)\s*\.?\s*\}\s*\}",
    re.IGNORECASE,
)


def _graph_list_grouped(text: str) -> str:
    """``SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }`` as a GROUP BY: Virtuoso 7.2.5 answers
    that exact shape from its list of graphs, private ones included (measured).

    >>> _graph_list_grouped("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")
    'SELECT ?g { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g'
    """
    return _GRAPH_LIST.sub(
        lambda m: f"SELECT ?{m[1]} {{ GRAPH ?{m[1]} {{ {m[2]} }} }} GROUP BY ?{m[1]}", text
    )


def _strip(url: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def months_to_duration(months: int) -> str:
    """The canonical ``xsd:duration`` of a number of months.

    >>> months_to_duration(36), months_to_duration(14), months_to_duration(0), months_to_duration(-3)
    ('P3Y', 'P1Y2M', 'P0M', '-P3M')
    """
    sign = "-" if months < 0 else ""
    years, rest = divmod(abs(months), 12)
    text = (f"{years}Y" if years else "") + (f"{rest}M" if rest or not years else "")
    return f"{sign}P{text}"


_BOOLEANS = {"1": "true", "0": "false"}
_MONTHS = re.compile(r"^-?\d+$")


def repair_term(term: dict[str, Any]) -> None:
    """Repair one SPARQL JSON term in place.

    >>> t = {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"}
    >>> repair_term(t); t["value"]
    'true'
    >>> t = {"type": "literal", "datatype": XSD + "duration", "value": "36"}
    >>> repair_term(t); t["value"]
    'P3Y'
    >>> t = {"type": "bnode", "value": "nodeID://b10006"}
    >>> repair_term(t); t["value"]
    'b10006'
    """
    if term.get("type") == "bnode":  # Virtuoso: "nodeID://b10006", not a blank node label
        term["value"] = re.sub(r"[^A-Za-z0-9_]", "", str(term.get("value", "")).removeprefix("nodeID://"))
        return
    datatype = term.get("datatype")
    if datatype == XSD + "boolean" and term.get("value") in _BOOLEANS:
        term["value"] = _BOOLEANS[term["value"]]
    elif datatype == XSD + "duration" and _MONTHS.match(str(term.get("value", ""))):
        term["value"] = months_to_duration(int(term["value"]))


_EXISTS = re.compile(r"(?:\bNOT\s+)?\bEXISTS\s*\{", re.IGNORECASE)
_AS_VARIABLE = re.compile(r"\s*\)?\s*AS\s*[?$](\w+)", re.IGNORECASE)


def exists_variables(query: str) -> frozenset[str]:
    """The variables a query binds to an ``EXISTS {...}`` or ``NOT EXISTS {...}`` alone
    (``BIND(EXISTS {...} AS ?v)``, ``(NOT EXISTS {...} AS ?v)``): their values are booleans.

    >>> sorted(exists_variables("SELECT * { BIND(EXISTS { ?a a <urn:G> } AS ?isGroup) }"))
    ['isGroup']
    >>> sorted(exists_variables("SELECT (NOT EXISTS { ?a ?b ?c } AS ?none) {}"))
    ['none']
    """
    found: set[str] = set()
    for match in _EXISTS.finditer(query):
        depth, at = 1, match.end()
        while at < len(query) and depth:
            depth += {"{": 1, "}": -1}.get(query[at], 0)
            at += 1
        after = _AS_VARIABLE.match(query, at)
        if after is not None:
            found.add(after[1])
    return frozenset(found)


_BOOLEAN_TERM = re.compile(r"^(?:true|false|\"(?:true|false|1|0)\"\^\^<" + re.escape(XSD) + r"boolean>)$")
_ZERO_ONE = re.compile(r"^(?:[01]|\"[01]\"\^\^<" + re.escape(XSD) + r"integer>)$")
_VALUES_HEAD = re.compile(r"\bVALUES\s*(?:\(([^)]*)\)|[?$](\w+))\s*\{", re.IGNORECASE)
_VALUES_TOKEN = re.compile(
    r"""\s*(<[^<>]*>|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^<>]*>)?|'(?:[^'\\]|\\.)*'(?:@[A-Za-z0-9-]+|\^\^<[^<>]*>)?|[(){}]|[^\s(){}]+)"""
)


def _values_terms(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """The terms of every VALUES block of a query, each with the variable of its column."""
    for head in _VALUES_HEAD.finditer(text):
        names = re.findall(r"[?$](\w+)", head[1]) if head[1] is not None else [head[2]]
        column, at = 0, head.end()
        while (token := _VALUES_TOKEN.match(text, at)) is not None:
            at, term = token.end(), token[1]
            if term == "}":
                break
            if term == "(":
                column = 0
            elif term != ")":
                yield (names[column % len(names)] if names else ""), token
                column += 1


def values_boolean_variables(query: str) -> frozenset[str]:
    """The variables a VALUES block binds to booleans and never to the integers 0 or 1: an
    engine that returns a VALUES constant as an integer (Virtuoso 7.2.5 answers ``1`` for
    ``true``) gives them back as booleans.

    >>> sorted(values_boolean_variables('SELECT * { VALUES (?s ?o) { (<a> "true"^^<' + XSD + 'boolean>) } }'))
    ['o']
    >>> sorted(values_boolean_variables("SELECT * { VALUES ?x { true 1 } VALUES ?y { false } }"))
    ['y']
    """
    if "VALUES" not in query.upper():
        return frozenset()
    booleans: set[str] = set()
    integers: set[str] = set()
    for name, token in _values_terms(query):
        if _BOOLEAN_TERM.match(token[1]):
            booleans.add(name)
        elif _ZERO_ONE.match(token[1]):
            integers.add(name)
    return frozenset(booleans - integers - {""})


_LANGUAGE_TAG = re.compile(r"@([A-Za-z0-9-]+)$")


def _values_language_tags_upper(text: str) -> str:
    """Language tags in VALUES blocks in upper case (the same tags: BCP 47 tags ignore case).
    Virtuoso 7.2.5 matches nothing for an ASCII literal with a lower-case tag in a VALUES
    block of two or more rows (openlink/virtuoso-opensource#300, #495; measured), and matches
    it with the tag in upper case.

    >>> _values_language_tags_upper('VALUES (?p ?o) { (<urn:p> "x"@en) (<urn:p> "y"@en-gb) }')
    'VALUES (?p ?o) { (<urn:p> "x"@EN) (<urn:p> "y"@EN-GB) }'
    """
    if "VALUES" not in text.upper() or "@" not in text:
        return text
    pieces: list[str] = []
    done = 0
    for _, token in _values_terms(text):
        term = token[1]
        if term.startswith(('"', "'")) and (tag := _LANGUAGE_TAG.search(term)) is not None:
            start = token.start(1) + tag.start(1)
            pieces += [text[done:start], tag[1].upper()]
            done = token.end(1)
    if not pieces:
        return text
    return "".join(pieces) + text[done:]


def repair_json_results(body: bytes, booleans: frozenset[str] = frozenset()) -> bytes:
    """Repair every bound literal of a SPARQL JSON result (an ASK result is left as it is);
    integers 0 and 1 bound to the ``booleans`` variables become ``xsd:boolean``."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    bindings = document.get("results", {}).get("bindings") if isinstance(document, dict) else None
    if not isinstance(bindings, list):
        return body
    for row in bindings:
        for name, term in row.items():
            if not isinstance(term, dict):
                continue
            if (
                name in booleans
                and term.get("datatype") == XSD + "integer"
                and term.get("value") in _BOOLEANS
            ):
                term["datatype"] = XSD + "boolean"
            repair_term(term)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


_NT_LITERAL = re.compile(rb'"(-?\d+)"\^\^<http://www\.w3\.org/2001/XMLSchema#(boolean|duration)>')


def repair_ntriples(body: bytes) -> bytes:
    r"""Repair boolean and duration literals in N-Triples; an empty graph, which Virtuoso
    writes as the comment ``# Empty NT``, is an empty document (the layer reads an empty
    answer as "nothing known": an unknown ``/id/`` IRI is a 404).

    >>> repair_ntriples(b'<a> <b> "1"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n')
    b'<a> <b> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n'
    >>> repair_ntriples(b"# Empty NT\n")
    b''
    """
    if len(body) < 4096 and all(
        line.lstrip().startswith(b"#") or not line.strip() for line in body.splitlines()
    ):
        return b""

    def fix(m: re.Match[bytes]) -> bytes:
        value, kind = m[1].decode(), m[2].decode()
        if kind == "boolean":
            if value not in _BOOLEANS:
                return m[0]
            value = _BOOLEANS[value]
        else:
            value = months_to_duration(int(value))
        return f'"{value}"^^<{XSD}{kind}>'.encode()

    return _NT_LITERAL.sub(fix, body)


PROFILES: dict[Kind, Profile] = {
    "oxigraph": Profile("oxigraph"),
    "generic": Profile("generic"),
    "virtuoso": Profile(
        "virtuoso",
        # A direct POST (application/sparql-query) to Virtuoso 7.2.5's /sparql never answers.
        query_methods=("form", "get"),
        auth="digest",
        store_graph_param="graph-uri",
        hidden_graphs=VIRTUOSO_SYSTEM_GRAPHS,
        repair_literals=True,
        truncation_header="x-sparql-maxrows",
        partial_header="x-sql-state",
        own_default_graph=False,
    ),
    "fuseki": Profile("fuseki"),
    "graphdb": Profile("graphdb", query_methods=("form", "direct", "get")),
    "qlever": Profile("qlever", query_methods=("get", "form", "direct")),
}


def profile_for(kind: Kind) -> Profile:
    """The profile of a kind of engine."""
    return PROFILES[kind]


def kind_from_probe(server_header: str, fuseki_ping: bool, graphdb: bool, qlever: bool) -> Kind:
    """The kind of engine from what a probe saw (see :func:`kg.engine.detect.detect`).

    >>> kind_from_probe("Virtuoso/07.20.3229 (Linux)", False, False, False)
    'virtuoso'
    >>> kind_from_probe("", False, False, False)
    'generic'
    """
    server = server_header.lower()
    if server.startswith("virtuoso"):
        return "virtuoso"
    if server.startswith("oxigraph"):
        return "oxigraph"
    if fuseki_ping or "fuseki" in server or "jetty" in server:
        return "fuseki" if fuseki_ping else "generic"
    if graphdb:
        return "graphdb"
    if qlever:
        return "qlever"
    return "generic"


async def detect(session: aiohttp.ClientSession, url: str, *, timeout_s: float = 5.0) -> Kind:
    """Which kind of engine answers at a query URL: Virtuoso and Oxigraph by their ``Server``
    header, Fuseki by ``/$/ping`` at its root, GraphDB by ``/rest/repositories``, QLever by
    ``?cmd=stats``; anything else is ``generic``. Each probe is a short GET; a probe that fails
    says nothing (an unreachable engine is ``generic`` and fails on first use)."""
    limit = aiohttp.ClientTimeout(total=timeout_s)

    async def probe(target: str, **params: str) -> tuple[int, str, bytes]:
        try:
            async with session.get(target, params=params, timeout=limit, allow_redirects=False) as r:
                return r.status, r.headers.get("server", ""), await r.content.read(4096)
        except (aiohttp.ClientError, OSError, TimeoutError):
            return 0, "", b""

    _, server, _ = await probe(url, query="ASK {}")
    if server.lower().startswith(("virtuoso", "oxigraph")):
        return kind_from_probe(server, False, False, False)
    split = urlsplit(url)
    root = urlunsplit((split.scheme, split.netloc, "", "", ""))
    ping, _, _ = await probe(f"{root}/$/ping")
    if ping == 200:
        return "fuseki"
    repositories, _, _ = await probe(f"{root}/rest/repositories")
    if repositories == 200:
        return "graphdb"
    stats, _, body = await probe(url, cmd="stats")
    if stats == 200 and b"num-triples" in body.replace(b"_", b"-").lower():
        return "qlever"
    return kind_from_probe(server, False, False, False)
