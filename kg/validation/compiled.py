"""The SHACL shapes compiled into SPARQL SELECT queries, run by Oxigraph over a whole store.

pySHACL runs at a few hundred triples a second, too slow for the bulk path's 10M triples
(:mod:`kg.bulk`). Here each constraint of each shape becomes one SELECT query that returns
the focus nodes (and value nodes) that violate it, evaluated by Oxigraph over the union of a
store's graphs: a full, cross-graph validation of every focus node in one query per constraint.

What is compiled
    The constraint components in :data:`SUPPORTED` (those the shapes of ``ontology/shapes``
    use: value type, cardinality, value range, string, property pair, logical, qualified and
    SPARQL-based constraints) with the targets ``sh:targetClass`` (and implicit class
    targets), ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, ``sh:targetNode`` and every
    kind of property path. Any other ``sh:`` term in the shapes graph is refused at compile
    time with :class:`Unsupported` (never skipped): extend the compiler before using it.

How the text is made
    Only from RDF terms of the shapes graph serialised by rdflib (``n3()``: IRIs, literals
    with their datatype or language, escaped) and fixed SPARQL syntax; the SPARQL-based
    constraints' own ``sh:select`` text (from the shapes files, never from a user) is used with
    ``$this`` renamed to ``?this`` and joined with the shape's targets. Each value constraint is
    a boolean expression "node ?v fails" (``NOT EXISTS``/``EXISTS`` patterns, ``sameTerm``,
    ``REGEX``, ``COALESCE`` for errors, which count as failures as in SHACL), so nested shapes
    (``sh:not``, ``sh:or``, ``sh:and``, ``sh:xone``, ``sh:qualifiedValueShape``) are
    expressions of expressions. Cardinalities test whether n pairwise distinct values exist.

What the queries see
    The store's default graph as the union of its named graphs (``use_default_graph_as_union``):
    the caller leaves out what pySHACL would not see (the inferred graph), as
    :mod:`kg.validation.shacl` validates the union of the data's graphs with the ontology and
    no inference. ``tests/test_compiled_shapes.py`` checks the verdicts against pySHACL.

Datatypes
    ``sh:datatype`` also refuses an ill-typed literal, as pySHACL does: Oxigraph keeps a
    literal it cannot read as its datatype as written, and its text is checked against the
    XSD lexical form of the datatypes in :data:`LEXICAL` (other datatypes: the datatype only).

Size: the compiler is one unit (the expression builders call each other for nested shapes).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import as_completed
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from kg import background
from kg.errors import KgError, Violation
from kg.validation import joins
from kg.validation.report import _term, path_text


class Unsupported(KgError):
    """A shape uses SHACL the compiler does not translate (refused, never skipped)."""


_VALUE: tuple[str, ...] = ("class", "datatype", "nodeKind", "minInclusive", "maxInclusive", "minExclusive")
_VALUE += ("maxExclusive", "pattern", "in", "languageIn", "not", "or", "and", "xone", "node")
SUPPORTED: frozenset[URIRef] = frozenset(
    SH[f"{name[0].upper()}{name[1:]}ConstraintComponent"]
    for name in (*_VALUE, "minCount", "maxCount", "hasValue", "uniqueLang", "equals", "qualifiedMinCount")
) | {SH.SPARQLConstraintComponent}
"""The constraint components the compiler translates."""

STRUCTURE: frozenset[URIRef] = frozenset(
    SH[name]
    for name in [
        "path",
        "alternativePath",
        "inversePath",
        "zeroOrMorePath",
        "oneOrMorePath",
        "zeroOrOnePath",
        "property",
        "targetClass",
        "targetSubjectsOf",
        "targetObjectsOf",
        "targetNode",
        "message",
        "severity",
        "name",
        "description",
        "order",
        "group",
        "defaultValue",
        "sparql",
        "select",
        "prefixes",
        "declare",
        "prefix",
        "namespace",
        "qualifiedValueShape",
        "flags",
    ]
)
"""The other ``sh:`` predicates the compiler reads (paths, targets, messages, parameters)."""

_PARAMETERS = {SH[n]: SH[f"{n[0].upper()}{n[1:]}ConstraintComponent"] for n in (*_VALUE, "hasValue")}
_PARAMETERS |= {SH.minCount: SH.MinCountConstraintComponent, SH.maxCount: SH.MaxCountConstraintComponent}
_PARAMETERS |= {SH.uniqueLang: SH.UniqueLangConstraintComponent, SH.equals: SH.EqualsConstraintComponent}
_PARAMETERS |= {SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent}

LEXICAL: dict[URIRef, str] = {
    XSD.integer: r"^\s*[+-]?[0-9]+\s*$",
    XSD.nonNegativeInteger: r"^\s*(\+?[0-9]+|-0+)\s*$",
    XSD.positiveInteger: r"^\s*\+?0*[1-9][0-9]*\s*$",
    XSD.decimal: r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$",
    XSD.boolean: r"^\s*(true|false|1|0)\s*$",
    XSD.gYear: r"^\s*-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?\s*$",
    XSD.gYearMonth: r"^\s*-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?\s*$",
    XSD.date: r"^\s*-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?\s*$",
    XSD.duration: r"^\s*-?P([0-9]+Y)?([0-9]+M)?([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?\s*$",
}
"""The XSD lexical forms checked for ``sh:datatype`` (a literal of another form is ill-typed)."""

_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_INSTANCE = f"{RDF.type.n3()}/{RDFS.subClassOf.n3()}*"
_THIS = re.compile(r"\$this\b")
_SUBCLASSES = re.compile(r"%%SUBCLASSES(-VALUES)? (<[^<>\s]*>)%%")
"""Where :func:`run` writes the subclasses of a class, read from the store (an ``IN`` list, or
with ``-VALUES`` the terms of a ``VALUES`` block)."""
_TOP = ("?this", "?value")
"""The variables a check binds to every focus node (and value node) before its filter: an
``EXISTS`` about them is evaluated once for all nodes (:meth:`Compiler.exists`)."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT of ``?this`` (and ``?value``, ``?path``) that violate it.

    ``query`` evaluates the constraint set-wise (for many focus nodes); ``per_node``, where
    given, says the same node by node, cheaper for at most :data:`PER_NODE_MAX` focus nodes,
    those that ``focus`` selects (:func:`run` counts them and picks one of the two).
    """

    shape: str
    component: str
    constraint: str | None
    path: str | None
    severity: str
    message: str
    query: str
    has_value: bool
    per_node: str = ""
    focus: str = ""


@dataclass
class Compiler:
    """Compiles a shapes graph into :class:`Check` queries (:func:`compile_shapes`)."""

    shapes: Graph
    checks: list[Check] = field(default_factory=list)
    _fresh: int = 0
    _hoisted: list[str] | None = None

    def var(self) -> str:
        """A new variable name."""
        self._fresh += 1
        return f"?_v{self._fresh}"

    def refuse_unknown(self) -> None:
        """Refuse any ``sh:`` predicate the compiler does not read."""
        known = STRUCTURE | set(_PARAMETERS) | {SH.deactivated}
        for s, p, o in self.shapes:
            if str(p).startswith(str(SH)) and p not in known:
                raise Unsupported(f"shape {s.n3()} uses {p.n3()}: the SHACL compiler does not translate it")
            if p == SH.deactivated and o != Literal(False):
                raise Unsupported(
                    f"shape {s.n3()} is deactivated: the compiler does not translate sh:deactivated"
                )
            if p == SH.qualifiedValueShape and self.shapes.value(s, SH.qualifiedMinCount) is None:
                raise Unsupported(f"shape {s.n3()}: sh:qualifiedValueShape without sh:qualifiedMinCount")

    # -- paths and targets --------------------------------------------------------------

    def path(self, node: Node) -> str:
        """A SHACL property path as a SPARQL property path."""
        g = self.shapes
        if isinstance(node, URIRef):
            return node.n3()
        if (node, RDF.first, None) in g:
            return "(" + "/".join(self.path(p) for p in Collection(g, node)) + ")"
        if (alternatives := g.value(node, SH.alternativePath)) is not None:
            return "(" + "|".join(self.path(p) for p in Collection(g, alternatives)) + ")"
        unary = {SH.inversePath: "^({})", SH.zeroOrMorePath: "({})*", SH.oneOrMorePath: "({})+"}
        unary[SH.zeroOrOnePath] = "({})?"
        for predicate, template in unary.items():
            if (inner := g.value(node, predicate)) is not None:
                return template.format(self.path(inner))
        raise Unsupported(f"a property path the compiler does not translate: {node.n3()}")

    def targets(self, shape: Node, parents: Iterable[Node]) -> list[str]:
        """The target patterns of a shape (``?this`` bound to each focus node), its parents' too."""
        g, found = self.shapes, []
        for owner in (shape, *parents):
            for c in g.objects(owner, SH.targetClass):
                found.append(f"?this {_INSTANCE} {c.n3()} .")
            if any((owner, RDF.type, k) in g for k in (RDFS.Class, OWL.Class)):
                found.append(f"?this {_INSTANCE} {owner.n3()} .")
            for p in g.objects(owner, SH.targetSubjectsOf):
                found.append(f"?this {p.n3()} {self.var()} .")
            for p in g.objects(owner, SH.targetObjectsOf):
                found.append(f"{self.var()} {p.n3()} ?this .")
            for n in g.objects(owner, SH.targetNode):
                found.append(f"VALUES ?this {{ {n.n3()} }}")
        return found

    # -- expressions: "node v fails" ----------------------------------------------------

    def exists(
        self,
        x: str,
        block: Callable[[], str],
        set_block: Callable[[], str] | None = None,
        having: str = "",
        group: str = "",
    ) -> str:
        """``EXISTS { block }``: the node ``x`` has a solution of the block (its other variables
        its own).

        At the top of a check (while :meth:`hoisting`, ``x`` the check's ``?this`` or ``?value``)
        the block is instead evaluated once for all nodes, as ``OPTIONAL { SELECT DISTINCT x
        (true AS ?flag) WHERE { set_block } [GROUP BY x HAVING (having)] }`` put beside the
        check's patterns, and the expression is ``BOUND(?flag)``: the same truth value (the
        block binds ``x`` and otherwise only its own variables), but Oxigraph joins the two by
        hashing instead of running the block once per node with an index lookup (at 10M triples
        one lookup per node took 25-40 us: 26 s for one ``sh:class`` check, 0.9 s this way).
        ``set_block`` (default: ``block``) with ``having`` (and more ``group`` keys) say the same
        set-wise (a count ``HAVING (COUNT(DISTINCT ?v) >= n)`` instead of n pairwise distinct
        values).
        """
        if self._hoisted is None or x not in _TOP:
            return f"EXISTS {{ {block()} }}"
        flag = f"?_e{self._next()}"
        grouped = f" GROUP BY {x}{' ' + group if group else ''} HAVING ({having})" if having else ""
        inner = (set_block or block)()
        select = f"SELECT DISTINCT {x} (true AS {flag}) WHERE {{ {inner} }}{grouped}"
        self._hoisted.append(f"OPTIONAL {{ {select} }}")
        return f"BOUND({flag})"

    def _next(self) -> int:
        self._fresh += 1
        return self._fresh

    def hoisting(self, build: Callable[[], str]) -> tuple[str, str]:
        """``build()`` (an expression of a check's ``?this``/``?value``) and the ``OPTIONAL``
        blocks its ``EXISTS`` about those became (:meth:`exists`)."""
        self._hoisted = []
        try:
            expression = build()
            return expression, " ".join(self._hoisted)
        finally:
            self._hoisted = None

    def fails(self, shape: Node, v: str) -> str:
        """A boolean expression: the node ``v`` does not conform to ``shape``."""
        g = self.shapes
        if (shape, SH.sparql, None) in g:
            raise Unsupported(f"a SPARQL constraint in a nested shape ({shape.n3()})")
        path = g.value(shape, SH.path)
        parts: list[str] = []
        if path is None:
            parts += [self.value_fails(shape, p, o, v) for p, o in self._value_parameters(shape)]
            if (value := g.value(shape, SH.hasValue)) is not None:
                parts.append(f"!sameTerm({v}, {value.n3()})")
            parts += [self.fails(p, v) for p in g.objects(shape, SH.property)]
        else:
            p, x = self.path(path), self.var()
            each = [self.value_fails(shape, q, o, x) for q, o in self._value_parameters(shape)]
            each += [self.fails(s, x) for s in g.objects(shape, SH.property)]
            if each:
                parts.append(self.exists(v, lambda: f"{v} {p} {x} FILTER({' || '.join(_cheap_first(each))})"))
            parts += [self.focus_fails(shape, q, o, v, p) for q, o in g.predicate_objects(shape)]
        parts = _cheap_first([part for part in parts if part])
        return "(" + " || ".join(parts) + ")" if parts else "false"

    def _value_parameters(self, shape: Node) -> Iterator[tuple[URIRef, Node]]:
        for p, o in self.shapes.predicate_objects(shape):
            if isinstance(p, URIRef) and p in _PARAMETERS and str(p)[len(str(SH)) :] in _VALUE:
                yield p, o

    def value_fails(self, shape: Node, parameter: URIRef, o: Node, v: str) -> str:
        """The value node ``v`` fails the value constraint ``parameter o`` of ``shape``."""
        g = self.shapes
        if parameter == SH["class"]:
            if not isinstance(o, URIRef):
                raise Unsupported(f"sh:class {o.n3()} of {shape.n3()}: a class that is not an IRI")
            t, kind = self.var(), RDF.type.n3()
            return "!" + self.exists(
                v,
                lambda: f"{v} {kind} {t} FILTER({t} IN (%%SUBCLASSES {o.n3()}%%))",
                lambda: f"VALUES {t} {{ %%SUBCLASSES-VALUES {o.n3()}%% }} {v} {kind} {t}",
            )
        if parameter == SH.datatype:
            if o == RDF.langString:
                return f'!COALESCE(isLiteral({v}) && LANG({v}) != "", false)'
            ok = f'isLiteral({v}) && sameTerm(DATATYPE({v}), {o.n3()}) && LANG({v}) = ""'
            if isinstance(o, URIRef) and o in LEXICAL:
                ok += f" && REGEX(STR({v}), {Literal(LEXICAL[o]).n3()})"
            return f"!COALESCE({ok}, false)"
        if parameter == SH.nodeKind:
            if not isinstance(o, URIRef) or o not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {o.n3()} of {shape.n3()}")
            return "!" + _NODE_KINDS[o].format(v=v)
        comparisons = {
            SH.minInclusive: ">=",
            SH.maxInclusive: "<=",
            SH.minExclusive: ">",
            SH.maxExclusive: "<",
        }
        if parameter in comparisons:
            return f"!COALESCE({v} {comparisons[parameter]} {o.n3()}, false)"
        if parameter == SH.pattern:
            flags = g.value(shape, SH.flags)
            args = o.n3() + (f", {flags.n3()}" if flags is not None else "")
            return f"!COALESCE(REGEX(STR({v}), {args}), false)"
        if parameter == SH["in"]:
            members = [f"sameTerm({v}, {m.n3()})" for m in Collection(g, o)]
            return "!(" + (" || ".join(members) or "false") + ")"
        if parameter == SH.languageIn:
            tags = [f"langMatches(LANG({v}), {Literal(str(t)).n3()})" for t in Collection(g, o)]
            return "!COALESCE(" + (" || ".join(tags) or "false") + ", false)"
        if parameter == SH["not"]:
            return f"!{self.fails(o, v)}"
        if parameter == SH["or"]:
            return "(" + " && ".join(_cheap_first([self.fails(s, v) for s in Collection(g, o)])) + ")"
        if parameter == SH["and"]:
            return "(" + " || ".join(_cheap_first([self.fails(s, v) for s in Collection(g, o)])) + ")"
        if parameter == SH.xone:
            return "((" + " + ".join(f"IF({self.fails(s, v)}, 0, 1)" for s in Collection(g, o)) + ") != 1)"
        if parameter == SH.node:
            return self.fails(o, v)
        raise Unsupported(f"{parameter.n3()} of {shape.n3()}")  # pragma: no cover - _VALUE is handled

    def at_least(self, x: str, path: str, n: int, condition: Callable[[str], str] | None = None) -> str:
        """``x`` has at least ``n`` pairwise distinct values along ``path`` (that meet ``condition``)."""
        if n <= 0:
            return "true"

        def pairwise() -> str:
            values = [self.var() for _ in range(n)]
            tests = [f"!sameTerm({a}, {b})" for i, a in enumerate(values) for b in values[i + 1 :]]
            tests += [condition(v) for v in values] if condition else []
            pattern = " ".join(f"{x} {path} {v} ." for v in values)
            return f"{pattern} FILTER({' && '.join(tests) or 'true'})"

        one = self.var()

        def counted() -> str:
            return f"{x} {path} {one} ." + (f" FILTER({condition(one)})" if condition else "")

        return self.exists(x, pairwise, counted, f"COUNT(DISTINCT {one}) >= {n}" if n > 1 else "")

    def focus_fails(self, shape: Node, parameter: Node, o: Node, x: str, path: str) -> str:
        """The focus node ``x`` fails the constraint ``parameter o`` of the property shape."""
        if parameter == SH.minCount:
            return f"!{self.at_least(x, path, _count(o))}"
        if parameter == SH.maxCount:
            return self.at_least(x, path, _count(o) + 1)
        if parameter == SH.hasValue:
            return "!" + self.exists(x, lambda: f"{x} {path} {o.n3()}")
        if parameter == SH.uniqueLang and o == Literal(True):
            a, b, lang = self.var(), self.var(), self.var()
            return self.exists(
                x,
                lambda: (
                    f'{x} {path} {a} . {x} {path} {b} . FILTER(!sameTerm({a}, {b}) && LANG({a}) != "" '
                    f"&& LCASE(LANG({a})) = LCASE(LANG({b})))"
                ),
                lambda: f'{x} {path} {a} . FILTER(LANG({a}) != "") BIND(LCASE(LANG({a})) AS {lang})',
                f"COUNT(DISTINCT {a}) > 1",
                lang,
            )
        if parameter == SH.equals:
            v = self.var()

            def unmatched(one: str, other: str) -> str:
                """``x`` has a value along ``one`` that it does not have along ``other``."""
                return self.exists(
                    x,
                    lambda: f"{x} {one} {v} FILTER NOT EXISTS {{ {x} {other} {v} }}",
                    lambda: (
                        f"{{ SELECT DISTINCT {x} {v} WHERE {{ {x} {one} {v} }} }} "
                        f"MINUS {{ SELECT DISTINCT {x} {v} WHERE {{ {x} {other} {v} }} }}"
                    ),
                )

            return f"({unmatched(path, o.n3())} || {unmatched(o.n3(), path)})"
        if parameter == SH.qualifiedMinCount:
            q = self.shapes.value(shape, SH.qualifiedValueShape)
            if q is None:
                raise Unsupported(f"sh:qualifiedMinCount without sh:qualifiedValueShape on {shape.n3()}")
            return f"!{self.at_least(x, path, _count(o), lambda v: '!' + self.fails(q, v))}"
        return ""

    # -- top-level checks ---------------------------------------------------------------

    def compile(self) -> list[Check]:
        """Every check of every shape that has targets (directly or through ``sh:property``)."""
        self.refuse_unknown()
        g = self.shapes
        shapes = {s for s in g.subjects() if any(g.triples((s, p, None)) for p in _TOP_LEVEL)}
        for shape in sorted(shapes, key=str):
            parents = sorted(set(g.subjects(SH.property, shape)), key=str)
            if any((p, SH.path, None) in g for p in parents):
                raise Unsupported(f"{shape.n3()} is a property shape of a property shape (not translated)")
            targets = self.targets(shape, parents)
            if targets:
                self._compile_shape(shape, targets)
        return self.checks

    def _check(
        self,
        shape: Node,
        component: URIRef,
        path: Node | None,
        where: str,
        select: str,
        *,
        constraint: Node | None = None,
        prefixes: str = "",
        per_node: str = "",
        focus: str = "",
    ) -> None:
        g = self.shapes
        message_of = constraint if constraint is not None and (constraint, SH.message, None) in g else shape
        messages = [m for m in g.objects(message_of, SH.message) if isinstance(m, Literal)]
        english = [m for m in messages if m.language in (None, "en")] or messages
        severity = g.value(shape, SH.severity, default=SH.Violation)
        self.checks.append(
            Check(
                shape=str(shape) if isinstance(shape, URIRef) else f"_:{shape}",
                component=str(component),
                constraint=str(constraint) if isinstance(constraint, URIRef) else None,
                path=path_text(g, path) if path is not None else None,
                severity=_SEVERITIES.get(severity, str(severity))
                if isinstance(severity, URIRef)
                else "Violation",
                message="; ".join(sorted({str(m) for m in english})) or f"{_local(component)} not met",
                query=f"{prefixes}SELECT DISTINCT {select} WHERE {{ {where} }}",
                has_value="?value" in select,
                per_node=f"SELECT DISTINCT {select} WHERE {{ {per_node} }}" if per_node else "",
                focus=f"SELECT ?this WHERE {{ {focus} }}" if per_node else "",
            )
        )

    def _compile_shape(self, shape: Node, targets: list[str]) -> None:
        """The checks of one shape, each in two forms (:class:`Check`).

        Set-wise: the focus nodes (a ``DISTINCT`` subquery of the targets), for a property
        shape joined with the values (a subquery too), the constraint's ``EXISTS`` about the
        focus or value node evaluated once for all nodes (:meth:`exists`). Each pattern is a
        subquery of its own so that Oxigraph joins them by hashing: written as one group, it
        evaluated the second pattern once per solution of the first with an index lookup (10M
        triples: 26 s for ``ClusterMembershipShape-cluster``'s ``sh:class``, 0.9 s this way).
        Node by node: the values and each ``EXISTS`` looked up from each focus node, cheaper
        for a few focus nodes whose property has many values in the store (10M triples:
        ``ClusterShape-label``'s qualified count 25 s set-wise, the labels of every node read).
        """
        g = self.shapes
        focus = "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {t} }}" for t in targets) + " } }"
        path_node = g.value(shape, SH.path)
        for parameter, o in list(g.predicate_objects(shape)):
            if not isinstance(parameter, URIRef):
                continue  # a predicate is an IRI
            component = _PARAMETERS.get(parameter)
            is_value = str(parameter)[len(str(SH)) :] in _VALUE and component is not None
            if path_node is None and component is not None and (is_value or parameter == SH.hasValue):

                def node_fails(parameter: URIRef = parameter, o: Node = o, is_value: bool = is_value) -> str:
                    if is_value:
                        return self.value_fails(shape, parameter, o, "?this")
                    return f"!sameTerm(?this, {o.n3()})"

                expression, hoisted = self.hoisting(node_fails)
                where = f"{focus} {hoisted} FILTER({expression})"
                per_node = f"{focus} FILTER({node_fails()})"
                self._check(
                    shape, component, None, where, "?this (?this AS ?value)", per_node=per_node, focus=focus
                )
            elif path_node is not None and is_value and component is not None:
                path = self.path(path_node)

                def value_fails(parameter: URIRef = parameter, o: Node = o) -> str:
                    return self.value_fails(shape, parameter, o, "?value")

                expression, hoisted = self.hoisting(value_fails)
                values = f"{{ SELECT DISTINCT ?this ?value WHERE {{ ?this {path} ?value }} }}"
                where = f"{focus} {values} {hoisted} FILTER({expression})"
                per_node = f"{focus} ?this {path} ?value . FILTER({value_fails()})"
                self._check(
                    shape, component, path_node, where, "?this ?value", per_node=per_node, focus=focus
                )
            elif path_node is not None and component is not None:
                path = self.path(path_node)
                if parameter == SH.equals:
                    other = o.n3()
                    mine = f"{{ SELECT DISTINCT ?this ?value WHERE {{ ?this {path} ?value }} }}"
                    theirs = f"{{ SELECT DISTINCT ?this ?value WHERE {{ ?this {other} ?value }} }}"
                    where = f"{focus} {{ {mine} MINUS {theirs} }} UNION {{ {theirs} MINUS {mine} }}"
                    per_node = (
                        f"{focus} {{ ?this {path} ?value FILTER NOT EXISTS {{ ?this {other} ?value }} }} "
                        f"UNION {{ ?this {other} ?value FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
                    )
                    self._check(
                        shape, component, path_node, where, "?this ?value", per_node=per_node, focus=focus
                    )
                    continue

                def focus_fails(parameter: URIRef = parameter, o: Node = o, path: str = path) -> str:
                    return self.focus_fails(shape, parameter, o, "?this", path)

                expression, hoisted = self.hoisting(focus_fails)
                if expression:
                    where = f"{focus} {hoisted} FILTER({expression})"
                    per_node = f"{focus} FILTER({focus_fails()})"
                    self._check(shape, component, path_node, where, "?this", per_node=per_node, focus=focus)
            elif parameter == SH.sparql:
                self._compile_sparql(shape, o, focus, path_node)

    def _compile_sparql(self, shape: Node, constraint: Node, focus: str, path_node: Node | None) -> None:
        g = self.shapes
        select = g.value(constraint, SH.select)
        if select is None or path_node is not None:
            raise Unsupported(
                f"SPARQL constraint {constraint.n3()}: only sh:select on node shapes is translated"
            )
        text = str(select)
        if re.search(r"\$(PATH|currentShape|shapesGraph|value)\b", text):
            raise Unsupported(
                f"SPARQL constraint {constraint.n3()} uses a pre-bound variable other than $this"
            )
        projection = re.match(r"\s*SELECT\s+(DISTINCT\s+)?(.*?)\s*WHERE\b", text, re.S | re.I)
        if projection is None or not re.search(r"[?$]this\b|\*", projection.group(2)):
            raise Unsupported(f"SPARQL constraint {constraint.n3()} does not project $this")
        prefixes = []
        for declared in g.objects(constraint, SH.prefixes):
            for declaration in g.objects(declared, SH.declare):
                prefix, namespace = g.value(declaration, SH.prefix), g.value(declaration, SH.namespace)
                if prefix is None or namespace is None:
                    raise Unsupported(f"an incomplete sh:declare in {declared.n3()}")
                if not re.fullmatch(r"[A-Za-z][\w-]*", str(prefix)):
                    raise Unsupported(f"a prefix the compiler does not write: {prefix.n3()}")
                prefixes.append(f"PREFIX {prefix}: {URIRef(str(namespace)).n3()}")
        if len(re.findall(r"\bSELECT\b", text, re.I)) != 1:
            raise Unsupported(
                f"SPARQL constraint {constraint.n3()} has a subquery: $this cannot be pre-bound"
            )
        # $this is "pre-bound": the query runs as a LATERAL subquery (an Oxigraph extension) for
        # each focus node, so its FILTERs, EXISTS, GROUP BY and aggregates see that node, as
        # pySHACL's binding of $this does (a plain join would group over every node at once).
        # A plain join (cheaper: one evaluation for all nodes) when the query has no grouping,
        # aggregate, slice or VALUES and its WHERE starts with a triple of subject ?this: then
        # ?this is bound in every solution of the group from its first pattern on, and each
        # filter, OPTIONAL, MINUS or BIND after it sees it bound, as with pre-binding.
        inner = _absent(_THIS.sub("?this", text))
        declarations = "".join(f"{line}\n" for line in sorted(set(prefixes)))
        select_path = "?path" if re.search(r"\?path\b", projection.group(2)) else ""
        select_value = "?value" if re.search(r"\?value\b", projection.group(2)) else ""
        projected = " ".join(filter(None, ("?this", select_value, select_path)))
        joined = _JOINABLE.match(inner) and not _PER_NODE.search(inner)
        inner = joins.constant_patterns(inner)
        if joined:  # evaluated once for all focus nodes: its joins by hashing (kg.validation.joins)
            inner = joins.hash_joins(joins.in_lists_as_values(inner))
        self._check(
            shape,
            SH.SPARQLConstraintComponent,
            None,
            f"{focus} {{ {inner} }}" if joined else f"{focus} LATERAL {{ {inner} }}",
            projected,
            constraint=constraint,
            prefixes=declarations,
        )


