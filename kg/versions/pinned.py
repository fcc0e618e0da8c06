"""Answering as of a dataset version (``?version=N``): which engine answers, or why none does.

``N`` the current version: the live engine. An earlier ``N`` with the managed engine: the
read-only engine over its snapshot (:mod:`kg.versions.engines`). Otherwise an error that
names the version: unknown or newer (:class:`~kg.errors.NotFound`), past the retention policy
(:class:`~kg.errors.Gone`), or asked of a remote engine, whose earlier versions this server
does not keep (:class:`~kg.errors.ParameterError` on ``version``).
"""

from __future__ import annotations

from kg.engine.runtime import Runtime
from kg.errors import Gone, NotFound, ParameterError
from kg.versions.snapshots import describe_policy

PARAMETER = "version"
"""The query parameter (URL or form body) naming a version, everywhere."""


def parse_number(text: str) -> int:
    """A version number as given in a request.

    >>> parse_number("12")
    12
    >>> parse_number("x")
    Traceback (most recent call last):
    kg.errors.ParameterError: parameter 'version': a dataset version is a whole number from 1 (got 'x')

    :raises ParameterError: for anything but a whole number from 1.
    """
    value = text.strip()
    if not value.isdigit() or int(value) < 1 or len(value) > 18:
        raise ParameterError(PARAMETER, f"a dataset version is a whole number from 1 (got {text[:40]!r})")
    return int(value)


async def at_version(runtime: Runtime, text: str) -> Runtime:
    """A read-only view of ``runtime`` answering as of the version ``text`` names.

    :raises ParameterError: for a malformed number, or an earlier version of a remote engine.
    :raises NotFound: for a version that does not exist (yet).
    :raises Gone: for an earlier version past the retention policy.
    """
    number = parse_number(text)
    current = await runtime.version_log.current()
    if number > current.number:
        raise NotFound(f"there is no dataset version {number}: the current version is {current.number}")
    if number == current.number:
        return runtime.at_version(current, None)
    if runtime.snapshots is None or runtime.version_engines is None:
        raise ParameterError(
            PARAMETER,
            f"version {number} is not the current one ({current.number}), and earlier versions are kept "
            "only with the managed engine: this server answers from a remote engine",
        )
    found = await runtime.version_log.list(number, number)
    if not found:
        raise NotFound(f"there is no dataset version {number} in the version log")
    version = found[0].version
    snapshot = runtime.snapshots.path(version)
    if snapshot is None:
        raise Gone(
            f"dataset version {number} is no longer kept: this server keeps "
            f"{describe_policy(runtime.settings.version_retention)} (CLUSTERKG_VERSION_RETENTION); "
            f"the current version is {current.number}"
        )
    client = await runtime.version_engines.client(number, snapshot)
    return runtime.at_version(version, client)
