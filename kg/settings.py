"""Settings of clusterkg, read once from the environment (prefix ``CLUSTERKG_``) and passed on.

Nothing here runs at import time: call :func:`load_settings` (or build :class:`Settings`
yourself, as the tests do) and hand the object to whoever needs it.

>>> Settings(store=Path("/tmp/s")).store
PosixPath('/tmp/s')
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kg.engine.memory import default_ceiling_mb

DEFAULT_STORE = Path("var/store")


class Settings(BaseSettings):
    """Every setting of clusterkg, each with a safe default (read-only, no federation)."""

    model_config = SettingsConfigDict(env_prefix="CLUSTERKG_", extra="ignore", frozen=True)

    store: Path = Field(
        default=DEFAULT_STORE,
        description="The Oxigraph store directory that `clusterkg build` writes and the server reads.",
    )
    data: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra TriG/Turtle data files or folders to build in, besides the founding case.",
    )
    host: str = Field(default="127.0.0.1", description="The interface the server listens on.")
    port: int = Field(default=8000, description="The port the server listens on.")
    public_base: str = Field(
        default="https://w3id.org/clusterkg/", description="The base IRI of the graph's resources."
    )
    update_token: SecretStr | None = Field(
        default=None, description="Bearer token for writes; without one, writes are off."
    )
    query_timeout_s: float = Field(default=30.0, gt=0, description="Server maximum query time.")
    result_limit_rows: int = Field(default=100_000, gt=0, description="Most rows in a result (413 past it).")
    result_limit_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Most bytes in a result (413 past it)."
    )
    body_limit_bytes: int = Field(
        default=16 * 1024 * 1024, gt=0, description="Most bytes in a request body (413 past it)."
    )
    query_length_limit: int = Field(
        default=100_000, gt=0, description="Most characters in a query or update text (400 past it)."
    )
    query_nesting_limit: int = Field(
        default=32,
        ge=8,
        le=64,
        description="Deepest nesting of a query or update (chains: 4x this); deep text crashes the engine.",
    )
    service_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="IRI prefixes SERVICE and LOAD may reach; empty: none."
    )
    engine_url: str | None = Field(
        default=None, description="A remote SPARQL 1.1 Protocol + Graph Store endpoint to use instead."
    )
    engine_update_url: str | None = Field(
        default=None, description="The remote engine's update endpoint (default: derived from engine_url)."
    )
    engine_store_url: str | None = Field(
        default=None,
        description="The remote engine's Graph Store endpoint (default: derived from engine_url).",
    )
    engine_kind: Literal["detect", "oxigraph", "virtuoso", "fuseki", "graphdb", "qlever", "generic"] = Field(
        default="detect",
        description="The remote engine's kind (its profile: how queries, updates, auth and the default graph "
        "work there); detect: from its answers (Server header, /$/ping, /rest/repositories, ?cmd=stats).",
    )
    engine_user: str | None = Field(
        default=None, description="The remote engine's user (HTTP Basic, or Digest where the profile says)."
    )
    engine_auth: Literal["profile", "basic", "digest"] = Field(
        default="profile",
        description="HTTP authentication to the remote engine (profile: as its kind wants).",
    )
    engine_password: SecretStr | None = Field(default=None, description="The remote engine's password.")
    engine_grace_s: float = Field(
        default=2.0, gt=0, description="Past timeout + grace, a stuck managed engine is restarted."
    )
    engine_own_timeout: bool = Field(
        default=False,
        description="Also give the managed Oxigraph the server maximum (--timeout-s): it stops a query at "
        "that limit itself, without a restart, but keeps a sleeping thread per query for as long "
        "(hundreds of queries a second exhaust its address space and the machine's PIDs: measured, "
        "8,700 threads and 19 GB after 15 s of point lookups, then failed queries and a restart).",
    )
    engine_memory_mb: int = Field(
        default_factory=default_ceiling_mb,
        gt=0,
        description="The managed engine's memory ceiling in MiB; past it the engine is restarted and "
        "its requests get 503 (default: a quarter of the machine's memory, at least 512).",
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="A connection must send a request's headers within this time, or it is closed.",
    )
    header_limit_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Most bytes of a request line and headers (closed past it)."
    )
    body_timeout_s: float = Field(
        default=60.0, gt=0, description="A request body must arrive whole within this time (408 past it)."
    )
    keep_alive_s: int = Field(
        default=5, gt=0, description="An idle keep-alive connection is closed after this many seconds."
    )
    connection_limit: int = Field(
        default=512, gt=0, description="Most connections and requests at once; past it requests get 503."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"], description="Origins allowed to read cross-origin (no credentials)."
    )
    skip_dl: bool = Field(
        default=False, description="Skip the OWL DL (HermiT) check in builds, for very large data."
    )
    java_memory_mb: int = Field(default=2000, gt=0, description="The Java heap of the OWL DL check, in MB.")
    sole_writer: bool | None = Field(
        default=None,
        description="Whether this server is the only writer of the engine's data (default: yes for the "
        "managed engine, no for a remote one). Only then do the result cache and the version-based "
        "ETags trust that the data has not changed since the last version.",
    )
    cache: bool = Field(
        default=True, description="The result cache of reads (off: every read asks the engine)."
    )
    express: bool = Field(
        default=True,
        description="The express lane of /sparql: a query sent with GET, planned once per distinct "
        "request and answered past the middlewares (off: every request takes the general path).",
    )
    cache_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, description="Most bytes of answers the result cache holds."
    )
    cache_max_age_s: int = Field(
        default=60, ge=0, description="The max-age of 'Cache-Control' on reads of the current version."
    )
    version_retention: str = Field(
        default="30d",
        pattern=r"^[0-9]+d?$",
        description="How long earlier dataset versions stay queryable with the managed engine: a number "
        "of versions ('20') or of days ('30d'); '0' keeps none but the current one.",
    )
    versions_dir: Path | None = Field(
        default=None,
        description="Where the managed engine's earlier versions are kept (default: the store's "
        "directory with '.versions' added, beside it).",
    )
    version_engines: int = Field(
        default=2, gt=0, description="Most read-only engines serving earlier versions at once."
    )

    @property
    def trusts_version(self) -> bool:
        """Whether the data changes only through this server (see ``sole_writer``)."""
        return self.sole_writer if self.sole_writer is not None else self.engine_url is None

    @field_validator("data", "service_allow", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """Lists come from the environment as comma- or space-separated strings."""
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value


def environment_help(settings: type[Settings] = Settings) -> str:
    """The ``CLUSTERKG_*`` environment variables, their defaults and meanings, from the model.

    >>> print(environment_help().splitlines()[0])
    CLUSTERKG_STORE (default: var/store)
    """
    prefix = str(settings.model_config.get("env_prefix", ""))
    lines: list[str] = []
    for name, field in settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, list):
            shown = " ".join(str(v) for v in default) or "empty"
        elif default is None:
            shown = "none"
        else:
            shown = str(default)
        lines.append(f"{prefix}{name.upper()} (default: {shown})")
        if field.description:
            lines.extend(
                textwrap.wrap(field.description, 92, initial_indent="    ", subsequent_indent="    ")
            )
    return "\n".join(lines)


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build the settings from an environment mapping (default: the process environment).

    Explicit keyword overrides (e.g. from CLI flags) win over the environment.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    if environ is None:
        return Settings(**given)  # type: ignore[arg-type]
    prefix = "CLUSTERKG_"
    values: dict[str, object] = {
        key[len(prefix) :].lower(): value for key, value in environ.items() if key.startswith(prefix)
    }
    values.update(given)
    return Settings.model_validate(values)
