"""Reading a case template: an ``.xlsx`` workbook, or a folder of UTF-8 ``.csv`` files.

A sheet is a worksheet, or a CSV file whose stem is the sheet name. The first row holds the
column headers; rows are numbered as the spreadsheet shows them (header = 1). Cells are
stripped of surrounding white space, rows with no value at all are skipped, numbers from
workbook cells are written without a ``.0`` artefact (``28.0`` -> ``28``) and date cells as ISO
dates (``2018-05-31``). The ``README`` and ``lists`` sheets that :mod:`kg.ingest.writer` adds to
a workbook are explanations, not data, and are not read.

A workbook is read within bounds (:mod:`kg.ingest.archive`, :mod:`kg.ingest.workbook_scan`):
its members' sizes, each cell's length, its rows and columns are checked before openpyxl
reads it.

Reading knows nothing of the mapping: problems found here are only about the shape of a sheet
(an empty or repeated header, a value under no header, a file that is not UTF-8).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.ingest.archive import LIMITS, Limits, open_archive
from kg.ingest.errors import IngestFileError
from kg.ingest.problems import Problem
from kg.ingest.workbook_scan import scan_workbook

RESERVED_SHEETS = ("README", "lists")
"""Sheets a generated workbook carries for its readers; they hold no data and are not read."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet number and its cells by header ("" where empty)."""

    number: int
    cells: Mapping[str, str]

    def get(self, column: str) -> str:
        """The cell under a header, "" when the column or the value is missing."""
        return self.cells.get(column, "")


@dataclass(frozen=True)
class Sheet:
    """A sheet: its headers in order and its non-empty rows."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Template:
    """A template as read: its sheets by name (in workbook or file-name order) and problems."""

    path: Path
    sheets: Mapping[str, Sheet]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def folder(self) -> Path:
        """The folder that relative file names in the template (source texts) start from."""
        return self.path if self.path.is_dir() else self.path.parent

    def row_count(self) -> int:
        """How many data rows all sheets hold together."""
        return sum(len(sheet.rows) for sheet in self.sheets.values())


def cell_text(value: object) -> str:
    """The text of a workbook cell: stripped, whole numbers without ``.0``, dates in ISO form.

    >>> [cell_text(v) for v in (None, " a ", 28.0, 60.5, 3, True, dt.datetime(2018, 5, 31))]
    ['', 'a', '28', '60.5', '3', 'true', '2018-05-31']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def read_template(path: Path, *, progress: Progress | None = None, limits: Limits = LIMITS) -> Template:
    """Read a template from an ``.xlsx`` workbook or a folder of ``.csv`` files.

    :param progress: called with (rows done, rows in all) while reading.
    :param limits: what a workbook may hold (:mod:`kg.ingest.archive`).
    :raises IngestFileError: when the path does not exist, cannot be read, or is neither.
    :raises TooLarge: when a workbook is over a limit (the message names the part and cell).
    """
    if not path.exists():
        raise IngestFileError(path, "no such file or folder")
    if path.is_dir():
        raw = _read_csv_folder(path)
    elif path.suffix.lower() == ".xlsx":
        raw = _read_workbook(path, limits)
    else:
        raise IngestFileError(path, "a template is an .xlsx workbook or a folder of .csv files")
    total = sum(len(rows) for _, rows, _ in raw)
    done = 0
    sheets: dict[str, Sheet] = {}
    problems: list[Problem] = []
    for name, rows, read_problems in raw:
        problems += read_problems
        if not rows:
            sheets[name] = Sheet(name, (), ())
            continue
        sheet = _sheet(name, rows, problems)
        sheets[name] = sheet
        done += len(rows)
        if progress is not None:
            progress(done, total)
    if progress is not None:
        progress(total, total)
    return Template(path, sheets, tuple(problems))


RawSheet = tuple[str, list[tuple[int, list[str]]], list[Problem]]


