"""Fast lexical analysis of SPARQL text: the SERVICE and LOAD targets a request would reach, how
deep it nests, and the structure of SPARQL Update requests.

The engine (Oxigraph) runs SERVICE and LOAD against any URL and cannot be told not to, so the
policy layer reads every request first: :func:`inspect` finds every SERVICE and LOAD target,
:func:`enforce_federation` refuses those not on the allow-list, and :func:`split_update` gives
the operations of an update as source text, to compute what a write changes. rdflib's parser
takes about 20 ms a query; this reads a 2 KB query in a small fraction of a millisecond.

The analysis is a tokenizer plus a light structural pass, written to find *at least* every
target the engine would use (over-reporting only refuses a request). Where the SPARQL
specification and Oxigraph read the same text differently, the text is refused or both
readings are reported:

- ``\\uXXXX`` escapes are decoded over the whole text first (SPARQL 1.1 §19.2), but Oxigraph
  decodes them only inside strings and IRIs. When the text has escapes it is tokenized both
  ways; if both succeed and the tokens differ (``"\\u0022"``, ``"\\u005C"``, an escaped newline
  in a comment...), the request is refused with :class:`~kg.errors.QueryError`.
- Oxigraph matches keywords without a word boundary (``SERVICESILENT<x>{}`` and
  ``?s ?p trueSERVICE <x> {}`` run a SERVICE). Bare words that are not SPARQL keywords, and
  prefixed names whose prefix is not declared, are refused; a declared prefixed name that the
  engine could split into ``SERVICE`` plus a target (``SERVICEex:x {``) is reported as a SERVICE.
- Oxigraph allows dots in a local name only in one final group (``ex:a.b.SERVICE <x> {}`` is
  ``ex:a.b`` then a SERVICE): local names are read its way.
- A ``<`` is an IRI unless it follows an operand inside an expression, where it is the
  comparison operator (as in Oxigraph's parser: ``FILTER(?a<'x>')``).

Text that Oxigraph rejects may still be accepted here (and the reverse); what matters is that
every text the engine would run is either refused or has all its targets reported.

Oxigraph aborts (a stack overflow) on deeply nested text and on very long chains of operators
or pattern elements: the lexer measures both in its one pass, and :func:`inspect` refuses text
past the nesting limit (:mod:`~kg.sparql_text.nesting`) before the engine sees it.

The package: :mod:`~kg.sparql_text.grammar` (the token rules and word tables),
:mod:`~kg.sparql_text.lexer` (escapes, tokens and the nesting measure),
:mod:`~kg.sparql_text.nesting` (the nesting limits), :mod:`~kg.sparql_text.iris`
(BASE resolution), :mod:`~kg.sparql_text.reader` (the structural pass and its SERVICE targets),
:mod:`~kg.sparql_text.updates` (update operations and LOAD targets),
:mod:`~kg.sparql_text.inspection` (:func:`inspect`) and :mod:`~kg.sparql_text.federation` (the
allow-list). The names exported here are its public surface.
"""

from __future__ import annotations

from kg.sparql_text.federation import ALLOW_ANY, ALLOW_SETTING, enforce_federation, invalid_allow_entries
from kg.sparql_text.inspection import Inspection, inspect
from kg.sparql_text.inspection import Kind as Kind
from kg.sparql_text.iris import resolve_iri
from kg.sparql_text.lexer import Token, decode_escapes, tokenize
from kg.sparql_text.nesting import NESTING_LIMIT
from kg.sparql_text.reader import Form as Form
from kg.sparql_text.reader import LoadRef, ServiceRef
from kg.sparql_text.updates import UpdateOperation, split_update

__all__ = [
    "ALLOW_ANY",
    "ALLOW_SETTING",
    "NESTING_LIMIT",
    "Inspection",
    "LoadRef",
    "ServiceRef",
    "Token",
    "UpdateOperation",
    "decode_escapes",
    "enforce_federation",
    "inspect",
    "invalid_allow_entries",
    "resolve_iri",
    "split_update",
    "tokenize",
]
