"""Dereferenceable resources: ``/id/...``, the JSON-LD context and the dumps of the whole graph.

The public base (``CLUSTERKG_PUBLIC_BASE``, default ``https://w3id.org/clusterkg/``) is mapped
to this server: ``GET /id/<path>`` describes the IRI ``<public base>id/<path>`` (see
:mod:`kg.describe.resource`), negotiated with :func:`api.negotiation.negotiate_rdf`:

- HTML for people: labels in the language the ``Accept-Language`` header prefers (then
  English, then Russian), the types, the statements with links to other resources (IRIs under
  the public base link to this server), the claims about it with their quotes and source, and
  the links to it. Every text is escaped.
- Turtle, N-Triples, RDF/XML, TriG, N-Quads: the triples about the resource and the links to it;
  JSON-LD compacted with the published context (``/context.jsonld``).
- An IRI the store does not know is 404 in the negotiated format: an HTML page, a JSON error for
  JSON-LD, a comment for Turtle and N-Triples, an empty document for RDF/XML.

Dumps: ``/dumps/clusterkg.nq.gz`` (gzipped N-Quads) and ``/dumps/clusterkg.trig`` hold every
quad of the store. They are read from the engine (a Graph Store GET of the whole dataset,
streamed to disk, parsed to its end) and cached in ``<store>.dumps/`` beside the store. The
cache is keyed on a fingerprint of the store directory (names, sizes and modification times of
its files, RocksDB's ``LOG`` files left out): a rebuild, a write or an engine restart changes
it, and the next request for a dump (or for VoID, :func:`void_dumps`) makes them anew. With a
remote engine there is no directory to fingerprint, so each request makes them anew.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import html
import json
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from api.deps import RuntimeDep, SettingsDep
from api.negotiation import Negotiated, negotiate_rdf
from kg.describe.resource import Description, describe, pick_label, preferred_languages, resource_graph
from kg.engine import results
from kg.engine.local_store import Term
from kg.engine.runtime import Runtime
from kg.errors import EngineError
from kg.namespaces import PREFIXES
from kg.settings import Settings
from ontology import CONTEXT_FILE

router = APIRouter(tags=["resources"])

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CONTEXT_TYPE = "application/ld+json"
DUMPS = {"clusterkg.nq.gz": "application/gzip", "clusterkg.trig": "application/trig"}
"""The dump files and their media types (the N-Quads dump is a gzip file, not an encoding)."""

_HEADINGS = {
    "en": {
        "types": "Types",
        "formats": "Also as",
        "statements": "Statements",
        "claims": "Claims and their sources",
        "incoming": "Linked from",
        "none": "None.",
        "quote": "Quote",
        "source": "Source",
        "labels": "Other labels",
        "explore": "Explore",
        "explore-project": "the production cooperation scheme",
        "explore-cluster": "the participants by role",
    },
    "ru": {
        "types": "Типы",
        "formats": "Другие форматы",
        "statements": "Утверждения",
        "claims": "Утверждения источников и цитаты",
        "incoming": "Ссылки на ресурс",
        "none": "Нет.",
        "quote": "Цитата",
        "source": "Источник",
        "labels": "Другие названия",
        "explore": "Обзор",
        "explore-project": "схема производственной кооперации",
        "explore-cluster": "участники по ролям",
    },
}
_FORMAT_LINKS = (("Turtle", "ttl"), ("N-Triples", "nt"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdfxml"))
_EXPLORER_PAGES = (
    ("project", PREFIXES["ckg"] + "CooperationProject"),
    ("cluster", PREFIXES["ckg"] + "Cluster"),
)
"""The explorer's pages (``/explore/<kind>/<slug>``): the IRI folder and class they draw."""
_EXPLORER_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


@cache
def template(name: str) -> string.Template:
    """An HTML template of ``api/templates`` (``string.Template``: ``$name`` placeholders)."""
    return string.Template((TEMPLATES / name).read_text(encoding="utf-8"))


