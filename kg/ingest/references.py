"""Keys and references written in cells, and the IRIs they stand for.

A key or a reference is a slug (``medinzh``), which takes the column's default prefix, or a
prefixed name (``grp:medinzh-project-rd-companies``) using a prefix of the mapping's table, or
(references only) a full ``http(s)://`` IRI. Keys name nodes of the clusterkg id namespace
``https://w3id.org/clusterkg/id/``; a synthetic case moves every clusterkg IRI (other than the
ontology's) under ``https://w3id.org/clusterkg/synthetic/``.

>>> table = Prefixes({"og": "https://w3id.org/clusterkg/id/organization/", "ckg": CKG_NS})
>>> table.key("medinzh", "og")
'https://w3id.org/clusterkg/id/organization/medinzh'
>>> table.reference("ckg:anchorFinisherRole", None)
'https://w3id.org/clusterkg/ontology#anchorFinisherRole'
>>> synthetic_iri("https://w3id.org/clusterkg/id/organization/medinzh")
'https://w3id.org/clusterkg/synthetic/id/organization/medinzh'
>>> suggest_slug("МедИнж Plus")
'medinzh-plus'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from unidecode import unidecode

from kg import terms
from kg.ingest.problems import CellError
from kg.namespaces import BASE, CKG, ID

CKG_NS = str(CKG)
ID_NS = str(ID)
SYNTHETIC_BASE = BASE + "synthetic/"
SHARED_REFERENCE = (BASE + "id/okved2/", BASE + "id/nace-rev2/")
"""Reference data that synthetic cases point to as they are: the industry classifications."""

_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def suggest_slug(text: str) -> str:
    """A slug for a text: transliterated, lower case, runs of other characters as ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", unidecode(text).lower()).strip("-")


def slug(text: str) -> str:
    """The text itself if it is a slug of Latin letters, digits, -, _ and . (else a CellError)."""
    if _SLUG.fullmatch(text):
        return text
    hint = suggest_slug(text)
    example = f" such as {hint!r}" if hint else ""
    raise CellError(f"a slug of Latin letters, digits, '-', '_' and '.'{example}")


def is_full_iri(text: str) -> bool:
    """Whether a cell holds a full http(s) IRI (possibly in <>), not a slug or prefixed name."""
    return text.lstrip("<").startswith(("http://", "https://"))


def synthetic_iri(iri: str) -> str:
    """The IRI moved into the synthetic namespace (clusterkg IRIs other than ontology terms)."""
    if iri.startswith(BASE) and not iri.startswith((SYNTHETIC_BASE, CKG_NS, *SHARED_REFERENCE)):
        return SYNTHETIC_BASE + iri[len(BASE) :]
    return iri


@dataclass(frozen=True)
class Prefixes:
    """The prefix table of a mapping: prefix -> namespace IRI."""

    table: Mapping[str, str]

    def names(self) -> str:
        """The prefixes, for messages."""
        return ", ".join(sorted(self.table))

    def _expand(self, text: str) -> str:
        prefix, _, local = text.partition(":")
        if not _PREFIX.fullmatch(prefix) or prefix not in self.table:
            raise CellError(f"a known prefix before ':' (one of: {self.names()})")
        return self.table[prefix] + slug(local)

    def key(self, text: str, default: str | None) -> str:
        """The IRI a key names; keys are slugs or prefixed names in the clusterkg id namespace."""
        if not text:
            raise CellError("a key")
        if ":" in text:
            iri = self._expand(text)
            if not iri.startswith(ID_NS):
                raise CellError(f"a key with a clusterkg id prefix (one of: {self.id_names()})")
            return iri
        if default is None:
            raise CellError(f"a key written prefix:slug, with a prefix such as {self.id_names()}")
        return self.table[default] + slug(text)

    def reference(self, text: str, default: str | None) -> str:
        """The IRI a reference names: a slug, a prefixed name or a full http(s) IRI."""
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        if text.startswith(("http://", "https://")):
            try:
                return terms.iri(text, prefixes={}).value
            except terms.TermError as exc:
                raise CellError(
                    f'a well-formed IRI, without spaces or <>"{{}}|\\^` characters ({exc.reason})'
                ) from None
        if ":" in text:
            return self._expand(text)
        if default is None:
            raise CellError(f"a reference written prefix:slug (prefixes: {self.names()})")
        return self.table[default] + slug(text)

    def id_names(self) -> str:
        """The prefixes of the clusterkg id namespace, for messages."""
        return ", ".join(sorted(p for p, ns in self.table.items() if ns.startswith(ID_NS)))

    def curie(self, iri: str) -> str:
        """The shortest prefixed name for an IRI, or the IRI in <> when no prefix fits."""
        best = ""
        for prefix, ns in self.table.items():
            if (
                iri.startswith(ns)
                and len(ns) > len(self.table.get(best, ""))
                and _SLUG.fullmatch(iri[len(ns) :])
            ):
                best = prefix
        return f"{best}:{iri[len(self.table[best]) :]}" if best else f"<{iri}>"
