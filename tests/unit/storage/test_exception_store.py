"""The SQL exception store keeps the port's contract on SQLite and on PostgreSQL.

Every test runs against both (the ``db_url`` fixture): records round-trip,
revocations hide, requests move from pending to decided once, the version
moves on every write and only then, acknowledged writes survive a killed
process, concurrent writers lose nothing, and migrations can run again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from boardline.engine.exceptions import Alert, Emergency, Grant, Scope, declare_emergency
from boardline.engine.requests import ExceptionRequest, RequestStatus, new_request
from boardline.model.errors import InputError
from boardline.policy.pack import ExceptionSettings
from boardline.storage import SqlExceptionStore, StorageError, migrate
from boardline.storage.database import HEAD, head, open_engine, parse_url
from boardline.storage.tables import metadata

DENVER = ZoneInfo("America/Denver")
T0 = dt.datetime(2026, 10, 6, 10, 0, tzinfo=DENVER)


def grant(grant_id: str = "g1", **changes: object) -> Grant:
    made = Grant(
        grant_id,
        "jcarter",
        Scope.PERSON,
        "staff-1",
        T0,
        T0 + dt.timedelta(hours=2, microseconds=250),
        "yearbook photos",
        ("social_networks",),
        ("instagram.com", "cdninstagram.com"),
    )
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def emergency(emergency_id: str = "e1") -> tuple[Emergency, Alert]:
    return declare_emergency(
        emergency_id=emergency_id,
        declared_by="mrivera",
        declarer_is_administrator=False,
        scope=Scope.PERSON,
        target="staff-2",
        at=T0,
        minutes=30,
        reason="lockout: sheriff's updates",
        settings=ExceptionSettings(),
    )


def request(request_id: str = "r1") -> ExceptionRequest:
    return new_request(
        request_id=request_id,
        person="staff-1",
        decision_id="d-42",
        host="www.instagram.com",
        categories=("social_networks",),
        reason="the yearbook's account",
        at=T0,
    )


@pytest.fixture
def store(db_url: str) -> Iterator[SqlExceptionStore]:
    with SqlExceptionStore(db_url) as opened:
        yield opened


def test_every_record_type_round_trips_through_a_second_store(
    store: SqlExceptionStore, db_url: str
) -> None:
    made = grant()
    e, alert = declare_emergency(
        emergency_id="e1",
        declared_by="gholt",
        declarer_is_administrator=True,
        scope=Scope.BUILDING,
        target="cbhs",
        at=T0,
        minutes=45,
        reason="shelter in place: families' updates",
        settings=ExceptionSettings(),
    )
    asked = request()
    store.add_grant(made)
    store.add_emergency(e, alert)
    store.add_request(asked)
    with SqlExceptionStore(db_url) as other:
        stored = other.read()
    assert stored.book.grants == (made,)
    assert stored.book.emergencies == (e,)
    assert stored.alerts == (alert,)
    assert stored.requests == (asked,)
    assert stored.revoked == frozenset()
    back = stored.book.grants[0]
    # Kept as instants: read back in UTC, the same moment to the microsecond.
    assert back.starts.tzinfo is dt.UTC
    assert back.ends.astimezone(DENVER) == made.ends
    assert back.ends.microsecond == 250
    assert (
        stored.book.grant_for(
            "staff-1", (), "staff", frozenset(), "www.instagram.com", T0 + dt.timedelta(hours=1)
        )
        == made
    )


def test_records_keep_their_written_order(store: SqlExceptionStore) -> None:
    ids = ["g-z", "g-a", "g-m"]
    for grant_id in ids:
        store.add_grant(grant(grant_id))
    assert [g.id for g in store.read().book.grants] == ids


def test_revoke_hides_a_grant_and_ends_an_emergency(store: SqlExceptionStore) -> None:
    store.add_grant(grant("g1"))
    store.add_grant(grant("g2"))
    e, alert = emergency("e1")
    store.add_emergency(e, alert)
    store.revoke("g1", "superintendent", T0 + dt.timedelta(minutes=5))
    store.revoke("e1", "superintendent", T0 + dt.timedelta(minutes=6))
    stored = store.read()
    assert [g.id for g in stored.book.grants] == ["g2"]
    assert stored.book.emergencies == ()
    assert stored.revoked == frozenset({"g1", "e1"})
    assert stored.alerts == (alert,), "the alert stays on record for review"
    # A second revocation is recorded too; the grant stays revoked.
    store.revoke("g1", "principal", T0 + dt.timedelta(minutes=7))
    assert store.read().revoked == frozenset({"g1", "e1"})


def test_revoking_something_unknown_is_refused(store: SqlExceptionStore) -> None:
    version = store.version()
    with pytest.raises(InputError, match="no grant or emergency g-typo"):
        store.revoke("g-typo", "superintendent", T0)
    assert store.version() == version


def test_a_request_waits_then_is_approved_with_its_grant(store: SqlExceptionStore) -> None:
    asked = request()
    store.add_request(asked)
    assert store.read().requests == (asked,)
    made = grant("g-from-r1")
    approved = dataclasses.replace(
        asked,
        status=RequestStatus.APPROVED,
        decided_by="jcarter",
        decided_at=T0 + dt.timedelta(minutes=3),
        grant_id=made.id,
        note="for this week's issue",
    )
    with pytest.raises(InputError, match="add the grant first"):
        store.decide_request(approved)
    store.add_grant(made)
    store.decide_request(approved)
    stored = store.read()
    assert stored.requests == (approved,)
    assert stored.requests[0].grant_id == "g-from-r1"
    assert stored.book.grants == (made,)
    declined = dataclasses.replace(
        approved, status=RequestStatus.DECLINED, decided_by="gholt", grant_id=None
    )
    with pytest.raises(InputError, match="already approved by jcarter"):
        store.decide_request(declined)
    assert store.read().requests == (approved,)


def test_an_approval_writes_its_grant_atomically_and_only_once(store: SqlExceptionStore) -> None:
    asked = request("r9")
    store.add_request(asked)
    first, second = grant("g-first"), grant("g-second")
    approved = dataclasses.replace(
        asked, status=RequestStatus.APPROVED, decided_by="jcarter", decided_at=T0, grant_id=first.id
    )
    store.decide_request(approved, first)
    late = dataclasses.replace(approved, decided_by="superintendent", grant_id=second.id)
    version = store.version()
    with pytest.raises(InputError, match="already approved by jcarter"):
        store.decide_request(late, second)
    stored = store.read()
    assert [g.id for g in stored.book.grants] == ["g-first"]
    assert stored.requests == (approved,)
    assert store.version() == version


def test_a_request_can_be_declined_once(store: SqlExceptionStore) -> None:
    asked = request("r2")
    store.add_request(asked)
    declined = dataclasses.replace(
        asked,
        status=RequestStatus.DECLINED,
        decided_by="gholt",
        decided_at=T0 + dt.timedelta(hours=1),
        note="use the district account",
    )
    store.decide_request(declined)
    assert store.read().requests == (declined,)
    with pytest.raises(InputError, match="already declined"):
        store.decide_request(declined)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": RequestStatus.PENDING}, "approves or declines"),
        ({"decided_by": None}, "say who decided"),
        ({"decided_at": None}, "say when"),
        ({"decided_at": dt.datetime(2026, 10, 6, 10, 0)}, "time zone"),
        ({"grant_id": None}, "names the grant"),
        ({"status": RequestStatus.DECLINED}, "makes no grant"),
    ],
)
def test_bad_decisions_are_refused(
    store: SqlExceptionStore, changes: dict[str, object], message: str
) -> None:
    asked = request()
    store.add_request(asked)
    good = dataclasses.replace(
        asked,
        status=RequestStatus.APPROVED,
        decided_by="jcarter",
        decided_at=T0,
        grant_id="g1",
    )
    with pytest.raises(InputError, match=message):
        store.decide_request(dataclasses.replace(good, **changes))  # type: ignore[arg-type]


def test_deciding_an_unknown_request_is_refused(store: SqlExceptionStore) -> None:
    declined = dataclasses.replace(
        request("r-none"), status=RequestStatus.DECLINED, decided_by="gholt", decided_at=T0
    )
    with pytest.raises(InputError, match="no request r-none"):
        store.decide_request(declined)


def test_duplicates_and_naive_times_are_refused_and_change_nothing(
    store: SqlExceptionStore,
) -> None:
    store.add_grant(grant("g1"))
    store.add_request(request("r1"))
    e, alert = emergency("e1")
    store.add_emergency(e, alert)
    version = store.version()
    with pytest.raises(InputError, match="grant g1 already exists"):
        store.add_grant(grant("g1", reason="again"))
    with pytest.raises(InputError, match="request r1 already exists"):
        store.add_request(request("r1"))
    with pytest.raises(InputError, match="emergency e1 already exists"):
        store.add_emergency(e, alert)
    with pytest.raises(StorageError, match="without a time zone"):
        store.add_grant(grant("g-naive", starts=T0.replace(tzinfo=None)))
    with pytest.raises(InputError, match="must be pending"):
        store.add_request(dataclasses.replace(request("r9"), status=RequestStatus.APPROVED))
    assert store.version() == version
    stored = store.read()
    assert [g.id for g in stored.book.grants] == ["g1"]
    assert stored.book.grants[0].reason == "yearbook photos"


def test_version_moves_on_every_write_and_never_on_reads(store: SqlExceptionStore) -> None:
    seen = [store.version()]
    asked = request()
    e, alert = emergency()
    writes = [
        lambda: store.add_grant(grant("g1")),
        lambda: store.add_emergency(e, alert),
        lambda: store.add_request(asked),
        lambda: store.decide_request(
            dataclasses.replace(
                asked,
                status=RequestStatus.APPROVED,
                decided_by="jcarter",
                decided_at=T0,
                grant_id="g1",
            )
        ),
        lambda: store.revoke("g1", "superintendent", T0),
    ]
    for write in writes:
        write()
        store.read()
        assert store.version() == store.version()
        seen.append(store.version())
    assert len(set(seen)) == len(seen)
    assert [int(v) for v in seen] == sorted(int(v) for v in seen)


# A second process: writes one grant, says so, then waits to be killed mid-flight.
WRITER = """
import datetime as dt, sys, time
from boardline.engine.exceptions import Grant, Scope
from boardline.storage import SqlExceptionStore
store = SqlExceptionStore(sys.argv[1])
t0 = dt.datetime(2026, 10, 6, 16, 0, tzinfo=dt.UTC)
ends = t0 + dt.timedelta(hours=1)
store.add_grant(Grant("g-child", "jcarter", Scope.DISTRICT, "", t0, ends, "x"))
print("acknowledged", flush=True)
time.sleep(600)
"""

READER = """
import json, sys
from boardline.storage import SqlExceptionStore
stored = SqlExceptionStore(sys.argv[1], upgrade=False).read()
print(json.dumps({"grants": [g.id for g in stored.book.grants],
                  "requests": [r.id for r in stored.requests], "revoked": sorted(stored.revoked)}))
