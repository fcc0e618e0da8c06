"""The structural pass over SPARQL tokens: prologue, bodies and every SERVICE they hold.

:class:`Reader` reads BASE and PREFIX declarations, expands IRIs, checks a body for undeclared
prefixes, unknown keywords and misplaced update keywords, and records each SERVICE target as a
:class:`ServiceRef`, including the readings Oxigraph would give to glued text such as
``SERVICEex:x {``. Update operations are read by its subclass in :mod:`kg.sparql_text.updates`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kg.errors import QueryError
from kg.sparql_text.iris import resolve_iri
from kg.sparql_text.lexer import Tok, line_col, position

__all__ = ["FORMS", "Form", "LoadRef", "Reader", "ServiceRef"]

Form = Literal["SELECT", "CONSTRUCT", "DESCRIBE", "ASK"]
FORMS: tuple[Form, ...] = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


@dataclass(frozen=True)
class ServiceRef:
    """A SERVICE in the request: its endpoint IRI (None when it is a variable) and where it is."""

    iri: str | None
    silent: bool
    line: int
    column: int


@dataclass(frozen=True)
class LoadRef:
    """A LOAD in the request: the IRI it fetches, and the graph it loads into (None: default)."""

    iri: str
    silent: bool
    into: str | None
    line: int
    column: int


_MISPLACED = frozenset(
    {"BASE", "PREFIX", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH"}
    | {"USING", "DATA"}
)
_IRI_KINDS = frozenset({"IRIREF", "PNAME_LN", "PNAME_NS"})
_PN_ESCAPE_RE = re.compile(r"\\(.)")


class Reader:
    """The structural pass over a token list."""

    def __init__(self, text: str, toks: list[Tok], pairs: dict[int, int]) -> None:
        self.text = text
        self.toks = toks
        self.pairs = pairs
        self.base: str | None = None
        self.prefixes: dict[str, str] = {}
        self.declarations: list[str] = []
        self.services: list[ServiceRef] = []
        self.loads: list[LoadRef] = []

    # -- helpers

    def error(self, message: str, index: int) -> QueryError:
        at = self.toks[index][2] if index < len(self.toks) else len(self.text)
        return QueryError(f"{message} at {position(self.text, at)}")

    def keyword(self, index: int) -> str | None:
        if index < len(self.toks) and self.toks[index][0] == "KEYWORD":
            return self.toks[index][1].upper()
        return None

    def punct(self, index: int) -> str | None:
        if index < len(self.toks) and self.toks[index][0] == "PUNCT":
            return self.toks[index][1]
        return None

    def expand(self, index: int) -> str:
        """The IRI a token denotes: an IRIREF resolved against BASE, or an expanded prefixed name."""
        kind, text, _ = self.toks[index]
        if kind == "IRIREF":
            return resolve_iri(self.base, text[1:-1])
        prefix, _, local = text.partition(":")
        namespace = self.prefixes.get(prefix)
        if namespace is None:
            raise self.error(f"undeclared prefix {prefix + ':'!r}", index)
        if "\\" in local:
            local = _PN_ESCAPE_RE.sub(r"\1", local)
        return namespace + local

    def iri(self, index: int, what: str) -> str:
        if index >= len(self.toks) or self.toks[index][0] not in _IRI_KINDS:
            raise self.error(f"expected an IRI for {what}", index)
        return self.expand(index)

    # -- prologue and bodies

    def prologue(self, i: int) -> int:
        """Read BASE and PREFIX declarations from token i on; return the index after them."""
        while True:
            word = self.keyword(i)
            if word == "BASE":
                if i + 1 >= len(self.toks) or self.toks[i + 1][0] != "IRIREF":
                    raise self.error("expected an IRI after BASE", i + 1)
                self.base = self.expand(i + 1)
                end = i + 2
            elif word == "PREFIX":
                if i + 2 >= len(self.toks) or self.toks[i + 1][0] != "PNAME_NS":
                    raise self.error("expected a prefix name after PREFIX", i + 1)
                if self.toks[i + 2][0] != "IRIREF":
                    raise self.error("expected an IRI after the prefix name", i + 2)
                self.prefixes[self.toks[i + 1][1][:-1]] = self.expand(i + 2)
                end = i + 3
            else:
                return i
            last = self.toks[end - 1]
            self.declarations.append(self.text[self.toks[i][2] : last[2] + len(last[1])])
            i = end

    def body(self, i: int, j: int) -> None:
        """Check tokens i..j-1 and record every SERVICE among them."""
        toks = self.toks
        prefixes = self.prefixes
        for k in range(i, j):
            kind, text, _ = toks[k]
            if kind == "PNAME_LN" or kind == "PNAME_NS":
                prefix = text[: text.index(":")]
                if prefix not in prefixes:
                    raise self.error(f"undeclared prefix {prefix + ':'!r}", k)
                if prefix and prefix[0] in "sStTfF":
                    self.glued_service(k, prefix)
            elif kind == "KEYWORD":
                word = text.upper()
                if word == "SERVICE":
                    self.service(k)
                elif word in _MISPLACED:
                    raise self.error(f"unexpected {word}", k)
            elif kind == "NAME":
                raise self.error(f"unknown keyword {text!r}", k)

    def service(self, k: int) -> None:
        """Record the SERVICE whose keyword is token k."""
        line, column = line_col(self.text, self.toks[k][2])
        t = k + 1
        silent = self.keyword(t) == "SILENT"
        if silent:
            t += 1
        if t < len(self.toks) and self.toks[t][0] == "VAR":
            self.services.append(ServiceRef(None, silent, line, column))
            return
        self.services.append(ServiceRef(self.iri(t, "SERVICE"), silent, line, column))
        # Oxigraph reads 'SERVICE SILENTex:x' as SERVICE SILENT ex:x when ex: is declared.
        for iri in self.split_names(t, "silent"):
            self.services.append(ServiceRef(iri, True, line, column))

    def glued_service(self, k: int, prefix: str) -> None:
        """Report a prefixed name that the engine may read as SERVICE plus a target ('SERVICEex:x {')."""
        if self.punct(k + 1) != "{":
            return
        lowered = prefix.lower()
        for lead in ("service", "trueservice", "falseservice"):
            if not lowered.startswith(lead):
                continue
            rest = prefix[len(lead) :]
            readings = [(rest, False)]
            if rest.lower().startswith("silent"):
                readings.append((rest[6:], True))
            local = self.toks[k][1][len(prefix) + 1 :]
            if "\\" in local:
                local = _PN_ESCAPE_RE.sub(r"\1", local)
            line, column = line_col(self.text, self.toks[k][2])
            for name, silent in readings:
                if name in self.prefixes:
                    self.services.append(ServiceRef(self.prefixes[name] + local, silent, line, column))

    def split_names(self, t: int, lead: str) -> list[str]:
        """IRIs of prefixed name t read with ``lead`` (e.g. 'silent') cut from the front of its prefix."""
        kind, text, _ = self.toks[t]
        if kind == "IRIREF":
            return []
        prefix, _, local = text.partition(":")
        if not prefix.lower().startswith(lead) or prefix[len(lead) :] not in self.prefixes:
            return []
        if "\\" in local:
            local = _PN_ESCAPE_RE.sub(r"\1", local)
        return [self.prefixes[prefix[len(lead) :]] + local]
