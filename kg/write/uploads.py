"""RDF that comes from outside: uploaded documents (Graph Store) and documents fetched by LOAD.

Everything is parsed with pyoxigraph, which never fetches anything: a JSON-LD remote
``@context`` is an error there, not a request. Two things are refused before parsing, with a
400 that names the problem:

- RDF/XML with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration. pyoxigraph does not fetch external
  entities, but it does expand internal ones, so a few hundred bytes of nested entities would
  grow into megabytes ("billion laughs"). RDF/XML needs no DTD.
- JSON-LD whose ``@context`` (or a context's ``@import``) names a document by IRI. It would
  have to be fetched to read the data; inline the context instead.
- RDF/XML or JSON-LD nested more than :data:`~kg.write.nesting.MAX_DEPTH` deep: parsing
  them costs far more than their size says (:mod:`kg.write.nesting`), and JSON-LD 5,000 deep
  crashes the parser. Any RecursionError while reading is a 400 too.

Parsing holds the interpreter's lock for as long as one call into pyoxigraph lasts, so quads
are parsed and stored in batches of :data:`BATCH`: run in a worker thread (the routers do),
the event loop gets its turn between batches and the server keeps answering while a large
upload is read.

LOAD fetches with httpx, without the environment's proxies, following at most
:data:`MAX_REDIRECTS` redirects and only to IRIs the allow-list admits, reading at most the
request body limit.

>>> [q.object.value for q in parse_rdf(b'<http://e/s> <http://e/p> "o" .', "application/n-triples")]
['o']
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from urllib.parse import urljoin

import httpx
import pyoxigraph as ox

from kg import formats
from kg.engine.bounded import read_within
from kg.errors import RemoteError, RequestError, TooLarge, UnsupportedMediaType
from kg.sparql_text import Inspection, LoadRef, enforce_federation
from kg.write.nesting import refuse_deep_json, refuse_deep_xml
from kg.write.quad_templates import GraphName

MAX_REDIRECTS = 5
BATCH = 10_000
"""Quads parsed and stored per call into pyoxigraph (the interpreter's lock is held for each)."""

ACCEPT = (
    "text/turtle, application/n-triples, application/rdf+xml, application/ld+json;q=0.9, "
    "application/trig;q=0.8, application/n-quads;q=0.8"
)
"""The ``Accept`` header of LOAD requests."""

_DTD_RE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def media_type(content_type: str | None) -> str:
    """The bare, lower-cased media type of a ``Content-Type`` value (``""`` when absent).

    >>> media_type("text/turtle; charset=utf-8")
    'text/turtle'
    """
    return (content_type or "").split(";", 1)[0].strip().lower()


def upload_format(content_type: str | None) -> ox.RdfFormat:
    """The RDF format of an upload from its ``Content-Type``.

    :raises RequestError: 415 for a missing or unsupported media type.
    """
    kind = media_type(content_type)
    found = formats.readable(kind)
    if found is None:
        accepted = ", ".join(formats.readable_types())
        what = f"unsupported Content-Type {kind!r}" if kind else "no Content-Type"
        raise UnsupportedMediaType(f"{what}: send RDF as one of {accepted}")
    return found.rdf


def parse_rdf(
    body: bytes,
    content_type: str | ox.RdfFormat,
    *,
    base_iri: str | None = None,
    dataset: bool = False,
) -> list[ox.Quad]:
    """Parse an RDF document from outside into quads, with fresh blank nodes.

    :param content_type: the ``Content-Type`` header value, or the format itself.
    :param base_iri: the IRI that relative IRIs are resolved against (none: they are errors).
    :param dataset: whether named graphs are allowed (else only triples, in the default graph).
    :raises RequestError: 415 for an unsupported type; 400 for a DOCTYPE in RDF/XML, a remote
        JSON-LD context, named graphs where a graph is expected, or a syntax error.
    """
    fmt = _readable_format(body, content_type)
    quads: list[ox.Quad] = []
    with _parse_errors(fmt):
        for batch in _batches(_quads(body, fmt, base_iri=base_iri, dataset=dataset)):
            quads += batch
    return quads


def parse_into_store(
    body: bytes,
    content_type: str | ox.RdfFormat,
    *,
    into: GraphName | None = None,
    base_iri: str | None = None,
) -> ox.Store:
    """Parse an upload into an in-memory store, without a Python object per quad kept (a
    store holds a quad in a few hundred bytes; a list of parsed quads takes about twice that).

    :param into: the graph to put the document's triples in; ``None`` reads a dataset (named
        graphs allowed, each quad in its own graph).
    :raises RequestError: as :func:`parse_rdf`.
    """
    fmt = _readable_format(body, content_type)
    store = ox.Store()
    with _parse_errors(fmt):
        quads = _quads(body, fmt, base_iri=base_iri, dataset=into is None)
        if into is not None and not isinstance(into, ox.DefaultGraph):
            quads = (ox.Quad(q.subject, q.predicate, q.object, into) for q in quads)
        for batch in _batches(quads):
            store.bulk_extend(batch)
    return store


def _batches(quads: Iterable[ox.Quad]) -> Iterator[list[ox.Quad]]:
    """Quads in lists of :data:`BATCH`: between two, other threads get the interpreter's lock
    (one ``bulk_extend`` of 1M quads held it for 14 s; of 10,000, for a few hundredths)."""
    source = iter(quads)
    while batch := list(islice(source, BATCH)):
        yield batch


def _readable_format(body: bytes, content_type: str | ox.RdfFormat) -> ox.RdfFormat:
    """The document's format, once it is clear that reading it fetches and expands nothing."""
    fmt = content_type if isinstance(content_type, ox.RdfFormat) else upload_format(content_type)
    if fmt == ox.RdfFormat.RDF_XML:
        if _DTD_RE.search(body):
            raise RequestError(
                "RDF/XML with a DOCTYPE or ENTITY declaration is not accepted: entities are neither "
                "fetched nor expanded here. Remove the DOCTYPE and write the values out."
            )
        refuse_deep_xml(body)
    if fmt == ox.RdfFormat.JSON_LD:
        refuse_deep_json(body)
        _refuse_remote_contexts(body)
    return fmt


def _quads(body: bytes, fmt: ox.RdfFormat, *, base_iri: str | None, dataset: bool) -> Iterator[ox.Quad]:
    return ox.parse(body, fmt, base_iri=base_iri, without_named_graphs=not dataset, rename_blank_nodes=True)


@contextmanager
def _parse_errors(fmt: ox.RdfFormat) -> Iterator[None]:
    """Turn the parser's errors into 400s that say what is wrong, and where."""
    try:
        yield
    except SyntaxError as exc:
        if "Named graphs are not allowed" in str(exc):
            raise RequestError(
                f"the {fmt.name} document has named graphs, but a single graph is expected here; "
                "POST it to the store without ?graph= to load a dataset"
            ) from None
        where = f" (line {exc.lineno})" if exc.lineno else ""
        raise RequestError(f"the {fmt.name} document is malformed{where}: {exc.msg}") from None
    except ValueError as exc:
        raise RequestError(f"the {fmt.name} document cannot be read: {exc}") from None
    except RecursionError:
        raise RequestError(f"the {fmt.name} document nests too deeply to be read") from None


def _refuse_remote_contexts(body: bytes) -> None:
    """Refuse JSON-LD that names a context document by IRI (it would have to be fetched)."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise RequestError(f"the JSON-LD document is not JSON: {exc}") from None
    except RecursionError:  # arrays or objects nested about a thousand deep
        raise RequestError("the JSON-LD document is nested too deeply to be read") from None
    remote = _remote_context(document)
    if remote is not None:
        raise RequestError(
            f"the JSON-LD document refers to a remote context ({remote!r}); remote contexts are not "
            "fetched here. Put the context inline in the document."
        )


def _remote_context(node: object) -> str | None:
    """The first context IRI (``"@context": "<iri>"`` or ``"@import"``) anywhere in a JSON value."""
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("@context", "@import"):
                    for ctx in item if isinstance(item, list) else [item]:
                        if isinstance(ctx, str):
                            return ctx
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
    return None


def _allowed(iri: str, allow: Sequence[str]) -> None:
    """Refuse an IRI that the SERVICE/LOAD allow-list does not admit (FederationRefused)."""
    enforce_federation(
        Inspection(
            kind="update",
            form=None,
            base=None,
            prefixes={},
            services=[],
            loads=[LoadRef(iri, False, None, 1, 1)],
        ),
        allow,
    )


async def fetch_rdf(
    iri: str,
    *,
    allow: Sequence[str],
    max_bytes: int,
    timeout_s: float,
) -> list[ox.Quad]:
    """Fetch the RDF document at an allow-listed IRI, for LOAD; its triples, in the default graph.

    :raises FederationRefused: when the IRI, or a redirect, is not allow-listed.
    :raises RequestError: 502 when the document cannot be fetched, 413 when it is too large,
        415/400 when it is not RDF we read.
    """
    url = iri
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=timeout_s) as client:
        for _ in range(MAX_REDIRECTS + 1):
            _allowed(url, allow)
            try:
                async with client.stream("GET", url, headers={"Accept": ACCEPT}) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise RemoteError(f"LOAD <{iri}>: the server answered {response.status_code}")
                    body = await read_within(
                        response.aiter_bytes(),
                        max_bytes,
                        lambda: TooLarge(f"LOAD <{iri}>: the document is larger than {max_bytes} bytes"),
                    )
                    content_type = response.headers.get("content-type")
            except httpx.HTTPError as exc:
                raise RemoteError(f"LOAD <{iri}>: cannot fetch it ({type(exc).__name__})") from None
            kind = media_type(content_type)
            fmt = formats.readable(kind) or formats.by_extension("." + url.rsplit(".", 1)[-1], generic=True)
            if fmt is None:
                raise UnsupportedMediaType(f"LOAD <{iri}>: {kind!r} is not an RDF format read here")
            return await asyncio.to_thread(parse_rdf, body, fmt.rdf, base_iri=url)
    raise RemoteError(f"LOAD <{iri}>: more than {MAX_REDIRECTS} redirects")
