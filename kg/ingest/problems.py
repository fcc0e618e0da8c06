"""A problem in a template, located the way the spreadsheet shows it: sheet, row, column.

Rows are numbered as the spreadsheet numbers them: the header is row 1, the first data row 2.

>>> Problem("memberships", 4, "role", "anchr", "one of: anchorFinisherRole, supplierRole").line()
"memberships row 4, column role: 'anchr' — expected one of: anchorFinisherRole, supplierRole"
>>> Problem("case", None, None, None, "a sheet named 'case'").line()
"case: expected a sheet named 'case'"
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a template, and what was expected instead."""

    sheet: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def where(self) -> str:
        """Sheet, row and column, as far as they are known."""
        text = self.sheet or "template"
        if self.row is not None:
            text += f" row {self.row}"
        if self.column is not None:
            text += f", column {self.column}"
        return text

    def line(self) -> str:
        """One readable line: where, the value as written, what was expected."""
        if self.value is None:
            return f"{self.where()}: expected {self.expected}"
        return f"{self.where()}: {self.value!r} — expected {self.expected}"

    def as_dict(self) -> dict[str, object]:
        """The problem as a JSON-ready mapping."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
            "line": self.line(),
        }


class CellError(Exception):
    """A cell value does not fit its column; ``expected`` says what would (internal to ingest)."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected
