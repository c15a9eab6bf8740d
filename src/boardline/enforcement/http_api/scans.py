"""``POST /v1/scans``: what the district's scanners find in one upload, and the decision on it.

The body is the upload itself — either ``multipart/form-data`` with the file in the
``file`` part (what a browser form sends), or the raw bytes with the file name in the
``name`` query parameter. Who posts and where are query parameters (``user``,
``address``, ``host``, ``path``); the destination defaults to a social site, because
the question asked is "may this be posted to social media?".

The answer (:class:`ScanResponseV1`) is versioned like ``/v1/decisions`` and shares its
decision schema: the findings (kinds, assets, masked evidence, confidence, scanner
revision — never a matched value), then the engine's decision on a ``ContentPost``
carrying them, with its citations. The decision goes to the decision log like every
other decision before the answer is sent.

Limits: a body over ``max_bytes`` is refused with 413 before it is read to the end
(``Content-Length`` is checked first, then the bytes as they arrive). An upload no
scanner can read is a 422 naming the file and the problem.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from boardline.enforcement.http_api.schemas import (
    DecisionResponseV1,
    ProblemResponseV1,
    ProblemV1,
    _Wire,
)
from boardline.enforcement.http_api.service import DecisionService
from boardline.inspection.inspector import Inspector, content_post
from boardline.model.errors import InputError
from boardline.model.events import Finding, Subject

#: Where a scanned post is taken to be going unless the caller says.
DEFAULT_HOST = "www.facebook.com"
logger = logging.getLogger(__name__)


class ScanFindingV1(_Wire):
    kind: str = Field(description="What was found, e.g. `district_logo`, `student_record`.")
    confidence: float
    asset: str | None = Field(description="The registered asset (or data source) it matched.")
    evidence: str = Field(description="Where and how strongly; masked, never a value.")
    scanner: str = Field(description="The scanner and its revision.")
    people: int = Field(description="How many people confidential data is about.")
    region: tuple[int, int, int, int] | None = Field(
        None, description="x, y, width, height in the image, for pictures."
    )

    @classmethod
    def of(cls, finding: Finding) -> ScanFindingV1:
        return cls(
            kind=finding.kind,
            confidence=finding.confidence,
            asset=finding.asset,
            evidence=finding.evidence,
            scanner=finding.scanner,
            people=finding.people,
            region=finding.region,
        )


class ScanResponseV1(_Wire):
    """One scanned upload: what was found in it and the decision on posting it."""

    name: str
    size: int = Field(description="Bytes scanned.")
    host: str = Field(description="The destination the decision was made for.")
    scanners: str = Field(description="Every scanner's revision (registry, index, roster).")
    findings: tuple[ScanFindingV1, ...]
    decision: DecisionResponseV1


class ScanService:
    """Inspect, decide and log; the route only moves bytes in and JSON out."""

    def __init__(self, decisions: DecisionService, inspector: Inspector | None) -> None:
        self.decisions = decisions
        self.inspector = inspector
        self._prefix = f"scan{os.getpid()}-"
        self._sequence = itertools.count()

    async def scan(
        self,
        data: bytes,
        name: str,
        media_type: str | None,
        subject: Subject,
        host: str,
        path: str,
    ) -> ScanResponseV1:
        inspector = self.inspector
        if inspector is None:
            raise InputError.at("server", "content inspection is not configured", field="scans")
        # Scanning is CPU work of up to a few hundred ms: off the event loop. Deciding and
        # logging stay on it (the decision sink is written by one thread only).
        findings = await run_in_threadpool(inspector.inspect, data, name, media_type)
        event = content_post(subject, host, path, findings, f"{self._prefix}{next(self._sequence)}")
        decision = self.decisions.evaluator().decide(event, self.decisions.clock())
        if self.decisions.sink is not None:
            self.decisions.sink.write(decision, event)
            self.decisions.sink.flush()
        self.decisions.metrics.decided(decision.effect, 0.0)
        return ScanResponseV1(
            name=name,
            size=len(data),
            host=event.host,
            scanners=inspector.revision,
            findings=tuple(ScanFindingV1.of(f) for f in findings),
            decision=DecisionResponseV1.of(decision, explained=False),
        )


def _refuse(status: int, field: str, message: str) -> JSONResponse:
    body = ProblemResponseV1(error=message, problems=(ProblemV1(field=field, message=message),))
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body
    return body


def scan_routes(service: ScanService, max_bytes: int) -> APIRouter:
    router = APIRouter()
    too_large = f"the upload is larger than the {max_bytes:,} bytes this server scans"

    @router.post(
        "/v1/scans",
        response_model=ScanResponseV1,
        responses={
            413: {"model": ProblemResponseV1, "description": "The upload is too large."},
            422: {"model": ProblemResponseV1, "description": "The upload cannot be read."},
            503: {
                "model": ProblemResponseV1,
                "description": "No inspection configured, or the decision was not logged.",
            },
        },
        summary="Scan one upload and decide whether it may be posted",
        tags=["scans"],
    )
    async def scan(
        request: Request,
        name: Annotated[
            str | None, Query(max_length=256, description="File name of a raw-body upload.")
        ] = None,
        user: Annotated[str | None, Query(max_length=256)] = None,
        address: Annotated[str | None, Query(max_length=64)] = None,
        host: Annotated[str, Query(min_length=1, max_length=255)] = DEFAULT_HOST,
        path: Annotated[str, Query(max_length=2048)] = "/",
    ) -> Response:
        """Findings in the uploaded file, masked, and the decision with its citations."""
        if service.inspector is None:
            return _refuse(503, "scans", "content inspection is not configured on this server")
        body = await _read_limited(request, max_bytes)
        if body is None:
            return _refuse(413, "body", too_large)
        kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        media_type: str | None = kind or None
        data, filename = body, name
        if kind == "multipart/form-data":
            try:
                form = await request.form(max_files=1, max_fields=20, max_part_size=max_bytes)
            except Exception as exc:  # the multipart parser's own errors, whatever their class
                logger.info("unreadable multipart upload: %s", type(exc).__name__)
                return _refuse(422, "body", "the multipart body cannot be parsed")
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return _refuse(422, "file", "send the upload in a part named `file`")
            data = await upload.read()
            filename = name or upload.filename
            media_type = upload.content_type
        if not data:
            return _refuse(422, "body", "the upload is empty")
        if not filename:
            return _refuse(422, "name", "name the file (`?name=` or the part's filename)")
        subject = Subject(user=user, address=address)
        try:
            answer = await service.scan(data, filename, media_type, subject, host, path)
        except OSError as exc:
            logger.error("decision log write failed: %s", exc)
            return _refuse(503, "decision_log", "the decision log cannot be written; try again")
        return Response(answer.model_dump_json(), media_type="application/json")

    return router


__all__ = ["DEFAULT_HOST", "ScanFindingV1", "ScanResponseV1", "ScanService", "scan_routes"]
