"""Visits, not hits: navigations count, widgets do not, sessions collapse within the window."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.audit.visits import NAVIGATION, SESSION, count_visits
from tests.unit.audit.outcome_rows import at, connect, outcome


def visits_of(con, who: str = "staff-0006") -> list[tuple[str, str, int, str]]:  # type: ignore[no-untyped-def]
    rows = con.execute(
        "SELECT site, visit_rule, hits, effect FROM web_visits WHERE who = ? ORDER BY started",
        [who],
    ).fetchall()
    return [tuple(r) for r in rows]


def test_embedded_widgets_never_make_a_visit() -> None:
    """gholt reads the local paper at 10:00; its pages embed Facebook's like button."""
    con = connect()
    for minute in range(0, 40, 5):
        outcome(con, at(6, 10, minute), "www.cutbankpioneerpress.com", person="staff-0007",
                username="gholt", effect="allow", top_level=True, categories=())  # fmt: skip
        outcome(con, at(6, 10, minute, 2), "connect.facebook.net", person="staff-0007",
                username="gholt", effect="deny", top_level=False, path="/en_US/sdk.js")  # fmt: skip
        outcome(con, at(6, 10, minute, 3), "www.facebook.com", person="staff-0007",
                username="gholt", top_level=False, path="/plugins/like.php")  # fmt: skip
    summary = count_visits(con)
    assert summary.hits == 24
    assert summary.visits == 8
    assert summary.violating_visits == 0
    assert {site for site, *_ in visits_of(con, "staff-0007")} == {"cutbankpioneerpress.com"}
    assert summary.sources[0].rule == NAVIGATION


def test_each_top_level_navigation_is_a_visit() -> None:
    con = connect()
    outcome(con, at(6, 10), "www.facebook.com", top_level=True)
    outcome(con, at(6, 10, 0, 1), "static.xx.fbcdn.net", top_level=False)
    outcome(con, at(6, 10, 2), "www.facebook.com", path="/groups", top_level=True)
    summary = count_visits(con)
    assert (summary.hits, summary.visits, summary.violating_visits) == (3, 2, 2)
    assert [v[:2] for v in visits_of(con)] == [("facebook.com", NAVIGATION)] * 2


def test_without_sec_fetch_requests_collapse_into_sessions() -> None:
    con = connect()
    for minute in (0, 5, 20, 49):  # gaps of 5, 15 and 29 minutes: one session
        outcome(con, at(6, 10, minute), "www.facebook.com", method="CONNECT", path="")
    outcome(con, at(6, 11, 20), "www.facebook.com", method="CONNECT", path="")  # 31 min later
    outcome(con, at(6, 11, 21), "m.facebook.com", method="CONNECT", path="")  # same site
    outcome(con, at(6, 11, 22), "www.instagram.com", method="CONNECT", path="")  # another site
    summary = count_visits(con)
    assert summary.sources[0].rule == SESSION
    assert (summary.hits, summary.visits) == (7, 3)
    assert visits_of(con) == [
        ("facebook.com", SESSION, 4, "deny"),
        ("facebook.com", SESSION, 2, "deny"),
        ("instagram.com", SESSION, 1, "deny"),
    ]


def test_the_window_is_a_setting() -> None:
    con = connect()
    for minute in (0, 10, 20):
        outcome(con, at(6, 10, minute), "www.facebook.com", method="CONNECT", path="")
    assert count_visits(con, window_minutes=30).visits == 1
    assert count_visits(con, window_minutes=5).visits == 3
    with pytest.raises(ValueError, match="positive"):
        count_visits(con, window_minutes=0)


def test_a_session_takes_its_worst_effect_and_first_such_hit() -> None:
    """A grant ends mid-session: the visit is a violation, cited by its first denied hit."""
    con = connect()
    outcome(con, at(6, 13, 50), "www.facebook.com", effect="allow", exception=("grant", "g1"))
    outcome(con, at(6, 14, 1), "www.facebook.com", line=70)
    outcome(con, at(6, 14, 2), "www.facebook.com", line=71)
    count_visits(con)
    row = con.execute("SELECT effect, line, hits, started, ended FROM web_visits").fetchall()
    assert row == [("deny", 70, 3, at(6, 13, 50), at(6, 14, 2))]


def test_people_are_told_apart_by_id_then_login_then_address() -> None:
    con = connect()
    outcome(con, at(6, 10), "www.facebook.com", person=None, username="visitor", client="1.1.1.1")
    outcome(con, at(6, 10), "www.facebook.com", person=None, username=None, client="127.40.0.9")
    outcome(con, at(6, 10), "www.facebook.com")
    count_visits(con)
    whos = {r[0] for r in con.execute("SELECT who FROM web_visits").fetchall()}
    assert whos == {"user:visitor", "client:127.40.0.9", "staff-0006"}


