"""The published JSON-LD context (``ontology/context.jsonld``), as text and as a document.

Served at ``/context.jsonld`` (:mod:`api.routers.linked_data`) and used to compact the JSON-LD
of the resources and of the ontology (:mod:`api.routers.ontology`).

>>> jsonld_context()["@context"]["ckg"]
'https://w3id.org/clusterkg/ontology#'
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ontology import CONTEXT_FILE

__all__ = ["CONTEXT_TYPE", "context_text", "jsonld_context"]

CONTEXT_TYPE = "application/ld+json"


@cache
def context_text() -> str:
    """The context file's text (read once)."""
    return CONTEXT_FILE.read_text(encoding="utf-8")


def jsonld_context() -> dict[str, Any]:
    """The context document, parsed anew for each caller (who may change it)."""
    document: dict[str, Any] = json.loads(context_text())
    return document
