"""The OWL DL check: HermiT (bundled with owlready2) on the ontology plus the data.

:func:`check` merges the ontology and every graph of the data into one N-Triples document,
loads it into a fresh owlready2 ``World`` and runs HermiT on it. A consistent input gives a
:class:`DLResult` with the inferred types of the individuals and the class hierarchy; an
inconsistent one raises :class:`~kg.errors.InconsistentOntology` with an explanation.

Design notes:

- **Datatypes.** The ontology gives ``xsd:gYear``/``xsd:duration`` ranges and the data holds
  ``xsd:gYear``, ``xsd:gYearMonth`` and ``xsd:duration`` literals, which are outside the OWL 2
  datatype map. HermiT runs with ``--ignoreUnsupportedDatatypes``: axioms with those datatypes
  are dropped and their literals become opaque constants, so HermiT does not check values,
  ranges or functionality of such properties (SHACL does). Every other literal is checked.
  (Dropping those literals instead would change nothing: the flag is needed for the ranges.)
- **Individuals.** Every IRI the data uses as an individual is declared ``owl:NamedIndividual``
  (owlready2 only sees typed individuals); ``owl:imports`` triples are removed (no network).
- **Explanation.** HermiT names nothing when it finds an inconsistency. The explanation is a
  minimal inconsistent subset: first of the data assertions (with the whole ontology), then of
  the ontology axioms (with those assertions; nearest in shared terms first). Each shrinking
  step keeps the shortest inconsistent prefix of the candidates (binary search) and so needs
  about (k + 1) * log2(n) tests for k culprits among n. Each test is one ``java`` run of
  HermiT's command line (``-k``) with the annotations left out. The search is bounded by
  ``explain_seconds``; when cut short, the sets reported are inconsistent but may not be
  minimal, and the explanation says so.
- **Resources.** owlready2 reads ``JAVA_EXE``/``JAVA_MEMORY`` from module globals and leaves
  its temp file behind when HermiT fails, so runs are serialised by a lock, the globals are
  restored afterwards, and all temp files live in one directory removed on every exit.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.errors import InconsistentOntology, ReasonerUnavailable

__all__ = ["DLResult", "check"]

Triple = tuple[Node, Node, Node]
Group = tuple[Triple, ...]  # one axiom or assertion: a root triple and its blank-node closure

INSTALL_HINT = "install a Java runtime, e.g. apt-get install default-jre-headless"
_INPUT_IRI = "https://w3id.org/clusterkg/graph/dl-input"
_INFERRED_IRI = "https://w3id.org/clusterkg/graph/dl-inferred#"
_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_DECLARATION_TYPES = frozenset(
    {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
    | {RDF.Property, OWL.NamedIndividual, OWL.Ontology, RDFS.Datatype, OWL.OntologyProperty}
)
_BUILTIN_ANNOTATIONS = frozenset(
    {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.deprecated}
    | {OWL.priorVersion, OWL.backwardCompatibleWith, OWL.incompatibleWith, OWL.versionIRI}
)
_CLASH_PREDICATES = frozenset(
    {OWL.disjointWith, OWL.propertyDisjointWith, OWL.complementOf, OWL.differentFrom}
    | {OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.cardinality, OWL.qualifiedCardinality}
)
_CLASH_OBJECTS = frozenset(
    {OWL.AllDisjointClasses, OWL.AllDisjointProperties, OWL.AllDifferent, OWL.Nothing}
    | {OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.AsymmetricProperty}
    | {OWL.IrreflexiveProperty, OWL.NegativePropertyAssertion}
)
_MAX_LINES = 40
_OWLREADY_LOCK = threading.Lock()


@dataclass(frozen=True)
class DLResult:
    """What HermiT infers from a consistent ontology plus data (IRIs as strings).

    :param consistent: always ``True``; an inconsistent input raises instead.
    :param inferred_types: individual -> named classes it belongs to that are not asserted
        (superclasses included, ``owl:Thing`` excluded).
    :param class_hierarchy: named class -> all its named superclasses, equivalent classes
        included (the class itself, ``owl:Thing`` and ``owl:Nothing`` excluded).
    :param seconds: wall-clock time of the whole check.
    :param unsatisfiable_classes: named classes equivalent to ``owl:Nothing``.
    """

    consistent: bool
    inferred_types: dict[str, frozenset[str]]
    class_hierarchy: dict[str, frozenset[str]]
    seconds: float
    unsatisfiable_classes: frozenset[str] = frozenset()


def check(
    ontology: Graph,
    data: Graph | Dataset,
    *,
    java_memory_mb: int = 2000,
    java_executable: str | None = None,
    explain_seconds: float = 60.0,
) -> DLResult:
    """Check ontology + data with HermiT; return the classification or raise.

    :param ontology: the ontology graph.
    :param data: the data; all graphs of a dataset are merged.
    :param java_memory_mb: the JVM heap (``-Xmx``) for HermiT.
    :param java_executable: the ``java`` to run; by default owlready2's (``java`` on PATH).
    :param explain_seconds: time bound for the search of an explanation.
    :raises ReasonerUnavailable: when Java is missing or HermiT fails to run.
    :raises InconsistentOntology: with the clashing individuals and axioms.
    """
    started = time.perf_counter()
    java = _find_java(java_executable)
    facts = _Facts.of(ontology, data)
    tmpdir = Path(tempfile.mkdtemp(prefix="clusterkg-dl-"))
    try:
        inferred = _reason(_ntriples(facts.all_triples()), java, java_memory_mb, tmpdir)
        if inferred is None:
            deadline = time.perf_counter() + explain_seconds
            hermit = _Hermit(java, java_memory_mb, tmpdir, deadline)
            explanation, output = _explain(facts, hermit)
            raise InconsistentOntology(explanation=explanation, reasoner_output=output)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    hierarchy, unsatisfiable = _hierarchy(facts, inferred)
    return DLResult(
        consistent=True,
        inferred_types=_inferred_types(facts, inferred, hierarchy),
        class_hierarchy=hierarchy,
        seconds=time.perf_counter() - started,
        unsatisfiable_classes=unsatisfiable,
    )


# --- Input -----------------------------------------------------------------------------------


def _builtin(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(_BUILTIN)


def _triples(graph: Graph) -> Iterator[Triple]:
    if isinstance(graph, ConjunctiveGraph):  # Dataset too: merge the named graphs
        for s, p, o, _ in graph.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from graph


@dataclass
class _Facts:
    """The ontology and data triples, the vocabulary, and the individuals to declare."""

    tbox: list[Triple]
    abox: list[Triple]
    declarations: list[Triple] = field(default_factory=list)  # added owl:NamedIndividual
    typed: dict[Node, set[Node]] = field(default_factory=dict)  # term -> declaration types
    individuals: set[Node] = field(default_factory=set)

    @classmethod
    def of(cls, ontology: Graph, data: Graph) -> _Facts:
        tbox = list(dict.fromkeys(t for t in _triples(ontology) if t[1] != OWL.imports))
        seen = set(tbox)
        abox = [t for t in dict.fromkeys(_triples(data)) if t[1] != OWL.imports and t not in seen]
        facts = cls(tbox, abox)
        for t in tbox + abox:
            if facts.is_declaration(t):
                facts.typed.setdefault(t[0], set()).add(t[2])
        facts.individuals = {t for t, kinds in facts.typed.items() if OWL.NamedIndividual in kinds}
        schema = {t for t, kinds in facts.typed.items() if kinds - {OWL.NamedIndividual}}
        used: set[Node] = set()
        for s, p, o in abox:
            if p == RDF.type:
                used |= {s} if o not in _DECLARATION_TYPES else set()
            elif p in (OWL.sameAs, OWL.differentFrom):
                used |= {s, o}
            elif not _builtin(p):
                used |= {s} if facts.is_annotation(p) else {s, o}
        for term in sorted(used - schema - facts.individuals, key=str):
            if isinstance(term, URIRef) and not _builtin(term):
                facts.declarations.append((term, RDF.type, OWL.NamedIndividual))
                facts.individuals.add(term)
        return facts

    def all_triples(self) -> list[Triple]:
        return self.tbox + self.abox + self.declarations

    def is_annotation(self, prop: Node) -> bool:
        return prop in _BUILTIN_ANNOTATIONS or OWL.AnnotationProperty in self.typed.get(prop, ())

    def is_data_property(self, prop: Node) -> bool:
        return OWL.DatatypeProperty in self.typed.get(prop, ())

    @staticmethod
    def is_declaration(triple: Triple) -> bool:
        s, p, o = triple
        return p == RDF.type and o in _DECLARATION_TYPES and isinstance(s, URIRef)

    def is_header(self, triple: Triple) -> bool:
        return OWL.Ontology in self.typed.get(triple[0], ())


def _ntriples(triples: Iterable[Triple]) -> bytes:
    graph = Graph()
    for t in triples:
        graph.add(t)
    return graph.serialize(format="nt", encoding="utf-8")


# --- HermiT through owlready2 ----------------------------------------------------------------


def _find_java(java_executable: str | None) -> str:
    import owlready2

    java = shutil.which(java_executable or owlready2.JAVA_EXE)
    if java is None:
        name = java_executable or owlready2.JAVA_EXE
        raise ReasonerUnavailable(f"Java ({name!r}) not found, needed for HermiT: {INSTALL_HINT}")
    return java


class _TempfileIn:
    """Stands in for the ``tempfile`` module inside owlready2.reasoning: files go to ``dir``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def NamedTemporaryFile(self, mode: str = "w+b", *, delete: bool = True) -> Any:
        return tempfile.NamedTemporaryFile(mode, dir=self.directory, delete=delete)


