"""Uploaded zip archives (an ``.xlsx`` workbook, a ``.zip`` of CSV files) opened within bounds.

A zip declares how large each member inflates, and a member of 220 KB can inflate to 200 MB.
So an archive is checked by its directory before any member is read:

- its end record: at most ``members`` members and a central directory of at most
  ``directory_bytes``, read before :mod:`zipfile` builds an object for every entry;
- each member: at most ``part_bytes`` inflated and, above ``ratio_floor_bytes``, at most
  ``ratio`` times its compressed size; all members together at most ``total_bytes``;
- then each member is read through a stream that counts what it inflates and stops at what it
  declared or at the limit, whichever is smaller.

A limit passed raises :class:`~kg.errors.TooLarge` naming the member and the limit; a file
that is not a zip archive raises :class:`~kg.ingest.errors.IngestFileError`. Messages name
members by their path inside the archive, never a path on the server.

>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
...     archive.writestr("sheet.csv", "a" * 100_000)
>>> with zipfile.ZipFile(buffer) as archive:
...     check_members(archive, Limits(ratio=50, ratio_floor_bytes=1024))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kg.errors.TooLarge: sheet.csv inflates ... more than 50 times its compressed size ...
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.errors import TooLarge
from kg.ingest.errors import IngestFileError

CHUNK = 64 * 1024
_END_RECORD = b"PK\x05\x06"
_END_RECORD_SIZE = 22
_MAX_COMMENT = 0xFFFF


@dataclass(frozen=True)
class Limits:
    """How much an uploaded archive, and a workbook in it, may hold.

    The defaults are far above any case template (a few sheets of a few hundred rows) and far
    below what would strain the server: the scan of :mod:`kg.ingest.workbook_scan` bounds the
    cells openpyxl makes to ``cells``, each at most ``cell_chars`` long.
    """

    members: int = 1_000
    """Members of the archive (a workbook has a few per sheet)."""
    directory_bytes: int = 1024 * 1024
    """The archive's central directory (an entry is about a hundred bytes)."""
    part_bytes: int = 32 * 1024 * 1024
    """One member, inflated."""
    total_bytes: int = 64 * 1024 * 1024
    """All members together, inflated."""
    ratio: int = 200
    """How many times its compressed size a member may inflate to (sheets of XML: 5-50)."""
    ratio_floor_bytes: int = 1024 * 1024
    """Members that inflate to less than this are not held to ``ratio``."""
    depth: int = 64
    """Nesting of elements in a workbook's XML part (a worksheet nests about six deep)."""
    cell_chars: int = 32_767
    """Characters of text in one cell or shared string: a spreadsheet cell's own limit."""
    text_chars: int = 1024 * 1024
    """Characters of one run of text in any other element of a workbook's XML."""
    rows: int = 100_000
    """The highest row number of a worksheet."""
    columns: int = 1_024
    """The highest column number of a worksheet (column AMJ)."""
    cells: int = 2_000_000
    """Cells in all worksheets, each row counted up to its last cell, and shared strings."""


LIMITS = Limits()
"""The limits uploads are read within."""


def open_archive(path: Path, limits: Limits = LIMITS) -> zipfile.ZipFile:
    """Open a zip archive whose directory and members are within ``limits``.

    :raises IngestFileError: when the file is not a zip archive (the message names the file
        by its name only).
    :raises TooLarge: when the archive or one of its members is over a limit.
    """
    try:
        with path.open("rb") as stream:
            _check_end_record(stream, limits)
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise IngestFileError(path, f"not a zip archive ({exc})") from None
    except OSError as exc:
        raise IngestFileError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        check_members(archive, limits)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_end_record(stream: IO[bytes], limits: Limits) -> None:
    """Refuse an archive whose end record declares too many members or too large a directory."""
    size = stream.seek(0, 2)
    tail_size = min(size, _END_RECORD_SIZE + _MAX_COMMENT)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(_END_RECORD)
    if at < 0 or at + _END_RECORD_SIZE > len(tail):
        raise zipfile.BadZipFile("no end of central directory record")
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    if entries > limits.members:  # 0xFFFF (a zip64 archive's count) is over it too
        raise TooLarge(f"the archive has more than {limits.members} members, the most read here")
    if directory > limits.directory_bytes:
        raise TooLarge(f"the archive's directory is over {limits.directory_bytes} bytes, the most read here")


def check_members(archive: zipfile.ZipFile, limits: Limits = LIMITS) -> None:
    """Check the members' count, declared sizes, compression ratios and total.

    :raises TooLarge: naming the first member over a limit.
    """
    members = archive.infolist()
    if len(members) > limits.members:
        raise TooLarge(f"the archive has more than {limits.members} members, the most read here")
    total = 0
    for info in members:
        if info.file_size > limits.part_bytes:
            raise TooLarge(
                f"{info.filename} inflates to {info.file_size} bytes; a member may inflate to at "
                f"most {limits.part_bytes} bytes"
            )
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.ratio * max(
            info.compress_size, 1
        ):
            raise TooLarge(
                f"{info.filename} inflates from {info.compress_size} to {info.file_size} bytes, more than "
                f"{limits.ratio} times its compressed size (the most accepted here)"
            )
        total += info.file_size
        if total > limits.total_bytes:
            raise TooLarge(
                f"the archive's members inflate to more than {limits.total_bytes} bytes together, "
                "the most read here"
            )


def iter_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits = LIMITS) -> Iterator[bytes]:
    """A member's bytes in pieces, counted as they inflate.

    :raises TooLarge: as soon as more than the member declared, or than ``part_bytes``, arrived.
    :raises IngestFileError: when the member is corrupt (a bad checksum, a truncated stream).
    """
    bound = min(info.file_size, limits.part_bytes)
    size = 0
    try:
        with archive.open(info) as stream:
            while piece := stream.read(CHUNK):
                size += len(piece)
                if size > bound:
                    raise TooLarge(
                        f"{info.filename} inflates to more than {bound} bytes "
                        f"(it declared {info.file_size}; a member may hold at most {limits.part_bytes})"
                    )
                yield piece
    except zipfile.BadZipFile as exc:  # its messages name the member, never a path on the server
        raise IngestFileError(_path(archive), f"{info.filename} cannot be read: {exc}") from None
    except (zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        # a corrupt stream (zlib's error is raised raw), an unknown method or an encrypted
        # member (RuntimeError)
        raise IngestFileError(
            _path(archive), f"{info.filename} cannot be read ({type(exc).__name__})"
        ) from None


def _path(archive: zipfile.ZipFile) -> Path:
    return Path(archive.filename or "archive.zip")


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits = LIMITS) -> bytes:
    """A member's bytes, read through :func:`iter_member`."""
    return b"".join(iter_member(archive, info, limits))
