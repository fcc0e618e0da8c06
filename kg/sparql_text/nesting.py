"""The nesting limits: text nested too deep for the engine is refused before it reaches it.

Oxigraph's parser, optimizer and evaluator recurse once per level of nesting, and once per
element of a chain that they fold into a tree (``1+1+1...``, ``{} UNION {} UNION {}...``, a
run of BIND or MINUS, a long basic graph pattern): past some depth a thread overflows its
2 MiB stack and the whole server aborts (SIGABRT), failing every request it was serving.
Measured on the shipped engine (Oxigraph 0.5.13; ``bench/bench_nesting.py`` and
``tests/test_nesting.py`` find the depths again), in our units (levels; chain elements):

- on an empty store, in parsing: ``FILTER EXISTS {`` at about 830, nested function calls
  950, ``{`` 2,200, OPTIONAL, MINUS, GRAPH and subqueries 2,500 to 2,900, parentheses 4,600,
  a run of ``!`` 9,300; chains of BIND or MINUS 2,600, ``+`` and UNION 6,500, ``||`` 9,300;
- over data (the built founding case), where every solution runs through the whole tree, and
  at random (a depth crashes one run in three and not the next): ``?s ?p ?o FILTER EXISTS {``
  nested from about 220, nested function calls from about 250; a chain of BIND from about 640,
  of ``+`` or UNION from about 1,500 to 2,000. A 100 KB text holds far deeper ones.

The lexer measures both while it tokenizes (:class:`~kg.sparql_text.lexer.Nesting`); brackets
inside strings, IRIs and comments are not brackets to it. :func:`check_nesting` refuses a text
that nests deeper than the nesting limit (:data:`NESTING_LIMIT` unless the setting
``CLUSTERKG_QUERY_NESTING_LIMIT`` says otherwise) or chains more than :data:`CHAIN_FACTOR` times
as many elements, and names the construct and where it passes the limit. The defaults keep
four times the deepest text allowed, of every construct measured, below the shallowest crash.
"""

from __future__ import annotations

from kg.errors import QueryError
from kg.sparql_text.lexer import Nesting, Tok, position

__all__ = ["CHAIN_FACTOR", "NESTING_LIMIT", "chain_limit", "check_nesting"]

NESTING_LIMIT = 32
"""Default deepest nesting (brackets; a run of unary ``!`` adds its length): 1/7 of the shallowest crash."""

CHAIN_FACTOR = 4
"""The chain limit is this many times the nesting limit (128 by default: 1/5 of the shortest crash)."""

_GROUP_WORDS = frozenset({"OPTIONAL", "MINUS", "UNION", "EXISTS", "LATERAL", "GRAPH", "SERVICE"})


def chain_limit(nesting_limit: int) -> int:
    """The longest chain allowed with a nesting limit.

    >>> chain_limit(NESTING_LIMIT)
    128
    """
    return nesting_limit * CHAIN_FACTOR


def _word(toks: list[Tok], i: int) -> str | None:
    return toks[i][1].upper() if 0 <= i < len(toks) and toks[i][0] == "KEYWORD" else None


def _construct(toks: list[Tok], i: int) -> str:
    """What the token at index i opens, in words: '!' operators, parentheses, OPTIONAL groups..."""
    text = toks[i][1]
    if text == "!":
        return "'!' operators"
    if text == "(":
        return "parentheses"
    if text == "[":
        return "brackets"
    if _word(toks, i + 1) == "SELECT":
        return "subqueries"
    # The word before the '{', or before the target of GRAPH and SERVICE (SILENT).
    for back in (1, 2, 3):
        word = _word(toks, i - back)
        if word in _GROUP_WORDS and (back == 1 or word in ("GRAPH", "SERVICE")):
            return f"{'NOT EXISTS' if word == 'EXISTS' and _word(toks, i - 2) == 'NOT' else word} groups"
        if back > 1 and word != "SILENT":
            break
    return "braces"


def check_nesting(kind: str, text: str, toks: list[Tok], nesting: Nesting, limit: int) -> None:
    """Refuse a text whose nesting (measured by the lexer with these limits) passes them.

    ``kind`` is "query" or "update", for the message. Raises :class:`~kg.errors.QueryError`.

    >>> from kg.sparql_text.lexer import lex
    >>> text = "SELECT * { FILTER(" + "(" * 100 + "1" + ")" * 100 + ") }"
    >>> _, toks, _, nesting = lex(text, depth_limit=32, chain_limit=chain_limit(32))
    >>> check_nesting("query", text, toks, nesting, 32)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: the query nests parentheses 102 deep at line 1, column 49; the limit is 32
    """
    if nesting.deep_at >= 0:
        at = position(text, toks[nesting.deep_at][2])
        what = _construct(toks, nesting.deep_at)
        raise QueryError(f"the {kind} nests {what} {nesting.depth} deep at {at}; the limit is {limit}")
    if nesting.long_at >= 0:
        longest = chain_limit(limit)
        opener = toks[nesting.long_at][1]
        where = {"(": "parentheses", "[": "brackets"}.get(opener, "group")
        at = position(text, toks[nesting.long_at][2])
        raise QueryError(
            f"the {kind} chains {nesting.chain} operators or pattern elements, in the {where} at {at};"
            f" the limit is {longest}: split it, or use IN or VALUES for a long list of alternatives"
        )
