"""``boardline audit``: options, a board JSON report, the run recorded with its operator."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from boardline.cli.main import app
from boardline.demo.week_logs import PERSONAL_ADDRESS, write_mail_trace, write_week_log
from boardline.storage import SqlFindingStore

runner = CliRunner()


def test_audit_writes_a_board_report_and_records_who_ran_it(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    write_week_log(log, lines=2_000)
    env = {"BOARDLINE_STATE_DIR": str(tmp_path / "state")}
    out = tmp_path / "board.json"
    result = runner.invoke(
        app,
        ["audit", str(log), "--from", "2026-10-05", "--to", "2026-10-11", "--format", "json",
         "--audience", "board", "--out", str(out), "--operator", "kdoyle"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Report (board)" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["schema"] == "boardline/audit-report@1"
    assert report["people"] is None
    assert report["since"].startswith("2026-10-05T00:00:00-06:00")
    with SqlFindingStore(f"sqlite:///{tmp_path / 'state' / 'boardline.db'}") as store:
        ((run, saved),) = store.runs()
        assert run.operator == "kdoyle"
        assert run.audience == "board"
        assert saved.new == len(store.findings())


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("", encoding="utf-8")
    env = {"BOARDLINE_STATE_DIR": str(tmp_path / "state")}
    missing = runner.invoke(app, ["audit", str(tmp_path / "nope.log")], env=env)
    assert missing.exit_code == 2
    assert "no such log file" in missing.output
    bad_day = runner.invoke(app, ["audit", str(log), "--from", "last week"], env=env)
    assert bad_day.exit_code == 2
    assert "--from: 'last week' is not a date" in bad_day.output
    building = runner.invoke(app, ["audit", str(log), "--building", "nowhere"], env=env)
    assert building.exit_code == 2
    assert "unknown building 'nowhere'" in building.output


def test_known_addresses_put_a_personal_account_message_on_record(tmp_path: Path) -> None:
    trace = tmp_path / "trace.csv"
    write_mail_trace(trace)
    env = {"BOARDLINE_STATE_DIR": str(tmp_path / "state")}
    known = tmp_path / "known.csv"
    known.write_text(f"address,person\n{PERSONAL_ADDRESS},no.such.person\n", encoding="utf-8")
    bad = runner.invoke(app, ["audit", str(trace), "--known-addresses", str(known)], env=env)
    assert bad.exit_code == 2
    assert f"{known}:2: person: 'no.such.person' is not in the directory" in bad.output

    known.write_text(f"address,person\n{PERSONAL_ADDRESS},mrivera\n", encoding="utf-8")
    out = tmp_path / "hr.json"
    result = runner.invoke(
        app,
        ["audit", str(trace), "--known-addresses", str(known), "--format", "json",
         "--out", str(out)],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    messages = json.loads(out.read_text(encoding="utf-8"))["messages"]
    assert messages["violations"] == 1
    with SqlFindingStore(f"sqlite:///{tmp_path / 'state' / 'boardline.db'}") as store:
        (finding,) = store.findings()
    assert finding.record.kind == "communication"
    assert finding.record.username == "mrivera"
    assert finding.record.communication is not None
    assert finding.record.communication["channel"] == "personal_email"
    assert PERSONAL_ADDRESS not in json.dumps(dict(finding.record.communication))
