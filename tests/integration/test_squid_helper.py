"""Boardline's Squid helper and generated configuration, through a real Squid 5.7.

Every test starts Squid on a free loopback port with a configuration from
:func:`render_squid_config` and the helper script ``squid_test_helper.py``
(which runs :func:`run_helper` with a scripted decider); the origin server on
127.0.0.1 stands in for the internet. 127.0.0.2 is staff at school
(social networking and games denied), 127.0.0.3 a guest (allowed), 127.0.0.4
staff whose social networking flips to denied when a "school day" starts.

What is proven here:

* a denied request is redirected to the block page with the decision id and
  message, never reaches the origin, and the access log carries ``log=`` and
  the notes; an allowed one reaches the origin; CONNECT is decided too;
* schedule boundaries: the FORMAT's time bucket makes a new lookup as soon as
  the bucket rolls over even with an hour-long ttl (the test uses a one-second
  bucket so as not to wait a minute; the default minute bucket is checked to
  be expanded by Squid); without the bucket the same ttl keeps the stale answer;
  a short ttl alone also bounds staleness;
* fail modes: with the helper crashing, answering ``BH`` (a broken pack), or
  its queue overflowing, the fail-closed category is denied and every other
  host is allowed, even one the helper would deny.

Slow helper: Squid 5.7 has no per-request timeout for external ACL lookups, so
a slow helper only delays the requests waiting on it; what it does produce is
queue overflow once ``queue-size`` lookups wait, and that case is tested
(:func:`test_an_overflowing_helper_queue_fails_closed_only_for_fail_closed_categories`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from boardline.enforcement.squid.protocol import decode_deny_info_message
from tests.integration.squid_harness import (
    OriginServer,
    Response,
    SquidProcess,
    proxy_connect,
    proxy_get,
    running_squid,
)
from tests.integration.squid_test_helper import MESSAGE

pytestmark = pytest.mark.integration

STAFF, GUEST, SWITCHED = "127.0.0.2", "127.0.0.3", "127.0.0.4"
SOCIAL = {"social_networks": ["facebook.com", "twitter.com"]}
BLOCK_PAGE = "http://127.0.0.1:9/blocked"  # never contacted: the redirect is only read
StartSquid = Callable[..., SquidProcess]


@pytest.fixture(scope="module")
def district(origin: OriginServer) -> Iterator[SquidProcess]:
    """One Squid with the default settings, a block page and a fail-closed category."""
    with running_squid(origin.port, fail_closed=SOCIAL, block_page_url=BLOCK_PAGE) as squid:
        yield squid


# -- deciding -----------------------------------------------------------------------


def test_denied_request_goes_to_the_block_page_with_decision_and_message(
    district: SquidProcess, origin: OriginServer
) -> None:
    reply = proxy_get(district.port, "http://www.facebook.com/profile?id=7", source=STAFF)

    assert reply.status == 302, district.diagnostics()
    location = urlsplit(reply.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == BLOCK_PAGE
    query = parse_qs(location.query)
    decision_id = query["d"][0]
    assert decision_id.startswith("t")
    assert decode_deny_info_message(query["m"][0]) == MESSAGE
    assert ("GET", "www.facebook.com", "/profile?id=7") not in origin.seen

    line = district.log_line(STAFF, "http://www.facebook.com/profile")
    assert "TCP_DENIED/302" in line
    assert f"ea=decision={decision_id}%20rule=staff-social-school-hours" in line
    assert f"bl_effect=deny decision_id={decision_id} rule=staff-social-school-hours" in line
    assert "category=social_networks revision=test-1" in line


def test_allowed_request_reaches_the_origin(district: SquidProcess, origin: OriginServer) -> None:
    reply = proxy_get(district.port, "http://www.facebook.com/groups/", source=GUEST)

    assert reply.status == 200, district.diagnostics()
    assert reply.body == "origin: www.facebook.com/groups/"
    assert ("GET", "www.facebook.com", "/groups/") in origin.seen
    line = district.log_line(GUEST, "http://www.facebook.com/groups/")
    assert "TCP_MISS/200" in line
    assert "bl_effect=allow" in line
    assert "rule=default-allow" in line


def test_staff_reach_sites_outside_the_denied_categories(district: SquidProcess) -> None:
    reply = proxy_get(district.port, "http://www.cutbank.k12.mt.us/calendar", source=STAFF)

    assert reply.status == 200
    assert reply.body == "origin: www.cutbank.k12.mt.us/calendar"


def test_connect_tunnels_are_decided_too(district: SquidProcess, origin: OriginServer) -> None:
    assert proxy_connect(district.port, "www.facebook.com:443", source=STAFF) == 302
    assert proxy_connect(district.port, "www.facebook.com:443", source=GUEST) == 200
    assert ("CONNECT", "www.facebook.com", "") in origin.seen
    lookups = [line for line in district.seen() if " CONNECT " in line]
    assert any(line.startswith(f"{STAFF} CONNECT www.facebook.com 443 - ") for line in lookups)


def test_the_rewrite_program_is_never_started(district: SquidProcess) -> None:
    proxy_get(district.port, "http://www.facebook.com/rewrite", source=STAFF)
    proxy_get(district.port, "http://example.org/rewrite", source=GUEST)

    started = [
        line.split("| ", 1)[-1]  # without the time stamp
        for line in district.cache_log().splitlines()
        if "helperOpenServers: Starting" in line and "'false'" in line
    ]
    assert started == ["helperOpenServers: Starting 0/1 'false' processes"], started


def test_squid_expands_the_default_minute_bucket(district: SquidProcess) -> None:
    before = time.strftime("%Y%m%d%H%M")
    proxy_get(district.port, "http://example.org/bucket", source=GUEST)
    after = time.strftime("%Y%m%d%H%M")

    [lookup] = [line for line in district.seen() if " /bucket " in line]
    assert lookup.split()[-2] in {before, after}  # the bucket, then %DATA ("-")


# -- schedule boundaries ------------------------------------------------------------


def _into_next_second(moment: float) -> None:
    """Sleep until the wall clock is past the second ``moment`` fell in."""
    time.sleep(max(0.0, int(moment) + 1.05 - time.time()))


def _flip_to_school_day(squid: SquidProcess, url: str) -> tuple[Response, Response]:
    """Ask, start the school day, step past the current second, ask again."""
    first = proxy_get(squid.port, url, source=SWITCHED)
    asked = time.time()
    (squid.state / "school-day").touch()
    _into_next_second(asked)
    return first, proxy_get(squid.port, url, source=SWITCHED)


def test_a_school_day_start_is_enforced_when_the_time_bucket_rolls(
    start_squid: StartSquid,
) -> None:
    # An hour-long cache: only the bucket in the cache key can refresh the answer.
    squid = start_squid(time_bucket="%Y%m%d%H%M%S", ttl=3600, negative_ttl=3600)

    before, after = _flip_to_school_day(squid, "http://www.facebook.com/")

    assert before.status == 200
    assert after.status == 403, squid.diagnostics()
    # A lookup that straddles a bucket boundary is asked again under the new
    # key when Squid resumes the check, so there may be more than two lookups.
    buckets = [line.split()[-2] for line in squid.seen()]
    assert buckets == sorted(buckets)
    assert len(set(buckets)) >= 2


def test_without_the_bucket_an_hour_ttl_serves_the_stale_answer(start_squid: StartSquid) -> None:
    fields = ("src", "user", "method", "host", "port", "path", "data")
    squid = start_squid(fields=fields, time_bucket=None, ttl=3600, negative_ttl=3600)

    before, after = _flip_to_school_day(squid, "http://www.facebook.com/")

    assert (before.status, after.status) == (200, 200)
    assert len(squid.seen()) == 1  # the second request was answered from Squid's cache


def test_a_short_ttl_alone_bounds_staleness(start_squid: StartSquid) -> None:
    fields = ("src", "user", "method", "host", "port", "path", "data")
    squid = start_squid(fields=fields, time_bucket=None, ttl=1, negative_ttl=1)

    first = proxy_get(squid.port, "http://www.facebook.com/", source=SWITCHED)
    (squid.state / "school-day").touch()
    time.sleep(2.1)  # a cached entry is used while it is at most ttl seconds old
    second = proxy_get(squid.port, "http://www.facebook.com/", source=SWITCHED)

    assert (first.status, second.status) == (200, 403)
    assert len(squid.seen()) == 2


# -- fail modes ---------------------------------------------------------------------


def _fail_mode_outcome(squid: SquidProcess, tag: str) -> dict[str, int]:
    """Status per host for staff, who would be denied both if the helper answered."""
    return {
        host: proxy_get(squid.port, f"http://{host}/{tag}", source=STAFF).status
        for host in ("www.facebook.com", "www.miniclip.com", "example.org")
    }


def test_a_crashing_helper_fails_closed_only_for_fail_closed_categories(
    start_squid: StartSquid, origin: OriginServer
) -> None:
    squid = start_squid(fail_closed=SOCIAL)
    (squid.state / "die").touch()

    outcome = _fail_mode_outcome(squid, "dead")

    assert outcome == {"www.facebook.com": 403, "www.miniclip.com": 200, "example.org": 200}
    assert ("GET", "www.miniclip.com", "/dead") in origin.seen
    assert ("GET", "www.facebook.com", "/dead") not in origin.seen
    # Squid starts a fresh helper for the next lookup once the fault is gone.
    (squid.state / "die").unlink()
    assert _fail_mode_outcome(squid, "back") == {
        "www.facebook.com": 403,
        "www.miniclip.com": 403,
        "example.org": 200,
    }


def test_a_broken_decision_answers_bh_and_the_fail_mode_applies(start_squid: StartSquid) -> None:
    squid = start_squid(fail_closed=SOCIAL)
    (squid.state / "raise").touch()

    outcome = _fail_mode_outcome(squid, "broken")

    assert outcome == {"www.facebook.com": 403, "www.miniclip.com": 200, "example.org": 200}
    cache_log = squid.cache_log()
    assert "result=BH" in cache_log
    assert "RuntimeError: the policy pack failed to load" in cache_log  # helper stderr


def test_an_overflowing_helper_queue_fails_closed_only_for_fail_closed_categories(
    start_squid: StartSquid,
) -> None:
    squid = start_squid(fail_closed=SOCIAL, children_max=1, concurrency=1, queue_size=1)
    (squid.state / "hold").touch()  # the helper stalls before answering
    waiting: dict[str, int] = {}

    def ask(path: str) -> None:
        waiting[path] = proxy_get(squid.port, f"http://www.facebook.com{path}", source=STAFF).status

    in_helper = threading.Thread(target=ask, args=("/in-helper",))
    in_helper.start()
    _wait_for(lambda: len(squid.seen()) == 1, squid)
    queued = threading.Thread(target=ask, args=("/queued",))
    queued.start()
    _wait_for(lambda: "pending requests queued" in squid.cache_log(), squid)

    overflow = _fail_mode_outcome(squid, "overflow")

    (squid.state / "hold").unlink()
    in_helper.join(timeout=15)
    queued.join(timeout=15)
    assert overflow == {"www.facebook.com": 403, "www.miniclip.com": 200, "example.org": 200}
    assert waiting == {"/in-helper": 403, "/queued": 403}  # answered by the helper in the end
    assert "queue full. Request rejected" in squid.cache_log()


def _wait_for(condition: Callable[[], bool], squid: SquidProcess) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached:\n{squid.diagnostics()}")
        time.sleep(0.02)
