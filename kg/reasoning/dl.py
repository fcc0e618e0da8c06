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
  :mod:`kg.reasoning.profile` lists what is left aside, and the build prints it.
- **Individuals.** Every IRI the data uses as an individual is declared ``owl:NamedIndividual``
  and ``owl:imports`` triples are removed (:mod:`kg.reasoning.dl_input`).
- **Explanation.** HermiT names nothing when it finds an inconsistency; a minimal inconsistent
  subset is searched with HermiT's command line (:mod:`kg.reasoning.dl_explanation`), bounded
  by ``explain_seconds``; when cut short, the explanation says so.
- **Resources.** owlready2 reads ``JAVA_EXE``/``JAVA_MEMORY`` from module globals and leaves
  its temp file behind when HermiT fails, so runs are serialised by a lock, the globals are
  restored afterwards, and all temp files live in one directory removed on every exit.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg.errors import InconsistentOntology, ReasonerUnavailable
from kg.reasoning.dl_explanation import Hermit, explain
from kg.reasoning.dl_input import DECLARATION_TYPES, Facts, is_builtin, ntriples
from kg.reasoning.dl_input import Group as Group

__all__ = ["DLResult", "check"]

INSTALL_HINT = "install a Java runtime, e.g. apt-get install default-jre-headless"
_INPUT_IRI = "https://w3id.org/clusterkg/graph/dl-input"
_INFERRED_IRI = "https://w3id.org/clusterkg/graph/dl-inferred#"
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
    facts = Facts.of(ontology, data)
    tmpdir = Path(tempfile.mkdtemp(prefix="clusterkg-dl-"))
    try:
        inferred = _reason(ntriples(facts.all_triples()), java, java_memory_mb, tmpdir)
        if inferred is None:
            deadline = time.perf_counter() + explain_seconds
            hermit = Hermit(java, java_memory_mb, tmpdir, deadline)
            explanation, output = explain(facts, hermit)
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
    return isinstance(node, URIRef) and not is_builtin(node)


def _hierarchy(facts: Facts, inferred: Graph) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    edges: dict[Node, set[Node]] = defaultdict(set)
    classes: set[Node] = {t for t, kinds in facts.typed.items() if kinds & {OWL.Class, RDFS.Class}}
    unsatisfiable: set[str] = set()
    for s, p, o in [*facts.tbox, *facts.abox, *inferred]:
        if p == RDF.type and _named_class(o) and o not in DECLARATION_TYPES:
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
    facts: Facts, inferred: Graph, hierarchy: dict[str, frozenset[str]]
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
