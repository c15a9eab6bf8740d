"""Bulk evaluation in SQL decides exactly as the engine: the acceptance test of issue 5.

Tens of thousands of random web events over the demo district made busier
(:mod:`tests.unit.audit.bulk_world`: school days, breaks, staff days, holidays,
closures, after hours and the DST changes; district, BYOD, student and guest
networks, leases and unknown addresses, with and without logins; grants and
emergencies in and out of their windows and scopes; social networks, other
UT1-like categories, unknown hosts, subdomains, URL entries and path overrides)
are decided by :func:`boardline.engine.evaluate.evaluate` and by the SQL on
DuckDB, and the whole :class:`Decision` rebuilt from each outcome row must equal
the engine's — effect, rule, categories, exception, severity, citations,
explanation and decision id.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boardline.audit.bulk import evaluate_web, event_time, outcome_decision, web_event
from boardline.audit.bulk_sql import OUTCOME_COLUMNS
from boardline.engine.evaluate import evaluate
from tests.unit.audit.bulk_world import (
    DENVER,
    EDGES,
    HOT_DAYS,
    World,
    load_events,
    make_world,
    random_events,
)

EVENTS_PER_WORLD = 12_000
BRANCHES = {
    "no_identity",
    "not_covered",
    "not_category",
    "outside_hours",
    "grant",
    "emergency",
    "in_hours",
}


@pytest.fixture(scope="module", params=["demo", "extended"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("bulk"), request.param)


def outcome_rows(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, object]]:
    cursor = con.execute(f"SELECT {', '.join(OUTCOME_COLUMNS)} FROM web_outcomes ORDER BY line")
    for values in cursor.fetchall():
        yield dict(zip(OUTCOME_COLUMNS, values, strict=True))


def disagreements(world: World, rows: list[tuple[object, ...]]) -> tuple[list[str], set[str]]:
    con = load_events(rows)
    assert evaluate_web(con, world.compiled, world.facts) == len(rows)
    problems: list[str] = []
    branches: set[str] = set()
    for row in outcome_rows(con):
        branches.add(str(row["branch"]))
        want = evaluate(web_event(row), world.facts, world.compiled, event_time(float(row["ts"])))
        got = outcome_decision(row, world.compiled, world.facts)
        columns = (
            row["effect"] == want.effect.value
            and row["rule"] == want.rule
            and tuple(row["categories"]) == want.categories  # type: ignore[arg-type]
            and row["severity"] == want.severity.value
            and row["exception_id"] == (want.exception.id if want.exception else None)
            and row["person_id"] == want.subject
            and row["revision"] == want.revision
        )
        if got != want or not columns:
            problems.append(f"{row}\n  engine: {want}\n  sql:    {got}")
    con.close()
    return problems, branches


def test_sql_agrees_with_the_engine_on_every_random_event(world: World) -> None:
    rows = random_events(world, random.Random(5460), EVENTS_PER_WORLD)
    problems, branches = disagreements(world, rows)
    assert not problems, f"{len(problems)} disagreements; first:\n" + "\n".join(problems[:3])
    # The generator reaches every step of the combining order, or agreement means little.
    assert branches == BRANCHES


def test_outcomes_cover_every_event_exactly_once(world: World) -> None:
    rows = random_events(world, random.Random(7), 500)
    con = load_events(rows)
    evaluate_web(con, world.compiled, world.facts)
    again = evaluate_web(con, world.compiled, world.facts)
    lines = con.execute("SELECT line FROM web_outcomes ORDER BY line").fetchall()
    assert again == 500
    assert [line for (line,) in lines] == list(range(1, 501))


@st.composite
def events(draw: st.DrawFn, world: World) -> list[tuple[object, ...]]:
    count = draw(st.integers(1, 25))
    rows: list[tuple[object, ...]] = []
    for line in range(1, count + 1):
        day = draw(st.sampled_from(HOT_DAYS))
        hour, minute = draw(st.sampled_from(EDGES))
        wall = dt.datetime.combine(day, dt.time(hour, minute, fold=draw(st.integers(0, 1))))
        offset = draw(st.integers(-7200 * 10**6, 7200 * 10**6)) / 10**6
        host, path = draw(st.sampled_from(world.sites))
        method = draw(st.sampled_from(("GET", "CONNECT")))
        rows.append(
            (
                "hyp.log",
                line,
                wall.replace(tzinfo=DENVER).timestamp() + offset,
                draw(st.sampled_from(world.clients)),
                draw(st.sampled_from(world.usernames)),
                method,
                host,
                "" if method == "CONNECT" else path,
                200,
                1,
                None,
                None,
                "squid",
            )
        )
    return rows


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("hyp"), "extended")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_sql_agrees_with_the_engine_on_generated_batches(
    extended: World, data: st.DataObject
) -> None:
    rows = data.draw(events(extended))
    problems, _ = disagreements(extended, rows)
    assert not problems, "\n".join(problems[:3])


def test_world_state_is_not_leaking(tmp_path: Path) -> None:
    """Two worlds built apart decide the same events the same way (no hidden caches)."""
    first = make_world(tmp_path / "a", "demo")
    second = make_world(tmp_path / "b", "demo")
    rows = random_events(first, random.Random(3), 300)
    one, two = load_events(rows), load_events(rows)
    evaluate_web(one, first.compiled, first.facts)
    evaluate_web(two, second.compiled, second.facts)
    query = "SELECT * EXCLUDE (revision) FROM web_outcomes ORDER BY line"
    assert one.execute(query).fetchall() == two.execute(query).fetchall()
