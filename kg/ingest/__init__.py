"""Case templates: researchers' spreadsheets in, claim graphs with provenance out.

A template is an ``.xlsx`` workbook or a folder of CSV files, one sheet per kind of thing
(the case, sources and quotes, clusters, organisations, memberships, projects, value chains
and stages, technologies, IP rights, licences, statistics, and generic entities and
statements). The declarative mapping (``kg/ingest/mapping/clusterkg.yaml``, format in
:mod:`kg.ingest.mapping_spec`) says what each column becomes. Every row names the quote
that states it; the row's triples go to that quote's claim graph.

- :mod:`kg.ingest.workbook` reads a template (:func:`read_template`);
- :mod:`kg.ingest.mapping_loader` loads and checks a mapping (:func:`load_mapping`);
- :mod:`kg.ingest.mapper` maps a template to quads (:func:`map_case`), with
  :mod:`~kg.ingest.rows`, :mod:`~kg.ingest.claims` and :mod:`~kg.ingest.structure`;
- :mod:`kg.ingest.writer` writes an empty template (:func:`write_template`);
- :mod:`kg.ingest.problems` holds :class:`Problem`, what a researcher is told to fix.
"""

from __future__ import annotations

from kg.ingest.errors import IngestFileError, MappingError
from kg.ingest.mapper import MappedCase, map_case
from kg.ingest.mapping_loader import default_mapping, load_mapping
from kg.ingest.mapping_spec import Mapping
from kg.ingest.problems import Problem
from kg.ingest.workbook import Template, read_template
from kg.ingest.writer import write_template

__all__ = [
    "IngestFileError",
    "MappedCase",
    "Mapping",
    "MappingError",
    "Problem",
    "Template",
    "default_mapping",
    "load_mapping",
    "map_case",
    "read_template",
    "write_template",
]
