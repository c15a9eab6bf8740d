"""A REQMOD service over the demo district's runtime, with a small scripted inspector."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from boardline.bootstrap import bootstrap
from boardline.enforcement.decision_log import DecisionLogWriter
from boardline.enforcement.icap.service import IcapLimits, ReqmodService
from boardline.enforcement.live_policy import LivePolicy
from boardline.model.errors import InputError
from boardline.model.events import Finding
from boardline.runtime import Runtime
from boardline.settings import Settings

SCHOOL_TIME = dt.datetime.fromisoformat("2026-10-06T10:00:00-06:00")
KEY = b"icap-test-masking-key-0123456789"
#: The fake inspector reports three students' records wherever this word appears.
ROSTER_WORD = "ROSTERLIST"
SECRET_VALUE = "Lily Baker 200001"


class FakeInspector:
    """Scripted findings: the service's contract with the scanners, not the scanners."""

    def __init__(self) -> None:
        self.revision = "fake/1"
        self.calls: list[tuple[str, str]] = []

    def _found(self, text: str) -> tuple[Finding, ...]:
        if "UNREADABLE" in text:
            raise InputError.at("upload", "cannot read", field="content")
        if ROSTER_WORD not in text:
            return ()
        return (
            Finding(
                kind="student_record",
                confidence=0.9,
                asset="OneRoster roster",
                evidence=f"3 student record(s) near {SECRET_VALUE}",  # never shown
                scanner="fake/1",
                people=3,
            ),
        )

    def inspect(self, data: bytes, name: str, media_type: str | None = None) -> tuple[Finding, ...]:
        self.calls.append(("file", name))
        return self._found(data.decode("utf-8", "replace"))

    def inspect_text(self, text: str, name: str) -> tuple[Finding, ...]:
        self.calls.append(("text", name))
        return self._found(text)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    return bootstrap(Settings(state_dir=str(tmp_path_factory.mktemp("icap"))))


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "decisions.jsonl"


def make_service(
    runtime: Runtime, log_path: Path, inspector: FakeInspector, **limits: object
) -> ReqmodService:
    people = runtime.snapshot()[1].directory.resolve
    return ReqmodService(
        LivePolicy(runtime),
        inspector,
        DecisionLogWriter(log_path, key=KEY, people=people),
        lambda: SCHOOL_TIME,
        IcapLimits(**limits),  # type: ignore[arg-type]
    )


@pytest.fixture
def inspector() -> FakeInspector:
    return FakeInspector()


@pytest.fixture
def service(runtime: Runtime, log_path: Path, inspector: FakeInspector) -> ReqmodService:
    return make_service(runtime, log_path, inspector)
