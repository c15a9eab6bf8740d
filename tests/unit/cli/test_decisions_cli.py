"""``boardline decisions show|tail`` read what enforcement points wrote to the decision log."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from boardline.bootstrap import bootstrap, open_decision_log
from boardline.cli.main import app
from boardline.engine.evaluator import Evaluator
from boardline.model.events import Subject, WebAccess
from boardline.settings import Settings

runner = CliRunner()
SCHOOL = dt.datetime(2026, 10, 6, 16, 0, tzinfo=dt.UTC)


def write_some(state: Path) -> list[str]:
    settings = Settings(state_dir=str(state))
    runtime = bootstrap(settings)
    sink = open_decision_log(settings, runtime)
    assert sink is not None
    pack, facts = runtime.snapshot()
    evaluator = Evaluator(pack, facts)
    ids = []
    for n, (user, address, host) in enumerate(
        [("mrivera", None, "www.facebook.com"), ("noah.hale", "127.30.0.5", "www.tiktok.com")]
    ):
        event = WebAccess(Subject(user, address), host, "/", event_id=f"t{n}")
        decision = evaluator.decide(event, SCHOOL)
        sink.write(decision, event)
        ids.append(decision.decision_id)
    sink.flush()
    return ids


def test_show_a_decision_by_id_with_its_clause(tmp_path: Path) -> None:
    deny, student = write_some(tmp_path)
    env = {"BOARDLINE_STATE_DIR": str(tmp_path)}
    shown = runner.invoke(app, ["decisions", "show", deny], env=env)
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "deny" in text
    assert "clause 5460.p7" in text
    assert "mrivera (staff)" in text
    data = json.loads(runner.invoke(app, ["decisions", "show", student, "--json"], env=env).output)
    assert data["role"] == "student"
    assert "127.30.0.5" not in json.dumps(data)
    assert "noah.hale" not in json.dumps(data)
    missing = runner.invoke(app, ["decisions", "show", "d-nope"], env=env)
    assert missing.exit_code == 2
    assert "no decision d-nope" in missing.output


def test_tail_filters_by_effect(tmp_path: Path) -> None:
    deny, _ = write_some(tmp_path)
    env = {"BOARDLINE_STATE_DIR": str(tmp_path)}
    result = runner.invoke(app, ["decisions", "tail", "--effect", "deny", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert [d["decision_id"] for d in json.loads(result.output)] == [deny]
