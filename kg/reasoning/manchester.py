"""OWL class expressions and property chains in the Manchester syntax, as the ontology page shows them.

The Manchester syntax (https://www.w3.org/TR/owl2-manchester-syntax/) is the OWL notation people
read: ``ckg:playsRole value ckg:anchorFinisherRole``, ``ckg:Cluster and (ckg:region some
ckg:Region)``. :func:`class_expression` reads one expression from its RDF form (a blank node of
the ontology graph: a restriction, a boolean combination, an enumeration, a data range) and
gives it as :class:`Token` s, each naming the IRI it stands for (so a page can link it); :func:`text`
joins them. :func:`property_chain` does the same for an ``owl:propertyChainAxiom`` list
(``org:hasMembership o ckg:cluster``).

Names are CURIEs with the given prefixes (by default the published ones, :data:`kg.namespaces.PREFIXES`),
the longest namespace that fits; an IRI no prefix fits, or whose local part is no valid CURIE
local name, is written ``<iri>``. Operands of ``and``, ``or``, ``not`` and the filler of a
restriction are put in parentheses unless they are atomic (a name, an enumeration, a datatype
restriction), as Protégé writes them, so that no reader needs the precedence rules.

Supported: ``owl:intersectionOf``, ``owl:unionOf``, ``owl:complementOf``, ``owl:oneOf``,
``owl:Restriction`` with ``owl:someValuesFrom`` (``some``), ``owl:allValuesFrom`` (``only``),
``owl:hasValue`` (``value``), ``owl:hasSelf`` (``Self``), ``owl:minCardinality`` /
``owl:maxCardinality`` / ``owl:cardinality`` (``min`` / ``max`` / ``exactly``) and their
qualified forms (``owl:onClass``, ``owl:onDataRange``), inverse properties (``inverse p``),
and the data ranges ``owl:datatypeComplementOf`` and ``owl:onDatatype`` with
``owl:withRestrictions`` (``xsd:integer[>= 0]``). Anything else, a cycle of blank nodes, or an
expression nested deeper than :data:`MAX_DEPTH` raises ``ValueError``: the caller shows the
Turtle instead.

>>> from rdflib import Graph
>>> g = Graph().parse(format="turtle", data='''
...     @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix ckg: <https://w3id.org/clusterkg/ontology#> .
...     ckg:AnchorEnterprise owl:equivalentClass
...         [ a owl:Restriction ; owl:onProperty ckg:playsRole ; owl:hasValue ckg:anchorFinisherRole ] .
...     ckg:usesTechnology owl:propertyChainAxiom ( ckg:participatesIn ckg:throughTechnology ) .''')
>>> text(class_expression(g, g.value(CKG.AnchorEnterprise, OWL.equivalentClass)))
'ckg:playsRole value ckg:anchorFinisherRole'
>>> text(property_chain(g, g.value(CKG.usesTechnology, OWL.propertyChainAxiom)))
'ckg:participatesIn o ckg:throughTechnology'
>>> [t.iri for t in property_chain(g, g.value(CKG.usesTechnology, OWL.propertyChainAxiom)) if t.iri]
['https://w3id.org/clusterkg/ontology#participatesIn', 'https://w3id.org/clusterkg/ontology#throughTechnology']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Node

from kg.namespaces import CKG, PREFIXES

__all__ = ["MAX_DEPTH", "Token", "class_expression", "curie", "property_chain", "text"]

MAX_DEPTH = 32
"""How deep an expression may nest (restrictions in restrictions...) before it is refused."""
MAX_LIST = 1000
"""How many members an RDF list may have (``owl:unionOf``, ``owl:oneOf``, a chain)."""

_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?|")
"""A local name that a CURIE may carry as it is (a subset of Turtle's PN_LOCAL)."""
_FACETS: dict[Node, str] = {
    XSD.minInclusive: ">=",
    XSD.minExclusive: ">",
    XSD.maxInclusive: "<=",
    XSD.maxExclusive: "<",
    XSD.length: "length",
    XSD.minLength: "minLength",
    XSD.maxLength: "maxLength",
    XSD.pattern: "pattern",
    URIRef(str(RDF) + "langRange"): "langRange",
}
_CARDINALITIES: tuple[tuple[Node, str, bool], ...] = (
    (OWL.minCardinality, "min", False),
    (OWL.maxCardinality, "max", False),
    (OWL.cardinality, "exactly", False),
    (OWL.minQualifiedCardinality, "min", True),
    (OWL.maxQualifiedCardinality, "max", True),
    (OWL.qualifiedCardinality, "exactly", True),
)
_BARE_NUMBERS = (XSD.integer, XSD.decimal)


@dataclass(frozen=True)
class Token:
    """A piece of an expression's text; ``iri`` is set when the piece names that IRI."""

    text: str
    iri: str | None = None


def text(tokens: tuple[Token, ...] | list[Token]) -> str:
    """The expression as one string.

    >>> text([Token("p", "http://e/p"), Token(" some "), Token("C", "http://e/C")])
    'p some C'
    """
    return "".join(t.text for t in tokens)


def curie(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """An IRI as ``prefix:local`` with the longest namespace that fits, else as ``<iri>``.

    >>> curie("https://w3id.org/clusterkg/ontology#Cluster"), curie("http://qudt.org/vocab/unit/PERCENT")
    ('ckg:Cluster', 'unit:PERCENT')
    >>> curie("https://example.org/x"), curie("http://www.w3.org/2006/time#in/valid")
    ('<https://example.org/x>', '<http://www.w3.org/2006/time#in/valid>')
    """
    best = ""
    for name, namespace in prefixes.items():
        if iri.startswith(namespace) and len(namespace) > len(prefixes.get(best, "")):
            best = name
    local = iri[len(prefixes[best]) :] if best else ""
    if best and _LOCAL.fullmatch(local):
        return f"{best}:{local}"
    return f"<{iri}>"


def class_expression(graph: Graph, node: Node, prefixes: Mapping[str, str] = PREFIXES) -> tuple[Token, ...]:
    """A class expression or data range of ``graph`` (an IRI, or a blank node and what hangs
    from it) in the Manchester syntax.

    >>> g = _example('''[] owl:intersectionOf ( ckg:Enterprise
    ...     [ owl:unionOf ( ckg:Cluster [ owl:complementOf ckg:Region ] ) ] ) .''')
    >>> text(class_expression(g, _root(g, OWL.intersectionOf)))
    'ckg:Enterprise and (ckg:Cluster or (not ckg:Region))'
    >>> g = _example('[] owl:oneOf ( ckg:finalAssembly ckg:marketing ) .')
    >>> text(class_expression(g, _root(g, OWL.oneOf)))
    '{ckg:finalAssembly, ckg:marketing}'

    :raises ValueError: when the node is no class expression this module reads (see the module
        docstring), holds a cycle of blank nodes or nests deeper than :data:`MAX_DEPTH`.
    """
    return tuple(_Writer(graph, prefixes).expression(node, 0, frozenset()))


def property_chain(graph: Graph, head: Node, prefixes: Mapping[str, str] = PREFIXES) -> tuple[Token, ...]:
    """The RDF list of an ``owl:propertyChainAxiom`` as ``p o q o r``.

    >>> g = _example('ckg:p owl:propertyChainAxiom ( [ owl:inverseOf ckg:stageOf ] ckg:platformOf ) .')
    >>> text(property_chain(g, g.value(CKG.p, OWL.propertyChainAxiom)))
    'inverse ckg:stageOf o ckg:platformOf'

    :raises ValueError: when the list is malformed or names no property.
    """
    writer = _Writer(graph, prefixes)
    tokens: list[Token] = []
    for i, item in enumerate(writer.members(head, frozenset())):
        if i:
            tokens.append(Token(" o "))
        tokens += writer.property(item)
    if not tokens:
        raise ValueError("an empty property chain")
    return tuple(tokens)


class _Writer:
    """Writes the tokens of expressions of one graph."""

    def __init__(self, graph: Graph, prefixes: Mapping[str, str]) -> None:
        self.graph = graph
        self.prefixes = prefixes

    def name(self, iri: URIRef) -> list[Token]:
        return [Token(curie(str(iri), self.prefixes), str(iri))]

    def expression(self, node: Node, depth: int, path: frozenset[Node]) -> list[Token]:
        """The tokens of the expression at ``node``; ``path``: the blank nodes above it."""
        if isinstance(node, URIRef):
            return self.name(node)
        if not isinstance(node, BNode):
            raise ValueError(f"{node!r} is no class expression")
        if node in path:
            raise ValueError("a class expression that contains itself (a cycle of blank nodes)")
        if depth >= MAX_DEPTH:
            raise ValueError(f"a class expression nested deeper than {MAX_DEPTH}")
        inner = path | {node}
        value = self.graph.value
        for predicate, word in ((OWL.intersectionOf, " and "), (OWL.unionOf, " or ")):
            members = value(node, predicate)
            if members is not None:
                operands = [self.operand(m, depth + 1, inner) for m in self.members(members, inner)]
                if len(operands) < 2:
                    raise ValueError(f"{predicate} needs two operands at least")
                return _joined(operands, word)
        for predicate in (OWL.complementOf, OWL.datatypeComplementOf):
            negated = value(node, predicate)
            if negated is not None:
                return [Token("not "), *self.operand(negated, depth + 1, inner)]
        listed = value(node, OWL.oneOf)
        if listed is not None:
            items = [self.individual(m) for m in self.members(listed, inner)]
            return [Token("{"), *_joined(items, ", "), Token("}")]
        datatype = value(node, OWL.onDatatype)
        if isinstance(datatype, URIRef):
            return self.datatype_restriction(node, datatype, inner)
        if value(node, OWL.onProperty) is not None:
            return self.restriction(node, depth, inner)
        raise ValueError("a blank node that is no class expression this page can write")

    def operand(self, node: Node, depth: int, path: frozenset[Node]) -> list[Token]:
        """An operand or filler: in parentheses unless atomic."""
        tokens = self.expression(node, depth, path)
        if self.atomic(node):
            return tokens
        return [Token("("), *tokens, Token(")")]

    def atomic(self, node: Node) -> bool:
        return isinstance(node, URIRef) or any(
            self.graph.value(node, p) is not None for p in (OWL.oneOf, OWL.onDatatype)
        )

    def restriction(self, node: BNode, depth: int, path: frozenset[Node]) -> list[Token]:
        value = self.graph.value
        prop = self.property(value(node, OWL.onProperty))
        filler = value(node, OWL.someValuesFrom)
        if filler is not None:
            return [*prop, Token(" some "), *self.operand(filler, depth + 1, path)]
        filler = value(node, OWL.allValuesFrom)
        if filler is not None:
            return [*prop, Token(" only "), *self.operand(filler, depth + 1, path)]
        filler = value(node, OWL.hasValue)
        if filler is not None:
            return [*prop, Token(" value "), *self.individual(filler)]
        if value(node, OWL.hasSelf) is not None:
            return [*prop, Token(" Self")]
        for predicate, word, qualified in _CARDINALITIES:
            count = value(node, predicate)
            if count is None:
                continue
            if not isinstance(count, Literal) or not str(count).isdigit():
                raise ValueError(f"a cardinality that is no whole number: {count!r}")
            tokens = [*prop, Token(f" {word} {int(str(count))}")]
            on = (value(node, OWL.onClass) or value(node, OWL.onDataRange)) if qualified else None
            if on is not None:
                tokens += [Token(" "), *self.operand(on, depth + 1, path)]
            return tokens
        raise ValueError("an owl:Restriction without some, only, value, Self or a cardinality")

    def property(self, node: Node | None) -> list[Token]:
        """A property expression: a property, or ``inverse p``."""
        if isinstance(node, URIRef):
            return self.name(node)
        inverse = self.graph.value(node, OWL.inverseOf) if isinstance(node, BNode) else None
        if isinstance(inverse, URIRef):
            return [Token("inverse "), *self.name(inverse)]
        raise ValueError(f"{node!r} is no property expression")

    def individual(self, node: Node) -> list[Token]:
        """An individual (by its name) or a literal, as a value or a member of an enumeration."""
        if isinstance(node, URIRef):
            return self.name(node)
        if isinstance(node, Literal):
            return [self.literal(node)]
        raise ValueError("an anonymous individual in a class expression")

    def literal(self, node: Literal) -> Token:
        """A literal: a bare integer or decimal, a quoted string with its language or datatype.

        >>> w = _Writer(Graph(), PREFIXES)
        >>> [w.literal(v).text for v in (Literal(3), Literal("a \\"b\\"", lang="en"), Literal(True))]
        ['3', '"a \\\\"b\\\\""@en', '"true"^^xsd:boolean']
        """
        lexical = str(node)
        if node.datatype in _BARE_NUMBERS and re.fullmatch(r"[+-]?[0-9]*\.?[0-9]+", lexical):
            return Token(lexical)
        quoted = '"' + lexical.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if node.language:
            return Token(f"{quoted}@{node.language}")
        if node.datatype is None or node.datatype == XSD.string:
            return Token(quoted)
        return Token(f"{quoted}^^{curie(str(node.datatype), self.prefixes)}", str(node.datatype))

    def datatype_restriction(self, node: BNode, datatype: URIRef, path: frozenset[Node]) -> list[Token]:
        """``xsd:integer[>= 0, <= 100]``."""
        facets: list[list[Token]] = []
        for item in self.members(self.graph.value(node, OWL.withRestrictions), path):
            pairs = [(p, o) for p, o in self.graph.predicate_objects(item) if p in _FACETS]
            limit = pairs[0][1] if len(pairs) == 1 else None
            if not isinstance(limit, Literal):
                raise ValueError("a datatype restriction whose facet is not one facet and a literal")
            facet = pairs[0][0]
            facets.append([Token(f"{_FACETS[facet]} "), self.literal(limit)])
        if not facets:
            raise ValueError("a datatype restriction without a facet")
        return [*self.name(datatype), Token("["), *_joined(facets, ", "), Token("]")]

    def members(self, head: Node | None, path: frozenset[Node]) -> Iterator[Node]:
        """The members of an RDF list, refusing a cycle, a break or a list longer than :data:`MAX_LIST`."""
        seen: set[Node] = set()
        node = head
        while node != RDF.nil:
            if node is None or node in seen or node in path or len(seen) >= MAX_LIST:
                raise ValueError("a malformed RDF list (broken, cyclic or too long)")
            seen.add(node)
            first = self.graph.value(node, RDF.first)
            if first is None:
                raise ValueError("a malformed RDF list (a node without rdf:first)")
            yield first
            node = self.graph.value(node, RDF.rest)


def _joined(parts: list[list[Token]], separator: str) -> list[Token]:
    tokens: list[Token] = []
    for i, part in enumerate(parts):
        if i:
            tokens.append(Token(separator))
        tokens += part
    return tokens


def _example(turtle: str) -> Graph:
    """A graph of Turtle with the owl, xsd and ckg prefixes (for the examples)."""
    head = f"@prefix owl: <{OWL}> . @prefix xsd: <{XSD}> . @prefix ckg: <{CKG}> ."
    return Graph().parse(format="turtle", data=f"{head} {turtle}")


def _root(graph: Graph, predicate: URIRef) -> Node:
    """The one subject of ``predicate`` in ``graph`` (for the examples)."""
    subject = next(graph.subjects(predicate, None))
    return subject
