"""Grants and emergencies: who may make them, their limits, and the book's lookups."""

from __future__ import annotations

import datetime as dt

import pytest

from boardline.engine.exceptions import ExceptionBook, Scope, declare_emergency, new_grant
from boardline.model.errors import InputError
from boardline.policy.pack import ExceptionSettings

UTC = dt.UTC
T0 = dt.datetime(2026, 10, 6, 16, 0, tzinfo=UTC)
SETTINGS = ExceptionSettings(emergency_max_minutes=60, grant_max_days=30)


def grant(**kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "grant_id": "g1",
        "approver": "jcarter",
        "approver_is_administrator": True,
        "scope": Scope.PERSON,
        "target": "staff-1",
        "starts": T0,
        "ends": T0 + dt.timedelta(hours=2),
        "reason": "yearbook",
        "settings": SETTINGS,
        "categories": ("social_networks",),
    }
    args.update(kw)
    return new_grant(**args)  # type: ignore[arg-type]


def test_only_administrators_grant() -> None:
    with pytest.raises(InputError, match="not an administrator"):
        grant(approver_is_administrator=False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "  "}, "reason is required"),
        ({"ends": T0}, "end after it starts"),
        ({"ends": T0 + dt.timedelta(days=31)}, "at most 30 days"),
        ({"scope": Scope.BUILDING, "target": ""}, "needs a target"),
        ({"starts": dt.datetime(2026, 10, 6, 10)}, "time zone"),
    ],
)
def test_grant_limits(change: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        grant(**change)


def test_emergency_is_time_boxed_and_alerts() -> None:
    emergency, alert = declare_emergency(
        emergency_id="e1",
        declared_by="mrivera",
        declarer_is_administrator=False,
        scope=Scope.PERSON,
        target="",
        at=T0,
        minutes=30,
        reason="lockout",
        settings=SETTINGS,
    )
    assert emergency.target == "mrivera"
    assert emergency.ends - emergency.starts == dt.timedelta(minutes=30)
    assert "mrivera declared an emergency" in alert.message
    assert alert.kind == "emergency"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"minutes": 61}, "1 to 60 minutes"),
        ({"minutes": 0}, "1 to 60 minutes"),
        ({"reason": ""}, "reason is required"),
        ({"scope": Scope.DISTRICT}, "only an administrator"),
    ],
)
def test_emergency_limits(change: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "emergency_id": "e1",
        "declared_by": "mrivera",
        "declarer_is_administrator": False,
        "scope": Scope.PERSON,
        "target": "",
        "at": T0,
        "minutes": 30,
        "reason": "lockout",
        "settings": SETTINGS,
    }
    args.update(change)
    with pytest.raises(InputError, match=message):
        declare_emergency(**args)  # type: ignore[arg-type]


def test_book_matches_scope_site_and_window() -> None:
    person = grant()
    building = grant(grant_id="g2", scope=Scope.BUILDING, target="cbhs", domains=("x.com",))
    book = ExceptionBook.build([person, building])
    social = frozenset({"social_networks"})
    inside = T0 + dt.timedelta(minutes=30)
    assert book.grant_for("staff-1", (), "staff", social, "facebook.com", inside) == person
    assert (
        book.grant_for("staff-1", (), "staff", social, "facebook.com", T0 - dt.timedelta(seconds=1))
        is None
    )
    assert book.grant_for("staff-1", (), "staff", social, "facebook.com", person.ends) is None
    assert (
        book.grant_for("staff-2", ("cbhs",), "staff", frozenset(), "api.x.com", inside) == building
    )
    assert book.grant_for("staff-2", ("cbhs",), "staff", frozenset(), "notx.com", inside) is None
    assert book.active(inside) == (2, 0)
