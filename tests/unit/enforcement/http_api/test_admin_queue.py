"""The administrators' queue: sign-in, approve with a scope and window, decline, alerts."""

from __future__ import annotations

import datetime as dt
import re

from starlette.testclient import TestClient

from boardline.engine.exceptions import Scope
from boardline.engine.requests import RequestStatus
from boardline.runtime import Runtime
from tests.unit.enforcement.http_api.conftest import (
    ADMIN_KEY,
    FACEBOOK,
    STAFF_KEY,
    csrf_field,
    deny_token,
)

ADMIN = ("kdoyle", ADMIN_KEY)


def file_request(
    client: TestClient, runtime: Runtime, reason: str = "Parent night event page"
) -> str:
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    client.post(
        "/blocked/request", data={"t": token, "csrf": csrf_field(page.text), "reason": reason}
    )
    queue = client.get("/admin/requests", auth=ADMIN)
    found = re.search(r"/admin/requests/(r-[0-9a-f]+)/approve", queue.text)
    assert found is not None, queue.text
    return found.group(1)


def test_only_administrators_with_a_key_get_in(client: TestClient) -> None:
    anonymous = client.get("/admin/requests")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    assert client.get("/admin/requests", auth=("kdoyle", "wrong-key-000000000")).status_code == 401
    assert client.get("/admin/requests", auth=("jcarter", ADMIN_KEY)).status_code == 401
    staff = client.get("/admin/requests", auth=("mrivera", STAFF_KEY))
    assert staff.status_code == 403
    assert "not an administrator" in staff.text
    assert client.get("/admin/requests", auth=ADMIN).status_code == 200
    bearer = client.get("/admin/alerts", headers={"authorization": f"Bearer {ADMIN_KEY}"})
    assert bearer.status_code == 200


def test_the_queue_lists_pending_requests_with_who_and_why(
    client: TestClient, runtime: Runtime
) -> None:
    request_id = file_request(client, runtime)
    queue = client.get("/admin/requests", auth=ADMIN)
    assert "Waiting (1)" in queue.text
    assert request_id in queue.text
    assert "Maria Rivera (mrivera)" in queue.text
    assert "Parent night event page" in queue.text
    assert 'value="social_networks"' in queue.text


def test_approving_makes_a_grant_that_the_next_decision_cites(
    client: TestClient, runtime: Runtime
) -> None:
    request_id = file_request(client, runtime)
    queue = client.get("/admin/requests", auth=ADMIN)
    approved = client.post(
        f"/admin/requests/{request_id}/approve",
        auth=ADMIN,
        data={"csrf": csrf_field(queue.text), "scope": "person", "hours": "2"},
    )
    assert approved.status_code == 200, approved.text
    assert f"Request {request_id} approved" in approved.text
    stored = runtime.exception_store.read()
    (grant,) = stored.book.grants
    mrivera = runtime.facts.directory.resolve("mrivera")
    assert mrivera is not None
    assert (grant.scope, grant.target, grant.approver) == (Scope.PERSON, mrivera.id, "kdoyle")
    assert grant.categories == ("social_networks",)
    assert (grant.ends - grant.starts).total_seconds() == 2 * 3600
    (request,) = stored.requests
    assert request.status is RequestStatus.APPROVED
    assert (request.decided_by, request.grant_id) == ("kdoyle", grant.id)
    after = client.post("/v1/decisions", json=FACEBOOK).json()
    assert after["effect"] == "allow"
    assert after["exception"]["kind"] == "grant"
    assert after["exception"]["id"] == grant.id
    assert after["exception"]["by"] == "kdoyle"
    assert any(c["clause"] == "5460.p7" for c in after["citations"])
    # Someone else is still blocked: the grant is for the person who asked.
    other = client.post("/v1/decisions", json={**FACEBOOK, "user": "gholt"}).json()
    assert other["effect"] == "deny"


