"""SPARQL Update quad data and quad templates, read as TriG and instantiated per solution.

``INSERT DATA { ... }`` and a ``DELETE``/``INSERT`` template are SPARQL's quad syntax: triples,
and ``GRAPH <g> { ... }`` blocks. That is TriG once each run of triples outside a GRAPH block
is wrapped in braces (TriG needs a final dot at the top level, SPARQL does not) and each
variable is replaced by a placeholder IRI. So a template is parsed once, by pyoxigraph, into
quad patterns; per solution the placeholders are replaced by the solution's terms (pyoxigraph
terms, never text) and the template's blank nodes by fresh ones. As SPARQL 1.1 Update says,
a quad with an unbound variable, or with a term where RDF does not allow it (a literal as
subject, a blank node as graph name), is left out.

>>> template = Template.parse("PREFIX ex: <http://e/>", "?s ex:p ?o . GRAPH ex:g { ?s ex:q [] }")
>>> len(template.instantiate({"s": ox.NamedNode("http://e/a")}))  # ?o unbound: one quad left out
1
>>> len(template.instantiate({"s": ox.NamedNode("http://e/a"), "o": ox.Literal("1")}))
2
>>> template.instantiate({"s": ox.Literal("no subject"), "o": ox.Literal("1")})
[]
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import QueryError
from kg.sparql_text import decode_escapes, tokenize
from kg.terms import Term

GraphName = ox.NamedNode | ox.DefaultGraph

_OPEN = frozenset("{[(")
_CLOSE = frozenset("}])")


def to_trig(text: str, placeholder: str) -> tuple[str, list[str]]:
    """SPARQL quad data or a quad template as TriG, and the names of the variables in it.

    Variable number ``i`` becomes the IRI ``<{placeholder}{i}>``.

    >>> to_trig("?s <http://e/p> 1 . GRAPH <http://e/g> { ?s <http://e/p> 2 } .", "urn:v:")
    ('{<urn:v:0> <http://e/p> 1 .} GRAPH <http://e/g> { <urn:v:0> <http://e/p> 2 } ', ['s'])
    """
    text = decode_escapes(text)
    tokens = tokenize(text)
    names: list[str] = []
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), in text order
    depth = 0
    in_graph = False  # inside a top-level GRAPH block
    run_start: int | None = None  # offset where the current run of top-level triples began
    run_end = 0
    after_graph = False
    for tok in tokens:
        end = tok.offset + len(tok.text)
        if depth == 0 and not in_graph:
            if tok.keyword == "GRAPH":
                if run_start is not None:
                    edits.append((run_start, run_start, "{"))
                    edits.append((run_end, run_end, "}"))
                    run_start = None
                in_graph = True
            elif after_graph and tok.text == ".":
                edits.append((tok.offset, end, ""))  # SPARQL allows a dot after GRAPH {...}
                after_graph = False
                continue
            elif run_start is None:
                run_start = tok.offset
            after_graph = False
        if tok.kind == "VAR":
            name = tok.text[1:]
            if name not in names:
                names.append(name)
            edits.append((tok.offset, end, f"<{placeholder}{names.index(name)}>"))
        if tok.kind == "PUNCT" and tok.text in _OPEN:
            depth += 1
        elif tok.kind == "PUNCT" and tok.text in _CLOSE:
            depth -= 1
            if depth == 0 and in_graph:
                in_graph = False
                after_graph = True
        if depth == 0 and not in_graph and run_start is not None:
            run_end = end
    if run_start is not None:
        edits.append((run_start, run_start, "{"))
        edits.append((run_end, run_end, "}"))
    edits.sort(key=lambda e: (e[0], e[1]))
    out: list[str] = []
    last = 0
    for start, stop, replacement in edits:
        out.append(text[last:start])
        out.append(replacement)
        last = stop
    out.append(text[last:])
    return "".join(out), names


def parse_quads(
    prologue: str, text: str, *, what: str, placeholder: str | None = None
) -> tuple[list[ox.Quad], list[str]]:
    """Parse quad data (or a template, with a placeholder IRI prefix) into quads.

    :raises QueryError: when the text is not SPARQL quad data pyoxigraph can read.
    """
    prefix = placeholder or f"urn:uuid:{uuid.uuid4()}#v"
    trig, names = to_trig(text, prefix)
    try:
        quads = list(ox.parse(f"{prologue}\n{trig}", ox.RdfFormat.TRIG))
    except SyntaxError as exc:
        raise QueryError(f"cannot read the quads of {what}: {exc.msg}") from None
    return quads, names


def data_quads(prologue: str, text: str, *, what: str) -> list[ox.Quad]:
    """The quads of INSERT DATA or DELETE DATA (blank nodes renamed apart from the store's).

    :raises QueryError: for variables, or blank nodes in DELETE DATA.
    """
    quads, names = parse_quads(prologue, text, what=what)
    if names:
        raise QueryError(f"variables are not allowed in {what} (found ?{names[0]})")
    if what == "DELETE DATA" and any(_blank_nodes(q) for q in quads):
        raise QueryError("blank nodes are not allowed in DELETE DATA")
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}
    return [_rename(q, fresh) for q in quads] if any(_blank_nodes(q) for q in quads) else quads


def _blank_nodes(quad: ox.Quad) -> list[ox.BlankNode]:
    return [t for t in (quad.subject, quad.object, quad.graph_name) if isinstance(t, ox.BlankNode)]


def _rename(quad: ox.Quad, fresh: dict[ox.BlankNode, ox.BlankNode]) -> ox.Quad:
    def term(t: Term) -> Term:
        if isinstance(t, ox.BlankNode):
            return fresh.setdefault(t, ox.BlankNode())
        return t

    return ox.Quad(term(quad.subject), quad.predicate, term(quad.object), quad.graph_name)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Template:
    """A quad template parsed once: quad patterns whose variables are placeholder IRIs."""

    quads: tuple[ox.Quad, ...]
    names: tuple[str, ...]
    placeholder: str
    default_graph: GraphName

    @classmethod
    def parse(
        cls,
        prologue: str,
        text: str,
        *,
        what: str = "the template",
        default_graph: GraphName | None = None,
        allow_blank_nodes: bool = True,
    ) -> Template:
        """Parse a template; its default-graph quads go to ``default_graph`` (WITH's graph).

        :raises QueryError: when it cannot be read, or has blank nodes where none are allowed.
        """
        placeholder = f"urn:uuid:{uuid.uuid4()}#v"
        quads, names = parse_quads(prologue, text, what=what, placeholder=placeholder)
        if not allow_blank_nodes and any(_blank_nodes(q) for q in quads):
            raise QueryError(f"blank nodes are not allowed in {what}")
        return cls(tuple(quads), tuple(names), placeholder, default_graph or ox.DefaultGraph())

    def instantiate(self, solution: Mapping[str, Term]) -> list[ox.Quad]:
        """The quads of the template for one solution, with fresh blank nodes."""
        fresh: dict[ox.BlankNode, ox.BlankNode] = {}
        out: list[ox.Quad] = []
        for quad in self.quads:
            s, p, o, g = (
                self._bind(t, solution, fresh)
                for t in (quad.subject, quad.predicate, quad.object, quad.graph_name)
            )
            if isinstance(g, ox.DefaultGraph):
                g = self.default_graph
            if (
                isinstance(s, ox.NamedNode | ox.BlankNode)
                and isinstance(p, ox.NamedNode)
                and isinstance(o, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple)
                and isinstance(g, ox.NamedNode | ox.DefaultGraph)
            ):
                out.append(ox.Quad(s, p, o, g))
        return out

    def instantiate_all(self, solutions: Sequence[Mapping[str, Term]]) -> list[ox.Quad]:
        """The quads of the template for every solution, in order."""
        return [q for solution in solutions for q in self.instantiate(solution)]

    def _bind(
        self,
        term: Term | ox.DefaultGraph,
        solution: Mapping[str, Term],
        fresh: dict[ox.BlankNode, ox.BlankNode],
    ) -> Term | ox.DefaultGraph | None:
        if isinstance(term, ox.NamedNode) and term.value.startswith(self.placeholder):
            return solution.get(self.names[int(term.value[len(self.placeholder) :])])
        if isinstance(term, ox.BlankNode):
            return fresh.setdefault(term, ox.BlankNode())
        return term
