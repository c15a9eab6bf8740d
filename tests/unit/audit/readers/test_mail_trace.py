from __future__ import annotations

import duckdb

from boardline.audit.readers import load_logs
from boardline.audit.readers.mail_trace import Roster
from boardline.directory.directory import Directory
from tests.unit.audit.readers.conftest import DENVER, FIXTURES


def _rows(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT line, staff, student, channel, direction, audience, message_ref"
        " FROM comm_events WHERE source = ? ORDER BY line, student",
        [source],
    ).fetchall()


def test_m365_trace_maps_staff_and_students_by_roster_address(
    con: duckdb.DuckDBPyConnection, demo_directory: Directory
) -> None:
    path = FIXTURES / "m365.csv"
    summary = load_logs(con, [path], directory=demo_directory, zone=DENVER)

    mrivera = demo_directory.by_username("mrivera")
    swong = demo_directory.by_username("swong")
    lily = demo_directory.by_username("lily.baker")
    noah = demo_directory.by_username("noah.hale")
    ava = demo_directory.by_username("ava.sorensen")
    assert mrivera
    assert swong
    assert lily
    assert noah
    assert ava
    district = "district_email"
    assert _rows(con, str(path)) == [
        (2, mrivera.id, lily.id, district, "staff_to_student", "individual",
         "<m1@cutbank.example.org>"),
        (3, mrivera.id, noah.id, district, "staff_to_student", "group", "<m2@cutbank.example.org>"),
        (3, mrivera.id, ava.id, district, "staff_to_student", "group", "<m2@cutbank.example.org>"),
        (6, swong.id, noah.id, district, "student_to_staff", "individual",
         "<m3@students.cutbank.example.org>"),
    ]  # fmt: skip
    [source] = summary.sources
    assert dict(source.skipped_by_reason) == {"header": 1, "not_staff_student": 1, "unmapped": 1}
    assert source.errors == 2
    assert source.reconciles
    stored = con.execute("SELECT * FROM comm_events").fetchall()
    assert not any("Essay" in str(value) for row in stored for value in row)  # no subjects


def test_google_export_collapses_delivery_steps_and_reads_local_time(
    con: duckdb.DuckDBPyConnection, demo_directory: Directory
) -> None:
    path = FIXTURES / "google.csv"
    summary = load_logs(con, [path], directory=demo_directory, zone=DENVER)

    rows = _rows(con, str(path))
    assert [(r[0], r[4], r[5]) for r in rows] == [
        (2, "staff_to_student", "group"),
        (2, "staff_to_student", "group"),
        (4, "student_to_staff", "individual"),
    ]
    ts = con.execute("SELECT min(ts) FROM comm_events").fetchone()
    assert ts is not None
    assert ts[0] == 1795964462.0
    [source] = summary.sources
    assert source.skipped_by_reason["unmapped"] == 1
    assert source.reconciles


def test_district_domains_come_from_the_roster_and_personal_ones_are_not(
    demo_directory: Directory,
) -> None:
    roster = Roster(demo_directory)

    assert roster.is_district("x@cutbank.example.org")
    assert roster.is_district("x@students.cutbank.example.org")
    assert not roster.is_district("x@mail.example")
    assert not Roster(demo_directory, ["cutbank.example.org"]).is_district("x@gmail.example")
