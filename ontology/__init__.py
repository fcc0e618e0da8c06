"""The clusterkg ontology, its SHACL shapes, QC checks and JSON-LD context, as file paths.

Nothing is read at import time; callers open the files they need.

>>> ONTOLOGY_FILE.name
'clusterkg.ttl'
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ONTOLOGY_FILE = HERE / "clusterkg.ttl"
SHAPES_DIR = HERE / "shapes"
CHECKS_DIR = HERE / "checks"
CONTEXT_FILE = HERE / "context.jsonld"

NAMESPACE = "https://w3id.org/clusterkg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/clusterkg/ontology"


def shape_files() -> list[Path]:
    """All SHACL shape files, in a stable order."""
    return sorted(SHAPES_DIR.glob("*.ttl"))


def check_files() -> list[Path]:
    """All QC queries that must return zero rows (``*-violation.rq``)."""
    return sorted(CHECKS_DIR.glob("*-violation.rq"))


def version_iri(version: str) -> str:
    """The versioned ontology IRI for a release.

    >>> version_iri("1.2.3")
    'https://w3id.org/clusterkg/ontology/1.2.3'
    """
    return f"{ONTOLOGY_IRI}/{version}"
