"""The decision API's Prometheus metrics, in a registry of the app's own.

Each app gets its own :class:`~prometheus_client.CollectorRegistry` rather than
the library's process-wide default, so two apps in one process (tests, a
second district) never share counters and nothing is registered at import
time. Counters and the latency histogram move with each decision; the gauges
(pack revision, exceptions in force, requests waiting) are read fresh at each
scrape, since they describe state rather than events.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from boardline.policy.pack import Effect

#: Decisions take tens of microseconds in the engine; the HTTP round trip adds the rest.
LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class ApiMetrics:
    """Named metrics of one app; ``render()`` is the ``/metrics`` body."""

    __slots__ = (
        "decisions",
        "exceptions_active",
        "latency",
        "pack",
        "registry",
        "requests_pending",
    )

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.decisions = Counter(
            "boardline_decisions",
            "Decisions made by the API, by effect.",
            ["effect"],
            registry=self.registry,
        )
        for effect in Effect:
            self.decisions.labels(effect=effect.value)
        self.latency = Histogram(
            "boardline_decision_seconds",
            "Time to decide one request, from parsed input to answer.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.pack = Info(
            "boardline_pack", "The policy pack revision in force.", registry=self.registry
        )
        self.exceptions_active = Gauge(
            "boardline_exceptions_active",
            "Administrator grants and emergencies in force now.",
            ["kind"],
            registry=self.registry,
        )
        self.requests_pending = Gauge(
            "boardline_exception_requests_pending",
            "Requests for an exception waiting for an administrator.",
            registry=self.registry,
        )

    def decided(self, effect: Effect, seconds: float) -> None:
        self.decisions.labels(effect=effect.value).inc()
        self.latency.observe(seconds)

    def state(
        self, *, revision: str, district: str, grants: int, emergencies: int, pending: int | None
    ) -> None:
        self.pack.info({"revision": revision, "district": district})
        self.exceptions_active.labels(kind="grant").set(grants)
        self.exceptions_active.labels(kind="emergency").set(emergencies)
        if pending is not None:
            self.requests_pending.set(pending)

    def render(self) -> bytes:
        return generate_latest(self.registry)
