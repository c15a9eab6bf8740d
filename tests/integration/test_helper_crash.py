"""Kill the real `boardline squid-helper` mid-stream: every decision it answered is in the log.

The helper writes each batch's decisions to the decision log and flushes before
it writes the batch's replies, so a reply Squid has read implies a logged
decision. This test plays Squid: it streams lookups with channel ids, collects
the decision ids of the replies, SIGKILLs the helper while lines are still in
flight, and reads the log back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote

from boardline.enforcement.decision_log import read_log

FIELDS = "src,user,method,host,port,path,bucket"


def test_no_acknowledged_decision_is_missing_after_a_kill(tmp_path: Path) -> None:
    config = tmp_path / "boardline.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\nclock = "2026-10-06T10:00:00-06:00"\n',
        encoding="utf-8",
    )
    helper = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("boardline")),
            "squid-helper",
            "--fields",
            FIELDS,
            "--concurrent",
            "--config",
            str(config),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert helper.stdin is not None
    assert helper.stdout is not None
    acknowledged: list[str] = []
    enough = threading.Event()

    def read_replies() -> None:
        assert helper.stdout is not None
        for raw in helper.stdout:
            tokens = raw.decode().split()
            notes = dict(t.split("=", 1) for t in tokens[2:] if "=" in t)
            if "decision_id" in notes:
                acknowledged.append(unquote(notes["decision_id"]))
            if len(acknowledged) >= 3000:
                enough.set()

    reader = threading.Thread(target=read_replies, daemon=True)
    reader.start()
    hosts = ["www.facebook.com", "opi.mt.gov", "www.tiktok.com", "x.com"]
    sources = ["127.10.1.10", "127.30.0.5", "127.10.1.11", "127.40.0.9"]
    try:
        for n in range(200_000):
            line = f"{n % 50} {sources[n % 4]} - GET {hosts[n % 4]} 80 /p{n} 202610061000\n"
            helper.stdin.write(line.encode())
            if n % 64 == 0:
                helper.stdin.flush()
            if enough.is_set():
                break
        os.kill(helper.pid, signal.SIGKILL)
    finally:
        helper.wait(timeout=30)
        reader.join(timeout=30)
    assert len(acknowledged) >= 3000, "the helper answered too little to test anything"
    logged = read_log(tmp_path / "state" / "decisions.jsonl")
    logged.raise_for_bad()
    ids = [event.decision_id for event in logged.events]
    assert len(ids) == len(set(ids)), "a decision was logged twice"
    missing = set(acknowledged) - set(ids)
    assert not missing, f"{len(missing)} acknowledged decisions are not in the log"
