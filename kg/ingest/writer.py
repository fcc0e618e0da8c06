"""Writing an empty template from the mapping: a workbook with notes and lists, or CSV headers.

A workbook (``out`` ending in ``.xlsx``) has a ``README`` sheet (keys, prefixes, quotes, the
sheets), one sheet per mapped sheet whose header cells carry a note (the ontology term as a
CURIE, its definition from the ontology, whether the column is required, the column's help),
an Excel drop-down on every single-valued enumerated column, and a ``lists`` sheet with every
allowed value, its IRI and its English label. Otherwise ``out`` is a folder that gets one
``.csv`` file of headers per sheet, ``lists.csv`` and a ``README.md``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from kg.ingest.errors import IngestFileError
from kg.ingest.mapping_spec import Column, Mapping, SheetSpec
from kg.ingest.workbook import RESERVED_SHEETS
from kg.terms import RDF_TYPE

README, LISTS = RESERVED_SHEETS
BOOLEAN = ("true", "false")
_ROLE_HELP = {
    "key": "The key of the row's node: a slug (Latin letters, digits, -, _, .), or prefix:slug.",
    "subject": "The node this row is about: a key (default prefix below) or prefix:slug.",
    "quote": "The key of the quote (quotes sheet) that states this row.",
    "predicate": "The property, prefix:name.",
    "object": "The object node, prefix:slug.",
    "value": "The literal value.",
    "datatype": "The value's datatype, e.g. xsd:gYear.",
    "language": "A language tag, e.g. ru or en.",
    "source": "The key of the source (sources sheet) the quote is from.",
    "text": "The quote, verbatim.",
    "text_file": "The source's text file name.",
    "synthetic": "Whether the case is made-up data.",
    "provenance": "Whether rows must name a quote.",
}


def readme_lines(mapping: Mapping) -> list[str]:
    """The explanations at the head of every template."""
    lines = [
        "clusterkg case template",
        "",
        "Fill in one sheet per kind of thing; the case sheet describes the case in one row.",
        "Row 1 holds the column headers; do not rename them. Hover over a header for its meaning.",
        "Keys: each row's key is a slug of Latin letters, digits, '-', '_' and '.', e.g. medinzh.",
        "It names the node https://w3id.org/clusterkg/id/<kind>/<slug>; the kind follows from the sheet.",
        "A key or a reference may be written prefix:slug to use another prefix, e.g. grp:suppliers in the",
        "organisations sheet for a group of organisations the source does not name.",
        "References name a key of this template, or a node already in the graph.",
        "Quotes: copy each passage of a source verbatim into the quotes sheet, with a key; every other",
        "row names in its quote column the quote that states it. Line breaks and repeated spaces do not",
        "matter. A source row may name the source's text file: quotes are then checked against it.",
        "Several values in one cell are separated by |. Allowed values are listed in the lists sheet.",
        "Dates: 2018-05-31 or 31.05.2018; years: 2015; months: 2018-05; durations: P3Y (3 years).",
        "",
        "Sheets:",
    ]
    lines += [f"  {spec.name}: {spec.about}" for spec in mapping.sheets]
    lines += ["", "Prefixes:"]
    lines += [f"  {prefix}: {ns}" for prefix, ns in sorted(mapping.prefixes.table.items())]
    return lines


def column_note(mapping: Mapping, spec: SheetSpec, column: Column) -> str:
    """The note on a column's header: term, definition, help, required or not."""
    curie = mapping.prefixes.curie
    term = column.property
    if term is None and column.path:
        term = column.path[0].property
    elif term is None and column.property_by_datatype:
        term = next(iter(column.property_by_datatype.values()))
    elif column.role == "type":
        term = RDF_TYPE.value
    lines = []
    if term is not None:
        definition = mapping.vocabulary.definitions.get(term, "")
        lines.append(f"{curie(term)}{' (inverse)' if column.inverse else ''}: {definition}".rstrip(": "))
    if column.role in _ROLE_HELP:
        lines.append(_ROLE_HELP[column.role])
    if column.note:
        lines.append(column.note[0].upper() + column.note[1:] + ".")
    if column.is_ref:
        default = f"a key (prefix {column.ref}: is implied) or prefix:slug" if column.ref else "prefix:slug"
        lines.append(f"Refers to a node: {default}.")
    if column.enum is not None:
        lines.append(f"Allowed values: list '{column.enum}' in the lists sheet.")
    if column.choices:
        lines.append(f"One of: {', '.join(column.choices)}.")
    if column.datatype:
        lines.append(f"Datatype: {column.datatype}.")
    if column.multiple:
        lines.append("Several values may be given, separated by |.")
    if column.default:
        lines.append(f"Default: {column.default}.")
    lines.append("Required." if column.required else "Optional.")
    return "\n".join(lines)


