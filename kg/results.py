"""The engine's answers, checked to the end and converted to what the client asked for.

We always ask the engine for a format whose end we can check: SPARQL Results JSON for
SELECT/ASK, N-Triples or N-Quads for CONSTRUCT/DESCRIBE. The Oxigraph server may write an
error text into a 200 body when a query times out mid-stream, so an answer is parsed to its
last byte before anything is sent; one that does not parse raises
:class:`~kg.errors.EngineError` (status 502), or :class:`~kg.errors.QueryTimeout` (503) when
its tail speaks of a timeout. (An N-Triples body cut exactly at the end of a line is still a
well-formed graph: no parser can tell, which is why the engine client reads answers whole.)

Decisions:

- SPARQL Results JSON is sent as the engine wrote it, once parsed to the end. ASK results are
  also read with :mod:`json`, as pyoxigraph stops reading after the boolean.
- ASK in CSV and TSV is the bare word ``true`` or ``false``, as the Oxigraph server writes it
  (and parses it back as a boolean); Jena's one-column table (``_askResult``) would read as a
  SELECT result instead.
- XML (results and RDF/XML) writes carriage returns as ``&#13;`` (raw, XML readers turn them
  into line feeds) and refuses other control characters, which XML 1.0 cannot hold.
- Turtle, TriG and RDF/XML use the given prefixes; Turtle and TriG declare only those used.
- JSON-LD is flat (pyoxigraph's writer) unless a context is given; then it is compacted with
  that context here, by a conservative subset of JSON-LD 1.1 compaction: a term is used only
  where expanding it gives back exactly the same triple, and anything else is written in full.
  Directional literals get ``@direction``, as pyoxigraph writes them (JSON-LD 1.1 readers drop
  it unless asked to keep it); RDF 1.2 triple terms cannot be written (406).
- Graph bodies are parsed leniently (IRIs are not re-validated): the check is for
  completeness; the well-formedness of IRIs is the engine's business.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from kg.errors import EngineError, QueryTimeout, RequestError, ResultTooLarge
from kg.store import GRAPH_FORMATS, RESULT_FORMATS

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_PN_PREFIX = re.compile(r"(?:[^\W\d_](?:[\w.-]*[\w-])?)?")
_TIMEOUT_WORDS = (b"timeout", b"timed out", b"time limit", b"cancelled")
_XML_FORBIDDEN = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def _incomplete(body: bytes, exc: Exception) -> EngineError:
    message = f"the engine's answer was incomplete or malformed: {exc}"
    tail = body[-2048:].lower()
    if any(word in tail for word in _TIMEOUT_WORDS):
        return QueryTimeout(f"the query timed out while its answer was being written; {message}", status=503)
    return EngineError(message, status=502)


def _results_format(target: str) -> ox.QueryResultsFormat:
    try:
        return RESULT_FORMATS[target]
    except KeyError:
        raise ValueError(f"unknown results format {target!r}; one of {', '.join(RESULT_FORMATS)}") from None


def _graph_format(name: str) -> ox.RdfFormat:
    try:
        return GRAPH_FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown RDF format {name!r}; one of {', '.join(GRAPH_FORMATS)}") from None


def _parse_results(body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    try:
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    except SyntaxError as exc:
        raise _incomplete(body, exc) from exc


def _check_boolean(body: bytes) -> None:
    """pyoxigraph stops reading an ASK result after its value: read it to the end here."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise _incomplete(body, exc) from exc
    if not isinstance(document, dict) or not isinstance(document.get("boolean"), bool):
        raise _incomplete(body, ValueError("not an ASK result"))


def _drain(body: bytes, solutions: ox.QuerySolutions, stop_after: int | None = None) -> int:
    """Read solutions to the end (or past ``stop_after``), counting them."""
    rows = 0
    try:
        for _ in solutions:
            rows += 1
            if stop_after is not None and rows > stop_after:
                break
    except SyntaxError as exc:
        raise _incomplete(body, exc) from exc
    return rows


