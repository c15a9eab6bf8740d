"""The block page round trip: the clause quoted, a request for an exception, an emergency."""

from __future__ import annotations

import datetime as dt
import html

from starlette.testclient import TestClient

from boardline.enforcement.decision_token import issue_token, read_token
from boardline.engine.evaluator import Evaluator
from boardline.engine.requests import RequestStatus
from boardline.model.events import Subject, WebAccess
from boardline.runtime import Runtime
from tests.unit.enforcement.http_api.conftest import (
    FACEBOOK,
    SCHOOL_TIME,
    SECRET,
    Clock,
    csrf_field,
    deny_token,
)


def mrivera_id(runtime: Runtime) -> str:
    person = runtime.facts.directory.resolve("mrivera")
    assert person is not None
    return person.id


def test_the_page_shows_host_quoted_clause_why_and_decision_id(
    client: TestClient, runtime: Runtime
) -> None:
    token = deny_token(runtime)
    decision_id = read_token(token, SECRET, SCHOOL_TIME).decision_id
    page = client.get("/blocked", params={"t": token})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert '<html lang="en">' in page.text
    assert "<h1>www.facebook.com is blocked</h1>" in text
    assert "Policy 5460, clause <code>5460.p7</code>" in text
    assert "Accessing social networking websites for individual use during school hours" in text
    assert "No social networking for individual use during school hours" in text
    assert decision_id in text
    assert "Maria Rivera (mrivera)" in text
    assert "<script" not in page.text
    assert 'label for="request-reason"' in page.text
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    assert "samesite=strict" in cookie.lower()
    assert "httponly" in cookie.lower()


