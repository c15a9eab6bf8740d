"""REQMOD handling: inspect, decide, log, and the answer; limits and the fail mode."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from boardline.enforcement.icap.http_message import HttpRequestHead, parse_http_request_head
from boardline.enforcement.icap.protocol import IcapRequest, parse_request_head
from boardline.enforcement.icap.service import (
    FailMode,
    ReqmodService,
    UnscannableError,
    Verdict,
    subject_of,
)
from boardline.runtime import Runtime
from tests.unit.enforcement.icap.conftest import (
    ROSTER_WORD,
    SECRET_VALUE,
    FakeInspector,
    make_service,
)

STAFF = "127.10.1.10"  # mrivera's district laptop in the demo district


def icap(*extra: str, allow_204: bool = True) -> IcapRequest:
    fields = [f"X-Client-IP: {STAFF}", *extra]
    if allow_204:
        fields.append("Allow: 204")
    head = "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\n" + "".join(f"{f}\r\n" for f in fields)
    head += "Encapsulated: req-hdr=0, req-body=10\r\n\r\n"
    return parse_request_head(head.encode())


def http(media: str = "text/plain", length: int | None = None) -> HttpRequestHead:
    extra = f"Content-Length: {length}\r\n" if length is not None else ""
    return parse_http_request_head(
        f"POST http://social.example/post HTTP/1.1\r\nHost: social.example\r\n"
        f"Content-Type: {media}\r\n{extra}\r\n".encode()
    )


def test_a_post_with_student_records_is_denied_with_the_clause_and_no_values(
    service: ReqmodService, log_path: Path
) -> None:
    request, head = icap(), http()
    findings = service.scan(head, f"our {ROSTER_WORD} for the trip".encode())
    outcome = service.decide(request, head, findings)
    assert outcome.verdict is Verdict.DENIED
    assert outcome.decision is not None
    assert outcome.decision.rule == "no-posting-confidential-material"
    assert outcome.block is not None
    page = outcome.block[1].decode()
    assert "5460.p7" in page
    assert "strictly prohibited" in page  # the clause, quoted
    assert "student records: 1 finding about 3 people" in page
    assert outcome.decision.decision_id in page
    assert SECRET_VALUE not in page
    wire = service.answer(outcome, request, head, b"x", in_preview=False)
    assert wire.startswith(b"ICAP/1.0 200 OK\r\n")
    assert b"HTTP/1.1 403 Forbidden" in wire
    line = json.loads(log_path.read_text(encoding="utf-8").splitlines()[-1])
    assert line["effect"] == "deny"
    assert line["event"]["kind"] == "post"
    assert line["event"]["client"] == STAFF
    assert line["citations"][0]["clause"] == "5460.p7"


def test_a_clean_post_is_allowed_with_204_or_echoed_when_squid_kept_no_copy(
    service: ReqmodService, log_path: Path
) -> None:
    head = http()
    body = b"Great game last night"
    outcome = service.decide(icap(), head, service.scan(head, body))
    assert outcome.verdict is Verdict.ALLOWED
    assert service.answer(outcome, icap(), head, body, in_preview=False).startswith(
        b"ICAP/1.0 204 No Content\r\n"
    )
    echoed = service.answer(outcome, icap(allow_204=False), head, body, in_preview=False)
    assert echoed.startswith(b"ICAP/1.0 200 OK\r\n")
    assert echoed.endswith(head.raw + b"15\r\nGreat game last night\r\n0\r\n\r\n")
    # After a preview a 204 is always allowed.
    assert service.answer(outcome, icap(allow_204=False), head, body, in_preview=True).startswith(
        b"ICAP/1.0 204"
    )
    assert json.loads(log_path.read_text().splitlines()[-1])["effect"] == "allow"


def test_form_fields_go_to_inspect_text_and_files_to_inspect(
    service: ReqmodService, inspector: FakeInspector
) -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="status"\r\n\r\nhi\r\n'
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n"
    )
    service.scan(http("multipart/form-data; boundary=b"), body)
    assert inspector.calls == [("file", "a.pdf"), ("text", "form fields")]


def test_limits_and_unreadable_uploads_make_a_post_unscannable(
    runtime: Runtime, log_path: Path, inspector: FakeInspector
) -> None:
    service = make_service(runtime, log_path, inspector, max_parts=2)
    with pytest.raises(UnscannableError, match="more than 2"):
        service.scan(http("application/x-www-form-urlencoded"), b"a=1&b=2&c=3")
    with pytest.raises(UnscannableError, match="could not be read"):
        service.scan(http("application/octet-stream"), b"UNREADABLE")
    assert service.too_large(http(length=service.limits.max_body_bytes + 1))
    assert not service.too_large(http(length=10))


def test_fail_closed_blocks_an_unscanned_post_citing_the_posting_clause(
    service: ReqmodService, log_path: Path
) -> None:
    outcome = service.unscanned(icap(), http(), "inspection took longer than 10 s")
    assert outcome.verdict is Verdict.UNSCANNED_DENIED
    assert outcome.block is not None
    page = outcome.block[1].decode()
    assert "could not be inspected" in page
    assert "5460.p7" in page
    # The fail mode's answer is on the record like any decision, and the page names it.
    assert outcome.decision is not None
    assert outcome.decision.decision_id in page
    line = json.loads(log_path.read_text(encoding="utf-8").splitlines()[-1])
    assert line["decision_id"] == outcome.decision.decision_id
    assert line["effect"] == "deny"
    assert line["rule"] == "icap-fail-closed"
    assert line["citations"][0]["clause"] == "5460.p7"
    assert "could not be inspected" in line["explanation"]


def test_fail_open_lets_an_unscanned_post_through_and_logs_it(
    runtime: Runtime, log_path: Path, inspector: FakeInspector, caplog: pytest.LogCaptureFixture
) -> None:
    service = make_service(runtime, log_path, inspector, fail_mode=FailMode.OPEN)
    outcome = service.unscanned(icap(), http(), "the body is over 16 bytes")
    assert outcome.verdict is Verdict.UNSCANNED_ALLOWED
    assert service.answer(outcome, icap(), http(), None, in_preview=True).startswith(
        b"ICAP/1.0 204"
    )
    assert "unscanned post to social.example" in caplog.text
    assert service.counters.unscanned == 1
    line = json.loads(log_path.read_text(encoding="utf-8").splitlines()[-1])
    assert (line["effect"], line["rule"]) == ("allow", "icap-fail-open")


def test_the_istag_follows_the_scanners_revision(
    service: ReqmodService, inspector: FakeInspector
) -> None:
    before = service.istag()
    assert before.startswith('"bl-')
    assert len(before) <= 34
    assert service.istag() == before
    inspector.revision = "fake/2"
    assert service.istag() != before
    names = dict(service.options_headers())
    assert names["Methods"] == "REQMOD"
    assert names["Allow"] == "204"
    assert names["Preview"] == "4096"
    assert names["Transfer-Preview"] == "*"


def test_the_subject_is_the_address_and_login_squid_passes() -> None:
    assert subject_of(icap()).address == STAFF
    assert subject_of(icap("X-Client-Username: mrivera")).user == "mrivera"
    encoded = base64.b64encode(b"Local://mrivera").decode()
    assert subject_of(icap(f"X-Authenticated-User: {encoded}")).user == "mrivera"
    assert subject_of(icap("X-Authenticated-User: WinNT://DISTRICT/jcarter")).user == "jcarter"


def test_a_gzip_compressed_post_is_decompressed_before_it_is_inspected(
    service: ReqmodService,
) -> None:
    raw = f"our {ROSTER_WORD} for the trip".encode()
    head = parse_http_request_head(
        b"POST http://social.example/post HTTP/1.1\r\nHost: social.example\r\n"
        b"Content-Type: text/plain\r\nContent-Encoding: gzip\r\n\r\n"
    )
    findings = service.scan(head, gzip.compress(raw))
    assert findings, "the roster words inside the gzip body were not seen"
    assert service.decide(icap(), head, findings).verdict is Verdict.DENIED
    # An encoding the service cannot undo is unscannable (the fail mode decides), never
    # scanned as if its compressed bytes were the post.
    brotli = parse_http_request_head(
        b"POST http://social.example/post HTTP/1.1\r\nHost: social.example\r\n"
        b"Content-Type: text/plain\r\nContent-Encoding: br\r\n\r\n"
    )
    with pytest.raises(UnscannableError, match="'br' is not inspected"):
        service.scan(brotli, b"\x8b\x02\x80compressed")