def _csv_rows(out: bytes) -> int:
    """Rows of a CSV document: line ends outside quoted fields, less the header."""
    if b'"' not in out:
        return out.count(b"\r\n") - 1
    rows, quotes = 0, 0
    for line in out.split(b"\r\n"):
        quotes += line.count(b'"')
        if not quotes & 1:
            rows += 1
    return rows - 2  # the header, and the empty piece after the last line end


def count_rows(body: bytes) -> int:
    """The number of rows of a SPARQL Results JSON document (0 for an ASK result).

    It parses the whole document, so it also proves it complete; to count and convert in
    one pass, give :func:`convert_results` a ``max_rows``.

    :raises EngineError: if the document is incomplete or malformed.

    >>> count_rows(b'{"head":{"vars":["s"]},"results":{"bindings":[{},{}]}}')
    2
    """
    parsed = _parse_results(body)
    if isinstance(parsed, ox.QueryBoolean):
        _check_boolean(body)
        return 0
    return _drain(body, parsed)


def convert_results(body: bytes, target: str, *, max_rows: int | None = None) -> bytes:
    """Check a SPARQL Results JSON document to its end and write it as ``target``.

    ``target`` is a key of :data:`kg.store.RESULT_FORMATS`: ``json`` (the body itself is
    returned once checked), ``xml``, ``csv`` or ``tsv``. Rows are counted in the same pass.

    :param max_rows: refuse a result with more rows than this.
    :raises EngineError: if the document is incomplete or malformed.
    :raises ResultTooLarge: if it has more than ``max_rows`` rows (status 413).

    >>> body = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'
    >>> convert_results(body, "csv")
    b'n\\r\\n1\\r\\n'
    >>> convert_results(b'{"head":{},"boolean":true}', "tsv")
    b'true'
    """
    fmt = _results_format(target)
    parsed = _parse_results(body)
    if isinstance(parsed, ox.QueryBoolean):
        _check_boolean(body)
        return body if target == "json" else _serialize_results(body, parsed, fmt)
    if target == "json":
        rows = _drain(body, parsed, stop_after=max_rows)
        out = body
    else:
        out = _serialize_results(body, parsed, fmt)
        if max_rows is None:
            return out
        if target == "tsv":
            rows = out.count(b"\n") - 1  # TSV escapes line breaks inside terms
        elif target == "xml":
            rows = out.count(b"<result>")  # '<' is escaped inside terms
        else:
            rows = _csv_rows(out)
    if max_rows is not None and rows > max_rows:
        raise ResultTooLarge(
            f"the result has more than {max_rows} rows, the server's limit; narrow the query or add LIMIT",
            status=413,
        )
    return out


def _serialize_results(
    body: bytes, parsed: ox.QuerySolutions | ox.QueryBoolean, fmt: ox.QueryResultsFormat
) -> bytes:
    try:
        out = parsed.serialize(format=fmt)
    except SyntaxError as exc:  # the parser is lazy: a truncation shows while writing
        raise _incomplete(body, exc) from exc
    if out is None:  # pragma: no cover - only when an output stream is given
        raise ValueError("no output")
    return _xml_safe(out, "SPARQL Results XML") if fmt == ox.QueryResultsFormat.XML else out


def prefix_context(prefixes: Mapping[str, str]) -> dict[str, str]:
    """A JSON-LD context that declares prefixes, for :func:`convert_graph`'s ``jsonld_context``.

    >>> prefix_context({"ex": "http://example.org/"})
    {'ex': 'http://example.org/'}
    """
    return {name: iri for name, iri in prefixes.items() if name}


