"""GET /metrics: Prometheus text with decisions by effect, latency, revision and exceptions."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from boardline.runtime import Runtime
from tests.unit.enforcement.http_api.conftest import FACEBOOK, csrf_field, deny_token


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def test_counters_and_histogram_follow_decisions(client: TestClient, runtime: Runtime) -> None:
    for _ in range(3):
        client.post("/v1/decisions", json=FACEBOOK)
    client.post("/v1/decisions", json={**FACEBOOK, "url": "https://www.example.org/"})
    client.post("/v1/decisions", json={"kind": "web"})  # refused: not a decision
    found = samples(client)
    assert found[("boardline_decisions_total", (("effect", "deny"),))] == 3
    assert found[("boardline_decisions_total", (("effect", "allow"),))] == 1
    assert found[("boardline_decisions_total", (("effect", "flag"),))] == 0
    assert found[("boardline_decision_seconds_count", ())] == 4
    assert found[("boardline_decision_seconds_bucket", (("le", "+Inf"),))] == 4
    info = (("district", "cut-bank"), ("revision", runtime.pack.revision))
    assert found[("boardline_pack_info", info)] == 1


def test_gauges_count_exceptions_in_force_and_requests_waiting(
    client: TestClient, runtime: Runtime
) -> None:
    found = samples(client)
    assert found[("boardline_exceptions_active", (("kind", "emergency"),))] == 0
    assert found[("boardline_exception_requests_pending", ())] == 0
    token = deny_token(runtime)
    field = csrf_field(client.get("/blocked", params={"t": token}).text)
    client.post("/blocked/request", data={"t": token, "csrf": field, "reason": "class page"})
    client.post(
        "/blocked/emergency", data={"t": token, "csrf": field, "reason": "x", "minutes": "10"}
    )
    found = samples(client)
    assert found[("boardline_exceptions_active", (("kind", "emergency"),))] == 1
    assert found[("boardline_exceptions_active", (("kind", "grant"),))] == 0
    assert found[("boardline_exception_requests_pending", ())] == 1


def test_each_app_has_its_own_registry(client: TestClient, shared_client: TestClient) -> None:
    client.post("/v1/decisions", json=FACEBOOK)
    before = samples(shared_client).get(("boardline_decisions_total", (("effect", "deny"),)), 0)
    client.post("/v1/decisions", json=FACEBOOK)
    after = samples(shared_client).get(("boardline_decisions_total", (("effect", "deny"),)), 0)
    assert before == after
