"""Writing synthetic units out: TriG, N-Quads, or Turtle of one graph, to a stream or a file.

The writer is our own, not rdflib's or pyoxigraph's: it streams one unit at a time, abbreviates
IRIs with fixed prefixes and groups a subject's statements, so that a fixed seed gives
byte-identical output at any scale.

>>> import io
>>> unit = Unit(SYN_GRAPH + "g", [(SYN_ID + "cluster/a", RDF + "type", CKG + "Cluster")])
>>> out = io.BytesIO()
>>> write([unit], out, "trig")
Written(triples=1, graphs=1)
>>> out.getvalue().decode().splitlines()[-3:]
['syng:g {', '    s-cluster:a a ckg:Cluster .', '}']
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Literal

from rich.console import Console

from kg import formats
from kg.generate.model import units
from kg.generate.vocabulary import (
    CKG,
    CUR,
    DEFAULT_SEED,
    KINDS,
    ODRL,
    OKVED2,
    ORG,
    QB,
    RDF,
    RDFS,
    SKOS,
    SYN_GRAPH,
    SYN_ID,
    TIME,
    UNIT,
    XSD,
    GenerateError,
    Term,
    Triple,
    Unit,
)  # fmt: skip
from kg.progress import counter

Format = Literal["trig", "nquads", "turtle"]
"""The formats this writer writes (names of :mod:`kg.formats`)."""
FORMATS: tuple[Format, ...] = ("trig", "nquads", "turtle")
FILE_FORMATS: tuple[Format, ...] = ("trig", "nquads")
"""The formats of a file of generated data, which holds several graphs."""

PREFIXES: tuple[tuple[str, str], ...] = (
    ("ckg", CKG), ("rdf", RDF), ("rdfs", RDFS), ("xsd", XSD), ("skos", SKOS), ("org", ORG),
    ("odrl", ODRL), ("time", TIME), ("unit", UNIT), ("cur", CUR), ("qb", QB), ("okved2", OKVED2),
    ("syng", SYN_GRAPH),
    *((f"s-{kind}", f"{SYN_ID}{kind}/") for kind in KINDS),
)  # fmt: skip
_BY_NAMESPACE = {ns: prefix for prefix, ns in PREFIXES}
_LOCAL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r]')


def _quote(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], text) + '"'


def _nt_term(term: Term) -> str:
    if isinstance(term, str):
        return f"<{term}>"
    if term.language is not None:
        return f"{_quote(term.lexical)}@{term.language}"
    if term.datatype is None:
        return _quote(term.lexical)
    return f"{_quote(term.lexical)}^^<{term.datatype}>"


@lru_cache(maxsize=8192)
def _ttl_iri(iri: str) -> str:
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    prefix = _BY_NAMESPACE.get(iri[:cut])
    if prefix is not None and _LOCAL.fullmatch(iri[cut:]):
        return f"{prefix}:{iri[cut:]}"
    return f"<{iri}>"


def _ttl_term(term: Term) -> str:
    if isinstance(term, str):
        return _ttl_iri(term)
    if term.language is not None:
        return f"{_quote(term.lexical)}@{term.language}"
    if term.datatype is None or term.datatype == XSD + "string":
        return _quote(term.lexical)
    if term.datatype in (XSD + "integer", XSD + "boolean") or (
        term.datatype == XSD + "decimal" and "." in term.lexical
    ):
        return term.lexical
    return f"{_quote(term.lexical)}^^{_ttl_iri(term.datatype)}"


def _block(triples: list[Triple], indent: str) -> list[str]:
    """Turtle statements, one per subject, in the order subjects first appear."""
    by_subject: dict[str, list[tuple[str, Term]]] = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    lines: list[str] = []
    for s, pos in by_subject.items():
        parts = [("a" if p == RDF + "type" else _ttl_iri(p)) + " " + _ttl_term(o) for p, o in pos]
        lines.append(f"{indent}{_ttl_iri(s)} " + f" ;\n{indent}    ".join(parts) + " .\n")
    return lines


@dataclass(frozen=True)
class Written:
    """What :func:`write` wrote."""

    triples: int
    graphs: int


def write(
    source: Iterable[Unit],
    stream: BinaryIO,
    fmt: Format,
    *,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Write the units to a binary stream as TriG, N-Quads, or Turtle (one graph, no names).

    :param progress: called after each unit with the number of triples written so far.
    :raises GenerateError: for an unknown format, or Turtle of more than one graph.
    """
    if fmt not in FORMATS:
        raise GenerateError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt != "nquads":
        header = "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in PREFIXES)
        stream.write(f"# Synthetic clusterkg data (kg/generate): nothing here is real.\n{header}".encode())
    triples, graphs = 0, set()
    for unit in source:
        graphs.add(unit.graph)
        if fmt == "turtle" and len(graphs) > 1:
            raise GenerateError("Turtle holds one graph: generate into one graph (graph=...) or use TriG")
        if fmt == "nquads":
            g = f" <{unit.graph}> .\n"
            text = "".join(f"<{s}> <{p}> {_nt_term(o)}{g}" for s, p, o in unit.triples)
        elif fmt == "trig":
            text = f"\n{_ttl_iri(unit.graph)} {{\n" + "".join(_block(unit.triples, "    ")) + "}\n"
        else:
            text = "\n" + "".join(_block(unit.triples, ""))
        stream.write(text.encode("utf-8"))
        triples += len(unit.triples)
        if progress is not None:
            progress(triples)
    return Written(triples=triples, graphs=len(graphs))


def format_for(path: Path | None, given: str | None) -> Format:
    """The output format: the one given, else by the file's extension (:mod:`kg.formats`), else TriG.

    >>> format_for(Path("data.nq"), None), format_for(None, None), format_for(Path("data.csv"), None)
    ('nquads', 'trig', 'trig')
    """
    if given is None and path is not None:
        found = formats.by_extension(path.suffix, [formats.get(name) for name in FORMATS])
        given = found.name if found is not None else None
    if given is None:
        return "trig"
    for fmt in FORMATS:
        if fmt == given:
            return fmt
    raise GenerateError(f"unknown format {given!r}: use one of {', '.join(FORMATS)}")


@contextmanager
def terminal_progress(scale: int, console: Console | None = None) -> Iterator[Callable[[int], None]]:
    """A progress callback for :func:`write`: :func:`kg.progress.counter` over about ``scale`` triples."""
    with counter("generating triples", console) as report:
        yield lambda done: report(min(done, scale), scale)


def generate_file(
    out: Path | None,
    scale: int,
    *,
    seed: int = DEFAULT_SEED,
    fmt: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Generate about ``scale`` triples into a file (or standard output when ``out`` is None).

    The file is written beside its final name and renamed into place when complete.

    :raises GenerateError: for a bad scale or format.
    """
    chosen = format_for(out, fmt)
    if chosen not in FILE_FORMATS:
        raise GenerateError("a file of synthetic data holds several graphs: write TriG or N-Quads")
    source = units(scale, seed=seed)
    if out is None:
        try:
            return write(source, sys.stdout.buffer, chosen, progress=progress)
        except BrokenPipeError:  # e.g. piped into `head`: stop quietly, as Unix tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise GenerateError("standard output was closed before the data was complete") from None
    partial = out.with_name(f".{out.name}.partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with partial.open("wb", buffering=1 << 20) as stream:
            written = write(source, stream, chosen, progress=progress)
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written
