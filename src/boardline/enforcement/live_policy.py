"""The policy an enforcement point runs, kept current without a restart.

A running helper or API checks, at most once per ``interval`` (1 s), whether
the pack file changed (its mtime and size) or the exception store moved on (its
``version()``). A changed pack is loaded and compiled off to the side; only
when that succeeds is the new :class:`Evaluator` (pack and facts together)
swapped in with one assignment, so a decision never mixes two revisions. A
broken pack never takes enforcement down: the last good revision keeps
serving and :attr:`LivePolicy.problem` says why the new one was refused.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from boardline.engine.evaluator import Evaluator
from boardline.model.errors import InputError
from boardline.policy.pack_loader import load_pack
from boardline.runtime import Runtime

logger = logging.getLogger(__name__)


class LivePolicy:
    def __init__(
        self,
        runtime: Runtime,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime = runtime
        self.pack_path = runtime.pack_file
        self.interval = interval
        self.clock = clock
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._checked = clock()
        self._pack_stamp = self._stamp()
        self._store_version = self._version()
        pack, facts = runtime.snapshot()
        self._evaluator = Evaluator(pack, facts)

    @property
    def evaluator(self) -> Evaluator:
        """The evaluator to use now; refreshed at most once per interval."""
        if self.clock() - self._checked >= self.interval:
            self.refresh()
        return self._evaluator

    def refresh(self) -> None:
        with self._lock:
            self._checked = self.clock()
            changed = False
            stamp = self._stamp()
            if stamp != self._pack_stamp and self.pack_path is not None:
                self._pack_stamp = stamp
                changed = self._reload_pack() or changed
            try:
                version = self._version()
                if version != self._store_version:
                    self.runtime.reload_exceptions()
                    self._store_version = version
                    changed = True
            except InputError as exc:
                # The exception store is unreachable: keep deciding with the grants and
                # emergencies already loaded, and try again at the next check.
                self.problem = f"exception store unavailable, using the last loaded: {exc}"
                logger.error("%s", self.problem)
            if changed:
                pack, facts = self.runtime.snapshot()
                self._evaluator = Evaluator(pack, facts)

    def _reload_pack(self) -> bool:
        assert self.pack_path is not None
        try:
            pack = load_pack(self.pack_path)
        except InputError as exc:
            self.problem = (
                f"serving revision {self.runtime.pack.revision}; the pack at {self.pack_path} "
                f"was refused: {exc}"
            )
            logger.error("%s", self.problem)
            return False
        self.runtime.replace_pack(pack)
        self.problem = None
        logger.info("pack revision %s loaded from %s", pack.revision, self.pack_path)
        return True

    def _stamp(self) -> tuple[int, int] | None:
        if self.pack_path is None:
            return None
        try:
            info = os.stat(self.pack_path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)

    def _version(self) -> str:
        store = self.runtime.exception_store
        version = getattr(store, "version", None)
        return str(version()) if callable(version) else ""
