"""Loading a mapping file: YAML parsed, every entry checked, allowed values computed from the ontology.

A malformed mapping is refused with a :class:`~kg.ingest.errors.MappingError` that names the
file and the dotted key of the entry (``sheets.memberships.columns.role.enum``). The format
is described in :mod:`kg.ingest.mapping_spec`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml

from kg.ingest.errors import MappingError
from kg.ingest.mapping_spec import Column, Enumeration, EnumValue, Mapping, PathStep, SheetSpec
from kg.ingest.problems import CellError
from kg.ingest.references import CKG_NS, Prefixes
from kg.ingest.values import PARSERS
from kg.ingest.vocabulary import Vocabulary, load_vocabulary
from kg.namespaces import PREFIXES

DEFAULT_MAPPING = Path(__file__).resolve().parent / "mapping" / "clusterkg.yaml"

KINDS = ("rows", "case", "sources", "quotes")
ROLES: dict[str, frozenset[str]] = {
    "rows": frozenset({"key", "subject", "quote", "type", "property", "predicate", "object", "value",
                       "datatype", "language"}),
    "case": frozenset({"key", "property", "synthetic", "provenance"}),
    "sources": frozenset({"key", "type", "property", "language", "text_file"}),
    "quotes": frozenset({"key", "source", "text", "language"}),
}  # fmt: skip
_NEEDED_ROLES = {"case": ("key",), "sources": ("key",), "quotes": ("key", "source", "text")}
TEMPORAL = ("gYear", "gYearMonth", "date")
_COLUMN_KEYS = frozenset({
    "role", "property", "inverse", "ref", "enum", "choices", "datatype", "lang", "multiple", "required",
    "default", "min", "max", "unique_within", "sum_max", "path", "property_by_datatype", "note",
})  # fmt: skip
_SHEET_KEYS = frozenset(
    {"kind", "prefix", "classes", "provenance", "key_from", "required", "about", "columns"}
)
_T = TypeVar("_T")


@functools.cache
def default_mapping() -> Mapping:
    """The packaged mapping, loaded (with the ontology's vocabulary) once per process."""
    return load_mapping()


def load_mapping(path: Path | None = None, *, vocabulary: Vocabulary | None = None) -> Mapping:
    """Load and check a mapping file (default: the packaged one).

    :raises MappingError: naming the file and the key of the first malformed entry.
    """
    path = path or DEFAULT_MAPPING
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(path, "", f"cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise MappingError(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    return _Loader(path, vocabulary or load_vocabulary()).load(data)


class _Loader:
    def __init__(self, path: Path, vocabulary: Vocabulary) -> None:
        self.path = path
        self.vocabulary = vocabulary
        self.prefixes = Prefixes(dict(PREFIXES))
        self.external: set[str] = set()
        self.enumerations: dict[str, Enumeration] = {}

    def fail(self, key: str, message: str) -> MappingError:
        return MappingError(self.path, key, message)

    def get(self, data: object, key: str, kind: type[_T], where: str, default: _T | None = None) -> _T:
        value = data.get(key, default) if isinstance(data, dict) else default
        if value is None and default is None:
            raise self.fail(f"{where}.{key}".lstrip("."), "missing")
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}.{key}".lstrip("."), f"expected a {kind.__name__}, found {value!r}")
        return value

    def keys(self, data: object, where: str, allowed: frozenset[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, f"expected a mapping of keys to values, found {data!r}")
        for key in data:
            if key not in allowed:
                raise self.fail(f"{where}.{key}", f"unknown key; allowed here: {', '.join(sorted(allowed))}")
        return data

    def term(
        self, text: object, where: str, check: Callable[[str], bool] | None = None, what: str = ""
    ) -> str:
        if not isinstance(text, str):
            raise self.fail(where, f"expected a prefixed name such as ckg:Cluster, found {text!r}")
        try:
            iri = self.prefixes.reference(text, None)
        except CellError as exc:
            raise self.fail(where, f"{text!r}: expected {exc.expected}") from None
        if check is not None and not check(iri):
            raise self.fail(
                where, f"{text!r} is not {what or 'a term'} of the ontology (nor an external term)"
            )
        return iri

    def load(self, data: object) -> Mapping:
        top = self.keys(
            data, "", frozenset({"version", "prefixes", "external_terms", "enumerations", "sheets"})
        )
        if top.get("version") != 1:
            raise self.fail("version", f"expected 1, found {top.get('version')!r}")
        for prefix, namespace in self.get(top, "prefixes", dict, "", {}).items():
            if not isinstance(namespace, str) or not namespace.startswith(("http://", "https://")):
                raise self.fail(f"prefixes.{prefix}", f"expected a namespace IRI, found {namespace!r}")
            if PREFIXES.get(prefix, namespace) != namespace:
                raise self.fail(f"prefixes.{prefix}", f"already means {PREFIXES[prefix]}")
            self.prefixes = Prefixes({**self.prefixes.table, str(prefix): namespace})
        for i, text in enumerate(self.get(top, "external_terms", list, "", [])):
            self.external.add(self.term(text, f"external_terms[{i}]"))
        for name, spec in self.get(top, "enumerations", dict, "", {}).items():
            self.enumerations[name] = self.enumeration(str(name), spec)
        sheets = [self.sheet(str(name), spec) for name, spec in self.get(top, "sheets", dict, "").items()]
        return Mapping(
            self.path,
            self.prefixes,
            self.enumerations,
            tuple(sheets),
            self.vocabulary,
            frozenset(self.external),
        )

    def enumeration(self, name: str, spec: object) -> Enumeration:
        where = f"enumerations.{name}"
        allowed = frozenset({"about", "instances_of", "subclasses_of", "include_self", "terms", "values"})
        spec = self.keys(spec, where, allowed)
        ways = [k for k in ("instances_of", "subclasses_of", "terms", "values") if k in spec]
        if len(ways) != 1:
            raise self.fail(where, "expected exactly one of instances_of, subclasses_of, terms, values")
        vocab = self.vocabulary
        labels: dict[str, str] = {}
        if "instances_of" in spec:
            iris = vocab.instances_of(
                self.term(
                    spec["instances_of"], f"{where}.instances_of", vocab.classes.__contains__, "a class"
                )
            )
        elif "subclasses_of" in spec:
            cls = self.term(
                spec["subclasses_of"], f"{where}.subclasses_of", vocab.classes.__contains__, "a class"
            )
            iris = vocab.subclasses_of(cls, include_self=bool(spec.get("include_self", False)))
        elif "terms" in spec:
            terms = self.get(spec, "terms", list, where)
            iris = [
                self.term(t, f"{where}.terms[{i}]", vocab.terms.__contains__) for i, t in enumerate(terms)
            ]
        else:
            iris = []
            for i, item in enumerate(self.get(spec, "values", list, where)):
                item = self.keys(item, f"{where}.values[{i}]", frozenset({"term", "label"}))
                iris.append(self.term(item.get("term"), f"{where}.values[{i}].term"))
                labels[iris[-1]] = str(item.get("label", ""))
        if not iris:
            raise self.fail(where, "no allowed values: the ontology has none of that kind")
        values = tuple(
            EnumValue(self._short(iri), iri, labels.get(iri) or vocab.labels.get(iri, "")) for iri in iris
        )
        return Enumeration(name, str(spec.get("about", "")), values)

    def _short(self, iri: str) -> str:
        return iri[len(CKG_NS) :] if iri.startswith(CKG_NS) else self.prefixes.curie(iri)

    def sheet(self, name: str, spec: object) -> SheetSpec:
        where = f"sheets.{name}"
        spec = self.keys(spec, where, _SHEET_KEYS)
        kind = self.get(spec, "kind", str, where, "rows")
        if kind not in KINDS:
            raise self.fail(f"{where}.kind", f"expected one of {', '.join(KINDS)}, found {kind!r}")
        prefix = spec.get("prefix")
        if prefix is not None and prefix not in self.prefixes.table:
            raise self.fail(f"{where}.prefix", f"unknown prefix {prefix!r}")
        classes = self.get(spec, "classes", list, where, [])
        columns_spec = self.get(spec, "columns", dict, where)
        columns = tuple(self.column(f"{where}.columns", str(n), c, kind) for n, c in columns_spec.items())
        names = {c.name for c in columns}
        roles = [c.role for c in columns]
        for single in ("key", "subject", "quote", "predicate"):
            if roles.count(single) > 1:
                raise self.fail(f"{where}.columns", f"more than one column with role {single}")
        if ("key" in roles) == ("subject" in roles):
            raise self.fail(f"{where}.columns", "expected exactly one column with role key or role subject")
        for needed in _NEEDED_ROLES.get(kind, ()):
            if needed not in roles:
                raise self.fail(
                    f"{where}.columns", f"a sheet of kind {kind} needs a column with role {needed}"
                )
        provenance = self.get(spec, "provenance", bool, where, kind == "rows")
        if provenance and "quote" not in roles:
            raise self.fail(f"{where}.columns", "a sheet with provenance needs a column with role quote")
        for column in columns:
            for other, key in (
                (column.unique_within, "unique_within"),
                (column.sum_max and column.sum_max[0], "sum_max"),
            ):
                if other is not None and other not in names:
                    raise self.fail(
                        f"{where}.columns.{column.name}.{key}", f"no column {other!r} in this sheet"
                    )
        key_from = tuple(str(k) for k in self.get(spec, "key_from", list, where, []))
        if any(k not in names for k in key_from):
            raise self.fail(
                f"{where}.key_from", f"expected column names of this sheet, found {list(key_from)}"
            )
        return SheetSpec(
            name=name,
            kind=kind,
            about=str(spec.get("about", "")),
            prefix=prefix,
            classes=tuple(
                self.term(c, f"{where}.classes[{i}]", self._is_class, "a class")
                for i, c in enumerate(classes)
            ),
            provenance=provenance,
            required=self.get(spec, "required", bool, where, False),
            key_from=key_from,
            columns=columns,
        )

    def _is_class(self, iri: str) -> bool:
        return iri in self.vocabulary.classes or iri in self.external

    def _is_property(self, iri: str) -> bool:
        return iri in self.vocabulary.properties or iri in self.external

    def column(self, where: str, name: str, spec: object, kind: str) -> Column:
        where = f"{where}.{name}"
        spec = self.keys(spec, where, _COLUMN_KEYS)
        role = self.get(spec, "role", str, where, "property")
        if role not in ROLES[kind]:
            raise self.fail(
                f"{where}.role", f"expected one of {', '.join(sorted(ROLES[kind]))}, found {role!r}"
            )
        prop = spec.get("property")
        prop_iri = (
            None if prop is None else self.term(prop, f"{where}.property", self._is_property, "a property")
        )
        datatype = spec.get("datatype")
        if datatype is not None and datatype not in PARSERS:
            raise self.fail(f"{where}.datatype", f"expected one of {', '.join(PARSERS)}, found {datatype!r}")
        by_datatype = self.get(spec, "property_by_datatype", dict, where, {})
        if (datatype == "temporal") != bool(by_datatype) and role == "property":
            raise self.fail(where, "a temporal datatype goes with property_by_datatype (and only it)")
        if any(k not in TEMPORAL for k in by_datatype):
            raise self.fail(f"{where}.property_by_datatype", f"expected keys among {', '.join(TEMPORAL)}")
        enum = spec.get("enum")
        if enum is not None and enum not in self.enumerations:
            raise self.fail(
                f"{where}.enum", f"unknown enumeration {enum!r} (known: {', '.join(self.enumerations)})"
            )
        ref = spec.get("ref")
        if ref is not None and ref not in self.prefixes.table:
            raise self.fail(f"{where}.ref", f"unknown prefix {ref!r}")
        kinds = [k for k in ("ref", "enum", "lang", "datatype") if k in spec]
        if role == "property":
            if prop_iri is None and not by_datatype:
                raise self.fail(where, "a property column needs a property")
            if len(kinds) != 1:
                raise self.fail(
                    where, "expected exactly one of ref, enum, lang, datatype for a property column"
                )
            if "choices" in spec:
                raise self.fail(
                    f"{where}.choices", "a property column takes an enumeration (enum), not choices"
                )
        lang = spec.get("lang")
        if lang is not None and not (isinstance(lang, str) and lang.replace("-", "").isalnum()):
            raise self.fail(f"{where}.lang", f"expected a language tag such as ru, found {lang!r}")
        default = spec.get("default")
        if default is not None and enum is not None:
            try:
                self.enumerations[enum].lookup(str(default), self.prefixes)
            except CellError as exc:
                raise self.fail(f"{where}.default", f"{default!r}: expected {exc.expected}") from None
        sum_max = spec.get("sum_max")
        if sum_max is not None:
            sum_max = self.keys(sum_max, f"{where}.sum_max", frozenset({"per", "max"}))
            per = self.get(sum_max, "per", str, f"{where}.sum_max")
            limit = self.number(sum_max, "max", f"{where}.sum_max")
            if limit is None:
                raise self.fail(f"{where}.sum_max.max", "missing")
            sum_max = (per, limit)
        return Column(
            name=name,
            role=role,
            property=prop_iri,
            inverse=self.get(spec, "inverse", bool, where, False),
            is_ref="ref" in spec,
            ref=ref,
            enum=enum,
            choices=tuple(str(c) for c in self.get(spec, "choices", list, where, [])),
            datatype=datatype,
            lang=lang,
            multiple=self.get(spec, "multiple", bool, where, False),
            required=self.get(spec, "required", bool, where, False),
            default=None if default is None else str(default),
            min=self.number(spec, "min", where),
            max=self.number(spec, "max", where),
            unique_within=self.get(spec, "unique_within", str, where, "") or None,
            sum_max=sum_max,
            path=tuple(
                self.step(f"{where}.path[{i}]", s)
                for i, s in enumerate(self.get(spec, "path", list, where, []))
            ),
            property_by_datatype={
                str(k): self.term(v, f"{where}.property_by_datatype.{k}", self._is_property, "a property")
                for k, v in by_datatype.items()
            },
            note=str(spec.get("note", "")),
        )

    def number(self, spec: dict[str, Any], key: str, where: str) -> Decimal | None:
        value = spec.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where}.{key}", f"expected a number, found {value!r}")
        return Decimal(str(value))

    def step(self, where: str, spec: object) -> PathStep:
        spec = self.keys(spec, where, frozenset({"property", "node", "classes"}))
        node = self.get(spec, "node", str, where)
        if not node.replace("-", "").isalnum():
            raise self.fail(f"{where}.node", f"expected a name of letters, digits and '-', found {node!r}")
        return PathStep(
            property=self.term(spec.get("property"), f"{where}.property", self._is_property, "a property"),
            node=node,
            classes=tuple(
                self.term(c, f"{where}.classes[{i}]", self._is_class, "a class")
                for i, c in enumerate(self.get(spec, "classes", list, where, []))
            ),
        )
