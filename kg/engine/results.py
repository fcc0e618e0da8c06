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

from kg import terms
from kg.engine import results_json
from kg.engine.jsonld import Compactor
from kg.errors import EngineError, NotAcceptable, QueryTimeout, ResultTooLarge
from kg.formats import rdf_format, results_format

RDF_TYPE = terms.RDF_TYPE.value
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_PN_PREFIX = re.compile(r"(?:[^\W\d_](?:[\w.-]*[\w-])?)?")
_TIMEOUT_WORDS = (b"timeout", b"timed out", b"time limit", b"cancelled")
_XML_FORBIDDEN = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def _incomplete(body: bytes, exc: Exception) -> EngineError:
    message = f"the engine's answer was incomplete or malformed: {exc}"
    tail = body[-2048:].lower()
    if any(word in tail for word in _TIMEOUT_WORDS):
        return QueryTimeout(f"the query timed out while its answer was being written; {message}")
    return EngineError(message)


def _value_too_large(exc: MemoryError) -> ResultTooLarge:
    """pyoxigraph's JSON results reader holds one token in a buffer of at most 16 MiB: a value
    longer than about 8 MiB fills it (a MemoryError that is not the machine's memory)."""
    if "buffer maximal size" not in str(exc):
        raise exc
    return ResultTooLarge(
        "a value in the result is larger than one value may be (about 8 MB); narrow the query "
        "(SUBSTR, STRLEN) or ask for fewer values"
    )


