"""Federation policy: the allow-list of SERVICE and LOAD targets, and its enforcement.

The engine runs SERVICE and LOAD against any URL it is given, so :func:`enforce_federation`
refuses every target of an inspected request that is not on the allow-list
(``CLUSTERKG_SERVICE_ALLOW``): http(s) URLs compared after strict parsing and normalisation,
or ``*`` for any http(s) IRI; ``file:`` IRIs and variable targets are always refused.
:func:`invalid_allow_entries` reports the entries that can never match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from kg.errors import FederationRefused
from kg.sparql_text.inspection import Inspection

__all__ = ["ALLOW_ANY", "ALLOW_SETTING", "enforce_federation", "invalid_allow_entries"]

ALLOW_ANY = "*"
"""Allow-list entry that allows every absolute http(s) IRI (``file:`` stays refused).

It also allows loopback and private addresses: use it only where the engine cannot reach
anything worth protecting.
"""

ALLOW_SETTING = "CLUSTERKG_SERVICE_ALLOW"
"""The setting that holds the allow-list, named in refusals."""


class _Url(NamedTuple):
    scheme: str
    host: str
    port: int
    path: str


_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_HOST_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_.\-]*[a-z0-9_])?|\[[0-9a-f:.]+\]")
_DOT_SEGMENTS = frozenset({".", "..", "%2e", ".%2e", "%2e.", "%2e%2e"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parse_url(iri: str) -> _Url | str:
    """Parse an absolute http(s) IRI strictly; return why not when it cannot be used."""
    m = _SCHEME_RE.match(iri)
    if m is None:
        return "it is not an absolute IRI"
    scheme = m.group(1).lower()
    if scheme == "file":
        return "file: IRIs are never allowed"
    if scheme not in _DEFAULT_PORTS:
        return "only http and https endpoints can be allowed"
    if any(ch <= " " or ch in "\\\x7f" for ch in iri) or not iri.startswith("//", m.end()):
        return "it is not a well-formed http(s) URL"
    rest = iri[m.end() + 2 :]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        return "it has user information before the host"
    if "%" in authority:
        return "its host is percent-encoded"
    if not authority.isascii():
        return "its host is not ASCII (use the xn-- form)"
    host, port_text = authority.lower(), ""
    colon = host.rfind(":")
    if colon > host.rfind("]"):
        host, port_text = host[:colon], host[colon + 1 :]
    if _HOST_RE.fullmatch(host) is None:
        return "its host is malformed"
    if port_text == "":
        port = _DEFAULT_PORTS[scheme]
    elif port_text.isdigit() and int(port_text) <= 65535:
        port = int(port_text)
    else:
        return "its port is malformed"
    path = re.split(r"[?#]", tail, maxsplit=1)[0] or "/"
    if any(segment.lower() in _DOT_SEGMENTS for segment in path.split("/")):
        return "its path has '.' or '..' segments"
    return _Url(scheme, host, port, path)


def _allows(entry: _Url, url: _Url) -> bool:
    if (entry.scheme, entry.host, entry.port) != (url.scheme, url.host, url.port):
        return False
    if url.path == entry.path or entry.path == "/":
        return True
    return url.path.startswith(entry.path if entry.path.endswith("/") else entry.path + "/")


def _parse_entry(entry: str) -> _Url | None:
    """An allow-list entry as a URL; None for "*" and for entries that can never match."""
    entry = entry.strip()
    if entry == ALLOW_ANY or "?" in entry or "#" in entry:
        return None
    url = _parse_url(entry)
    return url if isinstance(url, _Url) else None


def invalid_allow_entries(allow: Sequence[str]) -> list[str]:
    """The allow-list entries that can never match: neither "*" nor an http(s) URL without query.

    For the settings to report at start-up.

    >>> invalid_allow_entries(["https://example.org/sparql", "example.org", "*"])
    ['example.org']
    """
    return [entry for entry in allow if entry.strip() != ALLOW_ANY and _parse_entry(entry) is None]


def enforce_federation(inspection: Inspection, allow: Sequence[str]) -> None:
    """Refuse every SERVICE and LOAD whose target is not on the allow-list.

    Each allow-list entry is an http(s) URL (the endpoint and the paths below it, at a '/'
    boundary; scheme, host and default port compared after normalisation) or "*" (any http(s)
    IRI). A variable target, a non-http(s) or relative IRI and any ``file:`` IRI are always
    refused; SILENT changes nothing. Against URL entries, an IRI must be a plain URL: user
    information, a percent-encoded or non-ASCII host and '.' or '..' path segments are refused.
    Raises :class:`~kg.errors.FederationRefused`.

    >>> from kg.sparql_text import inspect
    >>> found = inspect("SELECT * { SERVICE <https://example.org/sparql/v1> {} }")
    >>> enforce_federation(found, ["https://EXAMPLE.org:443/sparql"])
    >>> enforce_federation(found, ["https://example.org/spar"])
    Traceback (most recent call last):
    ...
    kg.errors.FederationRefused: SERVICE <https://example.org/sparql/v1> (line 1, column 12) is not allowed: \
it is not on the allow-list. To allow it, add it to CLUSTERKG_SERVICE_ALLOW.
    """
    any_http = any(entry.strip() == ALLOW_ANY for entry in allow)
    entries = [url for url in map(_parse_entry, allow) if url is not None]
    targets: list[tuple[str, str | None, int, int]] = [
        ("SERVICE", s.iri, s.line, s.column) for s in inspection.services
    ]
    targets += [("LOAD", load.iri, load.line, load.column) for load in inspection.loads]
    for what, iri, line, column in targets:
        where = f"(line {line}, column {column})"
        if iri is None:
            raise FederationRefused(
                f"{what} with a variable endpoint {where} is not allowed: the endpoint cannot be checked"
                f" before the query runs. Use a constant IRI listed in {ALLOW_SETTING}."
            )
        scheme = _SCHEME_RE.match(iri)
        if scheme is not None and scheme.group(1).lower() == "file":
            raise FederationRefused(f"{what} <{iri}> {where} is not allowed: file: IRIs are never allowed.")
        if scheme is None or scheme.group(1).lower() not in _DEFAULT_PORTS:
            reason = "it is not an absolute IRI" if scheme is None else "it is not an http(s) IRI"
            raise FederationRefused(
                f"{what} <{iri}> {where} is not allowed: {reason}. Only absolute http(s) IRIs listed in"
                f" {ALLOW_SETTING} can be reached."
            )
        if any_http:
            continue
        url = _parse_url(iri)
        if isinstance(url, str):
            raise FederationRefused(
                f"{what} <{iri}> {where} is not allowed: {url}, so it cannot be matched against"
                f" {ALLOW_SETTING}."
            )
        if not any(_allows(entry, url) for entry in entries):
            raise FederationRefused(
                f"{what} <{iri}> {where} is not allowed: it is not on the allow-list. To allow it,"
                f" add it to {ALLOW_SETTING}."
            )