def convert_graph(
    body: bytes,
    source_format: str,
    target: str,
    *,
    prefixes: Mapping[str, str] | None = None,
    jsonld_context: Mapping[str, Any] | None = None,
) -> bytes:
    """Check an RDF document to its end and write it as ``target``.

    ``source_format`` and ``target`` are keys of :data:`kg.store.GRAPH_FORMATS` (the source
    is N-Triples or N-Quads in practice).

    :param prefixes: prefix names to namespace IRIs, for Turtle, TriG and RDF/XML.
    :param jsonld_context: a JSON-LD context (the object, or a document with ``@context``) to
        compact JSON-LD with; without one JSON-LD is flat.
    :raises EngineError: if the document is incomplete or malformed.
    :raises RequestError: status 406 if ``target`` cannot express the data (named graphs in a
        triple format, RDF 1.2 triple terms in JSON-LD, a predicate RDF/XML cannot name,
        control characters in XML).

    >>> convert_graph(b'<http://example.org/a> <http://example.org/p> "1" .\\n', "ntriples", "turtle",
    ...               prefixes={"ex": "http://example.org/", "owl": "http://www.w3.org/2002/07/owl#"})
    b'@prefix ex: <http://example.org/> .\\nex:a ex:p "1" .\\n'
    """
    source, fmt = _graph_format(source_format), _graph_format(target)
    if target == "jsonld" and jsonld_context is not None:
        compactor = _Compactor(jsonld_context)
        try:
            return compactor.write(ox.parse(body, source, lenient=True))
        except SyntaxError as exc:
            raise _incomplete(body, exc) from exc
    names: dict[str, str] | None = None
    if prefixes and target in ("turtle", "trig", "rdfxml"):
        names = dict(prefixes)
        for name, iri in names.items():
            if _PN_PREFIX.fullmatch(name) is None:
                raise ValueError(f"not a valid prefix name: {name!r}")
            ox.NamedNode(iri)  # raises ValueError if it is not an IRI
    try:
        out = ox.serialize(ox.parse(body, source, lenient=True), format=fmt, prefixes=names)
    except SyntaxError as exc:
        raise _incomplete(body, exc) from exc
    except (OSError, ValueError, TypeError) as exc:
        raise RequestError(f"the answer cannot be written as {target}: {exc}", status=406) from exc
    if out is None:  # pragma: no cover - only when an output stream is given
        raise ValueError("no output")
    if names and target in ("turtle", "trig"):
        out = _drop_unused_prefixes(out)
    elif target == "rdfxml":
        out = _xml_safe(out, "RDF/XML")
    if target == "rdfxml" and b"<oxprefix: " in out:
        # pyoxigraph's writer names a predicate it cannot split into namespace + local name
        # with an empty local name: not XML.
        raise RequestError(
            "the answer cannot be written as RDF/XML: a predicate IRI does not end with an XML "
            "name; ask for Turtle, N-Triples or JSON-LD",
            status=406,
        )
    return out


def _xml_safe(out: bytes, what: str) -> bytes:
    """Fix what pyoxigraph's XML writers leave to the reader.

    A carriage return written raw reads back as a line feed (XML normalises line ends), so
    it is written as ``&#13;``; XML 1.0 cannot hold the other control characters at all.
    """
    if len(out.translate(None, _XML_FORBIDDEN)) != len(out):
        raise RequestError(
            f"the answer has control characters that {what} cannot hold; ask for JSON, TSV or N-Triples",
            status=406,
        )
    return out.replace(b"\r", b"&#13;") if b"\r" in out else out


def _drop_unused_prefixes(out: bytes) -> bytes:
    """Remove the ``@prefix`` lines (at the start, one per prefix) whose name is not used."""
    lines: list[tuple[int, int, bytes]] = []
    end = 0
    while out.startswith(b"@prefix ", end):
        newline = out.find(b"\n", end)
        colon = out.find(b":", end)
        if newline < 0 or colon < 0:
            break
        lines.append((end, newline + 1, out[end + 8 : colon + 1]))
        end = newline + 1
    kept = [out[start:stop] for start, stop, name in lines if out.find(name, end) >= 0]
    if len(kept) == len(lines):
        return out
    return b"".join(kept) + out[end:]