def _reason(nt: bytes, java: str, memory_mb: int, tmpdir: Path) -> Graph | None:
    """The triples HermiT adds (types, subclasses, equivalences); ``None`` if inconsistent."""
    import owlready2
    from owlready2 import reasoning

    with _OWLREADY_LOCK:
        saved = (reasoning.JAVA_MEMORY, owlready2.JAVA_EXE, reasoning.tempfile)
        reasoning.JAVA_MEMORY = memory_mb
        owlready2.JAVA_EXE = java
        reasoning.tempfile = _TempfileIn(tmpdir)
        world = owlready2.World()
        try:
            world.get_ontology(_INPUT_IRI).load(fileobj=io.BytesIO(nt), format="ntriples")
            inferred = world.get_ontology(_INFERRED_IRI)
            with inferred:
                owlready2.sync_reasoner(world, debug=0, ignore_unsupported_datatypes=True)
            buffer = io.BytesIO()
            inferred.save(buffer, format="ntriples")
        except owlready2.OwlReadyInconsistentOntologyError:
            return None
        except owlready2.OwlReadyJavaError as exc:
            raise ReasonerUnavailable(f"HermiT failed: {str(exc)[-2000:]}") from exc
        except OSError as exc:
            raise ReasonerUnavailable(f"cannot run {java!r}: {exc}; {INSTALL_HINT}") from exc
        finally:
            world.close()
            reasoning.JAVA_MEMORY, owlready2.JAVA_EXE, reasoning.tempfile = saved
    graph = Graph()
    graph.parse(data=buffer.getvalue(), format="nt")
    return graph


