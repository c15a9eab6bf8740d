"""What the HTTP routes call: decide, report health and metrics, with no HTTP in sight.

The routes only translate between HTTP and these methods, so the behaviour is
the same whichever way a request arrives, and the framework stays at the edge.
Decisions use the :class:`~boardline.enforcement.live_policy.LivePolicy`'s
evaluator (which follows pack edits and exception-store changes made by other
processes, checking at most once a second); a change this process makes itself
(an emergency declared from the block page) is reloaded at once, so the next
decision sees it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable

from boardline.enforcement.http_api.metrics import ApiMetrics
from boardline.enforcement.http_api.schemas import (
    AnyDecisionRequestV1,
    DecisionResponseV1,
    ExceptionsHealthV1,
    HealthV1,
    to_event,
)
from boardline.enforcement.live_policy import LivePolicy
from boardline.engine.evaluator import Evaluator
from boardline.engine.requests import DecisionSink, ExceptionStore
from boardline.runtime import Runtime

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


class DecisionService:
    """One app's decision path and state; shared by every request the app serves.

    :meth:`decide` is called from the event loop's one thread (the route is
    ``async``): a decision is microseconds of CPU, cheaper than a hop to a worker
    thread, and the decision sink is written by one thread only, as it requires.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        sink: DecisionSink | None,
        clock: Clock,
        metrics: ApiMetrics,
    ) -> None:
        self.runtime = runtime
        self.sink = sink
        self.clock = clock
        self.metrics = metrics
        self.policy = LivePolicy(runtime)
        self._own: Evaluator | None = None
        self._loaded: tuple[str, dt.datetime] = (runtime.pack.revision, clock())
        self._lock = threading.Lock()
        # Unique per process and request: decision ids differ even for equal events.
        self._prefix = f"api{os.getpid()}-"
        self._sequence = itertools.count()

    @property
    def store(self) -> ExceptionStore:
        return self.runtime.exception_store

    # ------------------------------------------------------------------ deciding

    def evaluator(self) -> Evaluator:
        """The evaluator for the runtime's current snapshot (pack and facts together)."""
        live = self.policy.evaluator
        pack, facts = self.runtime.snapshot()
        if live.pack is pack and live.facts is facts:
            return live
        own = self._own
        if own is None or own.pack is not pack or own.facts is not facts:
            own = self._own = Evaluator(pack, facts)
        return own

    def decide(self, request: AnyDecisionRequestV1) -> DecisionResponseV1:
        started = time.perf_counter()
        event = to_event(request, f"{self._prefix}{next(self._sequence)}")
        at = request.at if request.at is not None else self.clock()
        decision = self.evaluator().decide(event, at, explain=request.explain)
        if self.sink is not None:
            # The sink's contract: written and flushed before the answer is sent. If the
            # flush fails the caller must not acknowledge the decision (a 503, not an answer).
            self.sink.write(decision, event)
            self.sink.flush()
        answer = DecisionResponseV1.of(decision, explained=request.explain)
        self.metrics.decided(decision.effect, time.perf_counter() - started)
        return answer

    def changed_exceptions(self) -> None:
        """This process wrote to the store: make the next decision see it."""
        self.runtime.reload_exceptions()

    # ------------------------------------------------------------------ state

    def loaded_at(self) -> dt.datetime:
        """When this process started serving the current pack revision."""
        revision = self.runtime.pack.revision
        with self._lock:
            if self._loaded[0] != revision:
                self._loaded = (revision, self.clock())
            return self._loaded[1]

    def store_health(self) -> ExceptionsHealthV1:
        try:
            return ExceptionsHealthV1(reachable=True, version=str(self.store.version()))
        except Exception as exc:
            logger.warning("exception store unreachable: %s", exc)
            return ExceptionsHealthV1(reachable=False, error=f"{type(exc).__name__}: {exc}")

    def health(self) -> HealthV1:
        self.evaluator()  # follow a pack edited on disk before reporting its revision
        exceptions = self.store_health()
        return HealthV1(
            status="ok" if exceptions.reachable else "degraded",
            revision=self.runtime.pack.revision,
            district=self.runtime.pack.district.id,
            loaded_at=self.loaded_at(),
            exceptions=exceptions,
        )

    def metrics_text(self) -> bytes:
        pack, facts = self.runtime.snapshot()
        grants, emergencies = facts.exceptions.active(self.clock())
        pending: int | None
        try:
            # A count, not the whole record: metrics are scraped every few seconds.
            pending = self.store.pending_requests()
        except Exception as exc:
            logger.warning("exception store unreadable for metrics: %s", exc)
            pending = None
        self.metrics.state(
            revision=pack.revision,
            district=pack.pack.district.id,
            grants=grants,
            emergencies=emergencies,
            pending=pending,
        )
        return self.metrics.render()
