"""The parameters of a query string (api/query_string.py): the same pairs as ``parse_qsl``
(which the application used before), for strings decoded in C and for the rest."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl, quote

import pytest

from api.query_string import MEMO_LIMIT, parameters
from kg.errors import RequestError

_PIECES = [
    "%",
    "%2",
    "%25",
    "%2B",
    "%2b",
    "%26",
    "%3D",
    "%20",
    "%7B",
    "%7b",
    "%zz",
    "%G1",
    "%D0",
    "%BF",
    "%D0%BF",
    "%E2%82",
    "%E2%82%AC",
    "%F0%9F%98%80",
    "%ff",
    "%00",
    "%5C",
    "%5Cx41",
    "\\",
    "\\x41",
    "\\\\",
    "\\%41",
    "+",
    "&",
    "&&",
    "=",
    "==",
    ";",
    "#",
    " ",
    "a",
    "query",
    "SELECT",
    "п",
    "€",
    "x",
    "41",
]


def _expected(raw: bytes) -> tuple[tuple[str, str], ...]:
    return tuple(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"&",
        b"query",
        b"query=",
        b"=x",
        b"a=1&b=2&a=3",
        b"query=ASK%20%7B%7D&timeout=",
        b"query=ASK+%7B%7D",
        b"q=%2B+%2b",
        b"q=%",
        b"q=%7",
        b"q=%zz",
        b"q=100%",
        b"q=\\x41",
        b"q=%5Cx41",
        b"q=a\\",
        b"q=%D0%BF",
        b"q=%D0",
        b"q=%E2%82",
        b"q=%00",
        b"q=a=b=c",
        b"q=a;b=c",
        "q=п%D0%BF".encode(),
    ],
)
def test_the_same_pairs_as_parse_qsl(raw: bytes) -> None:
    assert parameters(raw) == _expected(raw)


def test_random_strings_agree_with_parse_qsl() -> None:
    """10,000 strings built from escapes (good, truncated, not hexadecimal, not UTF-8), backslashes,
    separators and text, ASCII and not."""
    rng = random.Random(20261207)
    for _ in range(10_000):
        raw = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 24))).encode()
        assert parameters(raw) == _expected(raw), raw


def test_a_whole_query_round_trips() -> None:
    query = 'PREFIX ex: <http://example.org/>\nSELECT * { ?s ex:p "a+b%\\\\ п" } # 100%'
    raw = f"query={quote(query, safe='')}&timeout=5".encode()
    assert parameters(raw) == (("query", query), ("timeout", "5"))


def test_long_strings_are_parsed_too_and_not_kept() -> None:
    raw = b"query=" + b"%41" * MEMO_LIMIT
    first = parameters(raw)
    assert first == (("query", "A" * MEMO_LIMIT),)
    assert parameters(raw) is not first


def test_a_string_that_is_not_utf8_is_named() -> None:
    with pytest.raises(RequestError, match=r"byte 0xff at 2"):
        parameters(b"q=\xff")