_GEN_DELIMS = tuple(":/?#[]@")
_SKIPPED_TERM_KEYS = ("@reverse", "@context", "@nest", "@index", "@direction")
_REF, _ID, _TEXT, _VALUE, _LANG, _TYPED = range(6)  # forms of a value: "x", {"@id"}, "text"...
_NO_TRIPLE_TERMS = "the answer has RDF 1.2 triple terms, which JSON-LD cannot express"


class _Compactor:
    """Writes quads as JSON-LD compacted with a context, using only terms that round-trip.

    Terms are matched by what expansion would make of a value: ``@type: @id`` terms take IRIs
    and blank nodes as strings, ``@type: <datatype>`` terms take literals of that datatype,
    ``@language`` terms take literals in that language, and terms without coercion take value
    objects (and plain strings when no default language applies). Prefixes (simple terms
    ending in a gen-delim, or ``@prefix: true``) and ``@vocab`` shorten IRIs. Containers other
    than ``@set``, reverse, nested and scoped terms are never used.
    """

    def __init__(self, context: Mapping[str, Any]) -> None:
        document = context.get("@context", context)
        self.document: Any = document
        defs: dict[str, Any] = {}
        for part in document if isinstance(document, list) else [document]:
            if part is None:
                defs = {}
            elif isinstance(part, Mapping):
                defs.update(part)
            else:
                raise ValueError("only inline JSON-LD contexts (objects) can be compacted with")
        if "@import" in defs:
            raise ValueError("@import in a JSON-LD context is not supported")
        self.raw = {name: value for name, value in defs.items() if not name.startswith("@")}
        vocab = defs.get("@vocab")
        self.vocab: str | None = self._expand(vocab, set()) if isinstance(vocab, str) else None
        language = defs.get("@language")
        self.language = language.lower() if isinstance(language, str) else None
        self.plain_strings = language is None and defs.get("@direction") is None
        self.tagged_strings = defs.get("@direction") is None
        self.prefixes: list[tuple[str, str]] = []
        self.by_iri: dict[str, list[str]] = {}
        self.coerced: dict[tuple[str, ...], str] = {}
        for name in sorted(self.raw, key=lambda n: (len(n), n)):  # shortest term first
            self._add_term(name, self.raw[name])
        self.id_forms: dict[str, str] = {}
        self.vocab_forms: dict[str, str] = {}
        self.plans: dict[tuple[str, str, str | None], tuple[str, int, str | None]] = {}

    def _expand(self, value: str, seen: set[str]) -> str | None:
        """Expand an IRI written in the context (vocabulary-relative)."""
        if value.startswith("@"):
            return value
        if ":" in value:
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//") or prefix not in self.raw:
                return value
            # JSON-LD 1.0 expands with any term, 1.1 only with prefixes: skip what they differ on.
            base = self._term_iri(prefix, seen)
            if base is None or not self._is_prefix(prefix, base):
                return None
            return base + suffix
        if value in self.raw:
            return self._term_iri(value, seen)
        vocab = getattr(self, "vocab", None)
        return None if vocab is None else vocab + value

    def _term_iri(self, name: str, seen: set[str]) -> str | None:
        if name in seen:
            return None
        seen = seen | {name}
        definition = self.raw.get(name)
        if isinstance(definition, str):
            return self._expand(definition, seen)
        if isinstance(definition, Mapping):
            if "@id" in definition:
                target = definition["@id"]
                return self._expand(target, seen) if isinstance(target, str) else None
            if ":" in name:
                return self._expand(name, seen)
            vocab = getattr(self, "vocab", None)
            return None if vocab is None else vocab + name
        return None

    def _is_prefix(self, name: str, iri: str) -> bool:
        """Whether a term may start a compact IRI (JSON-LD 1.1's prefix flag)."""
        if ":" in name or "/" in name:
            return False
        definition = self.raw.get(name)
        if isinstance(definition, str):
            return iri.endswith(_GEN_DELIMS)
        return isinstance(definition, Mapping) and definition.get("@prefix") is True

    def _add_term(self, name: str, definition: Any) -> None:
        if isinstance(definition, Mapping) and "@reverse" in definition:
            return
        iri = self._term_iri(name, set())
        if iri is None or iri.startswith("@"):
            return
        self.by_iri.setdefault(iri, []).append(name)
        if self._is_prefix(name, iri):
            self.prefixes.append((iri, name))
        simple = isinstance(definition, str)
        if simple:
            self.coerced.setdefault(("plain", iri), name)
            return
        if not isinstance(definition, Mapping) or any(k in definition for k in _SKIPPED_TERM_KEYS):
            return
        container = definition.get("@container")
        if container not in (None, "@set", ["@set"]):
            return
        kind = definition.get("@type")
        if kind is None:
            if "@language" not in definition:
                self.coerced.setdefault(("plain", iri), name)
            elif definition["@language"] is None:
                self.coerced.setdefault(("nolang", iri), name)
            elif isinstance(definition["@language"], str):
                self.coerced.setdefault(("lang", iri, definition["@language"].lower()), name)
        elif kind == "@id":
            self.coerced.setdefault(("id", iri), name)
        elif isinstance(kind, str) and not kind.startswith("@"):
            datatype = self._expand(kind, set())
            if datatype is not None:
                self.coerced.setdefault(("typed", iri, datatype), name)

    def compact(self, iri: str, *, vocab: bool) -> str:
        """The shortest form of an IRI that expands back to it (``vocab``: a type or a datatype)."""
        cache = self.vocab_forms if vocab else self.id_forms
        form = cache.get(iri)
        if form is None:
            candidates = list(self.by_iri.get(iri, ())) if vocab else []
            suffix = self._vocab_suffix(iri) if vocab else None
            if suffix is not None:
                candidates.append(suffix)
            for namespace, name in self.prefixes:
                if iri.startswith(namespace) and len(iri) > len(namespace):
                    local = iri[len(namespace) :]
                    compact = f"{name}:{local}"
                    if not local.startswith("//") and compact not in self.raw:
                        candidates.append(compact)
            form = cache[iri] = min(candidates, key=lambda c: (len(c), c)) if candidates else iri
        return form

    def _vocab_suffix(self, iri: str) -> str | None:
        if self.vocab is None or not iri.startswith(self.vocab):
            return None
        suffix = iri[len(self.vocab) :]
        if suffix and ":" not in suffix and not suffix.startswith("@") and suffix not in self.raw:
            return suffix
        return None

    def _key(self, predicate: str) -> str:
        """A key for values that need no coercion: a plain term, or a vocabulary-relative,
        compact or absolute IRI (no term definition)."""
        term = self.coerced.get(("plain", predicate))
        if term is not None:
            return term
        key = self.compact(predicate, vocab=False)
        suffix = self._vocab_suffix(predicate)
        return key if suffix is None else min(key, suffix, key=lambda c: (len(c), c))

    def _plan(self, predicate: str, kind: str, detail: str | None) -> tuple[str, int, str | None]:
        """How to write values of a kind under a predicate: the key, the value's form, an extra.

        ``kind`` is ``@id`` (IRIs and blank nodes), ``@language`` (``detail``: the tag) or
        ``@type`` (``detail``: the datatype).
        """
        coerced, tagged = self.coerced, self.tagged_strings
        plan: tuple[str, int, str | None]
        if kind == "@id":
            term = coerced.get(("id", predicate))
            plan = (term, _REF, None) if term is not None else (self._key(predicate), _ID, None)
        elif kind == "@language" and detail is not None:
            term = coerced.get(("lang", predicate, detail.lower()))
            if term is not None and tagged:
                plan = (term, _TEXT, None)
            elif self.language == detail.lower() and tagged:  # the default language applies
                plan = (self._key(predicate), _TEXT, None)
            else:
                plan = (self._key(predicate), _LANG, detail)
        elif detail == XSD_STRING:
            term = coerced.get(("nolang", predicate))
            if term is not None and tagged:
                plan = (term, _TEXT, None)
            else:
                plan = (self._key(predicate), _TEXT if self.plain_strings else _VALUE, None)
        else:
            term = coerced.get(("typed", predicate, detail or ""))
            if term is not None:
                plan = (term, _TEXT, None)
            else:
                plan = (self._key(predicate), _TYPED, self.compact(detail or "", vocab=True))
        self.plans[(predicate, kind, detail)] = plan
        return plan

    def write(self, quads: ox.QuadParser) -> bytes:
        """The JSON-LD document of the quads: ``@context`` and ``@graph``."""
        named_node, blank_node, literal = ox.NamedNode, ox.BlankNode, ox.Literal
        ids, types, plans = self.id_forms, self.vocab_forms, self.plans
        default: dict[str, dict[str, Any]] = {}
        named: dict[str, dict[str, dict[str, Any]]] = {}
        for quad in quads:
            graph = quad.graph_name
            if isinstance(graph, ox.DefaultGraph):
                nodes = default
            else:
                gid = (
                    f"_:{graph.value}"
                    if type(graph) is blank_node
                    else self.compact(graph.value, vocab=False)
                )
                nodes = named.setdefault(gid, {})
            subject = quad.subject
            if type(subject) is named_node:
                sid = ids.get(subject.value) or self.compact(subject.value, vocab=False)
            elif type(subject) is blank_node:
                sid = f"_:{subject.value}"
            else:
                raise RequestError(_NO_TRIPLE_TERMS, status=406)
            node = nodes.get(sid)
            if node is None:
                node = nodes[sid] = {"@id": sid}
            predicate, obj = quad.predicate.value, quad.object
            value: Any
            if type(obj) is literal:
                language, text = obj.language, obj.value
                direction = None if language is None else obj.direction
                if language is None:
                    plan_key = (predicate, "@type", obj.datatype.value)
                elif direction is None:
                    plan_key = (predicate, "@language", language)
                else:  # as pyoxigraph writes it; JSON-LD 1.1 readers drop it by default
                    key = self._key(predicate)
                    value = {"@value": text, "@language": language, "@direction": str(direction)}
                    _add(node, key, value)
                    continue
                key, form, extra = plans.get(plan_key) or self._plan(*plan_key)
                if form == _TEXT:
                    value = text
                elif form == _VALUE:
                    value = {"@value": text}
                elif form == _LANG:
                    value = {"@value": text, "@language": extra}
                else:
                    value = {"@value": text, "@type": extra}
            elif type(obj) is named_node:
                if predicate == RDF_TYPE:
                    key, value = "@type", types.get(obj.value) or self.compact(obj.value, vocab=True)
                else:
                    key, form, _ = plans.get((predicate, "@id", None)) or self._plan(predicate, "@id", None)
                    ref = ids.get(obj.value) or self.compact(obj.value, vocab=False)
                    value = ref if form == _REF else {"@id": ref}
            elif type(obj) is blank_node:
                key, form, _ = plans.get((predicate, "@id", None)) or self._plan(predicate, "@id", None)
                value = f"_:{obj.value}" if form == _REF else {"@id": f"_:{obj.value}"}
            else:
                raise RequestError(_NO_TRIPLE_TERMS, status=406)
            _add(node, key, value)
        for graph_id, nodes in named.items():
            holder = default.get(graph_id)
            if holder is None:
                holder = default[graph_id] = {"@id": graph_id}
            holder["@graph"] = [_unwrap(node) for node in nodes.values()]
        document = {"@context": self.document, "@graph": [_unwrap(node) for node in default.values()]}
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _add(node: dict[str, Any], key: str, value: Any) -> None:
    values = node.get(key)
    if values is None:
        node[key] = [value]
    else:
        values.append(value)


def _unwrap(node: dict[str, Any]) -> dict[str, Any]:
    """Single values without their array (as JSON-LD compaction writes them)."""
    for key, value in node.items():
        if isinstance(value, list) and len(value) == 1 and key != "@graph":
            node[key] = value[0]
    return node
