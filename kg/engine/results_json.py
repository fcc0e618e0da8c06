"""The shape of a SPARQL Results JSON document, checked in one pass of a C decoder (msgspec).

An answer passed on to the client as the engine wrote it must still be read to its last byte
(:mod:`kg.engine.results`: the Oxigraph server can write an error text into a 200 body). Read
with pyoxigraph, that made a Python object per solution: 40-50 us for a 16-row lookup, the
largest single cost of a point lookup in the layer. msgspec decodes the same document against
the typed shape below in 8 us (measured on the 2.6 KB lookup answer), and refuses what
pyoxigraph refuses for an answer's structure: a truncated or malformed document, text after
it, a term of an unknown type or with an unknown key, a value of the wrong kind, a variable
bound but not named in the head. It does not check what is inside a term's strings (an IRI's
syntax, a blank node's identifier), as pyoxigraph does: it is used for the managed Oxigraph,
whose writer is pyoxigraph's own (:func:`kg.engine.results.convert_results`, ``engine_writer``);
the answers of other engines are read by pyoxigraph.

Its structs are not tracked by the garbage collector (``gc=False``: they hold no cycles), so
decoding an answer does not bring a collection nearer. Only documents up to
:data:`TYPED_LIMIT` bytes are decoded here: the decoder builds the whole
document at once, where pyoxigraph streams it (larger answers keep that path).

>>> rows(b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://a"}}]}}')
1
>>> rows(b'{"head":{},"boolean":true}') is None
True
>>> rows(b'{"head":{},"results":{"bindings":[{"s":{"type":"url","value":"x"}}]}}')
Traceback (most recent call last):
...
msgspec.ValidationError: Invalid value 'url' - at `$.results.bindings[0][...].type`
"""

from __future__ import annotations

import msgspec

TYPED_LIMIT = 1 << 20
"""The largest document checked here (1 MiB: at most a few tens of MB of Python objects, for
a moment)."""


class Triple(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An RDF 1.2 triple term's value."""

    subject: Term
    predicate: Term
    object: Term


class Iri(msgspec.Struct, tag_field="type", tag="uri", forbid_unknown_fields=True, gc=False):
    """An IRI."""

    value: str


class Literal(msgspec.Struct, tag_field="type", tag="literal", forbid_unknown_fields=True, gc=False):
    """A literal, with a language tag (and a direction) or a datatype."""

    value: str
    lang: str | None = msgspec.field(default=None, name="xml:lang")
    datatype: str | None = None
    direction: str | None = msgspec.field(default=None, name="its:dir")


class TypedLiteral(Literal, tag="typed-literal"):
    """A literal under SPARQL-JSON's older name for one with a datatype."""


class BlankNode(msgspec.Struct, tag_field="type", tag="bnode", forbid_unknown_fields=True, gc=False):
    """A blank node."""

    value: str


class TripleTerm(msgspec.Struct, tag_field="type", tag="triple", forbid_unknown_fields=True, gc=False):
    """A triple term."""

    value: Triple


Term = Iri | Literal | TypedLiteral | BlankNode | TripleTerm


class Head(msgspec.Struct, gc=False):
    """The variables (and links) of an answer."""

    vars: list[str] | None = None
    link: list[str] = []


class Bindings(msgspec.Struct, gc=False):
    """The solutions of a SELECT."""

    bindings: list[dict[str, Term]]


class Document(msgspec.Struct, gc=False):
    """A SELECT's solutions or an ASK's boolean."""

    head: Head = msgspec.field(default_factory=Head)
    results: Bindings | None = None
    boolean: bool | None = None


_DECODER = msgspec.json.Decoder(Document)
Error = msgspec.DecodeError
"""What :func:`rows` raises for a document that is not SPARQL Results JSON (its subclass
``ValidationError`` for a well-formed JSON text of the wrong shape)."""


def rows(body: bytes) -> int | None:
    """The number of solutions of a SELECT answer, or None for an ASK answer.

    :raises Error: when ``body`` is not one whole SPARQL Results JSON document.
    """
    document = _DECODER.decode(body)
    if document.boolean is not None:  # as pyoxigraph reads it, whatever else it holds
        return None
    if document.results is not None:
        solutions = document.results.bindings
        if document.head.vars is None:
            raise msgspec.ValidationError("a SELECT answer names its variables ('head': {'vars': [...]})")
        unnamed = set().union(*solutions).difference(document.head.vars)
        if unnamed:
            raise msgspec.ValidationError(f"variables bound but not in the head: {sorted(unnamed)[:5]}")
        return len(solutions)
    raise msgspec.ValidationError("a results document has 'results' or 'boolean'")
