from __future__ import annotations

from boardline.audit.readers.decision_log import NOT_WEB, parse_line
from boardline.audit.readers.errors import MALFORMED, VERSION, Bad
from boardline.audit.readers.rows import WebRow
from tests.unit.audit.readers.conftest import FIXTURES

LINES = (FIXTURES / "decision_log.jsonl").read_text(encoding="utf-8").splitlines()


def _parse(number: int) -> object:
    return parse_line(LINES[number - 1], source="decisions.jsonl", line=number)


def test_a_web_decision_becomes_an_event_with_its_decision_id() -> None:
    row = _parse(1)

    assert isinstance(row, WebRow)
    assert (row.host, row.path, row.username, row.decision_id, row.top_level) == (
        "www.facebook.com", "/profile", "mrivera", "sq12-0", True,
    )  # fmt: skip


def test_connect_hosts_are_normalised_and_other_events_skipped() -> None:
    row = _parse(2)
    assert isinstance(row, WebRow)
    assert (row.host, row.path) == ("www.example.org", "")
    assert _parse(3) == NOT_WEB


def test_unknown_versions_and_bad_fields_are_errors_naming_the_field() -> None:
    version = _parse(4)
    assert isinstance(version, Bad)
    assert version.reason == VERSION
    assert "decision-log@2" in version.detail
    effect = _parse(5)
    assert isinstance(effect, Bad)
    assert effect.reason == MALFORMED
    assert effect.detail.startswith("effect:")
