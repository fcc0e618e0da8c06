"""kg.engine.results_json: the shape check of SPARQL Results JSON refuses what pyoxigraph
refuses, over thousands of answers damaged at random (cut, spliced, given stray keys and
tokens), except the contents of a term's strings, which it leaves to the writer."""

from __future__ import annotations

import json
import random
import re

import pyoxigraph as ox
import pytest

from kg.engine import results_json
from tests.test_results import ASK_FALSE, ASK_TRUE, EMPTY, NO_VARIABLES, SELECT_ALL

TOKENS = [
    b'"type":"uri"',
    b'"type":"literal"',
    b'"type":"bnode"',
    b'"type":"triple"',
    b'"typed-literal"',
    b'"value":"x"',
    b'"value":{}',
    b'"xml:lang":"en"',
    b'"datatype":"http://x"',
    b'"datatype":5',
    b'"its:dir":"ltr"',
    b'"vars":["a"]',
    b'"link":[]',
    b'"head":{}',
    b'"results":{"bindings":[]}',
    b'"boolean":true',
    b"{}",
    b"[]",
    b",",
    b"null",
    b"Query timed out",
]
CONTENTS = re.compile(r"Invalid (uri value|datatype|bnode value|variable name|xml:lang value|its:dir value)")
"""pyoxigraph's refusals of what is inside a term's strings (not checked by the shape)."""


def by_pyoxigraph(body: bytes) -> int | str | None:
    """Rows, None (ASK) or the refusal's message, as the term-by-term reader gives them."""
    try:
        parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            document = json.loads(body)  # as kg.engine.results reads an ASK to its end
            if not isinstance(document, dict) or not isinstance(document.get("boolean"), bool):
                return "not an ASK result"
            return None
        return sum(1 for _ in parsed)
    except (SyntaxError, ValueError) as exc:
        return str(exc) or type(exc).__name__


def by_shape(body: bytes) -> int | str | None:
    try:
        return results_json.rows(body)
    except results_json.Error as exc:
        return str(exc)


def damaged(body: bytes, rnd: random.Random) -> bytes:
    out = bytearray(body)
    how = rnd.randrange(4)
    at = rnd.randrange(len(out) + 1)
    if how == 0:
        out[at:at] = rnd.choice(TOKENS)
    elif how == 1:
        out[at : at + rnd.randrange(1, 20)] = rnd.choice(TOKENS)
    elif how == 2:
        del out[at : at + rnd.randrange(1, 5)]
    else:
        del out[at:]
    return bytes(out)


@pytest.mark.parametrize(
    "body",
    [SELECT_ALL, ASK_TRUE, ASK_FALSE, NO_VARIABLES, EMPTY],
    ids=["all", "true", "false", "novars", "empty"],
)
def test_the_shape_check_refuses_what_pyoxigraph_refuses(body: bytes) -> None:
    rnd = random.Random(len(body))
    refused = 0
    for _ in range(2000):
        sample = damaged(body, rnd)
        expected, got = by_pyoxigraph(sample), by_shape(sample)
        if isinstance(expected, str):
            refused += 1
            if isinstance(got, str) or CONTENTS.search(expected):
                continue
        assert got == expected, (sample, expected, got)
    assert refused > 500  # the samples are mostly broken: the comparison is not vacuous


@pytest.mark.parametrize("body", [SELECT_ALL, ASK_TRUE, NO_VARIABLES, EMPTY])
def test_whole_answers_agree(body: bytes) -> None:
    assert by_shape(body) == by_pyoxigraph(body)


def test_a_triple_term_needs_a_triple() -> None:
    triple = b'{"type":"triple","value":{"subject":{"type":"uri","value":"http://a"},'
    triple += b'"predicate":{"type":"uri","value":"http://p"},"object":{"type":"literal","value":"o"}}}'
    good = b'{"head":{"vars":["t"]},"results":{"bindings":[{"t":' + triple + b"}]}}"
    assert results_json.rows(good) == 1
    for bad in (
        good.replace(b'"type":"triple","value":{', b'"type":"uri","value":{'),
        good.replace(b'"type":"literal","value":"o"', b'"type":"triple","value":"o"'),
        good.replace(b'"predicate"', b'"verb"'),
    ):
        with pytest.raises(results_json.Error):
            results_json.rows(bad)


def test_a_select_answer_names_its_variables() -> None:
    with pytest.raises(results_json.Error, match="names its variables"):
        results_json.rows(b'{"head":{},"results":{"bindings":[]}}')
    with pytest.raises(results_json.Error, match="not in the head"):
        results_json.rows(
            b'{"head":{"vars":["a"]},"results":{"bindings":[{"b":{"type":"uri","value":"x"}}]}}'
        )
    with pytest.raises(results_json.Error, match="'results' or 'boolean'"):
        results_json.rows(b'{"head":{"vars":[]}}')
