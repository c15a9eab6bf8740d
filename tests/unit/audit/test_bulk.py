"""evaluate_web's contract (ranges, re-runs) and evaluate_comm (engine decisions, bad values)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from boardline.audit.bulk import comm_decision, evaluate_comm, evaluate_web
from tests.unit.audit.bulk_world import World, load_events, local, make_world, random_events


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("bulk-unit"), "demo")


def test_a_range_is_evaluated_alone_and_re_runs_replace_it(world: World) -> None:
    rows = random_events(world, random.Random(11), 600)
    con = load_events(rows)
    middle = sorted(float(r[2]) for r in rows)[300]  # type: ignore[arg-type]
    assert evaluate_web(con, world.compiled, world.facts, until=middle) == 300
    assert evaluate_web(con, world.compiled, world.facts, since=middle) == 300
    assert evaluate_web(con, world.compiled, world.facts, since=middle) == 300
    (total,) = con.execute("SELECT count(*) FROM web_outcomes").fetchone() or (0,)
    assert total == 600


def test_outcomes_written_as_parquet_equal_the_table_and_shadow_it(
    world: World, tmp_path: Path
) -> None:
    """The pipeline's Parquet outcomes are the table's rows, and ``rowid`` numbers them."""
    rows = random_events(world, random.Random(12), 800)
    columns = "source, line, effect, rule, branch, categories, person_id, exception_id"
    table = load_events(rows)
    evaluate_web(table, world.compiled, world.facts)
    expected = table.execute(f"SELECT {columns} FROM web_outcomes ORDER BY line").fetchall()

    con = load_events(rows)
    assert evaluate_web(con, world.compiled, world.facts, into=tmp_path) == 800
    assert (tmp_path / "web_outcomes.parquet").is_file()
    assert con.execute(f"SELECT {columns} FROM web_outcomes ORDER BY line").fetchall() == expected
    (database,) = con.execute("SELECT current_database()").fetchone() or ("",)
    assert con.execute(f"SELECT count(*) FROM {database}.main.web_outcomes").fetchone() == (0,)
    ids = con.execute("SELECT rowid FROM web_outcomes ORDER BY rowid").fetchall()
    assert [i for (i,) in ids] == list(range(800))


def comm_row(
    line: int, staff: str, student: str, channel: str, **more: object
) -> tuple[object, ...]:
    at = local(dt.date(2026, 10, 6), 19).timestamp()
    values = {"direction": "staff_to_student", "audience": "individual", "purpose": "unknown"}
    values.update({k: str(v) for k, v in more.items()})
    return (
        "trace.csv", line, at, staff, student, channel,
        values["direction"], values["audience"], values["purpose"], None, f"m{line}",
    )  # fmt: skip


def test_communication_is_decided_by_the_engine_and_bad_values_are_reported(
    world: World,
) -> None:
    facts = world.facts
    staff = facts.directory.resolve("mrivera")
    noah = facts.directory.resolve("noah.hale")
    lily = facts.directory.resolve("lily.baker")
    tbaker = facts.directory.resolve("tbaker")
    assert staff
    assert noah
    assert lily
    assert tbaker
    rows = [
        comm_row(1, staff.id, noah.id, "personal_email"),
        comm_row(2, staff.id, noah.id, "district_email"),
        comm_row(3, tbaker.id, lily.id, "personal_email"),  # family: exempt
        comm_row(4, staff.id, noah.id, "carrier_pigeon"),
    ]
    con = load_events(random_events(world, random.Random(1), 1))
    con.executemany(f"INSERT INTO comm_events VALUES ({', '.join(['?'] * 11)})", rows)
    assert evaluate_comm(con, world.compiled, world.facts) == 3
    assert evaluate_comm(con, world.compiled, world.facts) == 3  # a re-run replaces
    got = con.execute(
        "SELECT line, effect, rule, clauses, decision_id FROM comm_outcomes ORDER BY line"
    ).fetchall()
    assert [(line, effect) for line, effect, *_ in got] == [(1, "flag"), (2, "allow"), (3, "allow")]
    columns = ("source", "line", "ts", "staff", "student", "channel", "direction", "audience",
               "purpose", "district_controlled", "message_ref")  # fmt: skip
    first = comm_decision(dict(zip(columns, rows[0], strict=True)), world.compiled, facts)
    assert got[0][2] == first.rule == "staff-student-interactions"
    assert got[0][3] == [f"{c.policy} {c.clause}" for c in first.citations]
    assert got[0][4] == first.decision_id
    errors = con.execute("SELECT line, reason, detail FROM read_errors").fetchall()
    assert errors == [(4, "invalid_value", errors[0][2])]
    assert "channel" in errors[0][2]
    assert "carrier_pigeon" in errors[0][2]


def test_the_path_is_only_looked_at_where_it_can_matter(world: World, tmp_path: Path) -> None:
    categories = world.facts.categories
    assert categories.path_matters("forum.example.net")  # type: ignore[attr-defined]
    assert categories.path_matters("www.youtube.com")  # type: ignore[attr-defined]
    assert not categories.path_matters("www.facebook.com")  # type: ignore[attr-defined]
    rows = random_events(world, random.Random(5), 400)
    con = load_events(rows)
    evaluate_web(con, world.compiled, world.facts)
    hosts = {h for (h,) in con.execute("SELECT DISTINCT host FROM fact_paths").fetchall()}
    assert hosts
    assert hosts <= {
        "forum.example.net",
        "example.org",
        "youtube.com",
        "www.youtube.com",
        "reddit.com",
        "www.reddit.com",
        "www.example.com",
        "example.com",
    }


def test_parquet_outcomes_go_to_any_folder_name(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "district's run"
    folder.mkdir()
    con = load_events(random_events(world, random.Random(13), 50))
    assert evaluate_web(con, world.compiled, world.facts, into=folder) == 50
