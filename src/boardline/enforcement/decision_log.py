"""The decision log writer: every decision once, masked, as JSON lines, before it is acknowledged.

Contract with the enforcement point (it implements
:class:`~boardline.engine.requests.DecisionSink`): call :meth:`write` for each
decision of a batch, then :meth:`flush` **before** answering the batch (to
Squid, to an API client). When ``flush`` returns, the batch is in the kernel;
if it raises, nothing of the batch may be acknowledged (answer ``BH`` and let
the fail mode decide) — the unwritten bytes stay buffered and the next flush
tries again, so no line is lost or written twice.

Why it never blocks and never drops:

* ``write`` only encodes and appends to a list in memory: no I/O.
* ``flush`` hands the whole batch to the operating system with **one**
  ``os.write`` on a file opened with ``O_APPEND``. Once it returns, a killed
  helper loses nothing (the page cache belongs to the kernel, not the process);
  several helper processes can share the file without splitting each other's
  lines. There is no background thread: a thread holding decisions that were
  already acknowledged is exactly how a crash loses them.
* No queue can fill up, so nothing is ever dropped under load; a slow disk
  slows the answers instead, which Squid's own queue and fail mode handle.

``fsync`` (off by default). Without it, flushed lines survive the process but
not a power cut or kernel crash in the next few seconds (the kernel writes
dirty pages back within about 5 s by default). With it, ``flush`` also waits
for the disk: milliseconds per flush on this machine, so at one decision per
batch the writer manages several times fewer lines per second, while at 256
per batch the cost is spread thin (``bench/decision_log_bench.py``). A district
that must not lose a decision even to a power cut turns it on and relies on
Squid's ``concurrency`` to make batches.

Rotation by size happens on flush (see
:mod:`~boardline.enforcement.decision_log_files`); ``logrotate`` users can
rename the file instead and call :meth:`reopen` (or just let the next flush
notice the rename). Student data is masked before a line is encoded
(:mod:`~boardline.enforcement.masking`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from boardline.directory.person import Person
from boardline.enforcement.decision_log_files import (
    LogRead,
    compress_rotated,
    log_files,
    read_file,
    read_log,
    rotate,
)
from boardline.enforcement.decision_log_record import encode, encode_line, record, to_event
from boardline.enforcement.decision_log_schema import (
    SCHEMA,
    DecisionLogError,
    DecisionLogEventV1,
    parse_line,
)
from boardline.enforcement.decision_log_template import WebLineEncoder
from boardline.enforcement.masking import Pseudonymiser, mask, mask_record
from boardline.model.decision import Decision
from boardline.model.events import Event, WebAccess

if TYPE_CHECKING:
    from boardline.engine.requests import DecisionSink

__all__ = [
    "SCHEMA",
    "DecisionLogError",
    "DecisionLogEventV1",
    "DecisionLogWriter",
    "LogRead",
    "PersonLookup",
    "compress_rotated",
    "encode",
    "log_files",
    "mask",
    "parse_line",
    "read_file",
    "read_log",
    "to_event",
]

MIB = 1024 * 1024
logger = logging.getLogger(__name__)
#: Buffered bytes past which ``write`` flushes on its own, bounding memory for a
#: caller with huge batches (writing early is always safe: nothing is acked yet).
AUTO_FLUSH = 4 * MIB

#: Finds the subject of a decision (a directory id) in the current directory.
PersonLookup = Callable[[str], Person | None]


class DecisionLogWriter:
    """Appends masked decision-log lines to ``path``; see the module docstring.

    ``key`` is the masking secret (at least 16 bytes). ``people`` finds the
    subject's :class:`Person` so staff stay in clear and students are masked;
    without it every subject counts as unknown and is masked. Pass a lookup on
    the *current* directory (``lambda who: facts.directory.resolve(who)``), so a
    roster reload is seen. One writer per process; threads may share it (a lock
    guards the batch, uncontended in the helper's single loop): a ``flush``
    that returns covers every line any thread wrote before it.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        key: bytes | str,
        max_bytes: int = 64 * MIB,
        keep: int = 10,
        fsync: bool = False,
        people: PersonLookup | None = None,
    ) -> None:
        if max_bytes < 1:
            msg = "max_bytes must be positive"
            raise ValueError(msg)
        if keep < 1:
            msg = "keep at least one rotated file (keep >= 1)"
            raise ValueError(msg)
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.keep = keep
        self.fsync = fsync
        self.people = people
        self._pseudonym = Pseudonymiser(key)
        self._web = WebLineEncoder(self._pseudonym)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._fd = -1
        self._identity = (0, 0)
        #: Where our last write ended; -1 when we do not know (just opened).
        self._end = -1
        self._reopen = False
        self.rotations = 0
        self._lock = threading.RLock()
        self._open()

    def __repr__(self) -> str:
        return f"DecisionLogWriter({str(self.path)!r}, max_bytes={self.max_bytes})"

    # -- the DecisionSink port -----------------------------------------------------------

    def write(self, decision: Decision, event: Event) -> None:
        """Encode ``decision`` (masked) into the pending batch. No I/O.

        Web decisions take the pre-encoded fast path
        (:mod:`~boardline.enforcement.decision_log_template`), which writes the same
        bytes; anything it does not cover is built and masked the general way.
        """
        person = self.people(decision.subject) if self.people and decision.subject else None
        role = person.role if person is not None else None
        username = person.username if person is not None else None
        line = None
        if type(event) is WebAccess:
            line = self._web.line(decision, event, role, username)
        if line is None:
            rec = record(decision, event, role, username=username)
            line = encode_line(mask_record(rec, self._pseudonym))
        with self._lock:
            self._pending.append(line)
            self._pending_bytes += len(line)
            if self._pending_bytes >= AUTO_FLUSH:
                self.flush()

    def flush(self) -> None:
        """Hand the pending lines to the OS in one write; rotate if the file is full.

        Raises ``OSError`` if the write fails (disk full, I/O error); the lines not
        written stay pending and the caller must not acknowledge them.
        """
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        size = self._current_size()
        data = b"".join(self._pending)
        if size != self._end and size > 0 and os.pread(self._fd, 1, size - 1) != b"\n":
            # Somebody else wrote since and left a torn line (a helper killed
            # mid-write): start on a fresh line so the fragment cannot swallow ours.
            data = b"\n" + data
        self._pending = [data]
        self._end = self._write_all(data)
        self._pending.clear()
        self._pending_bytes = 0
        if self.fsync:
            os.fdatasync(self._fd)
        if self._end >= self.max_bytes:
            self._rotate()

    def _rotate(self) -> None:
        # The batch is written already: a rotation that fails (a permission, a full
        # directory) must not fail the flush, or the batch would never be
        # acknowledged. It is retried at the next flush.
        try:
            done = rotate(self.path, self.keep, self._identity)
        except OSError as exc:
            logger.warning("decision log %s: rotation failed, will retry: %s", self.path, exc)
            return
        if done:
            self.rotations += 1
            self._close_fd()
            self._open()

    # -- files ------------------------------------------------------------------------------

    def reopen(self) -> None:
        """Reopen ``path`` at the next flush (after ``logrotate`` renamed it).

        Only sets a flag, so it is safe to call from a signal handler.
        """
        self._reopen = True

    def close(self) -> None:
        """Flush what is pending and close the file."""
        with self._lock:
            try:
                self._flush()
            finally:
                self._close_fd()

    def __enter__(self) -> DecisionLogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Read access too, to look at the last byte when another writer may have torn it.
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        # 0o640: the log holds staff identities; it is not for every local user.
        self._fd = os.open(self.path, flags, 0o640)
        self._identity = _identity(os.fstat(self._fd))
        self._end = -1
        self._reopen = False

    def _close_fd(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _current_size(self) -> int:
        """The size of our file, reopening first if asked to or if ``path`` names another
        file now (rotated by another writer, renamed by ``logrotate``)."""
        if not self._reopen and self._fd >= 0:
            try:
                st = os.stat(self.path)
            except FileNotFoundError:
                pass
            else:
                if _identity(st) == self._identity:
                    return st.st_size
        self._close_fd()
        self._open()
        return os.fstat(self._fd).st_size

    def _write_all(self, data: bytes) -> int:
        """Write ``data``; a short write (rare on files) is finished, never repeated.

        Returns the file offset where the data ended. On error, the lines not
        written in full stay pending: a line cut by the error is written again
        whole at the next flush, after a newline that ends the fragment (which
        readers report), so every decision still appears exactly once.
        """
        done = 0
        while done < len(data):
            try:
                done += os.write(self._fd, data[done:] if done else data)
            except OSError:
                start = data.rfind(b"\n", 0, done) + 1
                self._pending = [data[start:]]
                self._pending_bytes = len(data) - start
                self._end = -1
                raise
        return os.lseek(self._fd, 0, os.SEEK_CUR)


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


if TYPE_CHECKING:

    def _is_a_sink(writer: DecisionLogWriter) -> DecisionSink:
        """mypy checks that the writer implements the engine's port."""
        return writer
