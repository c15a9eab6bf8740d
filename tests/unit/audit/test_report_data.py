"""The report's numbers and names per audience: visits, citations, a de-identified board."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from boardline.audit.report_data import Audience, mask_students
from tests.demo_facts import demo_facts
from tests.unit.audit.report_fixtures import report


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


def values(cells) -> dict[str, int | None]:  # type: ignore[no-untyped-def]
    return {c.key: c.value for c in cells}


def test_hr_sees_each_violating_visit_with_its_clause_and_revision(state: Path) -> None:
    data, _ = report(state, Audience.HR)
    assert data.totals.violating_visits == 9
    assert data.totals.people_with_violations == 2
    assert data.people is not None
    by_user = {p.username: p for p in data.people}
    assert set(by_user) == {"mrivera", "tbaker"}
    rivera = by_user["mrivera"]
    assert (rivera.name, rivera.violating_visits, rivera.building) == (
        "Maria Rivera",
        8,
        "Cut Bank High School",
    )
    first = rivera.violations[0]
    assert (first.host, first.started.hour, first.visit_rule) == (
        "www.facebook.com",
        10,
        "navigation",
    )
    for person in data.people:
        for violation in person.violations:
            assert violation.citations
            assert {c.clause for c in violation.citations} == {"5460.p7"}
            assert {c.revision for c in violation.citations} == {data.revision}
            assert "school hours" in violation.citations[0].quote
            assert violation.revision == data.revision
    assert by_user["tbaker"].violations[0].visit_rule == "session"


def test_an_innocent_staff_member_with_only_embedded_widgets_has_no_violating_visit(
    state: Path,
) -> None:
    data, con = report(state, Audience.HR)
    assert data.people is not None
    assert "gholt" not in {p.username for p in data.people}
    widget_hits = con.execute(
        "SELECT count(*) FROM web_outcomes WHERE person_id = 'staff-0007' AND effect = 'deny'"
    ).fetchone()
    assert widget_hits == (3,)
    gholt_visits = con.execute(
        "SELECT count(*) FROM web_visits WHERE person_id = 'staff-0007' AND effect <> 'allow'"
    ).fetchone()
    assert gholt_visits == (0,)
    # Hits and visits are both reported: widgets are hits, not visits.
    assert data.totals.violating_hits == 14
    assert data.totals.violating_visits == 9


def test_students_never_appear(state: Path) -> None:
    for audience in Audience:
        data, _ = report(state, audience)
        text = repr(data)
        assert "noah.hale" not in text
        assert "stu-0002" not in text
        assert "127.30.1.40" not in text


def test_charts_count_violating_visits_by_day_hour_building_category_and_site(
    state: Path,
) -> None:
    data, _ = report(state, Audience.HR)
    assert values(data.per_day) == {
        "2026-10-05": 0,
        "2026-10-06": 1,
        "2026-10-07": 1,
        "2026-10-08": 6,
        "2026-10-09": 1,
    }
    assert data.per_day[0].label == "Mon 2026-10-05"
    assert data.heat[3][9] == 6  # Thursday, 9 o'clock
    assert data.heat[1][10] == 1  # Tuesday, 10 o'clock
    assert sum(v or 0 for row in data.heat for v in row) == 9
    assert values(data.by_building) == {"cbhs": 8, "cbms": 1}
    assert [c.label for c in data.by_building] == ["Cut Bank High School", "Cut Bank Middle School"]
    assert values(data.top_categories) == {"social_networks": 9}
    assert values(data.top_sites) == {"tiktok.com": 6, "facebook.com": 2, "instagram.com": 1}


def test_the_board_gets_aggregates_only_with_small_cells_suppressed(state: Path) -> None:
    data, _ = report(state, Audience.BOARD)
    assert data.people is None
    assert data.suppressed_below == 5
    assert data.operator == ""
    assert values(data.per_day) == {
        "2026-10-05": 0,
        "2026-10-06": None,
        "2026-10-07": None,
        "2026-10-08": 6,
        "2026-10-09": None,
    }
    # cbms alone would be 9 - 8 = 1 from the published total: its complement is hidden too.
    assert values(data.by_building) == {"cbhs": None, "cbms": None}
    assert values(data.top_sites) == {"tiktok.com": 6, "facebook.com": None, "instagram.com": None}
    assert data.totals.people_with_violations is None
    assert data.totals.violating_visits == 9
    assert all(not reason.samples for reason in data.errors)
    text = repr(data)
    for identifying in ("mrivera", "tbaker", "tharper", "jcarter", "Rivera", "127.10.", "127.20."):
        assert identifying not in text, identifying
    for use in data.exceptions:
        assert use.by is None
        assert use.target is None or use.scope != "person"


def test_exceptions_used_and_whether_each_use_was_justified(state: Path) -> None:
    data, _ = report(state, Audience.HR)
    uses = {u.id: u for u in data.exceptions}
    assert set(uses) == {"g-yearbook", "e-lockout", "g-unused"}
    grant = uses["g-yearbook"]
    assert (grant.kind, grant.by, grant.target, grant.hits, grant.justified) == (
        "grant",
        "jcarter",
        "mrivera",
        1,
        True,
    )
    emergency = uses["e-lockout"]
    assert (emergency.hits, emergency.outside_window, emergency.justified) == (2, 1, False)
    unused = uses["g-unused"]
    assert (unused.hits, unused.people, unused.scope, unused.target) == (0, 0, "building", "hay")


def test_an_administrator_report_can_be_scoped_to_a_building(state: Path) -> None:
    data, _ = report(state, Audience.ADMINISTRATOR, building="cbms")
    assert data.building_name == "Cut Bank Middle School"
    assert data.people is not None
    assert [p.username for p in data.people] == ["tbaker"]
    assert data.totals.violating_visits == 1
    assert values(data.by_building) == {"cbms": 1}
    assert {u.id for u in data.exceptions if u.hits} == set()


def test_error_samples_are_counted_by_reason_and_mask_students(state: Path) -> None:
    data, _ = report(state, Audience.HR)
    assert data.totals.errors == 2
    reasons = {r.reason: r for r in data.errors}
    assert {k: r.count for k, r in reasons.items()} == {"malformed": 1, "binary": 1}
    sample = reasons["malformed"].samples[0]
    assert (sample.source, sample.line) == ("access.log", 77)
    assert "noah.hale" not in sample.sample
    assert "127.30.1.40" not in sample.sample
    assert sample.sample.count("[student]") == 2
    assert data.totals.lines == data.totals.events + data.totals.errors


def test_masking_keeps_staff_and_other_text(state: Path) -> None:
    _, facts = demo_facts(state)
    text = "mrivera 127.10.1.10 GET noah.hale@students.cutbank.example.org x"
    assert (
        mask_students(text, facts, dt.datetime(2026, 10, 6, 16, tzinfo=dt.UTC))
        == "mrivera 127.10.1.10 GET [student] x"
    )


def test_report_data_is_frozen(state: Path) -> None:
    data, _ = report(state, Audience.HR)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.revision = "x"  # type: ignore[misc]
