"""The parameters of a request's query string, parsed once per distinct string.

A SPARQL query in a URL is long and percent-encoded throughout, and ``parse_qsl`` decodes it
in Python a character at a time: for a point lookup that is a good part of what the layer
spends on a request, and the result cache and the ``/sparql`` route each needed it. Parsed here
once, the parameters are shared, and a repeated URL (the UI's tabs, a dashboard's named
queries, a permalink) is not parsed again. Only strings up to :data:`MEMO_LIMIT` bytes are
kept, so the memo holds at most ``MEMO_ENTRIES`` times that.

>>> parameters(b"query=ASK%20%7B%7D&timeout=")
(('query', 'ASK {}'), ('timeout', ''))
>>> parameters(b"q=%D0%BF") == parameters(b"q=\\xd0\\xbf") == (("q", "п"),)
True
>>> parameters(b"q=\\xff")
Traceback (most recent call last):
...
kg.errors.RequestError: the URL's query string is not UTF-8 text (byte 0xff at 2)
"""

from __future__ import annotations

import codecs
import functools
from urllib.parse import parse_qsl

from kg.errors import RequestError

MEMO_LIMIT = 8192
"""The longest query string whose parameters are kept for the next request with it."""
MEMO_ENTRIES = 1024

Parameters = tuple[tuple[str, str], ...]


def parameters(raw: bytes) -> Parameters:
    """The ``(name, value)`` pairs of a raw query string, in order, blank values kept.

    :raises RequestError: when the string is not UTF-8 (a 400 naming the byte).
    """
    if len(raw) <= MEMO_LIMIT:
        return _remembered(raw)
    return _parse(raw)


@functools.lru_cache(maxsize=MEMO_ENTRIES)
def _remembered(raw: bytes) -> Parameters:
    return _parse(raw)


def _parse(raw: bytes) -> Parameters:
    if raw.isascii():
        try:
            return _ascii_pairs(raw)
        except ValueError:  # a '%' not followed by two hexadecimal digits: parse_qsl keeps it
            pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(
            f"the URL's query string is not UTF-8 text (byte 0x{raw[exc.start]:02x} at {exc.start})"
        ) from None
    return tuple(parse_qsl(text, keep_blank_values=True))


def _ascii_pairs(raw: bytes) -> Parameters:
    """What ``parse_qsl(raw.decode(), keep_blank_values=True)`` gives for an ASCII string whose
    every ``%`` starts an escape, decoded in C: each escape ``%XY`` turned into the string escape
    ``\\xXY`` (backslashes doubled first, ``+`` a space) for ``codecs.escape_decode``.
    ``parse_qsl`` decodes escapes in Python a character at a time: 9 us for a point lookup's
    string, against 2 here.

    :raises ValueError: for a ``%`` that does not start an escape (``parse_qsl`` keeps it as is).
    """
    pairs = []
    for part in raw.split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            pairs.append((_unquote(name), _unquote(value)))
    return tuple(pairs)


def _unquote(raw: bytes) -> str:
    plain = raw.replace(b"+", b" ")
    if b"%" not in plain:
        return plain.decode("ascii")
    escaped = plain.replace(b"\\", b"\\\\").replace(b"%", b"\\x")
    return codecs.escape_decode(escaped)[0].decode("utf-8", "replace")
