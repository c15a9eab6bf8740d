"""The running state every entry point and adapter shares: pack, facts and exception store.

Built by the composition root (:func:`boardline.bootstrap.bootstrap`); adapters
(the Squid helper, the API) depend on this module, never on the root itself.
``snapshot()`` returns the compiled pack and the facts as one consistent pair:
a reload replaces both under a lock, so a decision never mixes two revisions.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from boardline.engine.compiled import CompiledPack, compile_pack
from boardline.engine.exceptions import Alert, ExceptionBook
from boardline.engine.facts import CategoryPort, Facts
from boardline.engine.requests import ExceptionStore
from boardline.policy.pack import Pack

if TYPE_CHECKING:  # the scanners pull in OpenCV: not for processes that never inspect
    from boardline.inspection.inspector import Inspector


def now_utc() -> dt.datetime:
    """The clock, read at the edge and handed to the pure core."""
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class Runtime:
    pack: Pack
    compiled: CompiledPack
    facts: Facts
    exception_store: ExceptionStore
    #: The category lists without the pack's overrides: a new pack re-applies its own
    #: overrides to these, never re-reads the lists.
    base_categories: CategoryPort
    #: The pack file a running process watches; None for the built-in demo pack.
    pack_file: Path | None = None
    alerts: tuple[Alert, ...] = ()
    #: The content scanners (registered assets, roster), built only for the adapters that
    #: inspect uploads (``bootstrap(settings, inspect=True)``); None elsewhere.
    inspector: Inspector | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> tuple[CompiledPack, Facts]:
        with self._lock:
            return self.compiled, self.facts

    def reload_exceptions(self) -> ExceptionBook:
        stored = self.exception_store.read()
        with self._lock:
            self.facts = self.facts.with_exceptions(stored.book)
            self.alerts = stored.alerts
        return stored.book

    def replace_pack(self, pack: Pack) -> None:
        compiled = compile_pack(pack)
        base = self.base_categories
        with_overrides = getattr(base, "with_overrides", None)
        categories = with_overrides(pack.category_overrides) if with_overrides else base
        old = self.facts
        facts = Facts(
            old.directory,
            old.networks,
            old.calendar,
            categories,
            old.exceptions,
            old.default_building,
        )
        with self._lock:
            self.pack, self.compiled, self.facts = pack, compiled, facts