def test_sites_are_registrable_domains() -> None:
    con = connect()
    hosts = ["www.facebook.com", "news.bbc.co.uk", "facebook.com", "127.0.0.1", "a.b.example.de"]
    for n, host in enumerate(hosts):
        outcome(con, at(6, 10, n), host, top_level=True)
    count_visits(con)
    sites = [r[0] for r in con.execute("SELECT site FROM web_visits ORDER BY started").fetchall()]
    assert sites == ["facebook.com", "bbc.co.uk", "facebook.com", "127.0.0.1", "example.de"]


def test_a_log_with_both_kinds_says_so_per_source() -> None:
    con = connect()
    outcome(con, at(6, 10), "www.facebook.com", top_level=True, source="boardline.log")
    outcome(con, at(6, 10, 1), "www.facebook.com", method="CONNECT", source="boardline.log")
    outcome(con, at(6, 10, 2), "www.facebook.com", source="old.log")
    summary = count_visits(con)
    assert {s.source: s.rule for s in summary.sources} == {
        "boardline.log": "navigation + session",
        "old.log": "session",
    }


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 600), st.sampled_from(["a.example.com", "b.example.com", "x.org"]),
            st.sampled_from([None, True, False]),
        ),
        max_size=40,
    )
)  # fmt: skip
def test_visits_never_exceed_hits_and_widgets_are_never_visits(
    hits: list[tuple[int, str, bool | None]],
) -> None:
    con = connect()
    for n, (minute, host, top) in enumerate(hits):
        outcome(con, at(6, 8) + minute * 60, host, top_level=top, line=n + 1)
    summary = count_visits(con)
    assert summary.hits == len(hits)
    assert summary.visits <= summary.hits
    navigations = sum(1 for _, _, top in hits if top)
    assert summary.visits >= navigations
    assert con.execute("SELECT count(*) FROM web_visits WHERE top_level = FALSE").fetchone() == (0,)
    visit_hits = con.execute("SELECT coalesce(sum(hits), 0) FROM web_visits").fetchone()
    widgets = sum(1 for _, _, top in hits if top is False)
    assert visit_hits == (len(hits) - widgets,)


_SITES = {"www.a.com": "a.com", "m.a.com": "a.com", "b.org": "b.org", "x.b.org": "b.org"}
_RANK = {"allow": 0, "flag": 1, "deny": 2}
Hit = tuple[int, str, str, bool | None, str, str, int]


def _reference_visits(hits: list[Hit], window: float) -> set[tuple[object, ...]]:
    """Visits by the rules of the module docstring, computed the plain way."""
    visits: set[tuple[object, ...]] = set()
    sessions: dict[tuple[str, str], list[tuple[float, str, int, str]]] = {}
    for seconds, who, host, top, effect, source, line in hits:
        ts = at(6, 8) + seconds
        if top is False:
            continue
        if top:
            visits.add((who, _SITES[host], NAVIGATION, 1, ts, ts, source, line, effect))
            continue
        sessions.setdefault((who, _SITES[host]), []).append((ts, source, line, effect))
    for (who, site), rows in sessions.items():
        rows.sort()
        groups: list[list[tuple[float, str, int, str]]] = []
        for row in rows:
            if groups and row[0] - groups[-1][-1][0] <= window:
                groups[-1].append(row)
            else:
                groups.append([row])
        for group in groups:
            worst = max(_RANK[r[3]] for r in group)
            first = next(r for r in group if _RANK[r[3]] == worst)
            visits.add((who, site, SESSION, len(group), group[0][0], group[-1][0],
                        first[1], first[2], first[3]))  # fmt: skip
    return visits


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 7200), st.sampled_from(["staff-0006", "staff-0007"]),
            st.sampled_from(sorted(_SITES)), st.sampled_from([None, None, True, False]),
            st.sampled_from(["allow", "flag", "deny"]), st.sampled_from(["a.log", "b.log"]),
        ),
        max_size=60,
    ),
    st.sampled_from([5.0, 30.0]),
)  # fmt: skip
def test_visits_match_a_plain_reference(
    drawn: list[tuple[int, str, str, bool | None, str, str]], window: float
) -> None:
    """Sessions, worst effects and representative hits agree with a plain Python count,
    across people, sites sharing a registrable domain, two sources and equal times."""
    con = connect()
    hits = [(*h, n + 1) for n, h in enumerate(drawn)]
    for seconds, who, host, top, effect, source, line in hits:
        outcome(con, at(6, 8) + seconds, host, person=who, top_level=top, effect=effect,
                source=source, line=line)  # fmt: skip
    count_visits(con, window_minutes=window)
    found = con.execute(
        "SELECT who, site, visit_rule, hits, started, ended, source, line, effect FROM web_visits"
    ).fetchall()
    assert len(found) == len(set(found))
    assert set(found) == _reference_visits(hits, window * 60)
