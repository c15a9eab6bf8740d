"""Policy 5460 enforced by real Squid 5.7 with Boardline's own helper (`boardline squid-helper`).

Squid runs the helper as user ``proxy`` with the demo district's pack, roster,
calendar and networks; a clock file stands in for the time of day so a whole
school day can be replayed in seconds. Clients bind demo addresses inside
127.0.0.0/8: 127.10.1.10 is mrivera's district laptop, 127.10.1.11 jcarter's,
127.10.1.12 gholt's, 127.10.2.10 tbaker's, 127.30.0.0/16 the student network.
Nothing leaves loopback: Squid's only route is the local origin server.

Distinct clients or hosts keep Squid's answer cache (keyed by the FORMAT, with
a minute bucket) from answering for an earlier scenario.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from boardline.enforcement.decision_log import read_log
from boardline.enforcement.decision_token import read_token
from boardline.enforcement.squid.lab import LabError, check_runnable
from boardline.enforcement.squid.protocol import decode_deny_info_message
from tests.integration.policy_lab import Lab, boardline_command
from tests.integration.squid_harness import (
    OriginServer,
    Response,
    SquidProcess,
    proxy_get,
    running_squid,
)

pytestmark = pytest.mark.integration
TEN_AM = dt.datetime(2026, 10, 6, 16, 0, tzinfo=dt.UTC)

BLOCK_PAGE = "http://127.0.0.1:9/blocked"  # only read from the redirect, never contacted
LAPTOP, ADMIN_LAPTOP, GHOLT_LAPTOP, TBAKER_LAPTOP = (
    "127.10.1.10",
    "127.10.1.11",
    "127.10.1.12",
    "127.10.2.10",
)
STUDENT = "127.30.0.5"
SCHOOL_DAY = "2026-10-06T{}:00-06:00"


@pytest.fixture(scope="module")
def squid(lab: Lab, origin: OriginServer) -> Iterator[SquidProcess]:
    command = boardline_command()
    try:
        check_runnable(command)
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)
    with running_squid(
        origin.port,
        helper_command=f"{command} squid-helper --config {lab.config}",
        block_page_url=BLOCK_PAGE,
        negative_ttl=1,
        ttl=1,
    ) as proxy:
        yield proxy


def get(squid: SquidProcess, url: str, source: str) -> Response:
    return proxy_get(squid.port, url, source=source, timeout=30)


def until(
    check: Callable[[], Response], accept: Callable[[Response], bool], seconds: float
) -> tuple[Response, float]:
    started = time.monotonic()
    while True:
        reply = check()
        elapsed = time.monotonic() - started
        if accept(reply) or elapsed > seconds:
            return reply, elapsed
        time.sleep(0.25)


def test_staff_on_a_social_site_at_ten_is_denied_with_the_clause(
    lab: Lab, squid: SquidProcess, origin: OriginServer
) -> None:
    lab.set_time("10:00")
    reply = get(squid, "http://www.facebook.com/", LAPTOP)
    assert reply.status == 302, squid.diagnostics()
    location = urlsplit(reply.headers["location"])
    query = parse_qs(location.query)
    assert query["d"][0].startswith("d-")
    message = decode_deny_info_message(query["m"][0])
    token, readable = message.split(maxsplit=1)
    assert readable.startswith(f"{query['d'][0]} policy 5460 clause 5460.p7: “Accessing social")
    assert "no administrator grant or emergency covers mrivera" in readable
    claims = read_token(token, lab.secret, TEN_AM)
    assert claims.decision_id == query["d"][0]
    assert claims.rule == "no-social-networking-during-school-hours"
    assert claims.host == "www.facebook.com"
    assert ("GET", "www.facebook.com", "/") not in origin.seen
    line = squid.log_line(LAPTOP, "www.facebook.com")
    assert "no-social-networking-during-school-hours" in line
    assert query["d"][0] in line
    logged = {e.decision_id: e for e in read_log(lab.state / "decisions.jsonl").events}
    assert logged[query["d"][0]].effect == "deny"


def test_a_student_is_not_covered_and_an_ordinary_site_is_allowed(
    lab: Lab, squid: SquidProcess
) -> None:
    lab.set_time("10:00")
    assert get(squid, "http://www.facebook.com/", STUDENT).status == 200
    assert get(squid, "http://opi.mt.gov/", LAPTOP).status == 200


def test_after_school_follows_the_packs_interpretation(lab: Lab, squid: SquidProcess) -> None:
    lab.set_time("17:30")
    reply = get(squid, "http://www.instagram.com/", ADMIN_LAPTOP)
    assert reply.status == 200, squid.diagnostics()
    assert "allow" in squid.log_line(ADMIN_LAPTOP, "www.instagram.com")


def test_an_administrators_grant_is_honoured_within_five_seconds(
    lab: Lab, squid: SquidProcess
) -> None:
    lab.set_time("10:00")
    assert get(squid, "http://www.tiktok.com/", TBAKER_LAPTOP).status == 302
    lab.boardline(
        "grant",
        "--approver",
        "jcarter",
        "--for",
        "tbaker",
        "--category",
        "social_networks",
        "--from",
        "2026-10-06T09:00",
        "--until",
        "2026-10-06T12:00",
        "--reason",
        "team page",
    )
    reply, elapsed = until(
        lambda: get(squid, "http://www.tiktok.com/", TBAKER_LAPTOP), lambda r: r.status == 200, 8
    )
    assert reply.status == 200, squid.diagnostics()
    assert elapsed < 5.0


def test_an_emergency_takes_effect_within_five_seconds(lab: Lab, squid: SquidProcess) -> None:
    lab.set_time("10:05")
    assert get(squid, "http://www.reddit.com/", GHOLT_LAPTOP).status == 302
    lab.boardline(
        "emergency",
        "--by",
        "gholt",
        "--reason",
        "lockout: sheriff updates",
        "--minutes",
        "30",
        "--at",
        "2026-10-06T10:04",
    )
    reply, elapsed = until(
        lambda: get(squid, "http://www.reddit.com/", GHOLT_LAPTOP), lambda r: r.status == 200, 8
    )
    assert reply.status == 200, squid.diagnostics()
    assert elapsed < 5.0
    assert "emergency" in lab.boardline("exceptions", "list")
