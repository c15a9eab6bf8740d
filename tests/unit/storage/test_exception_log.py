"""The exception log: appended records survive, revocations hide, torn tails are tolerated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from boardline.engine.exceptions import Grant, Scope, declare_emergency
from boardline.model.errors import InputError
from boardline.policy.pack import ExceptionSettings
from boardline.storage.exception_log import ExceptionLog

T0 = dt.datetime(2026, 10, 6, 16, 0, tzinfo=dt.UTC)
GRANT = Grant(
    "g1",
    "jcarter",
    Scope.PERSON,
    "staff-1",
    T0,
    T0 + dt.timedelta(hours=1),
    "yearbook",
    ("social_networks",),
)


def test_round_trip_and_revoke(tmp_path: Path) -> None:
    log = ExceptionLog(tmp_path / "exceptions.jsonl")
    log.add_grant(GRANT)
    emergency, alert = declare_emergency(
        emergency_id="e1",
        declared_by="mrivera",
        declarer_is_administrator=False,
        scope=Scope.PERSON,
        target="staff-2",
        at=T0,
        minutes=10,
        reason="lockout",
        settings=ExceptionSettings(),
    )
    log.add_emergency(emergency, alert)
    stored = ExceptionLog(log.path).read()
    assert stored.book.grants == (GRANT,)
    assert stored.book.emergencies == (emergency,)
    assert stored.alerts == (alert,)
    log.revoke("g1", "superintendent", T0)
    again = log.read()
    assert again.book.grants == ()
    assert again.revoked == frozenset({"g1"})


def test_torn_last_line_is_ignored_but_damage_elsewhere_is_reported(tmp_path: Path) -> None:
    log = ExceptionLog(tmp_path / "exceptions.jsonl")
    log.add_grant(GRANT)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"type": "grant", "id": "g2", "appro')
    assert log.read().book.grants == (GRANT,)
    log.path.write_text(
        "not json\n" + log.path.read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"exceptions\.jsonl:1: bad record"):
        log.read()
