"""The shape of a template against its mapping: which sheets and headers it has.

An unknown sheet or header is a problem (its data would be lost), as is a missing required
sheet or column; each message lists what is there or what is allowed. Sheets left out of a
template are simply empty, unless the mapping requires them.
"""

from __future__ import annotations

from kg.ingest.mapping_spec import Mapping
from kg.ingest.problems import Problem
from kg.ingest.workbook import Template


def check_structure(template: Template, mapping: Mapping) -> list[Problem]:
    """Problems with the template's sheets and headers (not with its values)."""
    problems: list[Problem] = []
    sheet_names = ", ".join(s.name for s in mapping.sheets)
    for name, sheet in template.sheets.items():
        spec = mapping.sheet(name)
        if spec is None:
            problems.append(Problem(name, None, None, name, f"one of the sheets: {sheet_names}"))
            continue
        if not sheet.headers:
            continue
        for header in sheet.headers:
            if spec.column(header) is None:
                expected = f"one of the columns of {name}: {spec.header_names()}"
                problems.append(Problem(name, 1, header, header, expected))
        for column in spec.columns:
            if (
                column.required
                and column.name not in sheet.headers
                and not (column.role == "key" and spec.key_from)
            ):
                expected = f"a column {column.name!r} (the sheet has: {', '.join(sheet.headers)})"
                problems.append(Problem(name, 1, column.name, None, expected))
    present = ", ".join(template.sheets) or "no sheets"
    for spec in mapping.sheets:
        if spec.required and not (spec.name in template.sheets and template.sheets[spec.name].headers):
            problems.append(
                Problem(
                    spec.name, None, None, None, f"a sheet named {spec.name!r} (the template has: {present})"
                )
            )
    return problems
