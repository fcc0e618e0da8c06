"""Which requests are cacheable reads, and what selects their answer: the key of the result
cache and of the entity tag, whether the request names a version, whether its answer is a
function of the data (no ``NOW()``, ``RAND()``, ``SERVICE``...), and its permalink.

>>> read = classify("GET", "/sparql", b"query=ASK%20%7B%7D", [], None)
>>> read.deterministic, read.pinned, read.permalink("", 4)
(True, False, '/sparql?query=ASK%20%7B%7D&version=4')
>>> classify("GET", "/sparql", b"query=SELECT%20(RAND()%20AS%20%3Fr)%20%7B%7D", [], None).deterministic
False
>>> classify("GET", "/sparql", b"update=CLEAR%20ALL", [], None) is None
True
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode

from starlette.types import Message, Receive, Scope

from api.query_string import parameters
from kg import sparql_text
from kg.errors import KgError
from kg.versions.state import Version

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"

PERMALINK_LIMIT = 8192
"""The longest permalink put in a ``Link`` header (a longer query gets none)."""

MEMO_LIMIT = 8192
"""The longest query string of a GET whose read is kept for the next request with the same
string and selecting headers (:func:`classify`)."""
MEMO_ENTRIES = 512
KEPT_PER_READ = 4
"""Tags and permalinks a kept read holds (a repeated request meets a few versions at most)."""

_PREFIXES = ("/api/", "/id/", "/ontology/", "/dumps/")
_EXACT = frozenset({"/sparql", "/ontology", "/.well-known/void"})
_NOT = ("/api/ingest",)
_LANGUAGE = ("/id/", "/ontology")

VOLATILE = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE", "SERVICE"})
"""Keywords whose answer is not a function of the dataset (time, chance, fresh nodes, another
server's data)."""
_WORDS = ("NOW", "RAND", "UUID", "BNODE", "SERVICE", "\\U")  # STRUUID holds UUID; \u escapes


def covered(path: str) -> bool:
    """Whether answers at ``path`` are cached reads: ``/sparql``, ``/api/...`` (not ingest),
    ``/id/...``, ``/ontology``, the dumps and VoID; never ``/health``, ``/metrics``, the UI or
    the explorer pages.

    >>> [covered(p) for p in ("/sparql", "/api/clusters", "/api/ingest", "/health", "/explore")]
    [True, True, False, False, False]
    """
    if path in _EXACT:
        return True
    return path.startswith(_PREFIXES) and not path.startswith(_NOT)


@functools.lru_cache(maxsize=1024)
def deterministic(text: str) -> bool:
    """Whether a query's answer depends only on the dataset, read from its tokens (so a keyword in
    a string or a comment does not count); text that does not lex, or has bare words (which the
    engine may read as keywords), is not. Text in which none of the words occurs at all (and no
    ``\\u`` escape) has no such token, and is not lexed.

    >>> deterministic('SELECT * { ?s ?p "NOW()" } # RAND()'), deterministic("SELECT (now() AS ?t) {}")
    (True, False)
    >>> deterministic("SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }")
    False
    """
    upper = text.upper()
    if not any(word in upper for word in _WORDS):
        return True
    try:
        tokens = sparql_text.tokenize(text)
    except (KgError, ValueError, RecursionError):
        return False
    return not any(token.kind == "NAME" or token.keyword in VOLATILE for token in tokens)


@dataclass(frozen=True)
class Read:
    """A cacheable read: its key, whether it names a ``version``, whether its answer is a function
    of the dataset, and the parameters of its GET permalink."""

    key: bytes
    path: str
    params: Sequence[tuple[str, str]]
    pinned: bool
    deterministic: bool
    tags: dict[Version, str] = field(default_factory=dict, compare=False)
    """The entity tags computed for this request, by version (each is computed once)."""
    links: dict[tuple[str, int], str | None] = field(default_factory=dict, compare=False)
    """The permalinks computed for this request, by root path and version."""
    validators: dict[tuple[Version, bool, bytes | None, str], list[tuple[bytes, bytes]]] = field(
        default_factory=dict, compare=False
    )
    """The validators of its answer (:meth:`api.cache.state.CacheState.validators`), by version,
    pinning, the application's ``Vary`` and root path."""
    query_string: bytes | None = None
    """A GET's own query string, when it can stand in the permalink as it came (see below)."""

    def permalink(self, root_path: str, number: int) -> str | None:
        """The same request as a GET pinned to version ``number`` (None when too long).

        A GET that names no version and whose query string holds only characters allowed in
        a URL's query and safe inside a ``Link`` header's ``<...>`` keeps its own encoding (it
        already is one of the URL's parameters: quoting them anew in Python costs more than the
        rest of a cache hit); any other request's parameters are encoded here.

        >>> classify("GET", "/sparql", b"query=ASK+%7B%7D", [], None).permalink("", 2)
        '/sparql?query=ASK+%7B%7D&version=2'
        >>> classify("GET", "/sparql", b"query=ASK {}", [], None).permalink("", 2)
        '/sparql?query=ASK%20%7B%7D&version=2'
        """
        remembered = self.links.get((root_path, number), "")
        if remembered != "":
            return remembered
        if len(self.links) >= KEPT_PER_READ:
            self.links.clear()
        link = self.links[root_path, number] = self._permalink(root_path, number)
        return link

    def _permalink(self, root_path: str, number: int) -> str | None:
        if self.query_string is not None and not self.pinned and _as_sent(self.query_string):
            encoded = self.query_string.decode("ascii")
            link = f"{root_path}{self.path}?{encoded}{'&' if encoded else ''}version={number}"
        else:
            params = [(k, v) for k, v in self.params if k != "version"] + [("version", str(number))]
            link = root_path + self.path + "?" + urlencode(params, quote_via=quote, safe="")
        return link if len(link) <= PERMALINK_LIMIT else None


_QUERY_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*+,;=:@/?&%"
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _as_sent(query_string: bytes) -> bool:
    """Whether a query string holds only the URL syntax's query characters and well-formed
    escapes (RFC 3986: no space, quote, ``<``, ``>``, ``#``, backslash or control character).
    Two linear scans: one pattern of both took 25 us on a point lookup's string (backtracking).

    >>> _as_sent(b"query=ASK+%7B%7D"), _as_sent(b"query=ASK {}"), _as_sent(b"q=%7"), _as_sent(b"q=%zz")
    (True, False, False, False)
    """
    return not query_string.translate(None, _QUERY_BYTES) and _BAD_ESCAPE.search(query_string) is None


def classify(
    method: str,
    path: str,
    query_string: bytes,
    headers: Sequence[tuple[bytes, bytes]],
    body: bytes | None,
    *,
    length_limit: int = 1 << 20,
) -> Read | None:
    """The read a request makes, or None when it is not one (an update, a malformed request: the
    application answers those as it always does).

    ``body`` is the whole body of a POST (None for GET and HEAD). The read of a GET or HEAD
    whose query string is at most :data:`MEMO_LIMIT` bytes is kept for the next request with
    the same path, string and selecting headers (the UI's tabs, a dashboard's named queries, a
    permalink): it is the same read, with the tags and permalinks computed for it.

    >>> ask = b"query=ASK%7B%7D"
    >>> classify("GET", "/sparql", ask, [], None) is classify("HEAD", "/sparql", ask, [], None)
    True
    """
    sent: dict[bytes, bytes] = {}
    for name, value in headers:
        if name in _SELECTING and name not in sent:  # the application reads the first one
            sent[name] = value
    if body is None and len(query_string) <= MEMO_LIMIT:
        return _kept_get(
            path,
            query_string,
            sent.get(b"accept", b""),
            sent.get(b"accept-language", b"") if path.startswith(_LANGUAGE) else b"",
            sent.get(b"host", b""),
            length_limit,
        )
    return _classify(path, query_string, sent, body, length_limit)


@functools.lru_cache(maxsize=MEMO_ENTRIES)
def _kept_get(
    path: str, query_string: bytes, accept: bytes, language: bytes, host: bytes, length_limit: int
) -> Read | None:
    sent = {b"accept": accept, b"accept-language": language, b"host": host}
    return _classify(path, query_string, sent, None, length_limit)


def _classify(
    path: str, query_string: bytes, sent: dict[bytes, bytes], body: bytes | None, length_limit: int
) -> Read | None:
    try:
        url_params: Sequence[tuple[str, str]] = parameters(query_string)
    except KgError:  # not UTF-8: the application answers it (a 400)
        return None
    params = url_params
    ctype = sent.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
    if body is not None:
        if path != "/sparql" or any(k in ("query", "update") for k, _ in url_params):
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if ctype == QUERY_TYPE.encode():
            params = [*url_params, ("query", text)]
        elif ctype == FORM.encode():
            params = [*url_params, *parse_qsl(text, keep_blank_values=True)]
        else:
            return None
    names = [k for k, _ in params]
    if "update" in names or names.count("query") > 1:
        return None
    exact = True
    if path == "/sparql" and "query" in names:
        query = params[names.index("query")][1]
        if len(query) > length_limit:
            return None
        exact = deterministic(query)
    parts = [
        b"POST" if body is not None else b"GET",
        path.encode(),
        query_string,
        ctype if body is not None else b"",
        body or b"",
        sent.get(b"accept", b""),
        sent.get(b"accept-language", b"") if path.startswith(_LANGUAGE) else b"",
        sent.get(b"host", b""),
    ]
    key = hashlib.sha256(b"\0".join(len(p).to_bytes(8, "big") + p for p in parts)).digest()
    return Read(
        key, path, params, "version" in names, exact, query_string=None if body is not None else query_string
    )


_SELECTING = frozenset({b"accept", b"accept-language", b"host", b"content-type"})


def header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of a header in an ASGI header list."""
    for key, value in headers:
        if key == name:
            return value
    return None


async def read_query_body(scope: Scope, receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The body of a query POST, read within the body limit, and a ``receive`` that hands the
    application the same messages (and the same error, such as the body deadline's 408).
    None for a body that is not a query's, is over the limit or did not arrive whole."""
    ctype = (header(scope["headers"], b"content-type") or b"").split(b";", 1)[0].strip().lower()
    if ctype not in (FORM.encode(), QUERY_TYPE.encode()):
        return None, receive
    declared = header(scope["headers"], b"content-length") or b""
    if declared.isdigit() and int(declared) > limit:
        return None, receive
    messages: deque[Message] = deque()
    chunks: list[bytes] = []
    size = 0
    complete = False
    error: BaseException | None = None
    while True:
        try:
            message = await receive()
        except Exception as exc:  # handed to the application unchanged
            error = exc
            break
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
        if not message.get("more_body", False):
            complete = True
            break

    async def replay() -> Message:
        nonlocal error
        if messages:
            return messages.popleft()
        if error is not None:
            raised, error = error, None
            raise raised
        return await receive()

    return (b"".join(chunks) if complete else None), replay
