"""The result cache: whole answers (status 200) by request key, least recently used evicted first,
bounded by the bytes it holds.

>>> cache = ResultCache(max_bytes=2000)   # entries of 452 bytes each (250 of body)
>>> [cache.put(b"k%d" % i, Entry([], b"x" * 250)) for i in range(4)]
[True, True, True, True]
>>> cache.get(b"k0") is not None   # k0 is now the most recently used, k1 the least
True
>>> cache.put(b"k4", Entry([], b"y" * 250))   # over 2000 bytes: k1 goes
True
>>> cache.get(b"k1") is None, cache.evictions, len(cache), cache.bytes
(True, 1, 4, 1808)
>>> cache.put(b"big", Entry([], b"z" * 600))   # over a quarter of the cache: not kept
False
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

ENTRY_OVERHEAD = 200
"""Bytes counted for an entry beyond its body, headers and key (the objects that hold them)."""


@dataclass(frozen=True)
class Entry:
    """One cached answer: its response headers (as sent), body, entity tag and time of change."""

    headers: list[tuple[bytes, bytes]]
    body: bytes
    tag: str = ""
    modified: datetime | None = None

    def size(self, key: bytes) -> int:
        """The bytes counted for this entry under ``key``."""
        return len(self.body) + len(key) + ENTRY_OVERHEAD + sum(len(k) + len(v) for k, v in self.headers)


class ResultCache:
    """Answers by key, within ``max_bytes``; an entry over a quarter of that is not kept (it would
    push out many others)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.evictions = 0
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: bytes) -> bool:
        """Whether ``key`` has an entry (its place in the order does not change)."""
        return key in self._entries

    def get(self, key: bytes) -> Entry | None:
        """The entry for ``key`` (now the most recently used), or None."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: bytes, entry: Entry) -> bool:
        """Keep ``entry`` under ``key``, evicting the least recently used; False if too large."""
        size = entry.size(key)
        if size > self.max_bytes // 4:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size(key)
        self._entries[key] = entry
        self.bytes += size
        while self.bytes > self.max_bytes:
            evicted_key, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size(evicted_key)
            self.evictions += 1
        return True

    def clear(self) -> None:
        """Forget every entry (the dataset changed)."""
        self._entries.clear()
        self.bytes = 0
