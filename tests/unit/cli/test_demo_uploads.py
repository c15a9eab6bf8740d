"""The demo's upload chapter: blocked, blocked, allowed, and no student value on screen.

The live test runs the chapter as ``make demo`` does, through a real Squid
(Debian's, which ``.ci/run`` installs) wired to the ICAP service; the second
runs it as on a machine without Squid, where the same requests go to the ICAP
service through the chapter's own ICAP client.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from boardline.bootstrap import bootstrap, decision_log_path
from boardline.cli import demo_uploads
from boardline.cli.output import console
from boardline.enforcement.squid.lab import LabError
from boardline.runtime import Runtime
from boardline.settings import Settings


@pytest.fixture(scope="module")
def demo_state(tmp_path_factory: pytest.TempPathFactory) -> tuple[Runtime, Settings]:
    settings = Settings(state_dir=str(tmp_path_factory.mktemp("demo") / "var"))
    return bootstrap(settings), settings


def run_chapter(rt: Runtime, settings: Settings) -> tuple[list[demo_uploads.UploadResult], str]:
    """The chapter's results and what it printed, on a console wide enough not to wrap cells."""
    with pytest.MonkeyPatch.context() as patch, console.capture() as captured:
        patch.setattr(console, "width", 400)
        results = demo_uploads.chapter_uploads(rt, settings)
    return results, captured.get()


def check_outcomes(
    results: list[demo_uploads.UploadResult], output: str, rt: Runtime, settings: Settings
) -> None:
    poster, roster_post, holiday = results
    assert [r.status for r in results] == [403, 403, 200]
    assert [f.kind for f in poster.findings] == ["district_logo"]
    assert [f.kind for f in roster_post.findings] == ["student_record"]
    assert roster_post.findings[0].people == 3
    assert holiday.findings == ()
    for blocked in (poster, roster_post):
        assert blocked.decision is not None
        assert blocked.decision.citations[0].clause == "5460.p7"
    assert roster_post.page_summary == ("student records: 1 finding about 3 people",)
    text = " ".join(output.split())
    assert "Cut Bank Buffaloes crest" in text
    assert "“Further, the posting of any private or confidential school district material" in text
    assert "student records: 1 finding about 3 people" in text
    _, values = demo_uploads.student_list(rt)
    log = decision_log_path(settings)
    assert log is not None
    logged = log.read_text(encoding="utf-8")
    for value in values:
        assert value not in output
        assert value not in logged


def test_three_uploads_through_squid_and_icap(demo_state: tuple[Runtime, Settings]) -> None:
    rt, settings = demo_state
    results, output = run_chapter(rt, settings)
    check_outcomes(results, output, rt, settings)
    text = " ".join(output.split())
    assert "handed each post to `boardline icap`" in text
    assert "the forum received 1 of 3 posts (/albums/summer)" in text


def test_without_squid_the_uploads_go_straight_to_icap(
    demo_state: tuple[Runtime, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_squid(command: Path) -> None:
        raise LabError("Squid is not installed; `apt-get install -y squid`")

    monkeypatch.setattr(demo_uploads, "check_runnable", no_squid)
    rt, settings = demo_state
    results, output = run_chapter(rt, settings)
    check_outcomes(results, output, rt, settings)
    text = " ".join(output.split())
    assert "Install Squid with `apt-get install squid`" in text
