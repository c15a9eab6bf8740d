"""Uploads through a real Squid and Boardline's ICAP service, over plain HTTP on loopback.

Squid (Debian's 5.7) sends every POST to the ICAP service in this process,
which runs the demo district's real scanners (``bootstrap(..., inspect=True)``:
the roster matcher over the demo OneRoster bundle). A staff laptop posts a
list of three students with their ids: Squid answers with the service's 403
page, which quotes clause 5460.p7 and shows none of the students' data, and the
post never reaches the origin. A harmless post goes through to the origin.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator

import pytest

from boardline.directory.person import Person
from boardline.policy.pack import Role
from tests.integration.icap_lab import IcapUnderTest
from tests.integration.squid_harness import OriginServer, SquidProcess

STAFF = "127.10.1.10"  # mrivera's district laptop
SCHOOL_DAY = "2026-10-06T10:00:00-06:00"


@pytest.fixture(scope="module")
def icap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IcapUnderTest]:
    service = IcapUnderTest(tmp_path_factory.mktemp("icap-state"), SCHOOL_DAY)
    try:
        yield service
    finally:
        service.stop()


def curl_post(
    proxy: int, url: str, body: str | bytes, headers: tuple[str, ...] = ()
) -> tuple[int, str]:
    curl = shutil.which("curl")
    if curl is None:
        pytest.fail("curl is missing: apt-get install -y curl (.ci/run installs it)")
    extra = [arg for header in headers for arg in ("-H", header)]
    data = body.encode() if isinstance(body, str) else body
    result = subprocess.run(
        [curl, "-s", "-x", f"http://127.0.0.1:{proxy}", "--interface", STAFF,
         "-H", "Content-Type: text/plain; charset=utf-8", *extra, "--data-binary", "@-",
         "-w", "\n%{http_code}", url],
        input=data, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    text, _, code = result.stdout.decode("utf-8", "replace").rpartition("\n")
    return int(code), text


def student_listing(icap: IcapUnderTest, heading: str, first: int) -> tuple[list[Person], str]:
    """Three roster students from ``first`` on, and a post listing them with their ids."""
    students = [
        p for p in icap.runtime.facts.directory.people() if p.role is Role.STUDENT and p.identifier
    ][first : first + 3]
    assert len(students) == 3
    lines = [f"{p.given_name} {p.family_name} ({p.identifier})" for p in students]
    return students, "\n".join([heading, *lines])


def test_a_post_listing_students_is_blocked_and_a_harmless_post_passes(
    icap: IcapUnderTest,
    origin: OriginServer,
    start_squid: Callable[..., SquidProcess],
) -> None:
    squid = start_squid(icap_url=icap.url)
    students, listing = student_listing(icap, "Field trip roster, please share:", 0)

    status, page = curl_post(squid.port, "http://social.example/groups/post", listing)
    assert status == 403, page
    assert "5460.p7" in page
    assert "strictly prohibited" in page
    assert "student records" in page
    roster_values = [v for p in students for v in (p.given_name, p.family_name, p.identifier)]
    for value in roster_values:
        assert value not in page
    assert ("POST", "social.example", "/groups/post") not in origin.seen

    status, text = curl_post(squid.port, "http://social.example/status", "Go Buffaloes!")
    assert status == 200
    assert text == "origin: social.example/status"
    assert ("POST", "social.example", "/status") in origin.seen

    lines = [json.loads(line) for line in icap.log.read_text(encoding="utf-8").splitlines()]
    effects = [(line["event"]["path"], line["effect"]) for line in lines]
    assert ("/groups/post", "deny") in effects
    assert ("/status", "allow") in effects
    logged = icap.log.read_text(encoding="utf-8")
    for value in roster_values:
        assert value not in logged


def test_a_gzip_compressed_listing_is_decompressed_and_blocked(
    icap: IcapUnderTest,
    origin: OriginServer,
    start_squid: Callable[..., SquidProcess],
) -> None:
    squid = start_squid(icap_url=icap.url)
    _, listing = student_listing(icap, "Bus list:", 3)
    packed = gzip.compress(listing.encode("utf-8"), mtime=0)
    status, page = curl_post(
        squid.port, "http://social.example/groups/zipped", packed, ("Content-Encoding: gzip",)
    )
    assert status == 403, page
    assert "student records" in page
    assert ("POST", "social.example", "/groups/zipped") not in origin.seen
    # An encoding the service does not undo is not waved through as unreadable bytes.
    status, page = curl_post(
        squid.port,
        "http://social.example/groups/brotli",
        b"\x8b\x02\x80x",
        ("Content-Encoding: br",),
    )
    assert status == 403, page
    assert "could not be inspected" in page
    assert ("POST", "social.example", "/groups/brotli") not in origin.seen
