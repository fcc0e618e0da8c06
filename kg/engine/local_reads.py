"""Point lookups answered inside the API process, from the current version's snapshot.

A point lookup (``SELECT ?p ?o { <s> ?p ?o }``) costs the managed engine a few index reads; the
hop to it costs more: a request written and read on both sides and two more processes woken
(at 100k triples, in-process: 0.60 ms of wall time per lookup through the engine, 0.37 ms
answered here). The current version has a snapshot (:mod:`kg.versions.snapshots`): an
immutable copy of the store taken right after its commit. pyoxigraph, Oxigraph itself (the same
evaluator and results writer as the engine), opens it read-only, and such lookups are
answered there, with the text the engine would get, over the union default graph as the
managed engine serves it.

A query evaluated here cannot be stopped at its time limit (it runs on the event loop, in Rust
code), so only queries whose work is bounded before they run are taken (:func:`lookup_patterns`
reads the text; :meth:`LocalReads.answer` counts):

- ``SELECT`` (variables or ``*``, ``DISTINCT``/``REDUCED``) or ``ASK``; no dataset clause; the
  ``WHERE`` one basic graph pattern: triples only (no ``FILTER``, ``OPTIONAL``, ``UNION``,
  ``GRAPH``, ``BIND``, ``VALUES``, subqueries, property paths, blank nodes or collections);
  then only ``LIMIT`` and ``OFFSET``;
- every triple pattern names its subject, or its predicate and (an IRI as) its object; every
  IRI is absolute or a prefixed name;
- the quads each pattern matches are counted on the snapshot's indexes first (in every graph:
  at least the triples it matches in the union) and must be at most :data:`MAX_MATCHES` each
  and :data:`MAX_WORK` in product: in whatever order the evaluator joins the patterns, a
  pattern evaluated with some variables bound reads at most its own matches, so the query
  reads no more than that product.

Everything else goes to the engine, as do queries with dataset parameters, queries while the
snapshot of the current version is not open yet (it is opened in a thread, once per version),
and any query the snapshot fails on. ``CLUSTERKG_LOCAL_READS=false`` turns this off.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.engine.client import EngineResponse
from kg.sparql_text.lexer import Tok, lex
from kg.versions.snapshots import Snapshots
from kg.versions.state import Version, Versions

log = logging.getLogger("clusterkg.engine")

MAX_MATCHES = 2_000
"""The most quads one triple pattern of a query answered here may match."""
MAX_WORK = 20_000
"""The most the product of its patterns' matches may be."""
RETRY_S = 0.05
"""A snapshot not found is looked for again after this many seconds (it is being taken)."""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RESULTS_JSON = "application/sparql-results+json"

Constant = ox.NamedNode | None
"""A pattern position: an IRI, or None for anything else (a variable or a literal)."""


@dataclass(frozen=True)
class Pattern:
    """One triple pattern of a lookup: its IRIs, None where it has a variable or a literal."""

    subject: Constant
    predicate: Constant
    object: Constant


class _NotALookup(Exception):
    """The text is not of the form answered here."""


def lookup_patterns(text: str) -> list[Pattern] | None:
    """The triple patterns of a query answered here, or None when it is not one (see the module).

    >>> q = "PREFIX ex: <http://e/> SELECT ?p ?o WHERE { ex:s ?p ?o ; a ?t . } LIMIT 5"
    >>> [(p.subject.value, p.predicate) for p in lookup_patterns(q)]
    [('http://e/s', None), ('http://e/s', <NamedNode value=http://www.w3.org/1999/02/22-rdf-syntax-ns#type>)]
    >>> lookup_patterns("ASK { ?s <http://e/p> <http://e/o> }")[0].object.value
    'http://e/o'
    >>> [lookup_patterns(q) for q in (
    ...     "SELECT * { ?s ?p ?o }",                         # nothing named
    ...     "SELECT * { ?s <http://e/p> 'x' }",              # an object that is a literal
    ...     "SELECT * { <http://e/s> ?p ?o FILTER(?o) }",    # more than triples
    ...     "SELECT * { <http://e/s> <http://e/p>/<http://e/q> ?o }",  # a path
    ...     "SELECT * FROM <http://e/g> { <http://e/s> ?p ?o }",      # a dataset
    ...     "SELECT * { <s> ?p ?o }",                        # a relative IRI
    ...     "SELECT * { <http://e/s> ?p ?o } ORDER BY ?o",   # a modifier other than LIMIT/OFFSET
    ... )]
    [None, None, None, None, None, None, None]
    """
    try:
        _, toks, _, _ = lex(text)
        return _Reader(toks).lookup()
    except (_NotALookup, ValueError):
        return None
    except Exception:  # a lexical error: the engine path reports it
        return None


