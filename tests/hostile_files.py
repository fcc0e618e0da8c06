"""Hostile files made on the fly: workbooks that inflate, pad or expand, deep RDF and JSON.

Each builder writes a small file whose danger is in what reading it would do (a 220 KB
workbook whose one cell is 200 MB of text), streamed into the zip so making it costs little
memory. The workbooks are minimal but real: openpyxl reads the harmless ones (see
``plain_workbook``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
BOOK_RELS = (
    f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _book(sheet: str) -> str:
    return (
        f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
        f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def workbook(
    sheet_xml: Iterable[bytes],
    *,
    sheet: str = "case",
    extra: dict[str, bytes] | None = None,
    book: str | None = None,
) -> bytes:
    """A one-sheet workbook whose worksheet part is the given pieces, deflated as they come."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", book if book is not None else _book(sheet))
        archive.writestr("xl/_rels/workbook.xml.rels", BOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for piece in sheet_xml:
                part.write(piece)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet(rows: Iterable[bytes], *, head: bytes = b"") -> Iterator[bytes]:
    """A worksheet's XML around the given ``<row>`` elements."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode() + head + b"<sheetData>"
    yield from rows
    yield b"</sheetData></worksheet>"


def inline(cell: str, text: str) -> bytes:
    """One inline-string cell."""
    return f'<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def plain_workbook() -> bytes:
    """A harmless one-sheet workbook: the ``case`` sheet with a header and one row."""
    rows = [
        b'<row r="1">' + inline("A1", "key") + b"</row>",
        b'<row r="2">' + inline("A2", "demo") + b"</row>",
    ]
    return workbook(sheet(rows))


def long_cell_workbook(chars: int, *, piece: int = 1 << 20) -> bytes:
    """A workbook whose cell A2 is one inline string of ``chars`` characters (the memory bomb)."""

    def rows() -> Iterator[bytes]:
        yield b'<row r="1">' + inline("A1", "key") + b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>'
        left = chars
        while left > 0:
            yield b"A" * min(piece, left)
            left -= piece
        yield b"</t></is></c></row>"

    return workbook(sheet(rows()))


def lying_workbook(chars: int = 10_000_000) -> bytes:
    """A workbook whose sheet declares (in the zip's directory) 1,000 bytes and inflates to more."""
    data = bytearray(long_cell_workbook(chars))
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name:
            data[at + 24 : at + 28] = (1000).to_bytes(4, "little")
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError("the zip has no directory entry for the sheet")


def shared_string_workbook(chars: int) -> bytes:
    """A workbook whose one shared string is ``chars`` characters long."""
    strings = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{"B" * chars}</t></si></sst>'.encode()
    rows = [b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>']
    return workbook(sheet(rows), extra={"xl/sharedStrings.xml": strings})


def far_row_workbook(row: int = 1_048_576) -> bytes:
    """A workbook with a header and one cell in row ``row``: openpyxl yields every row between."""
    rows = [
        b'<row r="1">' + inline("A1", "key") + b"</row>",
        f'<row r="{row}">'.encode() + inline(f"A{row}", "x") + b"</row>",
    ]
    return workbook(sheet(rows))


def wide_dimension_workbook() -> bytes:
    """A small workbook that declares it spans A1:XFD1048576 (openpyxl pads rows to it)."""
    rows = [
        b'<row r="1">' + inline("A1", "key") + b"</row>",
        b'<row r="2">' + inline("A2", "demo") + b"</row>",
    ]
    return workbook(sheet(rows, head=b'<dimension ref="A1:XFD1048576"/>'))


def far_column_workbook() -> bytes:
    """A workbook with a cell in the last column a spreadsheet has (XFD)."""
    rows = [b'<row r="1">' + inline("A1", "key") + inline("XFD1", "far") + b"</row>"]
    return workbook(sheet(rows))


def deep_workbook(depth: int = 10_000) -> bytes:
    """A worksheet whose cell nests ``depth`` elements."""
    rows = [
        b'<row r="1"><c r="A1" t="inlineStr"><is>' + b"<r>" * depth + b"</r>" * depth + b"</is></c></row>"
    ]
    return workbook(sheet(rows))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
)


def entity_workbook(kind: str) -> bytes:
    """A workbook whose worksheet declares entities: ``laughs`` (nested) or ``external`` (a file)."""
    if kind == "laughs":
        prolog, text = BILLION_LAUGHS, b"&lol9;"
    else:
        prolog, text = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>', b"&x;"
    rows = [
        prolog
        + f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'.encode()
        + b'<c r="A1" t="inlineStr"><is><t>'
        + text
        + b"</t></is></c></row></sheetData></worksheet>"
    ]
    return workbook(rows)


def not_xml_workbook() -> bytes:
    """A workbook whose worksheet part is not XML."""
    return workbook([b"<worksheet><sheetData><row>"])


def many_members_zip(count: int = 5_000) -> bytes:
    """A zip of ``count`` tiny members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(count):
            archive.writestr(f"m{index}.csv", b"")
    return buffer.getvalue()


def csv_bomb_zip(size: int) -> bytes:
    """A zip with one CSV member that inflates to ``size`` bytes."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("case.csv", "w", force_zip64=True) as part,
    ):
        part.write(b"key\n")
        left = size
        while left > 0:
            part.write(b"a" * min(1 << 20, left))
            left -= 1 << 20
    return buffer.getvalue()


def empty_zip() -> bytes:
    """A zip archive with no members."""
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


def deep_rdfxml(depth: int) -> bytes:
    """RDF/XML whose one description nests ``depth`` property elements."""
    return (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:e="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
        + b"<e:p><rdf:Description>" * depth
        + b"</rdf:Description></e:p>" * depth
        + b"</rdf:Description></rdf:RDF>"
    )


def deep_jsonld(depth: int, *, array: bool = False) -> bytes:
    """JSON-LD nested ``depth`` deep: node objects, or (``array``) bare ``[``s."""
    if array:
        return b"[" * depth + b"]" * depth
    return (
        b'{"@id":"http://example.org/s",'
        + b'"http://example.org/p":{' * depth
        + b'"@value":1'
        + b"}" * depth
        + b"}"
    )
