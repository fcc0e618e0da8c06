"""Reading large N-Quads and TriG files as parts of whole graphs, for the bulk path (:mod:`kg.bulk`).

An N-Quads file is read in blocks and split where the graph changes, found by a regular
expression at the end of a line where the line does not end as the one before (one test per
quad in Python; Oxigraph parses every part and finds what the expression misreads); a TriG
file is parsed by Oxigraph and cut into N-Quads parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.errors import SourceError


class Counting:
    """A binary file that counts the bytes read from it (for progress)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.done = raw, 0

    def read(self, size: int = -1) -> bytes:
        """Read and count."""
        data = self.raw.read(size)
        self.done += len(data)
        return data

    def readline(self) -> bytes:
        """Read a line and count it."""
        line = self.raw.readline()
        self.done += len(line)
        return line

    def __iter__(self) -> Iterator[bytes]:
        """The lines, counted."""
        for line in self.raw:
            self.done += len(line)
            yield line


@dataclass
class Part:
    """Whole graphs of a file as N-Quads text, with the line the text starts at (N-Quads files)."""

    data: bytes
    graphs: list[ox.NamedNode]
    names: list[bytes]
    triples: int
    first_line: int | None


_GRAPH_AT_END = re.compile(rb"<([^<>\s]*)>[ \t]*\.[ \t]*\r?$", re.MULTILINE)
"""The graph IRI at the end of an N-Quads line (a statement without one does not match)."""
BLOCK = 1 << 23
"""Bytes read at a time from an N-Quads file."""


def nquads(path: Path, reader: IO[bytes], size: int, block: int = BLOCK) -> Iterator[Part]:
    """Whole graphs of an N-Quads file, about ``size`` triples at a time, split by lines.

    The graph of each line is read from its end by a regular expression, only to find where
    the graphs change: Oxigraph parses every part, and a statement outside a named graph that
    the expression misreads (``<s> <p> <o> .``) is found there.

    >>> import io
    >>> text = b"<s:> <p:> <o:> <g:1> .\\n# note\\n<s:> <p:> \\"1\\" <g:2> .\\n"
    >>> parts = nquads(Path("x.nq"), io.BytesIO(text), 1)
    >>> [(p.names, p.triples, p.first_line) for p in parts]
    [([b'g:1'], 1, 1), ([b'g:2'], 1, 3)]
    >>> parts = nquads(Path("x.nq"), io.BytesIO(text), 1, block=5)  # blocks end within lines
    >>> [(p.names, p.triples, p.first_line, p.data.count(b"\\n")) for p in parts]
    [([b'g:1'], 1, 1, 2), ([b'g:2'], 1, 3, 1)]
    """
    buffer = bytearray()
    bounds: list[tuple[bytes, int, int]] = []  # (graph, offset of its first line, quads before it)
    quads, first = 0, 1
    while data := reader.read(block):
        if not data.endswith(b"\n"):
            data += reader.readline()
        base = len(buffer)
        buffer += data
        current = bounds[-1][0] if bounds else None
        same = b"<" + current + b"> ." if current is not None else None
        start = 0
        for line in data.split(b"\n"):
            # a line that ends as the previous one did is in its graph (most lines): one test
            if same is not None and line.endswith(same):
                quads += 1
            elif match := _GRAPH_AT_END.search(line):
                name = match.group(1)
                if name != current:
                    bounds.append((name, base + start, quads))
                    current, same = name, b"<" + name + b"> ."
                quads += 1
            start += len(line) + 1
        while (k := next((i for i, b in enumerate(bounds) if i and b[2] >= size), None)) is not None:
            _, cut, before = bounds[k]  # the first graph that starts after ``size`` quads
            head = bytes(buffer[:cut])
            names = [name for name, _, _ in bounds[:k]]
            yield Part(head, iris(names), names, before, first)
            first += head.count(b"\n")
            del buffer[:cut]
            bounds = [(name, offset - cut, seen - before) for name, offset, seen in bounds[k:]]
            quads -= before
    if buffer.strip():
        yield Part(bytes(buffer), iris([b for b, _, _ in bounds]), [b for b, _, _ in bounds], quads, first)


def trig(path: Path, reader: IO[bytes], size: int) -> Iterator[Part]:
    """Whole graphs of a TriG file, about ``size`` triples at a time, as N-Quads text."""
    quads: list[ox.Quad] = []
    names: list[bytes] = []
    current: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None
    try:
        for quad in ox.parse(reader, format=ox.RdfFormat.TRIG):
            if quad.graph_name != current:
                if len(quads) >= size:
                    yield Part(nquads_of(quads), iris(names), names, len(quads), None)
                    quads, names = [], []
                current = quad.graph_name
                names.append(current.value.encode() if isinstance(current, ox.NamedNode) else b"")
            quads.append(quad)
    except SyntaxError as error:
        raise SourceError(path, str(error), error.lineno) from error
    if quads:
        yield Part(nquads_of(quads), iris(names), names, len(quads), None)


def nquads_of(quads: list[ox.Quad]) -> bytes:
    """Quads as N-Quads text."""
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def iris(names: list[bytes]) -> list[ox.NamedNode]:
    """The graph names that are IRIs (Oxigraph reports the others, with their line, when it parses)."""
    iris = []
    for name in names:
        try:
            iris.append(ox.NamedNode(name.decode()))
        except ValueError:
            continue
    return iris