def _parse_results(body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    try:
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    except SyntaxError as exc:
        raise _incomplete(body, exc) from exc
    except MemoryError as exc:
        raise _value_too_large(exc) from None


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
    except MemoryError as exc:
        raise _value_too_large(exc) from None
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


def count_rows(body: bytes, *, engine_writer: bool = False) -> int:
    """The number of rows of a SPARQL Results JSON document (0 for an ASK result).

    It parses the whole document, so it also proves it complete; to count and convert in
    one pass, give :func:`convert_results` a ``max_rows``. With ``engine_writer``, as for
    :func:`convert_results`.

    :raises EngineError: if the document is incomplete or malformed.

    >>> count_rows(b'{"head":{"vars":["s"]},"results":{"bindings":[{},{}]}}')
    2
    """
    if engine_writer and len(body) <= results_json.TYPED_LIMIT:
        return _typed_rows(body) or 0
    parsed = _parse_results(body)
    if isinstance(parsed, ox.QueryBoolean):
        _check_boolean(body)
        return 0
    return _drain(body, parsed)


def _typed_rows(body: bytes) -> int | None:
    """:func:`kg.engine.results_json.rows`, its refusal an :class:`EngineError`."""
    try:
        return results_json.rows(body)
    except results_json.Error as exc:
        raise _incomplete(body, exc) from exc


def convert_results(
    body: bytes, target: str, *, max_rows: int | None = None, engine_writer: bool = False
) -> bytes:
    """Check a SPARQL Results JSON document to its end and write it as ``target``.

    ``target`` is the name of a results format (:data:`kg.formats.RESULT_FORMATS`): ``json`` (the
    body itself is returned once checked), ``xml``, ``csv`` or ``tsv``. Rows are counted in the same pass.

    :param max_rows: refuse a result with more rows than this.
    :param engine_writer: the document was written by Oxigraph's own writer (the managed
        engine): its terms are well-formed, and a JSON answer up to
        :data:`~kg.engine.results_json.TYPED_LIMIT` bytes is checked for its shape and its end
        only (:mod:`kg.engine.results_json`, five times faster); any other is read term by term.
    :raises EngineError: if the document is incomplete or malformed.
    :raises ResultTooLarge: if it has more than ``max_rows`` rows (status 413).

    >>> body = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'
    >>> convert_results(body, "csv")
    b'n\\r\\n1\\r\\n'
    >>> convert_results(b'{"head":{},"boolean":true}', "tsv")
    b'true'
    """
    fmt = results_format(target)
    if engine_writer and target == "json" and len(body) <= results_json.TYPED_LIMIT:
        rows = _typed_rows(body) or 0
        if max_rows is not None and rows > max_rows:
            raise _too_many(max_rows)
        return body
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
        raise _too_many(max_rows)
    return out


def _too_many(max_rows: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result has more than {max_rows} rows, the server's limit; narrow the query or add LIMIT",
    )


def _serialize_results(
    body: bytes, parsed: ox.QuerySolutions | ox.QueryBoolean, fmt: ox.QueryResultsFormat
) -> bytes:
    try:
        out = parsed.serialize(format=fmt)
    except SyntaxError as exc:  # the parser is lazy: a truncation shows while writing
        raise _incomplete(body, exc) from exc
    except MemoryError as exc:
        raise _value_too_large(exc) from None
    if out is None:  # pragma: no cover - only when an output stream is given
        raise ValueError("no output")
    return _xml_safe(out, "SPARQL Results XML") if fmt == ox.QueryResultsFormat.XML else out


def prefix_context(prefixes: Mapping[str, str]) -> dict[str, str]:
    """A JSON-LD context that declares prefixes, for :func:`convert_graph`'s ``jsonld_context``.

    >>> prefix_context({"ex": "http://example.org/"})
    {'ex': 'http://example.org/'}
    """
    return {name: iri for name, iri in prefixes.items() if name}


def check_graph(body: bytes, source_format: str) -> bytes:
    """An RDF document checked to its end and returned as it is (the answer's format is the
    engine's own: nothing to write again).

    :raises EngineError: if the document is incomplete or malformed.

    >>> check_graph(b'<http://example.org/a> <http://example.org/p> "1" .\\n', "ntriples")
    b'<http://example.org/a> <http://example.org/p> "1" .\\n'
    >>> check_graph(b'<http://example.org/a> <http://example.org/p> "1', "ntriples")
    Traceback (most recent call last):
    kg.errors.EngineError: the engine's answer was incomplete or malformed: ...
    """
    try:
        for _ in ox.parse(body, rdf_format(source_format), lenient=True):
            pass
    except SyntaxError as exc:
        raise _incomplete(body, exc) from exc
    return body


def convert_graph(
    body: bytes,
    source_format: str,
    target: str,
    *,
    prefixes: Mapping[str, str] | None = None,
    jsonld_context: Mapping[str, Any] | None = None,
) -> bytes:
    """Check an RDF document to its end and write it as ``target``.

    ``source_format`` and ``target`` are names of RDF formats (:data:`kg.formats.RDF_FORMATS`; the
    source is N-Triples or N-Quads in practice).

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
    source, fmt = rdf_format(source_format), rdf_format(target)
    if target == "jsonld" and jsonld_context is not None:
        compactor = Compactor(jsonld_context)
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
        raise NotAcceptable(f"the answer cannot be written as {target}: {exc}") from exc
    if out is None:  # pragma: no cover - only when an output stream is given
        raise ValueError("no output")
    if names and target in ("turtle", "trig"):
        out = _drop_unused_prefixes(out)
    elif target == "rdfxml":
        out = _xml_safe(out, "RDF/XML")
    if target == "rdfxml" and b"<oxprefix: " in out:
        # pyoxigraph's writer names a predicate it cannot split into namespace + local name
        # with an empty local name: not XML.
        raise NotAcceptable(
            "the answer cannot be written as RDF/XML: a predicate IRI does not end with an XML "
            "name; ask for Turtle, N-Triples or JSON-LD",
        )
    return out


def _xml_safe(out: bytes, what: str) -> bytes:
    """Fix what pyoxigraph's XML writers leave to the reader.

    A carriage return written raw reads back as a line feed (XML normalises line ends), so
    it is written as ``&#13;``; XML 1.0 cannot hold the other control characters at all.
    """
    if len(out.translate(None, _XML_FORBIDDEN)) != len(out):
        raise NotAcceptable(
            f"the answer has control characters that {what} cannot hold; ask for JSON, TSV or N-Triples",
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
