"""How deep a document from outside nests, found cheaply before it is parsed.

Deep nesting costs the parsers far more than its size suggests (measured on pyoxigraph 0.5.13):
RDF/XML nested 20,000 deep (0.9 MB) takes 5-20 s to parse and 100,000 deep over a minute;
JSON-LD node objects nested 2,000 deep take 2 s, and 5,000 deep crash the process (a stack
overflow, SIGSEGV); Python's :mod:`json` raises RecursionError near 1,000. So RDF/XML and
JSON-LD are refused past :data:`MAX_DEPTH` levels, with the position of the first element or
bracket past it. (Turtle and TriG nest cheaply: 200,000 deep parses at their usual speed.)

>>> json_depth(b'{"a": [1, {"b": "[[["}]}')
3
>>> xml_depth(b'<a><b/><c><d>x</d></c></a>')
3
>>> refuse_deep_json(b'[[[]]]', limit=2)
Traceback (most recent call last):
...
kg.errors.RequestError: the JSON-LD document nests arrays and objects more than 2 deep (line 1, column 3)
"""

from __future__ import annotations

import re
from xml.parsers import expat

from kg.errors import RequestError

MAX_DEPTH = 256
"""The deepest nesting of elements (RDF/XML) or of arrays and objects (JSON-LD) read here."""

_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
"""A JSON string (skipped whole, brackets in it are text) or a bracket."""


class _TooDeep(Exception):
    """Raised inside expat's handler; carries the position."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column)
        self.line = line
        self.column = column


def _line_column(body: bytes, offset: int) -> tuple[int, int]:
    line_start = body.rfind(b"\n", 0, offset) + 1
    return body.count(b"\n", 0, offset) + 1, offset - line_start + 1


def json_depth(body: bytes, *, stop_past: int | None = None) -> int:
    """The deepest nesting of arrays and objects in a JSON text (0 for a bare value).

    A malformed text is measured as far as it goes: the parser reports what is wrong with it.

    :param stop_past: stop counting as soon as the depth passes this (the depth returned is then
        ``stop_past + 1``, and :func:`refuse_deep_json` knows where).
    """
    return _json_scan(body, stop_past)[0]


def _json_scan(body: bytes, stop_past: int | None) -> tuple[int, int]:
    """(deepest nesting, the offset where it passed ``stop_past``, or -1)."""
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(body):
        first = body[token.start()]
        if first in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_past is not None and depth > stop_past:
                    return depth, token.start()
        elif first in b"]}":
            depth -= 1
    return deepest, -1


def refuse_deep_json(body: bytes, *, limit: int = MAX_DEPTH, what: str = "JSON-LD") -> None:
    """Refuse a JSON text nested more than ``limit`` deep, naming where it passes the limit.

    :raises RequestError: 400.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return  # it cannot be deeper than its brackets, those in strings included
    _, offset = _json_scan(body, limit)
    if offset >= 0:
        line, column = _line_column(body, offset)
        raise RequestError(
            f"the {what} document nests arrays and objects more than {limit} deep (line {line}, "
            f"column {column})"
        )


def xml_depth(body: bytes, *, stop_past: int | None = None) -> int:
    """The deepest nesting of elements in an XML document (read by expat, no DTD processed).

    A malformed document is measured as far as it goes: the parser reports what is wrong with it.
    """
    return _xml_scan(body, stop_past)[0]


def _xml_scan(body: bytes, stop_past: int | None) -> tuple[int, tuple[int, int] | None]:
    depth = deepest = 0
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(_name: str, _attrs: object) -> None:
        nonlocal depth, deepest
        depth += 1
        if depth > deepest:
            deepest = depth
            if stop_past is not None and depth > stop_past:
                raise _TooDeep(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def doctype(*_: object) -> None:
        raise expat.ExpatError("a DOCTYPE")  # never read here: stop, the caller refuses it

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(body, True)
    except _TooDeep as exc:
        return deepest, (exc.line, exc.column)
    except expat.ExpatError:
        pass
    return deepest, None


def refuse_deep_xml(body: bytes, *, limit: int = MAX_DEPTH, what: str = "RDF/XML") -> None:
    """Refuse an XML document nested more than ``limit`` deep, naming where it passes the limit.

    :raises RequestError: 400.
    """
    if body.count(b"<") <= limit:
        return  # it cannot be deeper than its tags
    _, where = _xml_scan(body, limit)
    if where is not None:
        raise RequestError(
            f"the {what} document nests elements more than {limit} deep (line {where[0]}, column {where[1]})"
        )
