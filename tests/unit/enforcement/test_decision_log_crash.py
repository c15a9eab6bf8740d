"""Killing a writer mid-stream loses no acknowledged decision and duplicates none.

A child process plays the enforcement point: it writes decisions in batches of
varied size, flushes, and only then prints ``acked N`` (N decisions so far) —
the moment it would answer Squid. The parent kills it with SIGKILL while it is
still writing, then reads the log back.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from boardline.enforcement.decision_log_files import log_files, read_log

CHILD = textwrap.dedent(
    """
    import datetime as dt
    import sys

    from boardline.enforcement.decision_log import DecisionLogWriter
    from boardline.model.decision import Citation, Decision
    from boardline.model.events import Subject, WebAccess
    from boardline.policy.pack import Effect

    cite = (Citation("5460", "c", "quoted clause " * 8, "r", "rev", "why"),)
    now = dt.datetime(2026, 3, 2, 17, tzinfo=dt.UTC)
    writer = DecisionLogWriter(
        sys.argv[1], key=b"crash-test-key-0123456789abcdef", max_bytes=128 * 1024, keep=10_000
    )
    sizes = (1, 16, 256, 3, 64)
    acked = 0
    for round_ in range(10_000_000):  # until killed
        for n in range(acked, acked + sizes[round_ % len(sizes)]):
            who = Subject(f"user{n % 50}", "127.30.1.7")
            event = WebAccess(who, "example.org", event_id=str(n))
            decision = Decision(f"d-{n}", Effect.DENY, "r", "rev", cite, "deny: x", "web", now)
            writer.write(decision, event)
        writer.flush()
        acked = n + 1
        print(f"acked {acked}", flush=True)
    """
)

ACKED = re.compile(r"acked (\d+)\n")
#: Kill once this many decisions were acknowledged (a few rotations' worth).
KILL_AFTER = 10_000


def test_sigkill_mid_stream_loses_no_acknowledged_decision(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked = 0
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if match := ACKED.fullmatch(line):
                acked = int(match.group(1))
            if acked >= KILL_AFTER:
                break
        child.send_signal(signal.SIGKILL)
        rest, errors = child.communicate(timeout=60)
        # acknowledgements printed before the kill count too: the child had answered
        for line in rest.splitlines(keepends=True):
            if match := ACKED.fullmatch(line):
                acked = int(match.group(1))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, errors
    assert acked >= KILL_AFTER

    found = read_log(path)
    assert not found.bad
    assert len(found.torn) <= 1  # at most the batch being written when it died
    written = [int(e.decision_id[2:]) for e in found.events]
    assert len(written) == len(set(written)), "a decision was written twice"
    assert set(range(acked)) <= set(written), "an acknowledged decision is missing"
    # lines are in the order decided, across rotated files, with no gap
    assert written == list(range(len(written)))
    assert len(log_files(path)) > 10  # the kill came after many rotations