_JOINABLE = re.compile(r"\s*SELECT\s[^{}]*\bWHERE\s*\{\s*\?this\s", re.I)
"""A SPARQL constraint whose WHERE starts with a triple pattern of subject ``?this``."""
_PER_NODE = re.compile(
    r"\b(GROUP\s+BY|HAVING|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|LIMIT|OFFSET|VALUES)\b", re.I
)
"""What makes a SPARQL constraint's results depend on evaluating it per focus node."""


_TOP_LEVEL = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.property, SH.path)


_NOT_EXISTS = re.compile(r"FILTER\s*NOT\s+EXISTS\s*\{([^{}]*)\}", re.I)


def _absent(query: str) -> str:
    """``FILTER NOT EXISTS { P }`` as ``OPTIONAL { P BIND(true AS ?f) } FILTER(!BOUND(?f))`` where
    P (a block without groups) shares no variable with the rest of the query but ``?this``.

    The same results (P's other variables are its own, ``?this`` is bound for the whole query
    by the LATERAL join), but Oxigraph 0.5 plans a join inside ``NOT EXISTS`` without knowing
    ``?this`` is bound: ``$this ckg:statisticAbout/rdf:type ?type`` read every typed node for
    each statistic (10 s for 2,300 statistics in a 50k-triple store; 0.03 s this way).

    >>> query = "SELECT ?this WHERE { ?this <p:> ?v FILTER NOT EXISTS { ?this <q:>/<r:> ?t } }"
    >>> _absent(query).split(" ?v ")[1]
    'OPTIONAL { ?this <q:>/<r:> ?t BIND(true AS ?_absent1) } FILTER(!BOUND(?_absent1)) }'
    >>> _absent("SELECT ?this WHERE { ?this <p:> ?v FILTER NOT EXISTS { ?v <q:> ?t } }")  # ?v is shared
    'SELECT ?this WHERE { ?this <p:> ?v FILTER NOT EXISTS { ?v <q:> ?t } }'
    """
    rewritten = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal rewritten
        block = match.group(1)
        for name in set(re.findall(r"[?$](\w+)", block)) - {"this"}:
            uses = re.compile(rf"[?$]{name}\b")
            if len(uses.findall(query)) != len(uses.findall(block)):
                return match.group(0)
        rewritten += 1
        flag = f"?_absent{rewritten}"
        return f"OPTIONAL {{ {block.strip()} BIND(true AS {flag}) }} FILTER(!BOUND({flag}))"

    return _NOT_EXISTS.sub(rewrite, query)


