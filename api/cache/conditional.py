"""Validators and conditional requests (RFC 9110 §8.8, §13): entity tags, HTTP dates, and whether
an ``If-None-Match`` or ``If-Modified-Since`` header lets a server answer ``304``.

>>> tag = weak_tag("3-abc")
>>> tag
'W/"3-abc"'
>>> none_match('"x", W/"3-abc"', tag), none_match('"3-abc"', tag), none_match('"y"', tag)
(True, True, False)
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

_TAG = re.compile(r'\s*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


def weak_tag(opaque: str) -> str:
    """A weak entity tag: the answer is *equivalent* (same data, same format), not necessarily
    the same bytes (rows without ORDER BY, blank node labels)."""
    return f'W/"{opaque}"'


def body_tag(body: bytes) -> str:
    """A strong entity tag from the bytes of an answer.

    >>> body_tag(b"")
    '"e3b0c44298fc1c149afbf4c8996fb924"'
    """
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def none_match(header: str, tag: str, *, exists: bool = True) -> bool:
    """Whether ``If-None-Match: header`` matches ``tag`` by the weak comparison; ``*`` matches
    any tag of a representation that ``exists`` (not known before the application answered).

    A malformed header matches nothing (the full answer is sent).

    >>> none_match("*", '"a"'), none_match('"a,b", "c"', '"a,b"'), none_match('garbage', '"a"')
    (True, True, False)
    >>> none_match("*", '"a"', exists=False)
    False
    """
    header = header.strip()
    if header == "*":
        return exists
    want = _opaque(tag)[1:-1]
    pos = 0
    while pos < len(header):
        found = _TAG.match(header, pos)
        if found is None:
            return False
        if found[1] == want:
            return True
        pos = found.end()
    return False


@functools.lru_cache(maxsize=64)  # the versions' times, again and again
def http_date(when: datetime) -> str:
    """An HTTP date (IMF-fixdate) of an aware time, to the second.

    >>> http_date(datetime(2026, 12, 7, 1, 2, 3, 999, tzinfo=UTC))
    'Mon, 07 Dec 2026 01:02:03 GMT'
    """
    return format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=True)


def modified_since(header: str, modified: datetime) -> bool:
    """Whether a resource last modified at ``modified`` changed after ``If-Modified-Since: header``
    (an unreadable date counts as changed, as RFC 9110 says to ignore it).

    >>> when = datetime(2026, 12, 7, 1, 2, 3, 500, tzinfo=UTC)
    >>> modified_since("Mon, 07 Dec 2026 01:02:03 GMT", when), modified_since("yesterday", when)
    (False, True)
    >>> modified_since("Mon, 07 Dec 2026 01:02:02 GMT", when)
    True
    """
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return True
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified.replace(microsecond=0) > since
