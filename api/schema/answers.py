"""The JSON bodies of the operational routes, as OpenAPI describes them: ``/health`` and
``/api/ingest`` (the REST resources have theirs in :mod:`api.rest.models`, errors in
:mod:`api.schema.openapi`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """The engine's state: ``ok`` (200), or ``degraded``/``unavailable`` (503)."""

    status: Literal["ok", "degraded", "unavailable"] = Field(description="Whether the engine answers.")
    engine: Literal["managed", "remote"] | None = Field(
        None, description="A managed Oxigraph child process, or a remote SPARQL server."
    )
    engine_pid: int | None = Field(None, description="The managed engine's process id.")
    engine_restarts: int | None = Field(None, description="How often the managed engine was restarted.")
    reason: str | None = Field(None, description="Why the engine is unavailable.")


class IngestAnswer(BaseModel):
    """What an ingest did (or, with ``dry_run``, would do)."""

    case: str = Field(description="The case's key (from the template's case sheet).")
    case_graph: str = Field(description="The case graph's IRI.")
    claim_graphs: int = Field(description="Claim graphs written.")
    quads: int = Field(description="Quads the template maps to.")
    inserted: int = Field(description="Quads inserted.")
    deleted: int = Field(description="Quads deleted (the case's earlier graphs).")
    inferred_added: int = Field(description="Inferred quads added.")
    inferred_removed: int = Field(description="Inferred quads removed.")
    dry_run: bool = Field(description="Whether nothing was written (a check only).")
    version: int | None = Field(
        None, description="The dataset version the ingest made (null: a dry run, or nothing changed)."
    )