def _cheap_first(parts: list[str]) -> list[str]:
    """The operands of ``||`` or ``&&`` with the cheap ones first (``BOUND``, comparisons), then
    those with an ``EXISTS``, then those that read a term's text (``STR``, ``REGEX``): SPARQL's
    ``||`` and ``&&`` are commutative (errors included), and Oxigraph stops at the first operand
    that decides (10M triples: reading the text of 1.5M IRIs took 21-25 s).

    >>> _cheap_first(['REGEX(STR(?v), "^a")', "EXISTS { ?v <p:> ?x }", "!BOUND(?_e1)"])
    ['!BOUND(?_e1)', 'EXISTS { ?v <p:> ?x }', 'REGEX(STR(?v), "^a")']
    """

    def cost(part: str) -> int:
        return 2 if re.search(r"\b(STR|REGEX)\(", part) else 1 if "EXISTS" in part else 0

    return sorted(parts, key=cost)


def _count(node: Node) -> int:
    """A count parameter (``sh:minCount 1``)."""
    if not isinstance(node, Literal) or not isinstance(node.value, int) or node.value < 0:
        raise Unsupported(f"a count that is not a non-negative integer: {node.n3()}")
    return node.value


def _local(iri: URIRef) -> str:
    return str(iri).rsplit("#", 1)[-1]