class _Reader:
    """A recursive-descent reader of the one form of query answered here."""

    def __init__(self, toks: Sequence[Tok]) -> None:
        self.toks = toks
        self.at = 0
        self.prefixes: dict[str, str] = {}

    def peek(self) -> tuple[str, str]:
        if self.at >= len(self.toks):
            return ("END", "")
        kind, text, _ = self.toks[self.at]
        return (kind, text.upper() if kind == "KEYWORD" else text)

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "END":
            raise _NotALookup
        self.at += 1
        return token

    def expect(self, kind: str, text: str | None = None) -> str:
        got_kind, got_text = self.take()
        if got_kind != kind or (text is not None and got_text != text):
            raise _NotALookup
        return got_text

    def lookup(self) -> list[Pattern]:
        while self.peek() in (("KEYWORD", "PREFIX"), ("KEYWORD", "BASE")):
            if self.take()[1] == "BASE":
                self.expect("IRIREF")  # relative IRIs are refused, so the base changes nothing
                continue
            name = self.expect("PNAME_NS")
            self.prefixes[name[:-1]] = _absolute(self.expect("IRIREF"))
        form = self.take()
        if form == ("KEYWORD", "SELECT"):
            if self.peek() in (("KEYWORD", "DISTINCT"), ("KEYWORD", "REDUCED")):
                self.take()
            if self.peek() == ("PUNCT", "*"):
                self.take()
            else:
                self.expect("VAR")
                while self.peek()[0] == "VAR":
                    self.take()
        elif form != ("KEYWORD", "ASK"):
            raise _NotALookup
        if self.peek() == ("KEYWORD", "WHERE"):
            self.take()
        self.expect("PUNCT", "{")
        patterns = self.triples()
        self.expect("PUNCT", "}")
        while self.peek() in (("KEYWORD", "LIMIT"), ("KEYWORD", "OFFSET")):
            self.take()
            self.expect("INTEGER")
        if self.peek()[0] != "END" or not patterns:
            raise _NotALookup
        return patterns

    def triples(self) -> list[Pattern]:
        patterns: list[Pattern] = []
        while self.peek() != ("PUNCT", "}"):
            subject = self.node(subject=True)
            while True:
                predicate = self.verb()
                while True:
                    patterns.append(_anchored(Pattern(subject, predicate, self.node(subject=False))))
                    if self.peek() != ("PUNCT", ","):
                        break
                    self.take()
                if self.peek() != ("PUNCT", ";"):
                    break
                while self.peek() == ("PUNCT", ";"):
                    self.take()
                if self.peek() in (("PUNCT", "."), ("PUNCT", "}")):
                    break
            if self.peek() == ("PUNCT", "."):
                self.take()
            elif self.peek() != ("PUNCT", "}"):
                raise _NotALookup
        return patterns

    def verb(self) -> Constant:
        kind, _ = self.peek()
        if kind == "A":
            self.take()
            return ox.NamedNode(RDF_TYPE)
        if kind == "VAR":
            self.take()
            return None
        return self.iri()

    def node(self, *, subject: bool) -> Constant:
        kind, text = self.peek()
        if kind == "VAR":
            self.take()
            return None
        if kind in ("IRIREF", "PNAME_LN", "PNAME_NS"):
            return self.iri()
        if subject:
            raise _NotALookup
        if kind == "STRING":
            self.take()
            if self.peek()[0] == "LANGTAG":
                self.take()
            elif self.peek() == ("PUNCT", "^^"):
                self.take()
                self.iri()
            return None
        if kind in ("INTEGER", "DECIMAL", "DOUBLE") or (kind == "KEYWORD" and text in ("TRUE", "FALSE")):
            self.take()
            return None
        raise _NotALookup

    def iri(self) -> ox.NamedNode:
        kind, text = self.take()
        if kind == "IRIREF":
            return ox.NamedNode(_absolute(text))
        if kind in ("PNAME_LN", "PNAME_NS") and "\\" not in text:
            prefix, _, local = text.partition(":")
            if prefix not in self.prefixes:
                raise _NotALookup
            return ox.NamedNode(self.prefixes[prefix] + local)
        raise _NotALookup


