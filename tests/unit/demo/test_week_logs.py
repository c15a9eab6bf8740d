"""The generated week of logs: the size asked for, in time order, reproducible, readable."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from boardline.audit.readers.rows import WebRow
from boardline.audit.readers.squid import parse_line
from boardline.demo.week_logs import (
    EMERGENCY,
    GRANT,
    MONDAY,
    ZONE,
    write_mail_trace,
    write_week_log,
)


def rows(path: Path) -> list[WebRow]:
    parsed = [parse_line(line.rstrip("\n"), "squid") for line in path.open(encoding="ascii")]
    assert all(isinstance(row, WebRow) for row in parsed), [
        row for row in parsed if not isinstance(row, WebRow)
    ][:3]
    return [row for row in parsed if isinstance(row, WebRow)]


def test_the_week_has_the_lines_asked_for_in_time_order(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    assert write_week_log(path, lines=5_000, seed=7) == 5_000
    found = rows(path)
    assert len(found) == 5_000
    stamps = [row.ts for row in found]
    assert stamps == sorted(stamps)
    start = dt.datetime.combine(MONDAY, dt.time(0), ZONE).timestamp()
    assert start <= stamps[0]
    assert stamps[-1] < start + 7 * 86_400


def test_the_same_seed_gives_the_same_file_and_another_seed_another(tmp_path: Path) -> None:
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        write_week_log(tmp_path / name, lines=2_000, seed=seed)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    assert (tmp_path / "a").read_bytes() != (tmp_path / "c").read_bytes()


def test_school_hours_are_busier_than_nights(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    write_week_log(path, lines=20_000)
    hours = [dt.datetime.fromtimestamp(row.ts, ZONE) for row in rows(path)]
    school = sum(1 for h in hours if h.weekday() < 5 and 8 <= h.hour < 15)
    night = sum(1 for h in hours if 0 <= h.hour < 6)
    assert school > 20 * night


def test_the_scenes_are_in_the_week(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    write_week_log(path, lines=1_000)
    found = rows(path)
    rivera = [r for r in found if r.username == "mrivera" and r.host == "www.facebook.com"]
    assert any(r.top_level for r in rivera)
    granted = [
        r for r in rivera if GRANT.starts.timestamp() <= r.ts < GRANT.starts.timestamp() + 3600
    ]
    assert granted
    emergency = [
        r for r in found
        if r.username == "tharper" and EMERGENCY.starts.timestamp() <= r.ts
        < EMERGENCY.starts.timestamp() + EMERGENCY.minutes * 60
    ]  # fmt: skip
    assert emergency
    widgets = [r for r in found if r.username == "gholt" and r.host == "connect.facebook.net"]
    assert widgets
    assert all(r.top_level is False for r in widgets)
    assert any(r.method == "CONNECT" and r.top_level is None for r in found)


def test_students_and_guests_are_never_named(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    write_week_log(path, lines=3_000)
    for row in rows(path):
        if row.client and row.client.startswith(("127.30.", "127.40.")):
            assert row.username is None


def test_the_mail_trace_is_a_message_trace_export(tmp_path: Path) -> None:
    path = tmp_path / "trace.csv"
    assert write_mail_trace(path) == 5
    with path.open(encoding="utf-8", newline="") as handle:
        found = list(csv.DictReader(handle))
    assert {"Received", "SenderAddress", "RecipientAddress", "MessageId"} <= set(found[0])
    assert any(r["SenderAddress"].endswith("@mail.example") for r in found)
