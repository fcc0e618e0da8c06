"""api/cache/reads.py: which requests are reads, what selects their answer, and the reads kept
for repeated GETs (the same object, with the tags and permalinks computed for it, bounded)."""

from __future__ import annotations

from datetime import UTC, datetime

from api.cache import reads
from api.cache.state import CacheState
from kg.settings import Settings
from kg.versions.state import Version

JSON = [(b"accept", b"application/sparql-results+json"), (b"host", b"example.org")]
ASK = b"query=ASK%20%7B%7D"


def version(number: int) -> Version:
    return Version(number, datetime(2026, 12, 7, tzinfo=UTC), "update")


def test_a_repeated_get_is_the_same_read_and_head_shares_it() -> None:
    first = reads.classify("GET", "/sparql", ASK, JSON, None)
    assert first is not None
    assert reads.classify("GET", "/sparql", ASK, JSON, None) is first
    assert reads.classify("HEAD", "/sparql", ASK, JSON, None) is first


def test_what_selects_an_answer_makes_another_read() -> None:
    base = reads.classify("GET", "/sparql", ASK, JSON, None)
    assert base is not None
    other_accept = [(b"accept", b"text/csv"), (b"host", b"example.org")]
    other_host = [(b"accept", b"application/sparql-results+json"), (b"host", b"example.com")]
    keys = {
        base.key,
        reads.classify("GET", "/sparql", ASK, other_accept, None).key,  # type: ignore[union-attr]
        reads.classify("GET", "/sparql", ASK, other_host, None).key,  # type: ignore[union-attr]
        reads.classify("GET", "/sparql", b"query=ASK%7B%7D", JSON, None).key,  # type: ignore[union-attr]
        reads.classify("GET", "/api/clusters", ASK, JSON, None).key,  # type: ignore[union-attr]
    }
    assert len(keys) == 5
    # Accept-Language selects only the linked-data pages and the ontology
    french = [*JSON, (b"accept-language", b"fr")]
    assert reads.classify("GET", "/sparql", ASK, french, None) is base
    page = reads.classify("GET", "/id/cluster/biomed", b"", JSON, None)
    assert page is not None
    assert reads.classify("GET", "/id/cluster/biomed", b"", french, None).key != page.key  # type: ignore[union-attr]


def test_the_first_of_repeated_selecting_headers_counts_as_the_application_reads_it() -> None:
    twice = [(b"accept", b"text/csv"), (b"accept", b"application/json"), (b"host", b"example.org")]
    once = [(b"accept", b"text/csv"), (b"host", b"example.org")]
    assert reads.classify("GET", "/sparql", ASK, twice, None) is reads.classify(
        "GET", "/sparql", ASK, once, None
    )


def test_a_post_and_a_long_query_string_are_read_afresh() -> None:
    headers = [*JSON, (b"content-type", b"application/sparql-query")]
    post = reads.classify("POST", "/sparql", b"", headers, b"ASK {}")
    again = reads.classify("POST", "/sparql", b"", headers, b"ASK {}")
    assert post is not None and again is not None
    assert post is not again and post.key == again.key
    long = b"query=" + b"%20" * (reads.MEMO_LIMIT // 3) + b"ASK%7B%7D"
    assert len(long) > reads.MEMO_LIMIT
    one, two = (
        reads.classify("GET", "/sparql", long, JSON, None),
        reads.classify("GET", "/sparql", long, JSON, None),
    )
    assert one is not None and two is not None
    assert one is not two and one.key == two.key


def test_an_update_or_a_query_string_not_utf8_is_no_read_kept_or_not() -> None:
    for _ in range(2):
        assert reads.classify("GET", "/sparql", b"update=CLEAR%20ALL", JSON, None) is None
        assert reads.classify("GET", "/sparql", b"query=\xff", JSON, None) is None


def test_a_kept_read_holds_a_few_tags_and_permalinks_each_right_for_its_version() -> None:
    read = reads.classify("GET", "/sparql", b"query=SELECT%20*%20%7B%7D", JSON, None)
    assert read is not None
    cache = CacheState(Settings())
    tags = [cache.tag(read, version(n)) for n in range(1, 3 * reads.KEPT_PER_READ)]
    assert len(set(tags)) == len(tags)  # a tag per version
    assert all(tag.startswith(f'W/"{n}-') for n, tag in enumerate(tags, start=1))
    assert len(read.tags) <= reads.KEPT_PER_READ
    assert cache.tag(read, version(1)) == tags[0]  # computed again, the same
    links = [read.permalink("", n) for n in range(1, 3 * reads.KEPT_PER_READ)]
    assert links == [
        f"/sparql?query=SELECT%20*%20%7B%7D&version={n}" for n in range(1, 3 * reads.KEPT_PER_READ)
    ]
    assert read.permalink("/root", 1) == "/root/sparql?query=SELECT%20*%20%7B%7D&version=1"
    assert len(read.links) <= reads.KEPT_PER_READ


def test_a_permalink_too_long_is_none_and_stays_none() -> None:
    query = b"query=" + b"a" * reads.PERMALINK_LIMIT
    read = reads.classify("GET", "/sparql", query, JSON, None)
    assert read is not None
    assert read.permalink("", 1) is None
    assert read.permalink("", 1) is None