# --- Results ---------------------------------------------------------------------------------


def _named_class(node: Node) -> bool:
    return isinstance(node, URIRef) and not _builtin(node)


def _hierarchy(facts: _Facts, inferred: Graph) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    edges: dict[Node, set[Node]] = defaultdict(set)
    classes: set[Node] = {t for t, kinds in facts.typed.items() if kinds & {OWL.Class, RDFS.Class}}
    unsatisfiable: set[str] = set()
    for s, p, o in [*facts.tbox, *facts.abox, *inferred]:
        if p == RDF.type and _named_class(o) and o not in _DECLARATION_TYPES:
            classes.add(o)
        elif p in (RDFS.subClassOf, OWL.equivalentClass):
            if o == OWL.Nothing and _named_class(s):
                unsatisfiable.add(str(s))
            if _named_class(s) and _named_class(o):
                classes |= {s, o}
                edges[s].add(o)
                if p == OWL.equivalentClass:
                    edges[o].add(s)
    hierarchy: dict[str, frozenset[str]] = {}
    for cls in classes:
        seen: set[Node] = set()
        stack = list(edges[cls])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges[node])
        hierarchy[str(cls)] = frozenset(str(c) for c in seen if c != cls)
    return hierarchy, frozenset(unsatisfiable)


def _inferred_types(
    facts: _Facts, inferred: Graph, hierarchy: dict[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    asserted: dict[str, set[str]] = {str(i): set() for i in facts.individuals}
    derived: dict[str, set[str]] = {str(i): set() for i in facts.individuals}
    for source, into in ((facts.tbox + facts.abox, asserted), (inferred, derived)):
        for s, p, o in source:
            if p == RDF.type and str(s) in into and _named_class(o):
                into[str(s)].add(str(o))
    result: dict[str, frozenset[str]] = {}
    for ind, own in asserted.items():
        closure = own | derived[ind]
        for cls in list(closure):
            closure |= hierarchy.get(cls, frozenset())
        result[ind] = frozenset(closure - own)
    return result


# --- Explanation -----------------------------------------------------------------------------


class _OutOfTime(Exception):
    """The explanation's time bound has passed."""


class _Hermit:
    """Consistency tests with HermiT's command line, one JVM per test, within a deadline."""

    def __init__(self, java: str, memory_mb: int, tmpdir: Path, deadline: float) -> None:
        import owlready2

        here = Path(owlready2.__file__).resolve().parent / "hermit"
        self.classpath = os.pathsep.join([str(here), str(here / "HermiT.jar")])
        self.java, self.memory_mb, self.tmpdir, self.deadline = java, memory_mb, tmpdir, deadline
        self.runs = 0
        self.failures = 0

    def run(self, triples: Iterable[Triple]) -> tuple[bool | None, str]:
        """(consistent?, HermiT's output); ``None`` when HermiT failed to answer."""
        remaining = self.deadline - time.perf_counter()
        if remaining <= 0:
            raise _OutOfTime
        path = self.tmpdir / f"explain-{self.runs}.nt"
        path.write_bytes(_ntriples(triples))
        command = [self.java, f"-Xmx{self.memory_mb}M", "-XX:TieredStopAtLevel=1"]
        command += ["-cp", self.classpath, "org.semanticweb.HermiT.cli.CommandLine", "-k"]
        command += ["--ignoreUnsupportedDatatypes", path.as_uri()]
        self.runs += 1
        try:
            done = subprocess.run(command, capture_output=True, timeout=remaining, check=False)
        except subprocess.TimeoutExpired as exc:
            raise _OutOfTime from exc
        finally:
            path.unlink(missing_ok=True)
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        if done.returncode == 0 and "is satisfiable" in output:
            return True, output
        if "InconsistentOntologyException" in output:
            return False, output
        self.failures += 1
        return None, output

    def inconsistent(self, triples: Iterable[Triple]) -> bool:
        return self.run(triples)[0] is False


def _groups(triples: Sequence[Triple]) -> list[Group]:
    """Each root triple (non-blank subject, or an unreferenced blank node) with its closure."""
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    referenced: set[Node] = set()
    for t in triples:
        by_subject[t[0]].append(t)
        if isinstance(t[2], BNode):
            referenced.add(t[2])

    def closure(node: Node, out: list[Triple], seen: set[Node]) -> None:
        if isinstance(node, BNode) and node not in seen:
            seen.add(node)
            for t in by_subject.get(node, ()):
                out.append(t)
                closure(t[2], out, seen)

    groups: list[Group] = []
    for t in triples:
        if not isinstance(t[0], BNode):
            out = [t]
            closure(t[2], out, set())
            groups.append(tuple(out))
    for subject in by_subject:
        if isinstance(subject, BNode) and subject not in referenced:
            out = []
            closure(subject, out, set())
            groups.append(tuple(out))
    return groups


def _flat(groups: Iterable[Group]) -> list[Triple]:
    return [t for g in groups for t in g]


def _shrink(
    items: list[Group],
    inconsistent: Callable[[list[Group]], bool],
    *,
    culprits: typing.Literal["front", "together"] | None = None,
) -> tuple[list[Group], bool]:
    """A minimal sublist that is still inconsistent; (best so far, False) when time runs out.

    Assumes ``items`` is inconsistent. Repeatedly finds the shortest inconsistent prefix of
    the candidates; its last item is necessary, and the items after it are dropped. The
    prefix is found by binary search, galloping from the front when the culprits are expected
    there, or, after the first culprit, from next to it when they are expected together.
    About (k + 1) * log2(n) tests for n items and k culprits.
    """
    found: list[Group] = []
    candidates = list(items)
    high = len(candidates)  # invariant: found + candidates[:high] is inconsistent
    try:
        while candidates:
            low = 0
            if culprits == "front":
                step = 0
                while step < high and not inconsistent(found + candidates[:step]):
                    low, step = step + 1, 2 * step + 1
                high = min(high, step)
            elif culprits == "together" and found:
                if inconsistent(found):
                    break
                low, step = 1, 1
                while high - step >= low and inconsistent(found + candidates[: high - step]):
                    high, step = high - step, 2 * step
                low = max(low, high - step + 1)
            while low < high:
                middle = (low + high) // 2
                if inconsistent(found + candidates[:middle]):
                    high = middle
                else:
                    low = middle + 1
            if high == 0:
                break
            found.append(candidates[high - 1])
            candidates = candidates[: high - 1]
            high = len(candidates)
    except _OutOfTime:
        return found + candidates[:high], False
    return found, True


def _signature(groups: Iterable[Group]) -> set[Node]:
    return {n for t in _flat(groups) for n in t if isinstance(n, URIRef) and not _builtin(n)}


def _explain(facts: _Facts, hermit: _Hermit) -> tuple[list[str], str]:
    """Lines naming a minimal inconsistent set of assertions and axioms, and HermiT's output."""
    started = time.perf_counter()

    def logical(groups: list[Group]) -> list[Group]:
        return [
            g
            for g in groups
            if not (facts.is_annotation(g[0][1]) or facts.is_header(g[0]) or facts.is_declaration(g[0]))
        ]

    background = [t for t in facts.all_triples() if facts.is_declaration(t)]
    tbox = logical(_groups(facts.tbox))
    abox = sorted(logical(_groups(facts.abox)), key=lambda g: tuple(str(n) for n in g[0]))
    try:
        consistent, output = hermit.run(background + _flat(tbox) + _flat(abox))
    except _OutOfTime:
        consistent, output = None, "(no output: the time limit passed before HermiT answered)"
    if consistent is not False:
        verdict = "did not answer within the time limit" if consistent is None else "found it consistent"
        return [f"HermiT found the input inconsistent, but a second HermiT check {verdict}."], output
    fixed = background + _flat(tbox)
    data, data_done = _shrink(abox, lambda sel: hermit.inconsistent(fixed + _flat(sel)), culprits="together")
    axioms: list[Group] = []
    axioms_done = False
    if data_done and data:
        axioms, axioms_done = _shrink_tbox(tbox, background, data, hermit)
    elif data_done:  # the ontology alone: its own assertions about individuals first
        own = [g for g in tbox if g[0][0] in facts.individuals]
        schema = [g for g in tbox if g[0][0] not in facts.individuals]
        fixed = background + _flat(schema)
        own, axioms_done = _shrink(
            own, lambda sel: hermit.inconsistent(fixed + _flat(sel)), culprits="together"
        )
        if axioms_done:
            axioms, axioms_done = _shrink_tbox(schema, background, own, hermit)
        axioms = own + axioms
    seconds = time.perf_counter() - started
    return _describe(facts, data, axioms, (data_done, axioms_done), hermit, seconds), output


def _shrink_tbox(
    tbox: list[Group], background: list[Triple], data: list[Group], hermit: _Hermit
) -> tuple[list[Group], bool]:
    """A minimal set of ontology axioms that, with the data assertions, is inconsistent.

    The axioms are ordered by how far they are, in shared terms, from the data (those that
    mention its classes, properties and individuals first; among those, the ones that can
    clash, such as disjointness and functionality, first) and searched from the front.
    """
    fixed = background + _flat(data)
    signature = _signature(data)
    remaining = list(tbox)
    ordered: list[Group] = []
    while remaining:
        near = [g for g in remaining if _signature([g]) & signature]
        if not near:
            ordered += remaining
            break
        ordered += sorted(near, key=lambda g: (not _restricts(g), -len(_signature([g]) & signature)))
        remaining = [g for g in remaining if not _signature([g]) & signature]
        signature |= _signature(near)
    return _shrink(ordered, lambda sel: hermit.inconsistent(fixed + _flat(sel)), culprits="front")


def _restricts(group: Group) -> bool:
    """Whether an axiom is of a kind that can make data inconsistent (disjointness, ...)."""
    return any(p in _CLASH_PREDICATES or o in _CLASH_OBJECTS for _, p, o in group)


def _describe(
    facts: _Facts,
    data: list[Group],
    axioms: list[Group],
    done: tuple[bool, bool],
    hermit: _Hermit,
    seconds: float,
) -> list[str]:
    render = _Renderer(facts)
    involved = _signature(data) | {g[0][0] for g in axioms if g[0][1] == RDF.type}
    named = sorted(str(n) for n in involved if n in facts.individuals)
    minimal = "A minimal" if all(done) else "An"
    lines = [
        f"HermiT found the ontology and data inconsistent. {minimal} inconsistent set of"
        f" {len(data)} data assertion(s) and {len(axioms)} ontology axiom(s)"
        f" ({hermit.runs} HermiT runs, {seconds:.1f} s):"
    ]
    if not done[0]:
        lines.append(
            "The search was cut short by its time limit: these data assertions are inconsistent"
            " with the ontology but may not be minimal; the ontology axioms were not searched."
        )
    elif not done[1]:
        lines.append(
            "The search was cut short by its time limit: the ontology axioms were not fully"
            " narrowed down (the list may be incomplete or not minimal)."
        )
    if hermit.failures:
        lines.append(f"({hermit.failures} HermiT run(s) failed; they counted as consistent.)")
    if not data and done[0]:
        lines.append("The ontology alone is inconsistent; no data assertion is needed.")
    if named:
        lines.append("individuals: " + ", ".join(f"<{n}>" for n in named))
    lines += sorted(f"data assertion: {render.group(g)}" for g in data[:_MAX_LINES])
    lines += [f"ontology axiom: {render.group(g)}" for g in axioms[:_MAX_LINES]]
    if max(len(data), len(axioms)) > _MAX_LINES:
        lines.append(f"(lists shortened to {_MAX_LINES} entries each)")
    return lines


_CHARACTERISTICS: dict[Node, str] = {
    OWL.FunctionalProperty: "Functional",
    OWL.InverseFunctionalProperty: "InverseFunctional",
    OWL.TransitiveProperty: "Transitive",
    OWL.SymmetricProperty: "Symmetric",
    OWL.AsymmetricProperty: "Asymmetric",
    OWL.ReflexiveProperty: "Reflexive",
    OWL.IrreflexiveProperty: "Irreflexive",
}
_PAIRS: dict[Node, str] = {
    RDFS.subClassOf: "SubClassOf",
    OWL.equivalentClass: "EquivalentClasses",
    OWL.disjointWith: "DisjointClasses",
    OWL.sameAs: "SameIndividual",
    OWL.differentFrom: "DifferentIndividuals",
}
_RESTRICTIONS: dict[Node, str] = {
    OWL.someValuesFrom: "SomeValuesFrom",
    OWL.allValuesFrom: "AllValuesFrom",
    OWL.hasValue: "HasValue",
    OWL.minCardinality: "MinCardinality",
    OWL.maxCardinality: "MaxCardinality",
    OWL.cardinality: "ExactCardinality",
    OWL.minQualifiedCardinality: "MinCardinality",
    OWL.maxQualifiedCardinality: "MaxCardinality",
    OWL.qualifiedCardinality: "ExactCardinality",
}
_BOOLEANS: dict[Node, str] = {
    OWL.intersectionOf: "ObjectIntersectionOf",
    OWL.unionOf: "ObjectUnionOf",
    OWL.oneOf: "ObjectOneOf",
}


class _Renderer:
    """Axioms in OWL functional-style syntax with full IRIs; Turtle-like where no form fits."""

    def __init__(self, facts: _Facts) -> None:
        self.facts = facts
        self.props: dict[Node, dict[Node, Node]] = {}

    def group(self, group: Group) -> str:
        self.props = defaultdict(dict)
        for s, p, o in group:
            if isinstance(s, BNode):
                self.props[s][p] = o
        s, p, o = group[0]
        kind = "Data" if self.facts.is_data_property(s) else "Object"
        if isinstance(s, BNode):
            return self.bnode_axiom(s)
        if p == RDF.type and o in _CHARACTERISTICS:
            return f"{_CHARACTERISTICS[o]}{kind}Property({self.term(s)})"
        if p == RDF.type:
            return f"ClassAssertion({self.ce(o)} {self.term(s)})"
        if p in _PAIRS:
            return f"{_PAIRS[p]}({self.ce(s)} {self.ce(o)})"
        if p == RDFS.subPropertyOf:
            return f"Sub{kind}PropertyOf({self.term(s)} {self.term(o)})"
        if p in (RDFS.domain, RDFS.range):
            where = "Domain" if p == RDFS.domain else "Range"
            return f"{kind}Property{where}({self.term(s)} {self.ce(o)})"
        if p == OWL.inverseOf:
            return f"InverseObjectProperties({self.term(s)} {self.term(o)})"
        if p == OWL.propertyChainAxiom:
            chain = " ".join(self.ce(x) for x in self.items(o))
            return f"SubObjectPropertyOf(ObjectPropertyChain({chain}) {self.term(s)})"
        if not _builtin(p) and isinstance(s, URIRef):
            kind = "Data" if isinstance(o, Literal) else "Object"
            return f"{kind}PropertyAssertion({self.term(p)} {self.term(s)} {self.ce(o)})"
        return f"{self.term(s)} {self.term(p)} {self.ce(o)}"

    def bnode_axiom(self, node: Node) -> str:
        props = self.props[node]
        if props.get(RDF.type) == OWL.AllDisjointClasses:
            members = " ".join(self.ce(x) for x in self.items(props.get(OWL.members)))
            return f"DisjointClasses({members})"
        if props.get(RDF.type) == OWL.AllDifferent:
            listed = props.get(OWL.members) or props.get(OWL.distinctMembers)
            return f"DifferentIndividuals({' '.join(self.ce(x) for x in self.items(listed))})"
        return self.ce(node)

    def items(self, node: Node | None) -> list[Node]:
        out: list[Node] = []
        while node is not None and node != RDF.nil and len(out) < 1000:
            props = self.props.get(node, {})
            if RDF.first in props:
                out.append(props[RDF.first])
            node = props.get(RDF.rest)
        return out

    def ce(self, node: Node) -> str:
        """A class (or property, or individual) expression."""
        if not isinstance(node, BNode):
            return self.term(node)
        props = self.props.get(node, {})
        if OWL.onProperty in props:
            prop = props[OWL.onProperty]
            kind = "Data" if self.facts.is_data_property(prop) else "Object"
            for key, name in _RESTRICTIONS.items():
                if key in props and key in (OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue):
                    return f"{kind}{name}({self.ce(prop)} {self.ce(props[key])})"
                if key in props:
                    filler = props.get(OWL.onClass) or props.get(OWL.onDataRange)
                    tail = f" {self.ce(filler)}" if filler is not None else ""
                    return f"{kind}{name}({self.term(props[key])} {self.ce(prop)}{tail})"
        for key, name in _BOOLEANS.items():
            if key in props:
                return f"{name}({' '.join(self.ce(x) for x in self.items(props[key]))})"
        if OWL.complementOf in props:
            return f"ObjectComplementOf({self.ce(props[OWL.complementOf])})"
        if OWL.inverseOf in props:
            return f"ObjectInverseOf({self.ce(props[OWL.inverseOf])})"
        inner = " ; ".join(f"{self.term(p)} {self.ce(o)}" for p, o in props.items())
        return f"[ {inner} ]"

    @staticmethod
    def term(node: Node) -> str:
        if isinstance(node, Literal):
            return node.n3().replace("\n", "\\n")
        if isinstance(node, BNode):
            return "[]"
        return f"<{node}>"
