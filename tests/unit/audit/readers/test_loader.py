from __future__ import annotations

import calendar
import gzip
import os
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boardline.audit.readers import FORMATS, load_logs
from boardline.directory.directory import Directory
from boardline.model.errors import InputError
from tests.unit.audit.readers.conftest import DENVER, FIXTURES

GOOD = (
    b"1795950062.123    153 10.1.2.3 TCP_MISS/200 5120 GET http://www.example.org/ -"
    b" HIER_DIRECT/1.2.3.4 text/html\n"
)


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    events = con.execute("SELECT count(*) FROM web_events").fetchone()
    errors = con.execute("SELECT count(*) FROM read_errors").fetchone()
    assert events is not None
    assert errors is not None
    return int(events[0]), int(errors[0])


@pytest.mark.parametrize("fast", [True, False])
def test_malformed_truncated_and_binary_lines_reconcile(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, fast: bool
) -> None:
    path = tmp_path / "mixed.log"
    path.write_bytes(
        GOOD * 3
        + b"\n"
        + b"not a log line\n"
        + b"\x00\x00\x7f\x1b[31m binary \x00\n"
        + GOOD
        + GOOD[:60]  # cut mid-field, no newline
    )

    summary = load_logs(con, [path], directory=None, zone=DENVER, fmt="squid", fast=fast)

    [source] = summary.sources
    assert (source.lines, source.used, source.skipped, source.errors) == (8, 4, 1, 3)
    assert dict(source.errors_by_reason) == {"binary": 1, "malformed": 1, "truncated": 1}
    assert source.reconciles
    assert _counts(con) == (4, 3)
    reasons = con.execute("SELECT line, reason FROM read_errors ORDER BY line").fetchall()
    assert reasons == [(5, "malformed"), (6, "binary"), (8, "truncated")]


def test_a_gzip_file_cut_mid_stream_counts_one_truncated_line(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    whole = gzip.compress(GOOD * 5000)
    path = tmp_path / "access.log.1"
    path.write_bytes(whole[: len(whole) // 2])

    summary = load_logs(con, [path], directory=None, zone=DENVER, fmt="squid")

    [source] = summary.sources
    assert source.errors_by_reason["truncated"] == 1
    assert source.reconciles
    assert source.used > 0
    assert _counts(con) == (source.used, 1)


def test_every_fixture_reconciles_and_progress_reaches_the_end(
    con: duckdb.DuckDBPyConnection, demo_directory: Directory
) -> None:
    paths = sorted(FIXTURES.iterdir())
    seen: list[int] = []

    summary = load_logs(
        con, paths, directory=demo_directory, zone=DENVER, year=2026, progress=seen.append
    )

    assert all(s.reconciles for s in summary.sources)
    assert {s.format for s in summary.sources} == set(FORMATS)
    assert seen == sorted(seen)
    assert seen[-1] == sum(p.stat().st_size for p in paths)
    web, errors = _counts(con)
    assert web == sum(s.events for s in summary.sources if s.format not in ("m365", "google"))
    assert errors == summary.errors


def test_an_unknown_format_names_the_file_and_the_supported_ones(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    path = tmp_path / "mystery.txt"
    path.write_text("lorem ipsum\ndolor sit amet\n")

    with pytest.raises(InputError) as caught:
        load_logs(con, [path], directory=None, zone=DENVER)

    assert str(path) in str(caught.value)
    assert "dnsmasq" in str(caught.value)


def test_mail_without_a_roster_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputError, match="roster"):
        load_logs(con, [FIXTURES / "m365.csv"], directory=None, zone=DENVER)


def test_syslog_year_defaults_to_the_file_date(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    path = tmp_path / "dnsmasq.log"
    path.write_text("Nov 29 08:01:02 dnsmasq[1]: query[A] example.org from 10.0.0.1\n")
    os.utime(path, (1_900_000_000, 1_900_000_000))  # March 2030

    load_logs(con, [path], directory=None, zone=DENVER)

    row = con.execute("SELECT ts FROM web_events").fetchone()
    assert row is not None
    assert row[0] == calendar.timegm((2030, 11, 29, 15, 1, 2))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.binary(max_size=600), st.sampled_from([f for f in FORMATS if f not in ("m365", "google")])
)
def test_garbage_never_crashes_and_always_reconciles(tmp_path: Path, data: bytes, fmt: str) -> None:
    path = tmp_path / "garbage.log"
    path.write_bytes(data)
    con = duckdb.connect()

    summary = load_logs(con, [path], directory=None, zone=DENVER, fmt=fmt, year=2026)

    [source] = summary.sources
    assert source.reconciles
    assert _counts(con) == (source.events, source.errors)