"""


def test_another_process_reads_what_was_written(store: SqlExceptionStore, db_url: str) -> None:
    store.add_grant(grant("g1"))
    store.add_grant(grant("g2"))
    store.revoke("g2", "superintendent", T0)
    store.add_request(request("r1"))
    result = subprocess.run(
        [sys.executable, "-c", READER, db_url],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"grants": ["g1"], "requests": ["r1"], "revoked": ["g2"]}


def test_an_acknowledged_write_survives_a_killed_writer(db_url: str) -> None:
    migrate(db_url)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, db_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "acknowledged", child.stderr.read() if child.stderr else ""
    finally:
        child.kill()
        child.wait(timeout=60)
    with SqlExceptionStore(db_url) as reopened:
        assert [g.id for g in reopened.read().book.grants] == ["g-child"]
        assert reopened.version() == "1"


@pytest.mark.parametrize("shared", [True, False], ids=["one-store", "two-stores"])
def test_concurrent_writers_lose_no_rows(db_url: str, shared: bool) -> None:
    per_thread = 25
    first = SqlExceptionStore(db_url)
    second = first if shared else SqlExceptionStore(db_url)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def write(store: SqlExceptionStore, prefix: str) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                store.add_grant(grant(f"{prefix}-{n}"))
                if n % 5 == 0:
                    store.add_request(request(f"{prefix}-r{n}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(first, "a")),
        threading.Thread(target=write, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        stored = first.read()
        ids = {g.id for g in stored.book.grants}
        assert ids == {f"{p}-{n}" for p in "ab" for n in range(per_thread)}
        assert len(stored.requests) == 2 * (per_thread // 5)
        assert first.version() == str(2 * per_thread + 2 * (per_thread // 5))
    finally:
        first.close()
        second.close()


def test_migrations_are_idempotent_and_match_the_tables(db_url: str) -> None:
    done = migrate(db_url)
    assert (done.before, done.after, done.changed) == (None, HEAD, True)
    again = migrate(db_url)
    assert (again.before, again.after, again.changed) == (HEAD, HEAD, False)
    with SqlExceptionStore(db_url) as store:
        store.add_grant(grant())
    assert not migrate(db_url).changed
    engine = open_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
    with SqlExceptionStore(db_url) as store:
        assert [g.id for g in store.read().book.grants] == ["g1"]


def test_the_known_head_is_the_newest_migration() -> None:
    assert head() == HEAD


def test_a_schema_from_a_newer_boardline_is_refused(db_url: str) -> None:
    migrate(db_url)
    engine = open_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    finally:
        engine.dispose()
    with pytest.raises(StorageError, match="0099"):
        SqlExceptionStore(db_url)


def test_two_processes_migrating_at_once_both_succeed(db_url: str) -> None:
    script = "import sys; from boardline.storage import migrate; print(migrate(sys.argv[1]).after)"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == [HEAD, HEAD]


def test_an_unreachable_database_names_the_url_without_its_password() -> None:
    url = "postgresql://boardline:hunter2@127.0.0.1:1/boardline"
    with pytest.raises(StorageError) as caught:
        SqlExceptionStore(url)
    message = str(caught.value)
    assert "hunter2" not in message
    assert "postgresql+psycopg://boardline:***@127.0.0.1:1/boardline" in message
    assert "database_url" in message
    assert "cannot open the database" in message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url at all", "not a database URL"),
        ("sqlite://", "in-memory"),
        ("mysql://root@127.0.0.1/test", "unsupported database 'mysql'"),
    ],
)
def test_unusable_urls_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        SqlExceptionStore(url)


def test_a_plain_postgresql_url_means_psycopg_3() -> None:
    assert parse_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("sqlite:///var/boardline.db").drivername == "sqlite"


names = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2090, 1, 1),
    timezones=st.sampled_from([dt.UTC, DENVER, ZoneInfo("Pacific/Chatham")]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reason=names,
    target=names,
    starts=instants,
    length=st.timedeltas(min_value=dt.timedelta(microseconds=1), max_value=dt.timedelta(days=30)),
    categories=st.lists(names, max_size=3),
)
def test_any_grant_round_trips(
    store: SqlExceptionStore,
    reason: str,
    target: str,
    starts: dt.datetime,
    length: dt.timedelta,
    categories: list[str],
) -> None:
    ends = (starts.astimezone(dt.UTC) + length).astimezone(starts.tzinfo)
    made = grant(
        f"g-{store.version()}",
        reason=reason,
        target=target,
        starts=starts,
        ends=ends,
        categories=tuple(categories),
    )
    store.add_grant(made)
    found = {g.id: g for g in store.read().book.grants}[made.id]
    # Compared in UTC: Python never calls a time in a repeated (fall-back) hour equal to
    # the same instant in another zone, though it is the same instant.
    assert found == dataclasses.replace(
        made, starts=starts.astimezone(dt.UTC), ends=ends.astimezone(dt.UTC)
    )


def test_pending_requests_are_counted_without_reading_the_record(store: SqlExceptionStore) -> None:
    assert store.pending_requests() == 0
    for ident in ("r-a", "r-b", "r-c"):
        store.add_request(request(ident))
    declined = dataclasses.replace(
        request("r-b"), status=RequestStatus.DECLINED, decided_by="jcarter", decided_at=T0
    )
    store.decide_request(declined)
    assert store.pending_requests() == 2
    assert store.pending_requests() == sum(
        1 for r in store.read().requests if r.status is RequestStatus.PENDING
    )


def test_opening_a_new_sqlite_database_waits_for_another_process_lock(tmp_path: Path) -> None:
    # Switching a new file to WAL answered "database is locked" at once, without waiting,
    # while another connection held a lock: two helper children starting together on a
    # new database failed about one time in twenty.
    path = tmp_path / "new.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    # A write lock on a file still in rollback-journal mode: SQLite refuses the switch to
    # WAL without calling the busy handler (it would deadlock waiting), so only a retry helps.
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, holder.commit)
    release.start()
    try:
        assert migrate(f"sqlite:///{path}").after == HEAD
    finally:
        release.join()
        holder.close()
