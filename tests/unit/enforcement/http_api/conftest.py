"""The demo district's runtime and an app over it, at 10:00 on a school day (Cut Bank)."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from boardline.bootstrap import bootstrap
from boardline.enforcement.decision_token import issue_token
from boardline.enforcement.http_api import create_app
from boardline.engine.evaluator import Evaluator
from boardline.model.events import Subject, WebAccess
from boardline.policy.pack import Effect
from boardline.runtime import Runtime
from boardline.settings import Settings

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its test client; httpx still works.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SCHOOL_TIME = dt.datetime.fromisoformat("2026-10-06T10:00:00-06:00")
AFTER_SCHOOL = dt.datetime.fromisoformat("2026-10-06T17:30:00-06:00")
SECRET = b"test-secret-for-block-page-tokens"
ADMIN_KEY = "kdoyle-key-0123456789"
STAFF_KEY = "mrivera-key-0123456789"
ADMIN_KEYS = {ADMIN_KEY: "kdoyle", STAFF_KEY: "mrivera"}
FACEBOOK = {"kind": "web", "user": "mrivera", "url": "https://www.facebook.com/"}


class Clock:
    """A settable clock: tests move time on without sleeping."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return bootstrap(Settings(state_dir=str(tmp_path)))


@pytest.fixture
def clock() -> Clock:
    return Clock(SCHOOL_TIME)


@pytest.fixture
def app(runtime: Runtime, clock: Clock) -> FastAPI:
    return create_app(runtime, secret=SECRET, clock=clock, admin_keys=ADMIN_KEYS)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def shared_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """For tests that only read: one app per module."""
    state = tmp_path_factory.mktemp("api")
    app = create_app(
        bootstrap(Settings(state_dir=str(state))),
        secret=SECRET,
        clock=Clock(SCHOOL_TIME),
        admin_keys=ADMIN_KEYS,
    )
    with TestClient(app) as test_client:
        yield test_client


def csrf_field(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def deny_token(
    runtime: Runtime,
    host: str = "www.facebook.com",
    user: str = "mrivera",
    at: dt.datetime | None = None,
) -> str:
    """What the Squid helper does on a deny: decide, then sign a token for the person."""
    pack, facts = runtime.snapshot()
    event = WebAccess(Subject(user), host, "/", event_id=f"test-{host}-{user}")
    decision = Evaluator(pack, facts).decide(event, at or SCHOOL_TIME)
    assert decision.effect is Effect.DENY, decision.explanation
    assert decision.subject is not None
    return issue_token(decision, decision.subject, host, SECRET)
