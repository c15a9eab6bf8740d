"""CSV and JSON exports: violations as rows with citations; JSON under a versioned schema."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from boardline.audit.report_csv import AGGREGATE_COLUMNS, VIOLATION_COLUMNS, write_csv
from boardline.audit.report_data import Audience
from boardline.audit.report_json import SCHEMA, report_json, write_json
from tests.unit.audit.report_fixtures import report


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


def test_csv_rows_are_violations_each_citing_clause_and_revision(
    state: Path, tmp_path: Path
) -> None:
    data, _ = report(state, Audience.HR)
    path = write_csv(data, tmp_path / "violations.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == VIOLATION_COLUMNS
    assert len(rows) == 9
    assert {r["username"] for r in rows} == {"mrivera", "tbaker"}
    for row in rows:
        assert row["clause"] == "5460.p7"
        assert row["revision"] == data.revision
        assert "school hours" in row["quote"]
        assert row["rule"] == "no-social-networking-during-school-hours"
    connect = next(r for r in rows if r["username"] == "tbaker")
    assert (connect["method"], connect["visit_rule"], connect["source"]) == (
        "CONNECT",
        "session",
        "access.log",
    )


def test_a_board_csv_is_aggregates_only(state: Path, tmp_path: Path) -> None:
    data, _ = report(state, Audience.BOARD)
    text = write_csv(data, tmp_path / "board.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    assert tuple(rows[0]) == AGGREGATE_COLUMNS
    assert ["per_day", "2026-10-06", "Tue 2026-10-06", "<5"] in rows
    assert ["top_sites", "tiktok.com", "tiktok.com", "6"] in rows
    assert "mrivera" not in text
    assert "127.10." not in text


def test_json_is_versioned_and_round_trips(state: Path, tmp_path: Path) -> None:
    data, _ = report(state, Audience.HR)
    loaded = json.loads(write_json(data, tmp_path / "r.json").read_text(encoding="utf-8"))
    assert loaded == json.loads(json.dumps(report_json(data)))
    assert loaded["schema"] == SCHEMA == "boardline/audit-report@1"
    assert loaded["audience"] == "hr"
    assert loaded["totals"]["violating_visits"] == 9
    first = loaded["people"][0]["violations"][0]
    assert first["citations"][0]["clause"] == "5460.p7"
    assert first["citations"][0]["revision"] == data.revision
    assert first["started"].endswith("-06:00")
    assert loaded["visit_rules"]["sources"][0]["rule"] == "navigation + session"


def test_board_json_has_no_people_and_nulls_for_small_cells(state: Path) -> None:
    loaded = report_json(report(state, Audience.BOARD)[0])
    assert loaded["people"] is None
    assert loaded["operator"] is None
    assert loaded["totals"]["people_with_violations"] is None
    # Complementary suppression: with the total shown, a lone hidden cbms would be 9 - 8.
    assert {c["key"]: c["value"] for c in loaded["by_building"]} == {"cbhs": None, "cbms": None}
    assert "mrivera" not in json.dumps(loaded)
