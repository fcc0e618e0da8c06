"""IRI reference resolution against a base IRI (RFC 3986 §5.2), as SPARQL's BASE needs it."""

from __future__ import annotations

import re

__all__ = ["resolve_iri"]

# ---------------------------------------------------------------------------------------------
# IRIs (RFC 3986 §5.2)

_IRI_PARTS_RE = re.compile(
    r"(?:([A-Za-z][A-Za-z0-9+.\-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S
)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, step by step."""
    output: list[str] = []
    rest = path
    while rest:
        if rest.startswith("../"):
            rest = rest[3:]
        elif rest.startswith(("./", "/./")):
            rest = rest[2:]
        elif rest == "/.":
            rest = "/"
        elif rest.startswith("/../") or rest == "/..":
            rest = "/" + rest[4:]
            if output:
                output.pop()
        elif rest in (".", ".."):
            rest = ""
        else:
            cut = rest.find("/", 1)
            cut = len(rest) if cut < 0 else cut
            output.append(rest[:cut])
            rest = rest[cut:]
    return "".join(output)


def resolve_iri(base: str | None, reference: str) -> str:
    """Resolve an IRI reference against a base IRI (RFC 3986 §5.2); no base: unchanged.

    >>> resolve_iri("http://a/b/c/d;p?q", "../g")
    'http://a/b/g'
    >>> resolve_iri("http://a/b/c/d;p?q", "//evil.org/x")
    'http://evil.org/x'
    >>> resolve_iri(None, "sparql")
    'sparql'
    """
    if base is None:
        return reference
    r = _IRI_PARTS_RE.fullmatch(reference)
    b = _IRI_PARTS_RE.fullmatch(base)
    if r is None or b is None:  # pragma: no cover - the pattern matches every string
        return reference
    r_scheme, r_auth, r_path, r_query, r_frag = r.groups()
    b_scheme, b_auth, b_path, b_query, _ = b.groups()
    if r_scheme is not None:
        scheme, auth, path, query = r_scheme, r_auth, _remove_dot_segments(r_path), r_query
    elif r_auth is not None:
        scheme, auth, path, query = b_scheme, r_auth, _remove_dot_segments(r_path), r_query
    elif r_path == "":
        scheme, auth, path = b_scheme, b_auth, b_path
        query = r_query if r_query is not None else b_query
    else:
        if r_path.startswith("/"):
            path = _remove_dot_segments(r_path)
        elif b_auth is not None and b_path == "":
            path = _remove_dot_segments("/" + r_path)
        else:
            path = _remove_dot_segments(b_path[: b_path.rfind("/") + 1] + r_path)
        scheme, auth, query = b_scheme, b_auth, r_query
    out = f"{scheme}:" if scheme is not None else ""
    if auth is not None:
        out += f"//{auth}"
    out += path
    if query is not None:
        out += f"?{query}"
    if r_frag is not None:
        out += f"#{r_frag}"
    return out