def _read_csv_folder(folder: Path) -> list[RawSheet]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    if not files:
        raise IngestFileError(folder, "the folder has no .csv files (one per sheet, named after the sheet)")
    raw: list[RawSheet] = []
    for file in files:
        if file.stem in RESERVED_SHEETS:
            continue
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = Problem(
                file.stem, None, None, None, f"a UTF-8 text file ({exc.reason} at byte {exc.start})"
            )
            raw.append((file.stem, [], [problem]))
            continue
        except OSError as exc:
            raise IngestFileError(file, f"cannot read: {exc.strerror or exc}") from exc
        try:
            rows = [
                (n, [c.strip() for c in cells])
                for n, cells in enumerate(csv.reader(io.StringIO(text, newline="")), 1)
            ]
        except csv.Error as exc:
            problem = Problem(file.stem, None, None, None, f"a well-formed CSV file ({exc})")
            raw.append((file.stem, [], [problem]))
            continue
        raw.append((file.stem, rows, []))
    return raw


_UNREADABLE: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,  # xml.etree's ParseError and lxml's XMLSyntaxError
    RecursionError,
    OSError,
)
"""What openpyxl raises on a part it cannot make sense of; its text is not shown (it may hold
a path or a whole value), only its kind. (And openpyxl's InvalidFileException.)"""


def _read_workbook(path: Path, limits: Limits) -> list[RawSheet]:
    """The sheets of a workbook, read by openpyxl once :mod:`kg.ingest.workbook_scan` has
    bounded every part (openpyxl alone reads a cell's text whole, however long)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    unreadable = (InvalidFileException, *_UNREADABLE)
    with open_archive(path, limits) as archive:
        if "[Content_Types].xml" not in archive.namelist():
            raise IngestFileError(path, "not an .xlsx workbook: it has no part [Content_Types].xml")
        scan_workbook(archive, limits)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except unreadable as exc:
        raise IngestFileError(path, f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        raw: list[RawSheet] = []
        for worksheet in workbook.worksheets:
            if worksheet.title in RESERVED_SHEETS:
                continue
            if isinstance(worksheet, ReadOnlyWorksheet):
                worksheet.reset_dimensions()  # rows as long as their cells, not as <dimension> says
            try:
                rows = [
                    (n, [cell_text(v) for v in values])
                    for n, values in enumerate(worksheet.iter_rows(values_only=True), 1)
                ]
            except unreadable as exc:
                raise IngestFileError(
                    path, f"sheet {worksheet.title!r} cannot be read ({type(exc).__name__})"
                ) from None
            raw.append((worksheet.title, rows, []))
        return raw
    finally:
        workbook.close()


def _sheet(name: str, rows: Sequence[tuple[int, list[str]]], problems: list[Problem]) -> Sheet:
    header_number, header_cells = rows[0]
    width = _width(header_cells)
    headers = header_cells[:width]
    seen: set[str] = set()
    for index, header in enumerate(headers):
        column = _letter(index)
        if not header:
            problems.append(Problem(name, header_number, None, "", f"a header name in column {column}"))
        elif header in seen:
            problems.append(Problem(name, header_number, header, header, "each header name once in a sheet"))
        seen.add(header)
    data: list[Row] = []
    for number, cells in rows[1:]:
        if not any(cells):
            continue
        for index in range(width, len(cells)):
            if cells[index]:
                problems.append(
                    Problem(
                        name,
                        number,
                        None,
                        cells[index],
                        f"no value in column {_letter(index)}, which has no header",
                    )
                )
        values = {header: (cells[i] if i < len(cells) else "") for i, header in enumerate(headers) if header}
        data.append(Row(number, values))
    return Sheet(name, tuple(h for h in headers if h), tuple(data))


def _width(cells: Iterable[str]) -> int:
    width = 0
    for index, cell in enumerate(cells, 1):
        if cell:
            width = index
    return width


def _letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
