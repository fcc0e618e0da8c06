"""Provenance of claims: every claim graph is stated by a quote that is verbatim in its source.

A quote is compared with its source after folding every run of white space (line breaks
included) into one space, because the source texts are hard-wrapped; nothing else is
normalised: not case, not quotation marks, not hyphens.

>>> fold("a  b\\n\\n c")
'a b c'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg.errors import ProvenanceError
from kg.namespaces import CKG, ID, OA, PROV, PROVENANCE_GRAPH

CLAIM_PREFIX = str(ID) + "claim/"
_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold every run of white space into a single space and strip the ends."""
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class SourceText:
    """A source document's text file, identified by its SHA-256."""

    path: Path
    sha256: str
    folded: str


def index_sources(folders: Iterable[Path]) -> dict[str, SourceText]:
    """Read every ``*.txt`` in the folders and index it by its SHA-256 digest."""
    texts: dict[str, SourceText] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            texts[digest] = SourceText(path, digest, fold(raw.decode("utf-8")))
    return texts


def claim_graphs(dataset: Dataset) -> list[URIRef]:
    """The named graphs of the dataset that are claims (by their IRI)."""
    return sorted(
        g.identifier
        for g in dataset.graphs()
        if isinstance(g.identifier, URIRef) and str(g.identifier).startswith(CLAIM_PREFIX) and len(g)
    )


def check(dataset: Dataset, sources: dict[str, SourceText], *, extra: Graph | None = None) -> int:
    """Check every claim graph's provenance; returns how many quotes were verified.

    ``extra`` is a graph with more statements about sources (e.g. the reference graph when it
    is not in the dataset).

    :raises ProvenanceError: listing every claim without a quote, every quote without
        a known source text, and every quote that is not verbatim in its source.
    """
    prov = dataset.graph(PROVENANCE_GRAPH)
    about_sources = Graph()
    for g in dataset.graphs():
        for triple in g.triples((None, CKG.textSha256, None)):
            about_sources.add(triple)
    if extra is not None:
        for triple in extra.triples((None, CKG.textSha256, None)):
            about_sources.add(triple)

    problems: list[str] = []
    verified = 0
    for claim in claim_graphs(dataset):
        if (claim, RDF.type, CKG.Claim) not in prov:
            problems.append(f"claim graph <{claim}> is not declared a ckg:Claim in the provenance graph")
        quotes = [q for q in prov.objects(claim, PROV.wasDerivedFrom) if isinstance(q, URIRef)]
        if not quotes:
            problems.append(f"claim graph <{claim}> has no prov:wasDerivedFrom quote")
        for quote in quotes:
            verified += _check_quote(prov, about_sources, sources, claim, quote, problems)
    if problems:
        raise ProvenanceError(problems)
    return verified


def _check_quote(
    prov: Graph,
    about_sources: Graph,
    sources: dict[str, SourceText],
    claim: URIRef,
    quote: URIRef,
    problems: list[str],
) -> int:
    exacts = [
        o
        for sel in prov.objects(quote, OA.hasSelector)
        for o in prov.objects(sel, OA.exact)
        if isinstance(o, Literal)
    ]
    if not exacts:
        problems.append(f"quote <{quote}> of claim <{claim}> has no oa:TextQuoteSelector with oa:exact")
        return 0
    source = next(prov.objects(quote, PROV.wasQuotedFrom), None)
    if source is None:
        problems.append(f"quote <{quote}> of claim <{claim}> has no prov:wasQuotedFrom source")
        return 0
    digest = next(about_sources.objects(source, CKG.textSha256), None)
    text = sources.get(str(digest)) if digest is not None else None
    if text is None:
        problems.append(
            f"source <{source}> of quote <{quote}> has no text here to check against"
            f" (ckg:textSha256 {digest if digest is not None else 'missing'})"
        )
        return 0
    count = 0
    for exact in exacts:
        if fold(str(exact)) in text.folded:
            count += 1
        else:
            problems.append(
                f"quote <{quote}> of claim <{claim}> is not verbatim in {text.path.name}: {str(exact)[:80]!r}"
            )
    return count