def list_rows(mapping: Mapping) -> list[tuple[str, str, str, str]]:
    """The rows of the lists sheet: list name, value, IRI, English label."""
    rows = [(e.name, v.short, v.iri, v.label) for e in mapping.enumerations.values() for v in e.values]
    for name, values in _choice_lists(mapping).items():
        rows += [(name, value, "", "") for value in values]
    return rows


def _choice_lists(mapping: Mapping) -> dict[str, tuple[str, ...]]:
    lists: dict[str, tuple[str, ...]] = {}
    for spec in mapping.sheets:
        for column in spec.columns:
            if column.choices:
                lists[f"{spec.name}.{column.name}"] = column.choices
            elif column.datatype == "boolean":
                lists["boolean"] = BOOLEAN
    return lists


def _list_name(spec: SheetSpec, column: Column) -> str | None:
    if column.multiple:
        return None
    if column.enum is not None:
        return column.enum
    if column.choices:
        return f"{spec.name}.{column.name}"
    return "boolean" if column.datatype == "boolean" else None


def write_template(mapping: Mapping, out: Path) -> None:
    """Write an empty template: ``out.xlsx`` -> a workbook, any other path -> a folder of CSV files.

    :raises IngestFileError: when the file or folder cannot be written.
    """
    try:
        if out.suffix.lower() == ".xlsx":
            _workbook(mapping, out)
        else:
            _csv_folder(mapping, out)
    except OSError as exc:
        raise IngestFileError(out, f"cannot write the template: {exc.strerror or exc}") from exc


def _csv_folder(mapping: Mapping, out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise IngestFileError(out, "exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    for spec in mapping.sheets:
        with (out / f"{spec.name}.csv").open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, lineterminator="\n").writerow([c.name for c in spec.columns])
    with (out / f"{LISTS}.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["list", "value", "iri", "label_en"])
        writer.writerows(list_rows(mapping))
    text = [*readme_lines(mapping), "", "Columns:"]
    for spec in mapping.sheets:
        text += ["", f"{spec.name}.csv"]
        for column in spec.columns:
            text.append(f"  {column.name}: " + column_note(mapping, spec, column).replace("\n", " "))
    (out / f"{README}.md").write_text("\n".join(text) + "\n", encoding="utf-8")


def _workbook(mapping: Mapping, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    readme = workbook.worksheets[0]
    readme.title = README
    for line in readme_lines(mapping):
        readme.append([line])
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 110

    rows = list_rows(mapping)
    spans: dict[str, tuple[int, int]] = {}
    for index, (name, *_rest) in enumerate(rows, 2):
        spans[name] = (spans.get(name, (index, index))[0], index)
    for spec in mapping.sheets:
        sheet = workbook.create_sheet(spec.name)
        sheet.append([c.name for c in spec.columns])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(spec.columns, 1):
            letter = get_column_letter(index)
            cell = sheet.cell(row=1, column=index)
            cell.font = Font(bold=True)
            note = Comment(column_note(mapping, spec, column), "clusterkg")
            note.width, note.height = 420, 220
            cell.comment = note
            sheet.column_dimensions[letter].width = max(14, len(column.name) + 4)
            list_name = _list_name(spec, column)
            if list_name is not None and list_name in spans:
                first, last = spans[list_name]
                formula = f"{LISTS}!$B${first}:$B${last}"
                validation = DataValidation(type="list", formula1=formula, allow_blank=True)
                validation.error = f"Choose a value of the list '{list_name}' (sheet {LISTS})."
                validation.errorTitle = "Not an allowed value"
                validation.showErrorMessage = True
                validation.add(f"{letter}2:{letter}1048576")
                sheet.add_data_validation(validation)
    lists = workbook.create_sheet(LISTS)
    lists.append(["list", "value", "iri", "label_en"])
    for row in rows:
        lists.append(list(row))
    for letter, width in zip("ABCD", (22, 34, 60, 40), strict=True):
        lists.column_dimensions[letter].width = width
    for cell in lists[1]:
        cell.font = Font(bold=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)
