"""Repairs of the answers an engine returns in a lossy form: Virtuoso 7.2.5 writes booleans as
``1``/``0``, durations as a number of months and blank nodes as ``nodeID://`` IRIs, in SPARQL
JSON results and N-Triples (:meth:`kg.engine.profiles.Profile.repair` applies them where the
profile says so)."""

from __future__ import annotations

import json
import re
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"


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


def repair_json_results(body: bytes, booleans: frozenset[str] = frozenset()) -> bytes:
    """Repair every bound literal of a SPARQL JSON result (an ASK result is left as it is);
    integers 0 and 1 bound to the ``booleans`` variables become ``xsd:boolean``.

    Only the terms that may need it are read again: most answers hold no boolean, duration or
    blank node and are passed on as they came; in the others each such term object (a JSON
    object of string members, found between two braces) is read, repaired and written in its
    place. Braces or markers inside a literal's text never make a term: JSON escapes the quotes
    there, so such a span does not read as an object and is left alone. A query with boolean
    variables has the whole document read (the variable names the term).

    >>> repaired = repair_json_results(b'{"results": {"bindings": [{"b": {"type": "typed-literal", '
    ...     b'"datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1"}}]}}')
    >>> json.loads(repaired)["results"]["bindings"][0]["b"]["value"]
    'true'
    >>> repair_json_results(b'{"results": {"bindings": [{"s": {"type": "uri", "value": "a"}}]}}')
    b'{"results": {"bindings": [{"s": {"type": "uri", "value": "a"}}]}}'
    """
    if booleans:
        return _repair_document(body, booleans)
    marks = sorted(at for mark in _LOSSY for at in _offsets(body, mark))
    if not marks:
        return body
    pieces: list[bytes] = []
    done = 0  # bytes before this offset are in pieces
    for at in marks:
        if at < done:
            continue  # in a term already repaired
        start, end = body.rfind(b"{", done, at), body.find(b"}", at)
        if start == -1 or end == -1 or body.find(b"}", start, at) != -1 or body.find(b"{", at, end) != -1:
            continue  # not between two braces with none in between
        span = body[start : end + 1]
        repaired = _repair_span(span)
        if repaired is not span:
            pieces += [body[done:start], repaired]
            done = end + 1
    return b"".join([*pieces, body[done:]]) if pieces else body


_LOSSY = (b"XMLSchema#boolean", b"XMLSchema#duration", b'"bnode"')
"""What a term Virtuoso answers in a lossy form has in its JSON: a boolean or duration
datatype, or the blank node type."""


def _offsets(body: bytes, mark: bytes) -> list[int]:
    """Where ``mark`` occurs in ``body``."""
    found, at = [], body.find(mark)
    while at != -1:
        found.append(at)
        at = body.find(mark, at + len(mark))
    return found


def _repair_span(span: bytes) -> bytes:
    """One span between braces that names a lossy datatype, repaired if it reads as a term
    (else ``span`` itself)."""
    try:
        term = json.loads(span)
    except ValueError:
        return span
    if not isinstance(term, dict) or not all(isinstance(v, str) for v in term.values()):
        return span
    before = dict(term)
    repair_term(term)
    return span if term == before else json.dumps(term, ensure_ascii=False).encode("utf-8")


def _repair_document(body: bytes, booleans: frozenset[str]) -> bytes:
    """:func:`repair_json_results` over the whole document, read as JSON."""
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
