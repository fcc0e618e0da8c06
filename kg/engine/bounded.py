"""Bodies read piece by piece up to a size limit: request bodies, documents fetched by LOAD and
the engine's answers all stop being read, with the caller's error, once they pass it.

>>> import asyncio
>>> async def pieces():
...     yield b"ab"
...     yield b"cd"
>>> asyncio.run(read_within(pieces(), 4, lambda: ValueError("too large")))
b'abcd'
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable

from kg.errors import KgError

__all__ = ["read_within"]


async def read_within(chunks: AsyncIterable[bytes], limit: int, too_large: Callable[[], KgError]) -> bytes:
    """All of ``chunks`` joined, counted as they arrive (a chunked body declares no length).

    :raises KgError: ``too_large()``, as soon as more than ``limit`` bytes have arrived.
    """
    pieces: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large()
        pieces.append(chunk)
    return b"".join(pieces)
