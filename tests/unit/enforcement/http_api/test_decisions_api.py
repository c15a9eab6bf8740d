"""POST /v1/decisions: cited decisions, the explain option, and 422s that name the field."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from boardline.enforcement.http_api import create_app
from boardline.model.decision import Decision
from boardline.model.events import Event, WebAccess
from boardline.runtime import Runtime
from tests.unit.enforcement.http_api.conftest import (
    AFTER_SCHOOL,
    FACEBOOK,
    SCHOOL_TIME,
    SECRET,
    Clock,
)


def decide(client: TestClient, **event: Any) -> dict[str, Any]:
    answer = client.post("/v1/decisions", json=event)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_staff_on_facebook_at_ten_on_a_school_day_is_denied_citing_5460_p7(
    shared_client: TestClient,
) -> None:
    body = decide(shared_client, **FACEBOOK, at=SCHOOL_TIME.isoformat())
    assert body["effect"] == "deny"
    assert body["rule"] == "no-social-networking-during-school-hours"
    assert body["revision"].startswith("sha256:")
    assert body["decision_id"].startswith("d-")
    assert body["severity"] == "medium"
    assert body["categories"] == ["social_networks"]
    clauses = {(c["policy"], c["clause"]) for c in body["citations"]}
    assert clauses == {("5460", "5460.p7")}
    assert all(c["quote"] and c["revision"] == body["revision"] for c in body["citations"])
    assert "unless asked to do so by administration" in body["citations"][0]["quote"]
    assert body["exception"] is None
    assert body["follow_up"] == ["5255"]
    assert body["facts"] is None
    assert "block_token" not in body  # only the helper, which knows who asked, signs tokens


def test_at_defaults_to_the_apps_clock(shared_client: TestClient) -> None:
    body = decide(shared_client, **FACEBOOK)
    assert body["at"] == SCHOOL_TIME.isoformat()
    assert body["effect"] == "deny"


def test_after_school_on_a_district_laptop_is_allowed_as_the_pack_reads_it(
    shared_client: TestClient,
) -> None:
    body = decide(
        shared_client,
        kind="web",
        address="127.10.1.10",
        url="https://www.facebook.com/",
        at=AFTER_SCHOOL.isoformat(),
    )
    assert body["effect"] == "allow"
    assert "district equipment" in body["explanation"]


def test_explain_adds_the_facts_the_engine_used(shared_client: TestClient) -> None:
    body = decide(shared_client, **FACEBOOK, explain=True)
    facts = body["facts"]
    assert facts["identity"] == "proxy_auth"
    assert facts["person"] == "mrivera (staff)"
    assert facts["categories"] == "social_networks"
    assert "school day" in facts["school time"]


def test_each_request_gets_its_own_decision_id(shared_client: TestClient) -> None:
    first = decide(shared_client, **FACEBOOK)
    second = decide(shared_client, **FACEBOOK)
    assert first["decision_id"] != second["decision_id"]
    again = decide(shared_client, **FACEBOOK, event_id="squid-7")
    assert (
        again["decision_id"] == decide(shared_client, **FACEBOOK, event_id="squid-7")["decision_id"]
    )


def test_a_post_with_the_district_logo_is_decided_by_the_posting_rule(
    shared_client: TestClient,
) -> None:
    body = decide(
        shared_client,
        kind="post",
        user="mrivera",
        url="https://upload.facebook.com/photos",
        findings=[{"kind": "district_logo", "confidence": 0.93}],
    )
    assert body["effect"] in {"deny", "flag"}
    assert any(c["clause"] == "5460.p7" for c in body["citations"])


def test_a_communication_is_decided_by_the_catalogue(shared_client: TestClient) -> None:
    body = decide(
        shared_client,
        kind="communication",
        staff="mrivera",
        student="noah.hale",
        channel="social_friend_request",
    )
    assert body["effect"] in {"deny", "flag"}
    assert body["citations"]


@pytest.mark.parametrize(
    ("event", "field", "words"),
    [
        ({"kind": "web", "user": "mrivera"}, "url", "Field required"),
        ({"kind": "web", "url": "https://"}, "url", "host name"),
        ({"kind": "web", "url": "http://[::1"}, "url", "not a URL"),
        ({"kind": "web", "url": "x.org", "address": "10.0.0.999"}, "address", "not an IPv4"),
        ({"kind": "web", "url": "x.org", "at": "2026-10-06T10:00:00"}, "at", "timezone"),
        ({"kind": "web", "url": "x.org", "at": "9999-01-01T00:00:00Z"}, "at", "between"),
        ({"kind": "web", "url": "x.org", "colour": "red"}, "colour", "Extra inputs"),
        ({"kind": "web", "url": "x.org", "method": "get it"}, "method", "pattern"),
        ({"kind": "chat", "url": "x.org"}, "kind", "does not match"),
        ({"url": "x.org"}, "kind", "kind"),
        ({"kind": "communication", "staff": "mrivera", "student": "x"}, "channel", "required"),
        (
            {"kind": "communication", "staff": "a", "student": "b", "channel": "fax"},
            "channel",
            "Input should be",
        ),
        (
            {"kind": "post", "url": "x.org", "findings": [{"kind": "x", "confidence": 2}]},
            "findings.0.kind",
            "Input should be",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    shared_client: TestClient, event: dict[str, Any], field: str, words: str
) -> None:
    answer = shared_client.post("/v1/decisions", json=event)
    assert answer.status_code == 422
    body = answer.json()
    fields = [p["field"] for p in body["problems"]]
    assert field in fields, body
    message = next(p["message"] for p in body["problems"] if p["field"] == field)
    assert words.lower() in message.lower(), message
    assert body["error"].startswith(fields[0] + ": ")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"kind=web&url=x.org", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_422(
    shared_client: TestClient, content: bytes, content_type: str
) -> None:
    answer = shared_client.post(
        "/v1/decisions", content=content, headers={"content-type": content_type}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["problems"][0]["field"] == "body"


def test_a_body_that_is_not_text_is_a_400_in_the_same_shape(shared_client: TestClient) -> None:
    answer = shared_client.post(
        "/v1/decisions", content=b"\xff\xfe\x00", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["problems"][0]["field"] == "body"


def test_healthz_reports_revision_load_time_and_the_exception_store(
    shared_client: TestClient,
) -> None:
    answer = shared_client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["revision"].startswith("sha256:")
    assert body["district"] == "cut-bank"
    assert body["loaded_at"] == SCHOOL_TIME.isoformat()
    assert body["exceptions"]["reachable"] is True


def test_openapi_document_is_published_and_valid(shared_client: TestClient) -> None:
    import schemathesis

    document = shared_client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/v1/decisions" in document["paths"]
    schemas = document["components"]["schemas"]
    assert {"WebDecisionRequestV1", "DecisionResponseV1", "ProblemResponseV1"} <= set(schemas)
    # Loading it for testing validates it against the OpenAPI specification.
    loaded = schemathesis.openapi.from_dict(document)
    operations = [op.ok().path for op in loaded.get_all_operations()]
    assert "/v1/decisions" in operations
    assert not any(p.startswith(("/blocked", "/admin")) for p in document["paths"])


class RecordingSink:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.written: list[tuple[Decision, Event]] = []
        self.flushed = 0

    def write(self, decision: Decision, event: Event) -> None:
        self.written.append((decision, event))

    def flush(self) -> None:
        if self.fail:
            raise OSError(28, "No space left on device")
        self.flushed += 1


def test_every_decision_is_written_and_flushed_before_it_is_answered(runtime: Runtime) -> None:
    sink = RecordingSink()
    with TestClient(create_app(runtime, secret=SECRET, sink=sink, clock=Clock(SCHOOL_TIME))) as c:
        body = c.post("/v1/decisions", json=FACEBOOK).json()
        c.post("/v1/decisions", json={"kind": "web"})  # refused: nothing to log
    ((decision, event),) = sink.written
    assert decision.decision_id == body["decision_id"]
    assert isinstance(event, WebAccess)
    assert event.host == "www.facebook.com"
    assert sink.flushed == 1


def test_a_decision_the_log_cannot_take_is_not_given_out(runtime: Runtime) -> None:
    sink = RecordingSink(fail=True)
    with TestClient(create_app(runtime, secret=SECRET, sink=sink, clock=Clock(SCHOOL_TIME))) as c:
        answer = c.post("/v1/decisions", json=FACEBOOK)
    assert answer.status_code == 503
    assert "decision log" in answer.json()["error"]
    assert "effect" not in answer.json()
