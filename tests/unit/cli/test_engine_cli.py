"""The engine's commands end to end: check, grant, emergency, exceptions, policy test and diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from boardline.cli.main import app
from boardline.demo.paths import demo_data, demo_pack_path

runner = CliRunner()
SCHOOL = "2026-10-06T10:00"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"BOARDLINE_STATE_DIR": str(tmp_path / "state")}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def check(env: dict[str, str], *extra: str) -> dict[str, object]:
    code, out = run(
        env, "check", "--user", "mrivera", "--url", "https://www.facebook.com/", "--json", *extra
    )
    assert code == 0, out
    data: dict[str, object] = json.loads(out)
    return data


def test_check_denies_with_the_quoted_clause(env: dict[str, str]) -> None:
    decision = check(env, "--at", SCHOOL)
    assert decision["effect"] == "deny"
    citations = decision["citations"]
    assert isinstance(citations, list)
    assert citations[0]["clause"] == "5460.p7"
    assert "during school hours is prohibited" in citations[0]["quote"]
    code, out = run(env, "check", "--user", "mrivera", "--url", "www.facebook.com", "--at", SCHOOL)
    assert code == 0
    assert "DENY" in out
    assert "5460.p7" in out


def test_check_needs_a_subject(env: dict[str, str]) -> None:
    code, out = run(env, "check", "--url", "https://www.facebook.com/")
    assert code == 2
    assert "give --user, --ip or both" in out


def test_a_grant_is_honoured_and_revocable(env: dict[str, str]) -> None:
    code, out = run(
        env,
        "grant",
        "--approver",
        "jcarter",
        "--for",
        "mrivera",
        "--category",
        "social_networks",
        "--from",
        "2026-10-06T09:00",
        "--until",
        "2026-10-06T11:00",
        "--reason",
        "yearbook sale",
        "--json",
    )
    assert code == 0, out
    grant_id = json.loads(out)["id"]
    decision = check(env, "--at", SCHOOL)
    assert decision["effect"] == "allow"
    assert decision["exception"]["id"] == grant_id  # type: ignore[index]
    code, out = run(env, "exceptions", "list", "--json")
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == [grant_id]
    code, out = run(env, "exceptions", "revoke", grant_id, "--by", "superintendent")
    assert code == 0, out
    assert check(env, "--at", SCHOOL)["effect"] == "deny"


def test_only_administrators_grant(env: dict[str, str]) -> None:
    code, out = run(env, "grant", "--approver", "mrivera", "--for", "mrivera", "--reason", "x")
    assert code == 2
    assert "approver" in out
    assert "not an administrator" in out


def test_emergency_takes_effect_and_alerts(env: dict[str, str]) -> None:
    code, out = run(
        env,
        "emergency",
        "--by",
        "mrivera",
        "--reason",
        "lockout updates",
        "--minutes",
        "20",
        "--at",
        "2026-10-06T09:55",
        "--json",
    )
    assert code == 0, out
    assert "declared an emergency" in json.loads(out)["alert"]
    decision = check(env, "--at", SCHOOL)
    assert decision["effect"] == "allow"
    assert decision["alert"] is True
    code, out = run(env, "emergency", "--by", "mrivera", "--reason", "x", "--minutes", "500")
    assert code == 2
    assert "1 to 60 minutes" in out


def test_policy_test_reports_failures_with_file_and_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n"
        "  - name: wrong on purpose\n"
        "    at: 2026-10-06T10:00:00-06:00\n"
        "    event: {web: {user: mrivera, url: https://www.facebook.com/}}\n"
        "    expect: {effect: allow}\n",
        encoding="utf-8",
    )
    code, out = run(env, "policy", "test", str(cases))
    assert code == 1
    assert f"{cases}:2: FAIL: wrong on purpose: expected allow, got deny" in out.replace("\n", "")
    assert "0 passed, 1 failed" in out


def test_policy_test_rejects_a_malformed_case(env: dict[str, str], tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n  - name: x\n    at: 2026-10-06T10:00:00-06:00\n"
        "    event: {}\n    expect: {effect: maybe}\n",
        encoding="utf-8",
    )
    code, out = run(env, "policy", "test", str(cases))
    assert code == 2
    assert "cases.yaml:5" in out


def test_diff_shows_a_redline(env: dict[str, str]) -> None:
    code, out = run(
        env,
        "policy",
        "diff",
        str(demo_data("5460-adopted-2012.txt")),
        str(demo_data("5460-revision-2026.txt")),
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["counts"]["changed"] == 2
    changed = {c["new_id"]: c for c in data["clauses"] if c["change"] == "changed"}
    spans = changed["5460.p7"]["spans"]
    assert {"op": "delete", "text": "cites"} in spans
    assert {"op": "insert", "text": "sites"} in spans
    history = next(s for s in data["sections"] if s["section"] == "history")
    assert "revised: 2026-09-08" in history["added"]


def test_diff_of_a_single_version_pack_says_so(env: dict[str, str]) -> None:
    code, out = run(env, "policy", "diff", str(demo_pack_path()))
    assert code == 2
    assert "has one version" in out