@cache
def _context_text() -> str:
    return CONTEXT_FILE.read_text(encoding="utf-8")


def jsonld_context() -> dict[str, Any]:
    """The published JSON-LD context document (``ontology/context.jsonld``)."""
    document: dict[str, Any] = json.loads(_context_text())
    return document


def local_url(iri: str, public_base: str) -> str | None:
    """Where this server serves an IRI under the public base, as a root-relative URL.

    >>> local_url("https://w3id.org/clusterkg/id/cluster/biomed", "https://w3id.org/clusterkg/")
    '/id/cluster/biomed'
    >>> local_url("https://w3id.org/clusterkg/ontology#Cluster", "https://w3id.org/clusterkg/")
    '/ontology#Cluster'
    >>> local_url("https://ror.org/02mh1ke95", "https://w3id.org/clusterkg/") is None
    True
    """
    if not iri.startswith(public_base):
        return None
    rest = iri[len(public_base) :]
    if rest.startswith(("id/", "ontology#", "ontology/")) or rest == "ontology":
        return "/" + quote(rest, safe="/#-._~!$&'()*+,;=:@")
    return None


def compact(iri: str) -> str:
    """An IRI as ``prefix:local`` when one of our prefixes fits, else the IRI.

    >>> compact("https://w3id.org/clusterkg/ontology#region")
    'ckg:region'
    """
    best = ""
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = name
    if best:
        return f"{best}:{iri[len(PREFIXES[best]) :]}"
    return iri


def _format_params(request: Request) -> list[str]:
    return [v for k, v in request.query_params.multi_items() if k in ("format", "output")]


# --- /id/... ------------------------------------------------------------------------------------


