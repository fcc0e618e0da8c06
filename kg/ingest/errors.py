"""Errors of the ingest package: files that cannot be read at all, mappings that are malformed.

Problems a researcher can fix in the template are not errors: they are
:class:`kg.ingest.problems.Problem` values, all reported together.

KgError (kg.errors)
 +-- IngestFileError   - the template path is missing, unreadable or of an unknown format
 +-- MappingError      - the mapping file is malformed (file, key, what is wrong)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError


@dataclass
class IngestFileError(KgError):
    """The template path is missing, unreadable or neither a workbook nor a folder of CSV files."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class MappingError(KgError):
    """The mapping file is malformed; ``key`` is the dotted path of the offending entry."""

    path: Path
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.key}: {self.message}" if self.key else f"{self.path}: {self.message}"
