"""The findings store on SQLite and PostgreSQL: runs recorded, findings never duplicated.

Each test runs against both databases (the ``db_url`` fixture of this folder).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from boardline.storage import AuditRunRecord, FindingRecord, Saved, SqlFindingStore
from boardline.storage.database import open_engine
from boardline.storage.finding_store import finding_id
from boardline.storage.tables import metadata

T0 = dt.datetime(2026, 10, 6, 16, 0, tzinfo=dt.UTC)
CITATION = {
    "policy": "5460",
    "clause": "5460.p7",
    "quote": "Accessing social networking websites for individual use during school hours "
    "is prohibited, unless asked to do so by administration.",
    "rule": "no-social-networking-during-school-hours",
    "revision": "rev-1",
    "reason": "No social networking for individual use during school hours",
}


def run(run_id: str, operator: str = "jcarter") -> AuditRunRecord:
    return AuditRunRecord(
        id=run_id,
        operator=operator,
        started_at=T0,
        finished_at=T0 + dt.timedelta(minutes=1),
        range_from=T0 - dt.timedelta(days=7),
        range_to=T0,
        audience="hr",
        building=None,
        engine="duckdb",
        revision="rev-1",
        inputs=("access.log",),
        totals={"lines": 10, "events": 9, "errors": 1, "hits": 9, "visits": 4},
    )


def finding(second: int, **changes: object) -> FindingRecord:
    made = FindingRecord(
        at=T0 + dt.timedelta(seconds=second, milliseconds=250),
        client="127.10.1.10",
        username="mrivera",
        method="CONNECT",
        host="www.facebook.com",
        path="",
        effect="deny",
        severity="medium",
        rule="no-social-networking-during-school-hours",
        revision="rev-1",
        person_id="staff-0006",
        building="cbhs",
        categories=("social_networks",),
        citations=(CITATION,),
        source="access.log",
        line=second + 1,
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


@pytest.fixture
def store(db_url: str) -> SqlFindingStore:
    return SqlFindingStore(db_url)


def test_findings_round_trip_with_their_citations(store: SqlFindingStore) -> None:
    saved = store.save(run("r1"), [finding(0), finding(1)])
    assert saved == Saved(new=2, already_known=0)
    kept = store.findings()
    assert [f.record for f in kept] == [finding(0), finding(1)]
    assert kept[0].id == finding(0).id
    assert kept[0].record.citations[0]["clause"] == "5460.p7"
    assert kept[0].record.citations[0]["revision"] == "rev-1"
    assert kept[0].run_id == kept[0].last_run_id == "r1"
    runs = store.runs()
    assert [(r.id, r.operator, r.totals["visits"], s) for r, s in runs] == [
        ("r1", "jcarter", 4, Saved(2, 0))
    ]
    assert runs[0][0].inputs == ("access.log",)


def test_a_rerun_over_renamed_logs_adds_nothing_and_moves_last_seen(
    store: SqlFindingStore,
) -> None:
    store.save(run("r1"), [finding(0), finding(1)])
    later = dataclasses.replace(run("r2", "superintendent"), finished_at=T0 + dt.timedelta(days=1))
    renamed = [
        dataclasses.replace(finding(n), source="access.log.1.gz", line=n + 7) for n in (0, 1)
    ]
    assert store.save(later, [*renamed, finding(2)]) == Saved(new=1, already_known=2)
    kept = {f.record.at: f for f in store.findings()}
    assert len(kept) == 3
    first = kept[finding(0).at]
    assert first.record.source == "access.log"  # the first copy is kept as found
    assert (first.run_id, first.last_run_id) == ("r1", "r2")
    assert first.last_seen == T0 + dt.timedelta(days=1)
    assert first.first_seen == T0 + dt.timedelta(minutes=1)
    assert [s for _, s in store.runs()] == [Saved(2, 0), Saved(1, 2)]
    assert [f.record.at for f in store.findings(run_id="r2")] == [finding(2).at]


def test_the_same_event_twice_in_one_batch_is_one_finding(store: SqlFindingStore) -> None:
    assert store.save(run("r1"), [finding(0), finding(0, line=99)]) == Saved(1, 0)
    assert len(store.findings()) == 1


def test_a_different_rule_or_revision_is_a_different_finding(store: SqlFindingStore) -> None:
    records = [finding(0), finding(0, revision="rev-2"), finding(0, rule="other")]
    assert len({r.id for r in records}) == 3
    assert store.save(run("r1"), records) == Saved(3, 0)


def test_large_batches_are_chunked(store: SqlFindingStore) -> None:
    records = [finding(n) for n in range(1234)]
    assert store.save(run("r1"), records) == Saved(1234, 0)
    assert store.save(run("r2"), records) == Saved(0, 1234)
    assert len(store.findings()) == 1234


def test_two_runs_saving_at_once_never_duplicate(db_url: str) -> None:
    SqlFindingStore(db_url).close()
    records = [finding(n) for n in range(300)]
    results: list[Saved] = []
    errors: list[BaseException] = []

    def save(run_id: str) -> None:
        try:
            with SqlFindingStore(db_url, upgrade=False) as store:
                results.append(store.save(run(run_id), records))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(f"r{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.new for r in results) == 300
    assert sorted(r.already_known for r in results) == [0, 300, 300]
    with SqlFindingStore(db_url) as store:
        assert len(store.findings()) == 300


def test_the_id_ignores_the_file_and_keeps_milliseconds() -> None:
    base = {
        "client": "127.10.1.10",
        "username": None,
        "method": "GET",
        "host": "www.facebook.com",
        "path": "/",
        "rule": "r",
        "revision": "v",
    }
    assert finding_id(at=1.0001, **base) == finding_id(at=1.0002, **base)  # type: ignore[arg-type]
    assert finding_id(at=1.001, **base) != finding_id(at=1.002, **base)  # type: ignore[arg-type]
    assert finding(0).id == dataclasses.replace(finding(0), source="x", line=5).id


def test_the_upgraded_schema_matches_the_tables(db_url: str) -> None:
    SqlFindingStore(db_url).close()
    engine = open_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def message(second: int, **changes: object) -> FindingRecord:
    """A violating staff–student message, as the audit keeps it (no address, no content)."""
    communication = {
        "channel": "personal_email",
        "direction": "staff_to_student",
        "audience": "individual",
        "purpose": "personal",
        "student": "stu-0002",
        "message_ref": f"<m{second}@mail.example>",
    }
    return finding(
        second,
        client=None,
        method="",
        host="",
        path="",
        categories=(),
        kind="communication",
        communication=communication,
        rule="staff-student-interactions",
        effect="flag",
        **changes,
    )


def test_messages_are_kept_beside_visits_and_once(store: SqlFindingStore) -> None:
    visit, mail = finding(1), message(1)
    assert visit.id != mail.id
    assert store.save(run("run-1"), [visit, mail, message(2)]) == Saved(3, 0)
    assert store.save(run("run-2"), [mail, message(2)]) == Saved(0, 2)
    kept = {f.record.id: f.record for f in store.findings()}
    assert kept[mail.id] == mail
    assert kept[visit.id].kind == "web"
    assert kept[visit.id].communication is None
    # The same instant and people but another message id is another message.
    other = dataclasses.replace(
        mail, communication={**(mail.communication or {}), "message_ref": "<x>"}
    )
    assert other.id != mail.id


def test_sqlite_rows_are_stored_as_sqlalchemy_stores_them(tmp_path: Path) -> None:
    """SQLite's save inserts through the driver: the stored values are byte for byte the
    ones SQLAlchemy's own INSERT writes for the same rows (dates, JSON, NULLs)."""
    from boardline.storage.finding_store import _Encoded, _finding_row, _insert

    records = [
        finding(0),
        finding(1, username=None, building=None, categories=()),
        finding(2, kind="communication", method="", host="", path="", client=None,
                communication={"channel": "personal_email", "student": "stu-1"}),
    ]  # fmt: skip
    direct = SqlFindingStore(f"sqlite:///{tmp_path / 'direct.db'}")
    direct.save(run("r1"), records)
    reference = SqlFindingStore(f"sqlite:///{tmp_path / 'reference.db'}")
    reference.save(run("r1"), [])
    now = run("r1").finished_at
    cache: _Encoded = {}
    rows = [_finding_row(r, r.id, "r1", now, cache) for r in records]
    with reference._engine.begin() as connection:
        connection.execute(_insert(connection), rows)

    def stored(path: Path) -> list[tuple[object, ...]]:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT * FROM findings ORDER BY id").fetchall()

    assert stored(tmp_path / "direct.db") == stored(tmp_path / "reference.db")
    assert [f.record for f in direct.findings()] == [f.record for f in reference.findings()]
