"""REQMOD handling: a post's body in, a cited decision and the ICAP answer out.

A REQMOD carries the HTTP request a staff member's browser sent through Squid.
The service

1. decodes the body into parts (:mod:`.body`) and hands each to the
   inspector (the scanners of :mod:`boardline.inspection`), in a worker thread
   with a time limit (:meth:`ReqmodService.scan`);
2. builds a :class:`~boardline.model.events.ContentPost` whose subject is the
   client address and login Squid passes (``X-Client-IP``, and
   ``X-Client-Username`` or ``X-Authenticated-User``);
3. has the live policy's evaluator decide it, writes the decision to the
   decision log and flushes before answering, as the Squid helper does;
4. answers ``204`` when the post may go (or, when Squid offered no ``204``
   because it kept no copy of a large body, ``200`` with the request echoed
   unchanged), else ``200`` carrying an HTTP 403 page that quotes the clause
   and names what was found (:mod:`.block_page`).

Limits and fail mode. A body over ``max_body_bytes``, more than ``max_parts``
parts, a scan past ``scan_seconds`` or a scanner that raises means the post
*could not be inspected*. The district chooses what that means
(:class:`FailMode`): ``open`` lets it through and logs it as unscanned,
``closed`` blocks it with a page that says it could not be inspected, citing
the posting clause. Either way the answer is written to the decision log as a
decision of rule ``icap-fail-closed``/``icap-fail-open`` citing that clause, so
a post nobody inspected is still on the record (the service log has the reason too).

Deciding and logging run on the server's one event-loop thread (the decision
log writer is single-threaded by contract); only the scan runs in a thread.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import itertools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from boardline.enforcement.icap.block_page import render_block_page, summarise
from boardline.enforcement.icap.body import (
    BodyLimitError,
    decode_body,
    decode_content,
    upload_name,
)
from boardline.enforcement.icap.http_message import HttpRequestHead
from boardline.enforcement.icap.protocol import IcapRequest, format_response
from boardline.enforcement.live_policy import LivePolicy
from boardline.engine.requests import DecisionSink
from boardline.model.decision import Citation, Decision
from boardline.model.errors import InputError
from boardline.model.events import ContentPost, Finding, Subject
from boardline.policy.pack import Effect

logger = logging.getLogger(__name__)

SERVICE_NAME = "Boardline content inspection"
#: Bumped when what the service does to a request changes (part of the ISTag).
SERVICE_REVISION = "icap-1"


class ContentInspector(Protocol):
    """The scanners behind one call (``boardline.inspection.inspector.Inspector``)."""

    def inspect(
        self, data: bytes, name: str, media_type: str | None = None
    ) -> tuple[Finding, ...]: ...

    def inspect_text(self, text: str, name: str) -> tuple[Finding, ...]: ...


class FailMode(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class IcapLimits:
    max_body_bytes: int = 16 * 1024 * 1024
    max_parts: int = 64
    scan_seconds: float = 10.0
    fail_mode: FailMode = FailMode.CLOSED
    #: Preview bytes advertised in OPTIONS (Squid caps preview at 64 KiB).
    preview_bytes: int = 4096
    max_connections: int = 64
    options_ttl: int = 300


class Verdict(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNSCANNED_ALLOWED = "unscanned-allowed"
    UNSCANNED_DENIED = "unscanned-denied"


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    decision: Decision | None = None
    #: The HTTP 403 (head, body) for a blocked post.
    block: tuple[bytes, bytes] | None = None
    reason: str = ""

    @property
    def allow(self) -> bool:
        return self.verdict in {Verdict.ALLOWED, Verdict.UNSCANNED_ALLOWED}


class UnscannableError(Exception):
    """The post cannot be inspected within the limits (the fail mode decides)."""


def subject_of(icap: IcapRequest) -> Subject:
    """The person as Squid names them: ``X-Client-IP`` and a login when Squid has one."""
    address = icap.headers.get("x-client-ip", "").strip() or None
    user = icap.headers.get("x-client-username", "").strip() or None
    if user is None:
        user = _authenticated_user(icap.headers.get("x-authenticated-user", ""))
    return Subject(user=user or None, address=address)


def _authenticated_user(value: str) -> str | None:
    """``X-Authenticated-User``: base64 of ``Scheme://name`` (or ``name``); the name part."""
    value = value.strip()
    if not value:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        text = value
    name = text.split("://", 1)[-1].rsplit("/", 1)[-1].rsplit("\\", 1)[-1].strip()
    return name[:200] or None


