"""The explanation of an inconsistency found by the OWL DL check: a minimal inconsistent subset.

HermiT names nothing when it finds an inconsistency. :func:`explain` searches a minimal
inconsistent subset: first of the data assertions (with the whole ontology), then of the
ontology axioms (with those assertions; nearest in shared terms first). Each shrinking step
(:func:`shrink`) keeps the shortest inconsistent prefix of the candidates (binary search) and
so needs about (k + 1) * log2(n) tests for k culprits among n. Each test is one ``java`` run of
HermiT's command line (``-k``) with the annotations left out (:class:`Hermit`). The search is
bounded by a deadline; when cut short, the sets reported are inconsistent but may not be
minimal, and the explanation says so.
"""

from __future__ import annotations

import os
import subprocess
import time
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from rdflib import BNode, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from kg.reasoning.dl_input import Facts, Group, Triple, is_builtin, ntriples
from kg.reasoning.owl_syntax import Renderer

__all__ = ["Hermit", "OutOfTime", "explain", "shrink"]

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


class OutOfTime(Exception):
    """The explanation's time bound has passed."""


class Hermit:
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
            raise OutOfTime
        path = self.tmpdir / f"explain-{self.runs}.nt"
        path.write_bytes(ntriples(triples))
        command = [self.java, f"-Xmx{self.memory_mb}M", "-XX:TieredStopAtLevel=1"]
        command += ["-cp", self.classpath, "org.semanticweb.HermiT.cli.CommandLine", "-k"]
        command += ["--ignoreUnsupportedDatatypes", path.as_uri()]
        self.runs += 1
        try:
            done = subprocess.run(command, capture_output=True, timeout=remaining, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OutOfTime from exc
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


def shrink(
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
    except OutOfTime:
        return found + candidates[:high], False
    return found, True


def _signature(groups: Iterable[Group]) -> set[Node]:
    return {n for t in _flat(groups) for n in t if isinstance(n, URIRef) and not is_builtin(n)}


def explain(facts: Facts, hermit: Hermit) -> tuple[list[str], str]:
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
    except OutOfTime:
        consistent, output = None, "(no output: the time limit passed before HermiT answered)"
    if consistent is not False:
        verdict = "did not answer within the time limit" if consistent is None else "found it consistent"
        return [f"HermiT found the input inconsistent, but a second HermiT check {verdict}."], output
    fixed = background + _flat(tbox)
    data, data_done = shrink(abox, lambda sel: hermit.inconsistent(fixed + _flat(sel)), culprits="together")
    axioms: list[Group] = []
    axioms_done = False
    if data_done and data:
        axioms, axioms_done = _shrink_tbox(tbox, background, data, hermit)
    elif data_done:  # the ontology alone: its own assertions about individuals first
        own = [g for g in tbox if g[0][0] in facts.individuals]
        schema = [g for g in tbox if g[0][0] not in facts.individuals]
        fixed = background + _flat(schema)
        own, axioms_done = shrink(
            own, lambda sel: hermit.inconsistent(fixed + _flat(sel)), culprits="together"
        )
        if axioms_done:
            axioms, axioms_done = _shrink_tbox(schema, background, own, hermit)
        axioms = own + axioms
    seconds = time.perf_counter() - started
    return _describe(facts, data, axioms, (data_done, axioms_done), hermit, seconds), output


def _shrink_tbox(
    tbox: list[Group], background: list[Triple], data: list[Group], hermit: Hermit
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
    return shrink(ordered, lambda sel: hermit.inconsistent(fixed + _flat(sel)), culprits="front")


def _restricts(group: Group) -> bool:
    """Whether an axiom is of a kind that can make data inconsistent (disjointness, ...)."""
    return any(p in _CLASH_PREDICATES or o in _CLASH_OBJECTS for _, p, o in group)


def _describe(
    facts: Facts,
    data: list[Group],
    axioms: list[Group],
    done: tuple[bool, bool],
    hermit: Hermit,
    seconds: float,
) -> list[str]:
    render = Renderer(facts)
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
