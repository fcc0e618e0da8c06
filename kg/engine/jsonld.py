"""JSON-LD compaction with a given context, for graphs the engine returns.

A term of the context is used only where reading the output back gives exactly the same
triple (JSON-LD 1.1 prefix rules, default ``@language``/``@direction``); list, language and
other containers, reverse terms, scoped contexts and ``@json``/``@vocab``-typed terms are
never used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from kg import terms
from kg.errors import NotAcceptable

RDF_TYPE = terms.RDF_TYPE.value
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_GEN_DELIMS = tuple(":/?#[]@")
_SKIPPED_TERM_KEYS = ("@reverse", "@context", "@nest", "@index", "@direction")
_REF, _ID, _TEXT, _VALUE, _LANG, _TYPED = range(6)  # forms of a value: "x", {"@id"}, "text"...
_NO_TRIPLE_TERMS = "the answer has RDF 1.2 triple terms, which JSON-LD cannot express"


class Compactor:
    """Writes quads as JSON-LD compacted with a context, using only terms that round-trip.

    Terms are matched by what expansion would make of a value: ``@type: @id`` terms take IRIs
    and blank nodes as strings, ``@type: <datatype>`` terms take literals of that datatype,
    ``@language`` terms take literals in that language, and terms without coercion take value
    objects (and plain strings when no default language applies). Prefixes (simple terms
    ending in a gen-delim, or ``@prefix: true``) and ``@vocab`` shorten IRIs. Containers other
    than ``@set``, reverse, nested and scoped terms are never used.
    """

    def __init__(self, context: Mapping[str, Any]) -> None:
        document = context.get("@context", context)
        self.document: Any = document
        defs: dict[str, Any] = {}
        for part in document if isinstance(document, list) else [document]:
            if part is None:
                defs = {}
            elif isinstance(part, Mapping):
                defs.update(part)
            else:
                raise ValueError("only inline JSON-LD contexts (objects) can be compacted with")
        if "@import" in defs:
            raise ValueError("@import in a JSON-LD context is not supported")
        self.raw = {name: value for name, value in defs.items() if not name.startswith("@")}
        vocab = defs.get("@vocab")
        self.vocab: str | None = self._expand(vocab, set()) if isinstance(vocab, str) else None
        language = defs.get("@language")
        self.language = language.lower() if isinstance(language, str) else None
        self.plain_strings = language is None and defs.get("@direction") is None
        self.tagged_strings = defs.get("@direction") is None
        self.prefixes: list[tuple[str, str]] = []
        self.by_iri: dict[str, list[str]] = {}
        self.coerced: dict[tuple[str, ...], str] = {}
        for name in sorted(self.raw, key=lambda n: (len(n), n)):  # shortest term first
            self._add_term(name, self.raw[name])
        self.id_forms: dict[str, str] = {}
        self.vocab_forms: dict[str, str] = {}
        self.plans: dict[tuple[str, str, str | None], tuple[str, int, str | None]] = {}

    def _expand(self, value: str, seen: set[str]) -> str | None:
        """Expand an IRI written in the context (vocabulary-relative)."""
        if value.startswith("@"):
            return value
        if ":" in value:
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//") or prefix not in self.raw:
                return value
            # JSON-LD 1.0 expands with any term, 1.1 only with prefixes: skip what they differ on.
            base = self._term_iri(prefix, seen)
            if base is None or not self._is_prefix(prefix, base):
                return None
            return base + suffix
        if value in self.raw:
            return self._term_iri(value, seen)
        vocab = getattr(self, "vocab", None)
        return None if vocab is None else vocab + value

    def _term_iri(self, name: str, seen: set[str]) -> str | None:
        if name in seen:
            return None
        seen = seen | {name}
        definition = self.raw.get(name)
        if isinstance(definition, str):
            return self._expand(definition, seen)
        if isinstance(definition, Mapping):
            if "@id" in definition:
                target = definition["@id"]
                return self._expand(target, seen) if isinstance(target, str) else None
            if ":" in name:
                return self._expand(name, seen)
            vocab = getattr(self, "vocab", None)
            return None if vocab is None else vocab + name
        return None

    def _is_prefix(self, name: str, iri: str) -> bool:
        """Whether a term may start a compact IRI (JSON-LD 1.1's prefix flag)."""
        if ":" in name or "/" in name:
            return False
        definition = self.raw.get(name)
        if isinstance(definition, str):
            return iri.endswith(_GEN_DELIMS)
        return isinstance(definition, Mapping) and definition.get("@prefix") is True

    def _add_term(self, name: str, definition: Any) -> None:
        if isinstance(definition, Mapping) and "@reverse" in definition:
            return
        iri = self._term_iri(name, set())
        if iri is None or iri.startswith("@"):
            return
        self.by_iri.setdefault(iri, []).append(name)
        if self._is_prefix(name, iri):
            self.prefixes.append((iri, name))
        simple = isinstance(definition, str)
        if simple:
            self.coerced.setdefault(("plain", iri), name)
            return
        if not isinstance(definition, Mapping) or any(k in definition for k in _SKIPPED_TERM_KEYS):
            return
        container = definition.get("@container")
        if container not in (None, "@set", ["@set"]):
            return
        kind = definition.get("@type")
        if kind is None:
            if "@language" not in definition:
                self.coerced.setdefault(("plain", iri), name)
            elif definition["@language"] is None:
                self.coerced.setdefault(("nolang", iri), name)
            elif isinstance(definition["@language"], str):
                self.coerced.setdefault(("lang", iri, definition["@language"].lower()), name)
        elif kind == "@id":
            self.coerced.setdefault(("id", iri), name)
        elif isinstance(kind, str) and not kind.startswith("@"):
            datatype = self._expand(kind, set())
            if datatype is not None:
                self.coerced.setdefault(("typed", iri, datatype), name)

    def compact(self, iri: str, *, vocab: bool) -> str:
        """The shortest form of an IRI that expands back to it (``vocab``: a type or a datatype)."""
        cache = self.vocab_forms if vocab else self.id_forms
        form = cache.get(iri)
        if form is None:
            candidates = list(self.by_iri.get(iri, ())) if vocab else []
            suffix = self._vocab_suffix(iri) if vocab else None
            if suffix is not None:
                candidates.append(suffix)
            for namespace, name in self.prefixes:
                if iri.startswith(namespace) and len(iri) > len(namespace):
                    local = iri[len(namespace) :]
                    compact = f"{name}:{local}"
                    if not local.startswith("//") and compact not in self.raw:
                        candidates.append(compact)
            form = cache[iri] = min(candidates, key=lambda c: (len(c), c)) if candidates else iri
        return form

    def _vocab_suffix(self, iri: str) -> str | None:
        if self.vocab is None or not iri.startswith(self.vocab):
            return None
        suffix = iri[len(self.vocab) :]
        if suffix and ":" not in suffix and not suffix.startswith("@") and suffix not in self.raw:
            return suffix
        return None

    def _key(self, predicate: str) -> str:
        """A key for values that need no coercion: a plain term, or a vocabulary-relative,
        compact or absolute IRI (no term definition)."""
        term = self.coerced.get(("plain", predicate))
        if term is not None:
            return term
        key = self.compact(predicate, vocab=False)
        suffix = self._vocab_suffix(predicate)
        return key if suffix is None else min(key, suffix, key=lambda c: (len(c), c))

    def _plan(self, predicate: str, kind: str, detail: str | None) -> tuple[str, int, str | None]:
        """How to write values of a kind under a predicate: the key, the value's form, an extra.

        ``kind`` is ``@id`` (IRIs and blank nodes), ``@language`` (``detail``: the tag) or
        ``@type`` (``detail``: the datatype).
        """
        coerced, tagged = self.coerced, self.tagged_strings
        plan: tuple[str, int, str | None]
        if kind == "@id":
            term = coerced.get(("id", predicate))
            plan = (term, _REF, None) if term is not None else (self._key(predicate), _ID, None)
        elif kind == "@language" and detail is not None:
            term = coerced.get(("lang", predicate, detail.lower()))
            if term is not None and tagged:
                plan = (term, _TEXT, None)
            elif self.language == detail.lower() and tagged:  # the default language applies
                plan = (self._key(predicate), _TEXT, None)
            else:
                plan = (self._key(predicate), _LANG, detail)
        elif detail == XSD_STRING:
            term = coerced.get(("nolang", predicate))
            if term is not None and tagged:
                plan = (term, _TEXT, None)
            else:
                plan = (self._key(predicate), _TEXT if self.plain_strings else _VALUE, None)
        else:
            term = coerced.get(("typed", predicate, detail or ""))
            if term is not None:
                plan = (term, _TEXT, None)
            else:
                plan = (self._key(predicate), _TYPED, self.compact(detail or "", vocab=True))
        self.plans[(predicate, kind, detail)] = plan
        return plan

    def write(self, quads: ox.QuadParser) -> bytes:
        """The JSON-LD document of the quads: ``@context`` and ``@graph``."""
        named_node, blank_node, literal = ox.NamedNode, ox.BlankNode, ox.Literal
        ids, types, plans = self.id_forms, self.vocab_forms, self.plans
        default: dict[str, dict[str, Any]] = {}
        named: dict[str, dict[str, dict[str, Any]]] = {}
        for quad in quads:
            graph = quad.graph_name
            if isinstance(graph, ox.DefaultGraph):
                nodes = default
            else:
                gid = (
                    f"_:{graph.value}"
                    if type(graph) is blank_node
                    else self.compact(graph.value, vocab=False)
                )
                nodes = named.setdefault(gid, {})
            subject = quad.subject
            if type(subject) is named_node:
                sid = ids.get(subject.value) or self.compact(subject.value, vocab=False)
            elif type(subject) is blank_node:
                sid = f"_:{subject.value}"
            else:
                raise NotAcceptable(_NO_TRIPLE_TERMS)
            node = nodes.get(sid)
            if node is None:
                node = nodes[sid] = {"@id": sid}
            predicate, obj = quad.predicate.value, quad.object
            value: Any
            if type(obj) is literal:
                language, text = obj.language, obj.value
                direction = None if language is None else obj.direction
                if language is None:
                    plan_key = (predicate, "@type", obj.datatype.value)
                elif direction is None:
                    plan_key = (predicate, "@language", language)
                else:  # as pyoxigraph writes it; JSON-LD 1.1 readers drop it by default
                    key = self._key(predicate)
                    value = {"@value": text, "@language": language, "@direction": str(direction)}
                    _add(node, key, value)
                    continue
                key, form, extra = plans.get(plan_key) or self._plan(*plan_key)
                if form == _TEXT:
                    value = text
                elif form == _VALUE:
                    value = {"@value": text}
                elif form == _LANG:
                    value = {"@value": text, "@language": extra}
                else:
                    value = {"@value": text, "@type": extra}
            elif type(obj) is named_node:
                if predicate == RDF_TYPE:
                    key, value = "@type", types.get(obj.value) or self.compact(obj.value, vocab=True)
                else:
                    key, form, _ = plans.get((predicate, "@id", None)) or self._plan(predicate, "@id", None)
                    ref = ids.get(obj.value) or self.compact(obj.value, vocab=False)
                    value = ref if form == _REF else {"@id": ref}
            elif type(obj) is blank_node:
                key, form, _ = plans.get((predicate, "@id", None)) or self._plan(predicate, "@id", None)
                value = f"_:{obj.value}" if form == _REF else {"@id": f"_:{obj.value}"}
            else:
                raise NotAcceptable(_NO_TRIPLE_TERMS)
            _add(node, key, value)
        for graph_id, nodes in named.items():
            holder = default.get(graph_id)
            if holder is None:
                holder = default[graph_id] = {"@id": graph_id}
            holder["@graph"] = [_unwrap(node) for node in nodes.values()]
        document = {"@context": self.document, "@graph": [_unwrap(node) for node in default.values()]}
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _add(node: dict[str, Any], key: str, value: Any) -> None:
    values = node.get(key)
    if values is None:
        node[key] = [value]
    else:
        values.append(value)


def _unwrap(node: dict[str, Any]) -> dict[str, Any]:
    """Single values without their array (as JSON-LD compaction writes them)."""
    for key, value in node.items():
        if isinstance(value, list) and len(value) == 1 and key != "@graph":
            node[key] = value[0]
    return node