def compile_shapes(shapes: Graph) -> list[Check]:
    """The checks of a shapes graph; :class:`Unsupported` for SHACL the compiler does not translate.

    >>> from rdflib import Namespace
    >>> ex = Namespace("http://e/")
    >>> g = Graph()
    >>> g.add((ex.S, SH.targetClass, ex.C)); g.add((ex.S, SH.property, ex.P))  # doctest: +ELLIPSIS
    <Graph ...>
    <Graph ...>
    >>> g.add((ex.P, SH.path, ex.p)); g.add((ex.P, SH.minCount, Literal(1)))  # doctest: +ELLIPSIS
    <Graph ...>
    <Graph ...>
    >>> [(c.shape, c.component.rsplit("#")[-1]) for c in compile_shapes(g)]
    [('http://e/P', 'MinCountConstraintComponent')]
    """
    return Compiler(shapes).compile()


def _text(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return _literal_text(term)
    return str(term)


def _literal_text(term: ox.Literal) -> str:
    """A literal as :mod:`kg.validation.report` writes one (rdflib's N3 with xsd: and rdf:)."""
    if term.language:
        lit = Literal(term.value, lang=term.language)
    elif term.datatype.value == str(XSD.string):
        lit = Literal(term.value)
    else:
        lit = Literal(term.value, datatype=URIRef(term.datatype.value))
    return _term(lit)  # the same text as the reports of pySHACL's results


def _subclasses(store: ox.Store, cls: ox.NamedNode) -> set[ox.NamedNode]:
    """The class and its subclasses in any graph of the store (``rdfs:subClassOf*``)."""
    sub_class_of = ox.NamedNode(str(RDFS.subClassOf))
    found, todo = {cls}, [cls]
    while todo:
        for quad in store.quads_for_pattern(None, sub_class_of, todo.pop(), None):
            if not isinstance(quad.subject, ox.NamedNode):
                raise Unsupported(f"a subclass of {cls} is not an IRI: the compiled sh:class cannot list it")
            if quad.subject not in found:
                found.add(quad.subject)
                todo.append(quad.subject)
    return found


def _results(store: ox.Store, query: str, check: Check, limit: int) -> list[Violation]:
    """The first ``limit`` results of one check (its query's rows, read and dropped here: they
    may not outlive this thread)."""
    found: list[Violation] = []
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    try:
        for row in itertools.islice(solutions, limit):
            path = _text(row["path"]) if "?path" in check.query.split("WHERE", 1)[0] else None
            focus = _text(row["this"]) or ""
            value = _text(row["value"]) if check.has_value else None
            if value is None and check.component == str(SH.SPARQLConstraintComponent):
                value = focus  # SHACL: the focus node when the query leaves ?value unbound
            found.append(
                Violation(
                    focus_node=focus,
                    path=path if path is not None else check.path,
                    message=check.message,
                    severity=check.severity,
                    value=value,
                    source_shape=check.shape if not check.shape.startswith("_:") else None,
                    constraint=check.constraint or check.component,
                )
            )
            del row
    finally:
        del solutions
    return found


def _closure(store: ox.Store, closures: dict[str, str]) -> Callable[[re.Match[str]], str]:
    def subclasses(match: re.Match[str]) -> str:
        """The class and its subclasses in the store (``rdfs:subClassOf*``), as an ``IN`` list
        (or, for ``%%SUBCLASSES-VALUES``, the terms of a ``VALUES`` block)."""
        iri = match.group(2)
        if iri not in closures:
            closures[iri] = ", ".join(sorted(str(c) for c in _subclasses(store, ox.NamedNode(iri[1:-1]))))
        return closures[iri].replace(", ", " ") if match.group(1) else closures[iri]

    return subclasses


def _key(check: Check) -> str:
    return f"{check.shape} {_local(URIRef(check.component))}"


def _sorted(found: list[Violation]) -> list[Violation]:
    found = list(dict.fromkeys(found))
    found.sort(
        key=lambda v: (
            *(v.focus_node, v.path or "", v.message, v.severity, v.value or ""),
            *(v.source_shape or "", v.constraint or ""),  # one order whatever order the checks ended in
        )
    )
    return found


PER_NODE_MAX = 20_000
"""Up to how many focus nodes a check runs node by node (:class:`Check`): at 10M triples one
index lookup took 25-40 us, so at most about a second per lookup of each node."""


def _query(
    store: ox.Store, check: Check, closures: dict[str, str], counts: dict[str, int], per_node_max: int
) -> str:
    """The check's query to run on this store (node by node for a few focus nodes), its
    subclass lists written in."""
    text = check.query
    if check.per_node:
        key = f"{per_node_max} {check.focus}"
        if key not in counts:  # counted up to one more than the most run node by node
            rows = store.query(check.focus, use_default_graph_as_union=True)
            assert isinstance(rows, ox.QuerySolutions)
            counts[key] = sum(1 for _ in itertools.islice(rows, per_node_max + 1))
        if counts[key] <= per_node_max:
            text = check.per_node
    return _SUBCLASSES.sub(_closure(store, closures), text)


def run(
    store: ox.Store,
    checks: list[Check],
    *,
    limit: int = 100,
    on_check: Callable[[int, int], None] | None = None,
    per_node_max: int = PER_NODE_MAX,
) -> tuple[list[Violation], dict[str, float]]:
    """Run the checks on the union of the store's graphs: the results (at most ``limit`` per
    check), sorted as a report sorts them, and the seconds each check took (by shape). A check
    with at most ``per_node_max`` focus nodes runs node by node, else set-wise (:class:`Check`:
    the same results)."""
    found: list[Violation] = []
    seconds: dict[str, float] = {}
    closures: dict[str, str] = {}
    counts: dict[str, int] = {}
    for done, check in enumerate(checks, 1):
        start = time.perf_counter()
        found += _results(store, _query(store, check, closures, counts, per_node_max), check, limit)
        seconds[_key(check)] = seconds.get(_key(check), 0.0) + time.perf_counter() - start
        if on_check is not None:
            on_check(done, len(checks))
    return _sorted(found), seconds


_WORKER: dict[str, ox.Store] = {}
_CLOSURES: dict[str, str] = {}
_COUNTS: dict[str, int] = {}


def _open_worker(path: str) -> None:
    """In a worker process: the store opened read-only, once."""
    _WORKER["store"] = ox.Store.read_only(path)


def _run_in_worker(check: Check, limit: int, per_node_max: int) -> tuple[list[Violation], float]:
    store = _WORKER["store"]
    start = time.perf_counter()
    found = _results(store, _query(store, check, _CLOSURES, _COUNTS, per_node_max), check, limit)
    return found, time.perf_counter() - start


def run_in_processes(
    path: str,
    checks: list[Check],
    *,
    processes: int = 2,
    limit: int = 100,
    on_check: Callable[[int, int], None] | None = None,
    per_node_max: int = PER_NODE_MAX,
    nice: int = 0,
) -> tuple[list[Violation], dict[str, float]]:
    """:func:`run` over the store at ``path`` in ``processes`` worker processes, each with the
    store opened read-only: the same queries, so the same results, on as many cores.

    Oxigraph holds the interpreter's lock while it evaluates a query, so checks run in a thread
    keep the caller's other threads waiting (the bulk path's reasoning): processes do not. The
    store must not be written while this runs (a read-only store sees what was written before).
    ``on_check`` is called in the caller as each check ends, and may raise to stop: the checks
    not started are cancelled, the running ones end first. The workers run with a niceness of
    at least ``nice`` (a lower priority), so that the caller's own work keeps its core.
    """
    found: list[Violation] = []
    seconds: dict[str, float] = {}
    with background.pool(processes, nice=nice, initializer=_open_worker, initargs=(path,)) as pool:
        # the SPARQL constraints first: the longest checks, so that the last ones to end are short
        ordered = sorted(checks, key=lambda c: c.component != str(SH.SPARQLConstraintComponent))
        futures = {pool.submit(_run_in_worker, check, limit, per_node_max): check for check in ordered}
        try:
            for done, future in enumerate(as_completed(futures), 1):
                results, took = future.result()
                found += results
                key = _key(futures[future])
                seconds[key] = seconds.get(key, 0.0) + took
                if on_check is not None:
                    on_check(done, len(checks))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return _sorted(found), seconds


__all__ = [
    "LEXICAL",
    "STRUCTURE",
    "SUPPORTED",
    "Check",
    "Unsupported",
    "compile_shapes",
    "run",
    "run_in_processes",
]
