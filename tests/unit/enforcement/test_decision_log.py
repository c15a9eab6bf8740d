"""The decision log: its wire schema, the writer's once-and-only-once contract, rotation."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.enforcement import decision_log
from boardline.enforcement.decision_log import DecisionLogWriter
from boardline.enforcement.decision_log_files import (
    compress_rotated,
    log_files,
    read_file,
    read_log,
)
from boardline.enforcement.decision_log_record import encode, encode_line, record, to_event
from boardline.enforcement.decision_log_schema import (
    SCHEMA,
    DecisionLogError,
    DecisionLogEventV1,
    parse_line,
)
from boardline.enforcement.masking import mask_record
from boardline.model.decision import Citation, Decision, ExceptionUsed
from boardline.model.events import (
    Communication,
    ContentPost,
    Direction,
    Event,
    Finding,
    Purpose,
    Subject,
    WebAccess,
)
from boardline.policy.pack import Audience, Channel, Effect, Role, Severity

KEY = b"decision-log-test-key-0123456789"
MOUNTAIN = dt.timezone(dt.timedelta(hours=-7))
AT = dt.datetime(2026, 3, 2, 10, 15, 30, 250_000, tzinfo=MOUNTAIN)
CITES = (
    Citation(
        "5460",
        "5460.school-hours",
        "Staff will not access social networking sites during school hours — “quoted”.",
        "staff-social-school-hours",
        "rev-1",
        "social networking during school hours",
    ),
)


def decision(n: int = 0, *, subject: str | None = "staff-0003", kind: str = "web") -> Decision:
    return Decision(
        decision_id=f"d-{n:08d}",
        effect=Effect.DENY,
        rule="staff-social-school-hours",
        revision="rev-1",
        citations=CITES,
        explanation="deny: facebook.com is social_networks, and it is school hours at CBHS",
        event_kind=kind,
        at=AT,
        subject=subject,
        severity=Severity.MEDIUM,
        follow_up=("5255",),
        categories=("social_networks",),
        facts=(("person", "mrivera (staff)"),),
    )


def web(n: int = 0) -> WebAccess:
    return WebAccess(
        Subject("mrivera", "127.10.1.10"),
        "www.facebook.com",
        "/groups/x?q=lily.baker@students.example#top",
        top_level=True,
        event_id=f"ch0-{n}",
    )


POST = ContentPost(
    Subject("mrivera", "127.10.1.10"),
    "upload.example.com",
    "/u?token=secret",
    findings=(Finding("student_record", 0.92, None, "[3 rows masked]", "csv", people=3),),
    event_id="post-1",
)
TALK = Communication(
    "mrivera",
    "stu-0001",
    Channel.SMS,
    Direction.STUDENT_TO_STAFF,
    Audience.INDIVIDUAL,
    Purpose.PERSONAL,
    event_id="sms-1",
)


# -- schema -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "kind"), [(web(), "web"), (POST, "post"), (TALK, "communication")]
)
def test_each_event_kind_round_trips_through_a_line(event: Event, kind: str) -> None:
    made = to_event(decision(kind=kind), event, Role.STAFF, username="mrivera")
    line = encode(made)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    back = parse_line(line)
    assert back == made
    assert back.event.kind == kind
    assert back.schema_id == SCHEMA


@pytest.mark.parametrize("event", [web(), POST, TALK])
def test_the_fast_record_writes_the_same_line_as_the_validated_model(event: Event) -> None:
    rec = record(decision(), event, Role.STAFF, username="mrivera")
    line = encode_line(rec)
    model = to_event(decision(), event, Role.STAFF, username="mrivera")
    assert line == encode(model)
    data = json.loads(line)
    assert data == model.model_dump(mode="json", by_alias=True)
    # keys sorted at every level, compact, non-ASCII as is
    assert line.decode() == (
        json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    )
    assert "“quoted”" in line.decode()


def test_a_line_keeps_what_an_auditor_needs_and_no_more() -> None:
    used = ExceptionUsed("grant", "g-1", "kdoyle", "free-text reason", AT + dt.timedelta(hours=1))
    made = to_event(decision()._replace(exception=used, alert=True), web(), Role.STAFF)
    data = json.loads(encode(made))
    assert data["at"] == "2026-03-02T17:15:30.250000Z"  # UTC
    assert data["revision"] == "rev-1"
    assert data["citations"][0]["quote"].startswith("Staff will not access")
    assert data["exception"] == {
        "by": "kdoyle",
        "ends": "2026-03-02T18:15:30.250000Z",
        "id": "g-1",
        "kind": "grant",
    }
    assert data["event"]["path"] == "/groups/x"  # query and fragment stripped
    assert "facts" not in data  # explain-only detail stays out of the log
    assert "free-text reason" not in encode(made).decode()
    reasoned = decision()._replace(
        exception=used,
        explanation="allow: ... grant g-1 by kdoyle until 2026-03-02T11:15 (free-text reason)",
    )
    assert to_event(reasoned, web(), Role.STAFF).explanation == (
        "allow: ... grant g-1 by kdoyle until 2026-03-02T11:15 (reason: see grant g-1)"
    )
    assert data["follow_up"] == ["5255"]


def test_findings_keep_only_schema_fields() -> None:
    data = json.loads(encode_line(record(decision(kind="post"), POST, Role.STAFF)))
    assert data["event"]["findings"] == [
        {
            "asset": None,
            "confidence": 0.92,
            "evidence": "[3 rows masked]",
            "kind": "student_record",
            "people": 3,
            "scanner": "csv",
        }
    ]
    assert data["event"]["path"] == "/u"


def test_a_lone_surrogate_is_written_as_an_escape_and_reads_back() -> None:
    odd = WebAccess(Subject("mrivera", "127.10.1.10"), "example.org", "/caf\udce9")
    line = encode_line(record(decision(), odd, Role.STAFF))
    assert b"\\udce9" in line
    assert parse_line(line).event.path == "/caf\udce9"  # type: ignore[union-attr]


def test_parse_line_names_file_line_and_field() -> None:
    good = json.loads(encode(to_event(decision(), web(), Role.STAFF)))
    good["effect"] = "maybe"
    with pytest.raises(DecisionLogError) as caught:
        parse_line(json.dumps(good), file="decisions.jsonl", line=7)
    assert str(caught.value).startswith("decisions.jsonl:7: effect: ")
    with pytest.raises(DecisionLogError, match=r"decisions.jsonl:8: not JSON"):
        parse_line('{"schema": "boardline/decision-log@1", "decis', file="decisions.jsonl", line=8)
    good["effect"] = "deny"
    good["extra"] = 1
    with pytest.raises(DecisionLogError, match="extra"):
        parse_line(json.dumps(good))
    good.pop("extra")
    good["schema"] = "boardline/decision-log@2"
    with pytest.raises(DecisionLogError, match="schema"):
        parse_line(json.dumps(good))


def _valid_line() -> str:
    return encode(to_event(decision(), web(), Role.STAFF)).decode()


JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.binary(),
        JSON.map(json.dumps),
        st.integers(min_value=0, max_value=2000).map(lambda n: _valid_line()[:n]),
        st.tuples(st.integers(0, 1500), st.text(max_size=5)).map(
            lambda cut: _valid_line()[: cut[0]] + cut[1] + _valid_line()[cut[0] :]
        ),
        st.sampled_from(["[" * 5000, "1" * 5000, '{"a":' * 3000, "\ud800"]),
    )
)
def test_parse_line_raises_only_its_own_error(text: str | bytes) -> None:
    try:
        event = parse_line(text, line=1)
    except DecisionLogError as exc:
        message = str(exc)
        assert message.startswith("decision log:1")
    else:
        assert isinstance(event, DecisionLogEventV1)


# -- writer -------------------------------------------------------------------------


def ids(path: Path) -> list[str]:
    found = read_log(path)
    assert not found.bad, found.bad
    return [e.decision_id for e in found.events]


def test_every_decision_is_written_once_per_line(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    with DecisionLogWriter(path, key=KEY) as writer:
        for n in range(5):
            writer.write(decision(n), web(n))
        assert path.read_bytes() == b""  # nothing before flush...
        writer.flush()
        assert len(path.read_bytes().splitlines()) == 5  # ...everything after
        writer.flush()  # nothing pending: nothing written twice
        writer.write(decision(5), web(5))
    assert ids(path) == [f"d-{n:08d}" for n in range(6)]
    for raw in path.read_bytes().splitlines():
        assert json.loads(raw)["masked"] is True
    assert (path.stat().st_mode & 0o777) == 0o640


def test_flush_hands_a_batch_over_with_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = DecisionLogWriter(tmp_path / "decisions.jsonl", key=KEY)
    calls: list[int] = []
    real = os.write

    def counting(fd: int, data: bytes) -> int:
        calls.append(len(data))
        return real(fd, data)

    monkeypatch.setattr(decision_log.os, "write", counting)
    for n in range(256):
        writer.write(decision(n), web(n))
    writer.flush()
    assert len(calls) == 1
    writer.close()


@pytest.mark.parametrize("fsync", [True, False])
def test_fsync_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fsync: bool) -> None:
    synced: list[int] = []
    monkeypatch.setattr(decision_log.os, "fdatasync", synced.append)
    with DecisionLogWriter(tmp_path / "d.jsonl", key=KEY, fsync=fsync) as writer:
        writer.write(decision(), web())
        writer.flush()
    assert len(synced) == (1 if fsync else 0)


def test_a_failed_write_keeps_the_rest_and_never_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "decisions.jsonl"
    writer = DecisionLogWriter(path, key=KEY)
    writer.write(decision(0), web(0))
    writer.flush()
    real = os.write
    state = {"calls": 0}

    def disk_fills(fd: int, data: bytes) -> int:
        state["calls"] += 1
        if state["calls"] == 1:  # a short write stopping mid-line, then ENOSPC
            cut = bytes(data).index(b"\n") + 40
            return real(fd, bytes(data)[:cut])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(decision_log.os, "write", disk_fills)
    for n in range(1, 4):
        writer.write(decision(n), web(n))
    with pytest.raises(OSError, match="No space"):
        writer.flush()
    monkeypatch.setattr(decision_log.os, "write", real)
    writer.flush()  # the space is back
    writer.close()
    found = read_log(path)
    assert [e.decision_id for e in found.events] == [f"d-{n:08d}" for n in range(4)]
    assert len(found.bad) == 1  # the fragment the short write left, reported
    assert found.bad[0].place.line == 3


def test_a_torn_tail_from_a_killed_writer_never_swallows_a_new_line(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    with DecisionLogWriter(path, key=KEY) as first:
        first.write(decision(0), web(0))
    path.write_bytes(path.read_bytes() + b'{"alert":false,"at":"2026-')  # killed mid-write
    torn = read_log(path)
    assert len(torn.events) == 1
    assert [p.place.line for p in torn.torn] == [2]
    with DecisionLogWriter(path, key=KEY) as second:
        second.write(decision(1), web(1))
    found = read_log(path)
    assert [e.decision_id for e in found.events] == ["d-00000000", "d-00000001"]
    assert not found.torn
    assert [p.place.line for p in found.bad] == [2]
    with pytest.raises(DecisionLogError, match=r"decisions.jsonl:2"):
        found.raise_for_bad()


def test_two_writers_share_a_file_and_a_torn_line_between_them(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    a = DecisionLogWriter(path, key=KEY)
    b = DecisionLogWriter(path, key=KEY)
    a.write(decision(0), web(0))
    a.flush()
    b.write(decision(1), web(1))
    b.flush()
    with path.open("ab") as third:  # a third helper, killed mid-write
        third.write(b'{"alert":tr')
    a.write(decision(2), web(2))
    a.flush()
    a.close()
    b.close()
    found = read_log(path)
    assert [e.decision_id for e in found.events] == [f"d-{n:08d}" for n in range(3)]
    assert len(found.bad) == 1


# -- rotation -----------------------------------------------------------------------


def write_many(writer: DecisionLogWriter, start: int, count: int, batch: int) -> None:
    for first in range(start, start + count, batch):
        for n in range(first, min(first + batch, start + count)):
            writer.write(decision(n), web(n))
        writer.flush()


def test_rotation_loses_no_line(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    with DecisionLogWriter(path, key=KEY, max_bytes=8 * 1024, keep=100) as writer:
        write_many(writer, 0, 1000, 7)
    assert writer.rotations > 10
    names = [p.name for p in log_files(path)]
    assert names[-1] == "decisions.jsonl"
    assert names[-2] == "decisions.jsonl.1"
    lines = sum(len(p.read_bytes().splitlines()) for p in log_files(path))
    assert lines == 1000
    assert ids(path) == [f"d-{n:08d}" for n in range(1000)]  # oldest file first, in order
    for p in log_files(path)[:-1]:
        assert p.stat().st_size >= 8 * 1024  # rotated only once full


def test_rotation_keeps_n_files_and_the_newest_lines(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    with DecisionLogWriter(path, key=KEY, max_bytes=4 * 1024, keep=3) as writer:
        write_many(writer, 0, 600, 5)
    files = log_files(path)
    assert [p.name for p in files] == [
        "decisions.jsonl.3",
        "decisions.jsonl.2",
        "decisions.jsonl.1",
        "decisions.jsonl",
    ]
    kept = ids(path)
    first = int(kept[0][2:])
    assert kept == [f"d-{n:08d}" for n in range(first, 600)]  # contiguous, nothing missing


def test_two_writers_crossing_the_limit_rotate_once_and_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    a = DecisionLogWriter(path, key=KEY, max_bytes=4 * 1024, keep=100)
    b = DecisionLogWriter(path, key=KEY, max_bytes=4 * 1024, keep=100)
    for n in range(0, 400, 2):
        a.write(decision(n), web(n))
        a.flush()
        b.write(decision(n + 1), web(n + 1))
        b.flush()
    a.close()
    b.close()
    assert sorted(ids(path)) == [f"d-{n:08d}" for n in range(400)]
    assert all(p.stat().st_size < 4 * 1024 + 2048 for p in log_files(path))


def test_reopen_after_logrotate_renamed_the_file(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    writer = DecisionLogWriter(path, key=KEY)
    writer.write(decision(0), web(0))
    writer.flush()
    path.rename(tmp_path / "decisions.jsonl-20260302")
    writer.reopen()  # what a SIGHUP handler calls
    writer.write(decision(1), web(1))
    writer.flush()
    path.rename(tmp_path / "decisions.jsonl-20260303")
    writer.write(decision(2), web(2))  # no reopen(): the rename is noticed anyway
    writer.close()
    assert [e.decision_id for e in read_file(tmp_path / "decisions.jsonl-20260302").events] == [
        "d-00000000"
    ]
    assert ids(tmp_path / "decisions.jsonl-20260303") == ["d-00000001"]
    assert ids(path) == ["d-00000002"]


def test_compressing_rotated_files_keeps_every_line(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    with DecisionLogWriter(path, key=KEY, max_bytes=4 * 1024, keep=50) as writer:
        write_many(writer, 0, 200, 4)
        done = compress_rotated(path)
        assert done
        assert all(p.name.endswith(".gz") for p in done)
        assert not (tmp_path / "decisions.jsonl.1.gz").exists()  # .1 may still be appended to
        write_many(writer, 200, 200, 4)  # rotations shift .gz files too
    assert any(p.name.endswith(".gz") for p in log_files(path))
    assert ids(path) == [f"d-{n:08d}" for n in range(400)]
    sample = next(p for p in log_files(path) if p.name.endswith(".gz"))
    with gzip.open(sample) as handle:
        assert json.loads(handle.readline())["schema"] == SCHEMA


def test_a_half_done_compression_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    with DecisionLogWriter(path, key=KEY, max_bytes=2 * 1024, keep=10) as writer:
        write_many(writer, 0, 50, 5)
    plain = tmp_path / "decisions.jsonl.2"
    # compression stopped after writing the .gz but before removing the plain file
    (tmp_path / "decisions.jsonl.2.gz").write_bytes(gzip.compress(plain.read_bytes()))
    assert ids(path) == [f"d-{n:08d}" for n in range(50)]


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep"):
        DecisionLogWriter(tmp_path / "d.jsonl", key=KEY, keep=0)
    with pytest.raises(ValueError, match="16 bytes"):
        DecisionLogWriter(tmp_path / "d.jsonl", key=b"short")


def test_the_key_never_shows(tmp_path: Path) -> None:
    writer = DecisionLogWriter(tmp_path / "d.jsonl", key=KEY)
    assert KEY.decode() not in repr(writer)
    assert KEY.decode() not in repr(writer._pseudonym)
    writer.close()


def test_mask_record_is_what_the_writer_applies(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    with DecisionLogWriter(path, key=KEY) as writer:  # no directory: everyone unknown
        writer.write(decision(), web())
    from boardline.enforcement.masking import Pseudonymiser

    expected = encode_line(mask_record(record(decision(), web(), None), Pseudonymiser(KEY)))
    assert path.read_bytes() == expected


def test_a_failed_rotation_does_not_fail_the_flush(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "decisions.jsonl"
    writer = DecisionLogWriter(path, key=KEY, max_bytes=1024, keep=5)

    def refuse(*args: object) -> bool:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(decision_log, "rotate", refuse)
    write_many(writer, 0, 20, 5)  # over the limit, rotation refused: lines still land
    assert writer.rotations == 0
    monkeypatch.undo()
    write_many(writer, 20, 5, 5)  # retried at the next flush
    writer.close()
    assert writer.rotations == 1
    assert ids(path) == [f"d-{n:08d}" for n in range(25)]
