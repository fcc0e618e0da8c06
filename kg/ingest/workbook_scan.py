"""A workbook's XML parts scanned within bounds, before openpyxl reads any of them.

openpyxl's read-only mode streams rows, but not the text of a cell: a 220 KB workbook whose
sheet holds one 200 MB inline string grew a server to 9.9 GB. A worksheet's ``<dimension>``, or
one row numbered 1,000,000, makes it pad rows with empty cells by the million. So every member
of the archive is read through the bounded stream of :mod:`kg.ingest.archive` and fed to expat
in pieces, with handlers that keep counts and no text:

- a DOCTYPE is refused, so no entity, internal or external, is ever declared, let alone
  expanded (no "billion laughs", no file read from the server);
- elements nest at most ``depth`` deep;
- a cell's value (``c``) or a shared string (``si``) holds at most ``cell_chars`` characters,
  and any run of text at most ``text_chars``;
- row numbers reach at most ``rows`` and column numbers ``columns``, and the cells openpyxl
  would make (each row up to its last cell, a row for each skipped one, each shared string) are
  at most ``cells`` in the whole workbook.

Members named ``.xml`` or ``.rels`` must be well-formed XML; other members (pictures) are held
only to the archive's size limits (openpyxl reads none of them in read-only mode, and where one
is named as a part, expat stops at the same byte for openpyxl as for this scan).

A limit passed raises :class:`~kg.errors.TooLarge`; a DOCTYPE or a malformed part raises
:class:`~kg.ingest.errors.IngestFileError`. Both name the part, the sheet and the cell (or the
line and column) where they are known, and the limit.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from kg.errors import TooLarge
from kg.ingest.archive import LIMITS, Limits, iter_member
from kg.ingest.errors import IngestFileError

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_SEP = "}"
_COLUMN = re.compile(r"\$?([A-Za-z]{1,4})")
"""The column letters of a cell reference (four letters are already past any limit)."""


@dataclass
class _Totals:
    """Counts kept across the parts of one workbook."""

    cells: int = 0
    sheets: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per workbook part: relationship id -> sheet name."""
    relations: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per relationships part: id -> target."""


def scan_workbook(archive: zipfile.ZipFile, limits: Limits = LIMITS) -> dict[str, str]:
    """Scan every member of a workbook; return the sheet names by worksheet part.

    >>> import io
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as book:
    ...     book.writestr("xl/worksheets/sheet1.xml",
    ...         f'<worksheet xmlns="{SHEET_NS}"><sheetData><row r="2"><c r="C2"><v>1</v></c></row>'
    ...         '</sheetData></worksheet>')
    >>> scan_workbook(zipfile.ZipFile(buffer))
    {}
    >>> scan_workbook(zipfile.ZipFile(buffer), Limits(columns=2))
    Traceback (most recent call last):
    ...
    kg.errors.TooLarge: xl/worksheets/sheet1.xml, cell C2: column 3; a sheet may have at most 2 columns

    :raises TooLarge: when a part is over a limit.
    :raises IngestFileError: for a DOCTYPE, or a ``.xml``/``.rels`` part that is not XML.
    """
    totals = _Totals()
    names: dict[str, str] = {}
    for info in sorted(archive.infolist(), key=_order):
        if info.is_dir():
            continue
        sheet = _sheet_name(info.filename, totals)
        if sheet is not None:
            names[info.filename] = sheet
        scan = _PartScan(Path(archive.filename or "workbook.xlsx"), info.filename, sheet, limits, totals)
        scan.run(iter_member(archive, info, limits))
    return names


def _order(info: zipfile.ZipInfo) -> tuple[int, str]:
    """Relationships first, then the workbook part, so sheets are known by name when scanned."""
    name = info.filename
    return (0 if name.endswith(".rels") else 1 if name.endswith("workbook.xml") else 2, name)


def _sheet_name(part: str, totals: _Totals) -> str | None:
    """The name of the sheet whose worksheet is ``part``, when a scanned workbook part says."""
    for book, sheets in totals.sheets.items():
        folder, name = posixpath.split(book)
        targets = totals.relations.get(posixpath.join(folder, "_rels", f"{name}.rels"), {})
        for rel_id, sheet in sheets.items():
            target = targets.get(rel_id)
            if target is None:
                continue
            path = (
                target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            )
            if path == part:
                return sheet
    return None


def _column_number(letters: str) -> int:
    """The number of a column from its letters (A -> 1, AA -> 27).

    >>> _column_number("A"), _column_number("AMJ")
    (1, 1024)
    """
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class _PartScan:
    """The expat handlers for one part: counts, a stack of element names, and no text."""

    def __init__(self, path: Path, part: str, sheet: str | None, limits: Limits, totals: _Totals) -> None:
        self.path = path
        self.part = part
        self.where = f"{part} (sheet {sheet!r})" if sheet is not None else part
        self.limits = limits
        self.totals = totals
        self.stack: list[str] = []
        self.run_chars = 0
        self.cell_chars: int | None = None
        """Characters in the open cell or shared string (None outside one)."""
        self.cell = ""
        self.row = 0
        self.column = 0
        self.width = 0
        self.shared = 0
        self.parser = expat.ParserCreate(namespace_separator=_SEP)
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.parser.EntityDeclHandler = self.entity
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text

    def run(self, pieces: Iterable[bytes]) -> None:
        """Feed the part's bytes to expat; a ``.xml``/``.rels`` part must be well-formed."""
        strict = self.part.endswith((".xml", ".rels"))
        try:
            for piece in pieces:
                self.parser.Parse(piece, False)
            self.parser.Parse(b"", True)
        except expat.ExpatError as exc:
            if strict:
                raise IngestFileError(
                    self.path,
                    f"{self.part} is not well-formed XML (line {exc.lineno}, column {exc.offset + 1}): "
                    f"{expat.ErrorString(exc.code)}",
                ) from None

    def _position(self) -> str:
        return f"line {self.parser.CurrentLineNumber}, column {self.parser.CurrentColumnNumber + 1}"

    def doctype(self, *_: object) -> None:
        raise IngestFileError(
            self.path,
            f"{self.part} has a DOCTYPE declaration ({self._position()}): a workbook needs none, and "
            "no entity is read here",
        )

    def entity(self, *_: object) -> None:  # pragma: no cover - only inside a DOCTYPE, refused first
        self.doctype()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.run_chars = 0
        namespace, _, local = name.rpartition(_SEP)
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(local if namespace == SHEET_NS else "")
        if len(self.stack) > self.limits.depth:
            raise TooLarge(
                f"{self.where}: elements nest more than {self.limits.depth} deep ({self._position()}), "
                "the most read here"
            )
        if namespace == SHEET_NS:
            if local == "row" and parent == "sheetData":
                self._row(attrs.get("r"))
            elif local == "c" and parent == "row":
                self._cell(attrs.get("r"))
            elif local == "si" and parent == "sst":
                self.shared += 1
                self.cell_chars = 0
                self._count(1)
            elif local == "sheet" and parent == "sheets":
                self._collect(self.totals.sheets, attrs.get(REL_ID), attrs.get("name"))
        elif local == "Relationship":
            self._collect(self.totals.relations, attrs.get("Id"), attrs.get("Target"))

    def end(self, name: str) -> None:
        self.run_chars = 0
        local = self.stack.pop()
        if local == "row":
            self._count(max(self.width, 1))
        elif local in ("c", "si"):
            self.cell_chars = None

    def text(self, data: str) -> None:
        self.run_chars += len(data)
        if self.cell_chars is not None and self.stack[-1] in ("v", "t"):  # a value, a string's text
            self.cell_chars += len(data)
            if self.cell_chars > self.limits.cell_chars:
                what = f"cell {self.cell}" if "c" in self.stack else f"shared string {self.shared}"
                raise TooLarge(
                    f"{self.where}, {what}: more than {self.limits.cell_chars} characters; a cell may "
                    f"hold at most {self.limits.cell_chars}"
                )
        if self.run_chars > self.limits.text_chars:
            raise TooLarge(
                f"{self.where}: a text of more than {self.limits.text_chars} characters "
                f"({self._position()}), the most read here"
            )

    def _row(self, number: str | None) -> None:
        previous = self.row
        if number is None:
            self.row += 1
        elif number.isdigit() and len(number) <= 9:
            self.row = int(number)
        else:
            raise IngestFileError(self.path, f"{self.where}: a row numbered {number[:20]!r}")
        if self.row > self.limits.rows:
            raise TooLarge(f"{self.where}: row {self.row}; a sheet may have at most {self.limits.rows} rows")
        self._count(max(self.row - previous - 1, 0))  # openpyxl yields a row for each skipped one
        self.column = 0
        self.width = 0

    def _cell(self, reference: str | None) -> None:
        found = _COLUMN.match(reference or "")
        self.column = _column_number(found.group(1)) if found else self.column + 1
        self.width = max(self.width, self.column)
        self.cell = f"{_letters(self.column)}{self.row}"
        self.cell_chars = 0
        if self.column > self.limits.columns:
            raise TooLarge(
                f"{self.where}, cell {self.cell}: column {self.column}; a sheet may have at most "
                f"{self.limits.columns} columns"
            )

    def _count(self, cells: int) -> None:
        self.totals.cells += cells
        if self.totals.cells > self.limits.cells:
            raise TooLarge(
                f"{self.where}: the workbook has more than {self.limits.cells} cells (each row counted "
                "up to its last cell), the most read here"
            )

    def _collect(self, into: dict[str, dict[str, str]], key: str | None, value: str | None) -> None:
        if key is not None and value is not None:
            into.setdefault(self.part, {})[key] = value
            self._count(1)