def test_emergency_lengths_stop_at_the_packs_maximum(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/blocked", params={"t": deny_token(runtime)})
    most = runtime.pack.exceptions.emergency_max_minutes
    assert f'<option value="{most}"' in page.text
    assert f'<option value="{most + 1}"' not in page.text
    assert '<option value="90"' not in page.text


def test_a_request_is_stored_pending_for_the_tokens_person(
    client: TestClient, runtime: Runtime
) -> None:
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    sent = client.post(
        "/blocked/request",
        data={"t": token, "csrf": csrf_field(page.text), "reason": "Parent night event page"},
    )
    assert sent.status_code == 200, sent.text
    assert "Request sent to administration" in sent.text
    (request,) = runtime.exception_store.read().requests
    assert request.person == mrivera_id(runtime)
    assert request.status is RequestStatus.PENDING
    assert request.host == "www.facebook.com"
    assert request.categories == ("social_networks",)
    assert request.reason == "Parent night event page"
    # Sending the same form twice does not queue it twice.
    client.post(
        "/blocked/request",
        data={"t": token, "csrf": csrf_field(page.text), "reason": "Parent night event page"},
    )
    assert len(runtime.exception_store.read().requests) == 1


def test_a_person_field_in_the_form_is_ignored(client: TestClient, runtime: Runtime) -> None:
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    client.post(
        "/blocked/request",
        data={"t": token, "csrf": csrf_field(page.text), "reason": "x", "person": "kdoyle"},
    )
    (request,) = runtime.exception_store.read().requests
    assert request.person == mrivera_id(runtime)


def test_an_empty_reason_shows_the_form_again(client: TestClient, runtime: Runtime) -> None:
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    sent = client.post(
        "/blocked/request", data={"t": token, "csrf": csrf_field(page.text), "reason": "  "}
    )
    assert sent.status_code == 422
    assert "say why you need access" in sent.text
    assert runtime.exception_store.read().requests == ()


def test_an_emergency_takes_effect_at_once_and_alerts(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    declared = client.post(
        "/blocked/emergency",
        data={
            "t": token,
            "csrf": csrf_field(page.text),
            "reason": "Lockdown: parents message on the school page",
            "minutes": "30",
        },
    )
    assert declared.status_code == 200, declared.text
    assert "Emergency declared" in declared.text
    assert "10:30 MDT" in declared.text
    after = client.post("/v1/decisions", json=FACEBOOK).json()
    assert after["effect"] == "allow"
    assert after["exception"]["kind"] == "emergency"
    assert after["exception"]["by"] == "mrivera"
    assert after["alert"] is True
    (alert,) = runtime.exception_store.read().alerts
    assert alert.kind == "emergency"
    assert "mrivera" in alert.message
    clock.now += dt.timedelta(minutes=31)
    assert client.post("/v1/decisions", json=FACEBOOK).json()["effect"] == "deny"


def test_an_emergency_longer_than_the_pack_allows_is_refused(
    client: TestClient, runtime: Runtime
) -> None:
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    too_long = runtime.pack.exceptions.emergency_max_minutes + 1
    for minutes in (str(too_long), "0", "-5", "soon", ""):
        refused = client.post(
            "/blocked/emergency",
            data={"t": token, "csrf": csrf_field(page.text), "reason": "x", "minutes": minutes},
        )
        assert refused.status_code == 422, minutes
    assert runtime.exception_store.read().book.emergencies == ()


def test_missing_or_wrong_csrf_is_a_403(client: TestClient, runtime: Runtime) -> None:
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    field = csrf_field(page.text)
    missing = client.post("/blocked/request", data={"t": token, "reason": "x"})
    assert missing.status_code == 403
    wrong = client.post("/blocked/request", data={"t": token, "csrf": "0" * 64, "reason": "x"})
    assert wrong.status_code == 403
    # A field from this page is worthless with another decision's token.
    other = deny_token(runtime, "www.instagram.com")
    lifted = client.post("/blocked/emergency", data={"t": other, "csrf": field, "reason": "x"})
    assert lifted.status_code == 403
    # Without the cookie (another site's post) the right field is not enough.
    client.cookies.clear()
    no_cookie = client.post("/blocked/request", data={"t": token, "csrf": field, "reason": "x"})
    assert no_cookie.status_code == 403
    stored = runtime.exception_store.read()
    assert stored.requests == ()
    assert stored.book.emergencies == ()


def test_a_tampered_expired_or_missing_token_is_a_400_page(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    token = deny_token(runtime)
    head, body, tag = token.split(".")
    tampered = f"{head}.{body[:-2]}xx.{tag}"
    for bad in (tampered, "nonsense", "b1..", "b1.%%%.x" * 300):
        page = client.get("/blocked", params={"t": bad})
        assert page.status_code == 400
        assert "This link cannot be used" in page.text
    assert client.get("/blocked").status_code == 400
    pack, facts = runtime.snapshot()
    decision = Evaluator(pack, facts).decide(WebAccess(Subject("mrivera"), "x.org"), SCHOOL_TIME)
    stranger = issue_token(decision, "nobody-in-the-directory", "x.org", SECRET)
    gone = client.get("/blocked", params={"t": stranger})
    assert gone.status_code == 400
    assert "no longer in the directory" in gone.text
    posted = client.post("/blocked/emergency", data={"t": tampered, "reason": "x"})
    assert posted.status_code == 400
    clock.now += dt.timedelta(days=1)
    expired = client.get("/blocked", params={"t": token})
    assert expired.status_code == 400
    assert "expired" in expired.text


def test_declaring_again_while_in_force_returns_the_same_emergency_and_one_alert(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    form = {
        "t": token,
        "csrf": csrf_field(page.text),
        "reason": "Evacuation: posting the meeting point for parents",
        "minutes": "20",
    }
    first = client.post("/blocked/emergency", data=form)
    clock.now += dt.timedelta(minutes=5)
    again = client.post("/blocked/emergency", data=form)
    assert first.status_code == again.status_code == 200
    stored = runtime.exception_store.read()
    assert len(stored.book.emergencies) == 1
    assert len(stored.alerts) == 1
    # Both pages name the one emergency, ending when the first said it would.
    assert "10:20 MDT" in first.text
    assert "10:20 MDT" in again.text
    # Once it has ended, the same person can declare a new one.
    clock.now += dt.timedelta(minutes=20)
    fresh = deny_token(runtime, at=clock.now)
    page = client.get("/blocked", params={"t": fresh})
    later = client.post(
        "/blocked/emergency", data={**form, "t": fresh, "csrf": csrf_field(page.text)}
    )
    assert later.status_code == 200, later.text
    stored = runtime.exception_store.read()
    assert len(stored.book.emergencies) == 2
    assert len(stored.alerts) == 2
