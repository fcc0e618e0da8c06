"""HTTP caching of reads: validators (``ETag``, ``Last-Modified``), ``304 Not Modified`` before the
engine is asked, and a result cache bounded in bytes, all tied to the dataset version.

The package: :mod:`~api.cache.conditional` (entity tags, HTTP dates, the conditional headers),
:mod:`~api.cache.results` (the result cache, least recently used by bytes),
:mod:`~api.cache.reads` (which requests are reads, their key, permalink and body),
:mod:`~api.cache.state` (the result cache and the validators of one app, shared with the
express lane, :mod:`api.express`) and :mod:`~api.cache.middleware` (:class:`HttpCache`, the
ASGI middleware that joins them).
"""

from __future__ import annotations

from api.cache.middleware import HttpCache

__all__ = ["HttpCache"]