@router.get("/id/{path:path}", summary="A resource of the graph, negotiated (HTML or RDF)")
async def resource(path: str, request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """The resource ``<public base>id/<path>``: HTML, Turtle, N-Triples, JSON-LD, RDF/XML..."""
    chosen = negotiate_rdf(request.headers.get("accept"), _format_params(request), html=True)
    try:
        iri = ox.NamedNode(settings.public_base + "id/" + path)
    except ValueError:
        return not_found(chosen, "This is not a valid resource IRI.")
    timeout_s = settings.query_timeout_s
    if chosen.format == "html":
        description = await describe(runtime.client, iri, timeout_s=timeout_s)
        if description is None:
            return not_found(chosen, f"The graph says nothing about {iri.value}.")
        languages = preferred_languages(request.headers.get("accept-language"))
        page = render_resource(description, languages, settings.public_base)
        return HTMLResponse(page, headers={"Vary": "Accept, Accept-Language"})
    body = await resource_graph(runtime.client, iri, timeout_s=timeout_s)
    if not body.strip():
        return not_found(chosen, f"The graph says nothing about {iri.value}.")
    context = jsonld_context() if chosen.format == "jsonld" else None
    out = results.convert_graph(body, "ntriples", chosen.format, prefixes=PREFIXES, jsonld_context=context)
    return Response(out, media_type=chosen.content_type, headers={"Vary": "Accept"})


def not_found(chosen: Negotiated, message: str) -> Response:
    """A 404 in the negotiated format (HTML page, JSON error, RDF comment or empty document)."""
    headers = {"Vary": "Accept"}
    if chosen.format == "html":
        page = template("not_found.html").substitute(message=html.escape(message))
        return HTMLResponse(page, status_code=404, headers=headers)
    if chosen.format == "jsonld":
        return JSONResponse({"error": "not-found", "message": message}, status_code=404, headers=headers)
    if chosen.format == "rdfxml":
        empty = results.convert_graph(b"", "ntriples", "rdfxml")
        return Response(empty, status_code=404, media_type=chosen.content_type, headers=headers)
    comment = "# " + " ".join(message.split()) + "\n"
    return Response(comment.encode("utf-8"), status_code=404, media_type=chosen.content_type, headers=headers)


@dataclass(frozen=True)
class _Page:
    """What rendering needs: the labels, the language order, the headings, the public base."""

    labels: dict[str, list[ox.Literal]]
    languages: Sequence[str]
    words: dict[str, str]
    public_base: str

    def label(self, iri: str) -> str:
        return pick_label(self.labels.get(iri, []), self.languages) or compact(iri)

    def link(self, iri: str) -> str:
        href = local_url(iri, self.public_base) or iri
        return f'<a href="{html.escape(href)}" title="{html.escape(iri)}">{html.escape(self.label(iri))}</a>'

    def term(self, term: Term) -> str:
        if isinstance(term, ox.NamedNode):
            return self.link(term.value)
        if isinstance(term, ox.BlankNode):
            return f"<code>_:{html.escape(term.value)}</code>"
        if isinstance(term, ox.Literal):
            text = html.escape(term.value)
            if term.language:
                lang = html.escape(term.language)
                return f'<span lang="{lang}">{text}</span> <small class="meta">@{lang}</small>'
            datatype = term.datatype.value
            if datatype == "http://www.w3.org/2001/XMLSchema#string":
                return text
            return f'{text} <small class="meta">{html.escape(compact(datatype))}</small>'
        return html.escape(str(term))


def render_resource(description: Description, languages: Sequence[str], public_base: str) -> str:
    """The HTML page of a resource, every text escaped."""
    language = next((lang for lang in languages if lang in _HEADINGS), "en")
    page = _Page(description.labels, languages, _HEADINGS[language], public_base)
    words = page.words
    iri = description.iri
    title = page.label(iri)
    others = sorted(
        {
            (label.value, label.language or "")
            for label in description.labels.get(iri, [])
            if label.value != title
        }
    )
    other_labels = ""
    if others:
        items = ", ".join(
            f'<span lang="{html.escape(lang)}">{html.escape(text)}</span>' for text, lang in others
        )
        other_labels = f'<p class="meta">{html.escape(words["labels"])}: {items}</p>'
    types = ", ".join(page.link(t) for t in description.types) or html.escape(words["none"])
    formats = " · ".join(
        f'<a href="?format={html.escape(short)}">{html.escape(name)}</a>' for name, short in _FORMAT_LINKS
    )
    alternates = "\n".join(
        f'<link rel="alternate" type="{media}" href="?format={short}">'
        for media, short in (
            ("text/turtle", "ttl"),
            ("application/n-triples", "nt"),
            ("application/ld+json", "jsonld"),
            ("application/rdf+xml", "rdfxml"),
        )
    )
    return template("resource.html").substitute(
        explore=_explore(description, page),
        lang=html.escape(language),
        title=html.escape(title),
        iri=html.escape(iri),
        other_labels=other_labels,
        types_heading=html.escape(words["types"]),
        types=types,
        formats_heading=html.escape(words["formats"]),
        formats=formats,
        alternates=alternates,
        statements_heading=html.escape(words["statements"]),
        outgoing=_outgoing(description, page),
        claims_heading=html.escape(words["claims"]),
        claims=_claims(description, page),
        incoming_heading=html.escape(words["incoming"]),
        incoming=_incoming(description, page),
    )


def explorer_url(iri: str, types: Sequence[str], public_base: str) -> str | None:
    """The explorer page of a cooperation project or a cluster, as a root-relative URL.

    >>> explorer_url(
    ...     "https://w3id.org/clusterkg/id/cluster/biomed",
    ...     ["https://w3id.org/clusterkg/ontology#Cluster"],
    ...     "https://w3id.org/clusterkg/",
    ... )
    '/explore/cluster/biomed'
    >>> explorer_url("https://w3id.org/clusterkg/id/cluster/x", [], "https://w3id.org/clusterkg/") is None
    True
    """
    for kind, cls in _EXPLORER_PAGES:
        folder = f"{public_base}id/{kind}/"
        slug = iri[len(folder) :]
        if iri.startswith(folder) and cls in types and _EXPLORER_SLUG.fullmatch(slug):
            return f"/explore/{kind}/{slug}"
    return None


def _explore(description: Description, page: _Page) -> str:
    href = explorer_url(description.iri, description.types, page.public_base)
    if href is None:
        return ""
    kind = href.split("/")[2]
    words = page.words
    return (
        f'<p class="meta explore">{html.escape(words["explore"])}: '
        f'<a href="{html.escape(href)}">{html.escape(words["explore-" + kind])}</a></p>'
    )


def _outgoing(description: Description, page: _Page) -> str:
    grouped: dict[str, list[str]] = {}
    for triple in description.outgoing:
        grouped.setdefault(triple.predicate.value, []).append(page.term(triple.object))
    if not grouped:
        return f"<p>{html.escape(page.words['none'])}</p>"
    rows = [
        f"<tr><th>{page.link(p)}</th><td>{'<br>'.join(values)}</td></tr>" for p, values in grouped.items()
    ]
    return "<table>\n" + "\n".join(rows) + "\n</table>"


def _claims(description: Description, page: _Page) -> str:
    if not description.claims:
        return f"<p>{html.escape(page.words['none'])}</p>"
    parts: list[str] = []
    for claim in description.claims:
        statements = "".join(
            f"<li>{page.term(s)} {page.link(p)} {page.term(o)}</li>" for s, p, o in claim.statements
        )
        quotes = "".join(
            f'<blockquote lang="{html.escape(q.language or "")}">{html.escape(q.value)}</blockquote>'
            for q in claim.quotes
        )
        sources = ", ".join(page.link(s) for s in claim.sources) or html.escape(page.words["none"])
        parts.append(
            f'<div class="claim"><h3>{page.link(claim.iri)}</h3><ul>{statements}</ul>'
            f"{quotes}<p>{html.escape(page.words['source'])}: {sources}</p></div>"
        )
    return "\n".join(parts)


def _incoming(description: Description, page: _Page) -> str:
    if not description.incoming:
        return f"<p>{html.escape(page.words['none'])}</p>"
    rows = [
        f"<tr><td>{page.term(t.subject)}</td><td>{page.link(t.predicate.value)}</td></tr>"
        for t in description.incoming
    ]
    return "<table>\n" + "\n".join(rows) + "\n</table>"


# --- /context.jsonld ----------------------------------------------------------------------------


@router.get("/context.jsonld", summary="The JSON-LD context of clusterkg")
async def context() -> Response:
    """The published JSON-LD context: our prefixes and the ckg terms."""
    return Response(
        _context_text().encode("utf-8"),
        media_type=CONTEXT_TYPE,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=3600"},
    )


# --- /dumps -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DumpFile:
    """A dump on disk: its path, size in bytes and when it was made (ISO 8601, UTC)."""

    name: str
    path: Path
    size: int
    modified: str


def dump_dir(settings: Settings) -> Path:
    """Where the dumps are cached: ``<store>.dumps`` beside the store directory."""
    store = settings.store.resolve()
    return store.parent / f"{store.name}.dumps"


def store_fingerprint(runtime: Runtime, settings: Settings) -> str | None:
    """A digest of the store directory's files (None with a remote engine: nothing to look at)."""
    if runtime.remote:
        return None
    store = settings.store.resolve()
    digest = hashlib.sha256()
    for path in sorted(store.rglob("*")):
        if path.is_file() and not path.name.startswith("LOG"):
            stat = path.stat()
            digest.update(f"{path.relative_to(store)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _state(request: Request) -> asyncio.Lock:
    lock: asyncio.Lock | None = getattr(request.app.state, "dump_lock", None)
    if lock is None:
        lock = request.app.state.dump_lock = asyncio.Lock()
    return lock


async def _fetch_dataset(runtime: Runtime, target: Path, timeout_s: float) -> None:
    """Stream the whole dataset from the engine (Graph Store GET, N-Quads) into a file."""
    client = runtime.client
    if runtime.engine is not None:
        await runtime.engine.wait_ready(10.0)
    async with client.stream(
        client.endpoints.store, accept="application/n-quads", timeout_s=timeout_s
    ) as response:
        if response.status >= 400:
            raise EngineError(f"the engine could not read the dataset ({response.status})")
        with target.open("wb") as out:
            async for chunk in response.content.iter_chunked(1 << 16):
                out.write(chunk)


def _write_dumps(nquads: Path, folder: Path) -> None:
    """Parse the engine's N-Quads to the end and write the gzipped N-Quads and TriG dumps."""
    try:
        quads = list(ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        raise EngineError(f"the engine's dataset was incomplete or malformed: {exc}") from None
    with gzip.open(folder / "clusterkg.nq.gz.tmp", "wb") as out:
        ox.serialize(quads, cast(IO[bytes], out), format=ox.RdfFormat.N_QUADS)
    ox.serialize(quads, folder / "clusterkg.trig.tmp", format=ox.RdfFormat.TRIG, prefixes=dict(PREFIXES))


async def dumps(request: Request, runtime: Runtime, settings: Settings) -> dict[str, DumpFile]:
    """The dumps, made anew when the store changed since they were last made."""
    folder = dump_dir(settings)
    meta_file = folder / "dumps.json"
    async with _state(request):
        fingerprint = store_fingerprint(runtime, settings)
        meta: dict[str, Any] = {}
        if meta_file.is_file():
            try:
                meta = json.loads(meta_file.read_text(encoding="utf-8"))
            except ValueError:
                meta = {}
        fresh = (
            fingerprint is not None
            and meta.get("fingerprint") == fingerprint
            and all((folder / name).is_file() for name in DUMPS)
        )
        if not fresh:
            folder.mkdir(parents=True, exist_ok=True)
            raw = folder / "dataset.nq.tmp"
            try:
                await _fetch_dataset(runtime, raw, settings.query_timeout_s)
                await asyncio.to_thread(_write_dumps, raw, folder)
            finally:
                raw.unlink(missing_ok=True)
            for name in DUMPS:
                (folder / f"{name}.tmp").replace(folder / name)
            made = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            meta = {"fingerprint": fingerprint, "modified": made}
            meta_file.write_text(json.dumps(meta), encoding="utf-8")
    modified = str(meta.get("modified", ""))
    return {name: DumpFile(name, folder / name, (folder / name).stat().st_size, modified) for name in DUMPS}


async def void_dumps(request: Request, runtime: Runtime) -> list[tuple[str, int, str]]:
    """The dumps for the VoID description: (URL, size in bytes, ISO date), making them if needed.

    For :func:`kg.describe.service.void_description`'s ``dumps``.
    """
    base = str(request.base_url).rstrip("/")
    files = await dumps(request, runtime, runtime.settings)
    return [(f"{base}/dumps/{name}", dump.size, dump.modified) for name, dump in files.items()]


@router.get("/dumps/{name}", summary="A dump of the whole graph (N-Quads gzipped, or TriG)")
async def dump(name: str, request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """``clusterkg.nq.gz`` (gzipped N-Quads) or ``clusterkg.trig``: every quad of the store."""
    if name not in DUMPS:
        available = ", ".join(f"/dumps/{n}" for n in DUMPS)
        return JSONResponse(
            {"error": "not-found", "message": f"no dump named {name!r}; available: {available}"},
            status_code=404,
        )
    files = await dumps(request, runtime, settings)
    return FileResponse(
        files[name].path,
        media_type=DUMPS[name],
        filename=name,
        headers={"X-Clusterkg-Dump-Date": files[name].modified},
    )