@dataclass
class ServiceCounters:
    scanned: int = 0
    denied: int = 0
    unscanned: int = 0
    errors: int = 0


@dataclass
class ReqmodService:
    """See the module docstring. ``clock`` is read at the edge, once per decision."""

    policy: LivePolicy
    inspector: ContentInspector
    sink: DecisionSink | None
    clock: Callable[[], dt.datetime]
    limits: IcapLimits = field(default_factory=IcapLimits)
    counters: ServiceCounters = field(default_factory=ServiceCounters)
    _sequence: itertools.count[int] = field(default_factory=itertools.count, repr=False)
    _prefix: str = field(default_factory=lambda: f"icap{os.getpid()}-", repr=False)

    # -- OPTIONS ---------------------------------------------------------------

    def istag(self) -> str:
        """Changes with the pack revision and the scanners' revisions (so caches re-ask)."""
        scanners = getattr(self.inspector, "revision", "")
        text = f"{SERVICE_REVISION}|{self.policy.evaluator.pack.revision}|{scanners}"
        return '"bl-' + hashlib.sha256(text.encode()).hexdigest()[:24] + '"'

    def options_headers(self) -> list[tuple[str, str]]:
        limits = self.limits
        return [
            ("Methods", "REQMOD"),
            ("Service", SERVICE_NAME),
            ("ISTag", self.istag()),
            ("Max-Connections", str(limits.max_connections)),
            ("Options-TTL", str(limits.options_ttl)),
            ("Allow", "204"),
            ("Preview", str(limits.preview_bytes)),
            ("Transfer-Preview", "*"),
        ]

    # -- REQMOD ----------------------------------------------------------------

    def too_large(self, http: HttpRequestHead) -> bool:
        """Whether the announced body is over the limit (decided at the preview, unread)."""
        length = http.content_length
        return length is not None and length > self.limits.max_body_bytes

    def scan(self, http: HttpRequestHead, body: bytes) -> tuple[Finding, ...]:
        """Decode and inspect ``body`` (runs in a worker thread). Raises UnscannableError."""
        name = upload_name(http.path, http.headers.get("content-disposition"))
        try:
            body = decode_content(
                body, http.headers.get("content-encoding"), max_bytes=self.limits.max_body_bytes
            )
            decoded = decode_body(
                body, http.content_type, name=name, max_parts=self.limits.max_parts
            )
        except BodyLimitError as exc:
            raise UnscannableError(str(exc)) from None
        findings: list[Finding] = []
        for part in decoded.parts:
            try:
                if part.text is not None:
                    findings += self.inspector.inspect_text(part.text, part.name)
                else:
                    findings += self.inspector.inspect(part.data, part.name, part.media_type)
            except InputError:
                # The error names the part and the problem; the reason on the page and in
                # the service log stays generic, since a file name can be personal too.
                raise UnscannableError("an upload in the post could not be read") from None
        return tuple(findings)

    def decide(
        self, icap: IcapRequest, http: HttpRequestHead, findings: tuple[Finding, ...]
    ) -> Outcome:
        """Evaluate the post, log the decision (flushed), and say what to answer."""
        event = ContentPost(
            subject_of(icap),
            http.host,
            http.path,
            findings,
            f"{self._prefix}{next(self._sequence)}",
        )
        decision = self.policy.evaluator.decide(event, self.clock())
        if self.sink is not None:
            self.sink.write(decision, event)
            self.sink.flush()
        self.counters.scanned += 1
        if decision.effect is not Effect.DENY:
            return Outcome(Verdict.ALLOWED, decision)
        self.counters.denied += 1
        block = render_block_page(
            title="Post blocked under district policy",
            summary=summarise(findings, getattr(self.inspector, "label", None)),
            citation=decision.citations[0] if decision.citations else None,
            decision_id=decision.decision_id,
            revision=decision.revision,
            host=http.host,
        )
        return Outcome(Verdict.DENIED, decision, block)

    def unscanned(self, icap: IcapRequest, http: HttpRequestHead, reason: str) -> Outcome:
        """The fail mode's answer for a post that could not be inspected."""
        self.counters.unscanned += 1
        subject = subject_of(icap)
        revision = self.policy.evaluator.pack.revision
        fail_open = self.limits.fail_mode is FailMode.OPEN
        # The host and reason only: the subject is on the decision log's terms
        # (masked there), so the service log names the address, never a body.
        logger.warning(
            "unscanned post to %s from %s (%s); fail mode %s",
            http.host,
            subject.address or "unknown address",
            reason,
            self.limits.fail_mode.value,
        )
        decision = self._fail_mode_decision(subject, http, reason, revision, fail_open)
        if fail_open:
            return Outcome(Verdict.UNSCANNED_ALLOWED, decision, reason=reason)
        block = render_block_page(
            title="Post could not be inspected",
            summary=[f"The post could not be inspected: {reason}."],
            citation=decision.citations[0] if decision.citations else None,
            decision_id=decision.decision_id,
            revision=revision,
            host=http.host,
        )
        return Outcome(Verdict.UNSCANNED_DENIED, decision, block, reason)

    def _fail_mode_decision(
        self, subject: Subject, http: HttpRequestHead, reason: str, revision: str, fail_open: bool
    ) -> Decision:
        """The district's fail mode as a logged decision: the post was never scanned, so the
        engine had nothing to decide on, but what happened to it is on the record, citing
        the posting clause the inspection serves."""
        event = ContentPost(
            subject, http.host, http.path, event_id=f"{self._prefix}{next(self._sequence)}"
        )
        citation = self._posting_citation()
        mode = self.limits.fail_mode.value
        decision = Decision(
            decision_id=f"unscanned-{event.event_id}",
            effect=Effect.ALLOW if fail_open else Effect.DENY,
            rule=f"icap-fail-{mode}",
            revision=revision,
            citations=(citation,) if citation is not None else (),
            explanation=(
                f"{'allow' if fail_open else 'deny'}: the post to {http.host} could not be "
                f"inspected ({reason}); the district's ICAP fail mode is {mode}"
            ),
            event_kind=event.kind,
            at=self.clock(),
            subject=str(subject),
        )
        if self.sink is not None:
            self.sink.write(decision, event)
            self.sink.flush()
        return decision

    def _posting_citation(self) -> Citation | None:
        for rule in self.policy.evaluator.pack.posting:
            if rule.citations:
                return rule.citations[0]
        return None

    # -- answers ---------------------------------------------------------------

    def answer(
        self,
        outcome: Outcome,
        icap: IcapRequest,
        http: HttpRequestHead,
        body: bytes | None,
        *,
        in_preview: bool,
    ) -> bytes:
        """The ICAP response for ``outcome``.

        An allowed post gets ``204`` when the client may take it (always in
        answer to a preview, else only with ``Allow: 204``); otherwise the request
        is echoed unchanged in a ``200``, which needs the whole ``body``.
        """
        istag = ("ISTag", self.istag())
        if outcome.allow:
            if in_preview or icap.allow_204:
                return format_response(204, [istag])
            return format_response(
                200, [istag], http_head=http.raw, head_section="req-hdr", body=body
            )
        if outcome.block is None:
            msg = "a denial without its block page"
            raise ValueError(msg)
        head, page = outcome.block
        return format_response(200, [istag], http_head=head, head_section="res-hdr", body=page)
