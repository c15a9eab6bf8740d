"""The demo's audit chapter: the week generated, its exceptions recorded once, two reports."""

from __future__ import annotations

from pathlib import Path

from boardline.bootstrap import bootstrap, database_url
from boardline.cli.demo_audit import chapter_audit
from boardline.settings import Settings
from boardline.storage import SqlFindingStore


def test_the_chapter_audits_the_week_and_can_run_again(tmp_path: Path) -> None:
    settings = Settings(state_dir=str(tmp_path / "var"))
    rt = bootstrap(settings)
    report = chapter_audit(rt, tmp_path / "var", database_url(settings), lines=3_000)
    html = report.read_text(encoding="utf-8")
    assert "Audience:</strong> hr" in html
    assert "Maria Rivera" in html
    board = (report.parent / "audit-report-board.html").read_text(encoding="utf-8")
    assert "Maria Rivera" not in board
    book = rt.exception_store.read().book
    assert [g.id for g in book.grants] == ["g-yearbook"]
    assert [e.id for e in book.emergencies] == ["e-lockout"]
    chapter_audit(rt, tmp_path / "var", database_url(settings), lines=3_000)
    with SqlFindingStore(database_url(settings)) as store:
        runs = store.runs()
        assert len(runs) == 2
        assert runs[1][1].new == 0
        assert runs[1][1].already_known == runs[0][1].new > 0