def test_approving_with_a_window_and_domains(client: TestClient, runtime: Runtime) -> None:
    request_id = file_request(client, runtime)
    queue = client.get("/admin/requests", auth=ADMIN)
    approved = client.post(
        f"/admin/requests/{request_id}/approve",
        auth=ADMIN,
        data={
            "csrf": csrf_field(queue.text),
            "starts": "2026-10-06T09:00",
            "ends": "2026-10-06T11:00",
            "categories": "",
            "domains": "facebook.com",
        },
    )
    assert approved.status_code == 200
    (grant,) = runtime.exception_store.read().book.grants
    assert grant.starts == dt.datetime.fromisoformat("2026-10-06T09:00:00-06:00")
    assert grant.ends == dt.datetime.fromisoformat("2026-10-06T11:00:00-06:00")
    assert (grant.categories, grant.domains) == ((), ("facebook.com",))
    assert client.post("/v1/decisions", json=FACEBOOK).json()["effect"] == "allow"
    instagram = client.post("/v1/decisions", json={**FACEBOOK, "url": "https://instagram.com/"})
    assert instagram.json()["effect"] == "deny"


def test_bad_approvals_are_refused_and_change_nothing(client: TestClient, runtime: Runtime) -> None:
    request_id = file_request(client, runtime)
    field = csrf_field(client.get("/admin/requests", auth=ADMIN).text)
    for data in (
        {"scope": "galaxy"},
        {"scope": "role", "target": "wizard"},
        {"hours": "-1"},
        {"hours": "nan"},
        {"ends": "tomorrow"},
        {"starts": "2026-10-06T11:00", "ends": "2026-10-06T09:00"},
        {"hours": str(24 * 365)},
    ):
        refused = client.post(
            f"/admin/requests/{request_id}/approve", auth=ADMIN, data={"csrf": field, **data}
        )
        assert refused.status_code == 422, data
        assert 'class="problem"' in refused.text
    stored = runtime.exception_store.read()
    assert stored.book.grants == ()
    assert stored.requests[0].status is RequestStatus.PENDING
    missing = client.post("/admin/requests/r-nope/approve", auth=ADMIN, data={"csrf": field})
    assert missing.status_code == 422
    assert "there is no request r-nope" in missing.text


def test_declining_records_the_decision_and_empties_the_queue(
    client: TestClient, runtime: Runtime
) -> None:
    request_id = file_request(client, runtime)
    field = csrf_field(client.get("/admin/requests", auth=ADMIN).text)
    declined = client.post(
        f"/admin/requests/{request_id}/decline",
        auth=ADMIN,
        data={"csrf": field, "note": "Use the district page instead"},
    )
    assert declined.status_code == 200
    assert "Waiting (0)" in declined.text
    (request,) = runtime.exception_store.read().requests
    assert request.status is RequestStatus.DECLINED
    assert (request.decided_by, request.note) == ("kdoyle", "Use the district page instead")
    again = client.post(f"/admin/requests/{request_id}/approve", auth=ADMIN, data={"csrf": field})
    assert again.status_code == 422
    assert "already declined" in again.text


def test_admin_forms_need_csrf_with_basic_but_not_with_a_bearer_key(
    client: TestClient, runtime: Runtime
) -> None:
    request_id = file_request(client, runtime)
    forged = client.post(f"/admin/requests/{request_id}/approve", auth=ADMIN, data={})
    assert forged.status_code == 403
    assert runtime.exception_store.read().book.grants == ()
    scripted = client.post(
        f"/admin/requests/{request_id}/decline",
        headers={"authorization": f"Bearer {ADMIN_KEY}"},
        data={"note": "scripted"},
        follow_redirects=False,
    )
    assert scripted.status_code == 303
    assert runtime.exception_store.read().requests[0].status is RequestStatus.DECLINED


def test_alerts_list_declared_emergencies(client: TestClient, runtime: Runtime) -> None:
    assert "No emergency has been declared" in client.get("/admin/alerts", auth=ADMIN).text
    token = deny_token(runtime)
    page = client.get("/blocked", params={"t": token})
    client.post(
        "/blocked/emergency",
        data={"t": token, "csrf": csrf_field(page.text), "reason": "Lockdown", "minutes": "15"},
    )
    alerts = client.get("/admin/alerts", auth=ADMIN)
    assert alerts.status_code == 200
    assert "mrivera declared an emergency" in alerts.text
    assert "Lockdown" in alerts.text