def _absolute(iriref: str) -> str:
    iri = iriref[1:-1]
    scheme, colon, _ = iri.partition(":")
    if not colon or not scheme[:1].isalpha() or "\\" in iri:
        raise _NotALookup
    return iri


def _anchored(pattern: Pattern) -> Pattern:
    if pattern.subject is None and (pattern.predicate is None or pattern.object is None):
        raise _NotALookup
    return pattern


class LocalReads:
    """Answers point lookups from the current version's snapshot (see the module docstring)."""

    def __init__(self, snapshots: Snapshots, versions: Versions) -> None:
        self.snapshots = snapshots
        self.versions = versions
        self.answered = 0
        """How many queries were answered here."""
        self._store: tuple[Version, ox.Store] | None = None
        self._opening: asyncio.Task[None] | None = None
        self._missed_at = -math.inf
        """When the snapshot of the current version was last looked for and not found."""
        versions.on_change(self._release)

    def _release(self) -> None:
        """The version changed: let the previous snapshot go (it may be pruned)."""
        self._store = None
        self._missed_at = -math.inf

    def answer(self, query: str, text: str) -> EngineResponse | None:
        """The engine's answer to ``text`` (``query`` as sent, with the layer's BASE), as
        SPARQL Results JSON, when it is a lookup answered here; else None."""
        current = self.versions.current
        if current is None:
            return None
        patterns = lookup_patterns(query)
        if patterns is None:
            return None
        if self._store is None or self._store[0] != current:
            self._open(current)
            return None
        store = self._store[1]
        start = time.perf_counter()
        try:
            if not _bounded(store, patterns):
                return None
            result = store.query(text, use_default_graph_as_union=True)
            if not isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
                return None
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
        except (OSError, SyntaxError, ValueError) as exc:  # the engine path decides (and reports)
            log.debug("a lookup went to the engine: %s", exc)
            return None
        assert isinstance(body, bytes)
        self.answered += 1
        return EngineResponse(200, RESULTS_JSON, body, time.perf_counter() - start)

    def _open(self, version: Version) -> None:
        if self._opening is not None and not self._opening.done():
            return
        if time.monotonic() - self._missed_at < RETRY_S:
            return  # not taken yet, or failed (logged): looked for again a little later
        self._opening = asyncio.ensure_future(self._open_in_thread(version))

    async def _open_in_thread(self, version: Version) -> None:
        folder = self.snapshots.path(version)
        if folder is None:
            self._missed_at = time.monotonic()
            return
        try:
            store = await asyncio.to_thread(ox.Store.read_only, str(folder))
        except OSError as exc:
            self._missed_at = time.monotonic()
            log.warning("the snapshot of version %s could not be opened for lookups: %s", version.number, exc)
            return
        if self.versions.current == version:
            self._store = (version, store)


def _bounded(store: ox.Store, patterns: Sequence[Pattern]) -> bool:
    """Whether each pattern matches at most MAX_MATCHES quads and all of them MAX_WORK in product."""
    work = 1
    for pattern in patterns:
        matches = store.quads_for_pattern(pattern.subject, pattern.predicate, pattern.object, None)
        count = sum(1 for _ in itertools.islice(matches, MAX_MATCHES + 1))
        work *= max(count, 1)
        if count > MAX_MATCHES or work > MAX_WORK:
            return False
    return True
