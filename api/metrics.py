"""Prometheus metrics of one app (its own registry, so tests do not share counters)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """Queries by outcome, durations, timeouts, refusals and result sizes; the result cache and
    the 304 answers (api/cache)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "clusterkg_sparql_requests",
            "SPARQL requests by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "clusterkg_sparql_duration_seconds",
            "Time to answer a SPARQL request",
            ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.timeouts = Counter(
            "clusterkg_sparql_timeouts", "Queries stopped by the time limit", registry=self.registry
        )
        self.refusals = Counter(
            "clusterkg_sparql_refusals", "Requests refused by policy", ["reason"], registry=self.registry
        )
        self.result_bytes = Histogram(
            "clusterkg_sparql_result_bytes",
            "Size of answered results",
            buckets=(100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000),
            registry=self.registry,
        )
        self.engine_restarts = Counter(
            "clusterkg_engine_restarts", "Engine restarts (crash or stuck query)", registry=self.registry
        )
        self.cache_hits = Counter(
            "clusterkg_cache_hits", "Reads answered from the result cache", registry=self.registry
        )
        self.cache_misses = Counter(
            "clusterkg_cache_misses", "Cacheable reads not in the result cache", registry=self.registry
        )
        self.cache_evictions = Counter(
            "clusterkg_cache_evictions",
            "Answers pushed out of the result cache by its size limit",
            registry=self.registry,
        )
        self.cache_bytes = Gauge(
            "clusterkg_cache_bytes", "Bytes held by the result cache", registry=self.registry
        )
        self.cache_entries = Gauge(
            "clusterkg_cache_entries", "Answers held by the result cache", registry=self.registry
        )
        self.not_modified = Counter(
            "clusterkg_not_modified",
            "304 answers, by whether the engine was asked",
            ["engine"],
            registry=self.registry,
        )
        # The children of a successful query, looked up once (``labels()`` takes a lock and
        # builds a key on every call).
        self.queries_ok = self.requests.labels(kind="query", outcome="ok")
        self.query_duration = self.duration.labels(kind="query")

    def render(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return bytes(generate_latest(self.registry))
