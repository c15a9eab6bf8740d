"""``create_app``: the decision API, the block page and the administrators' queue as one ASGI app.

Everything the app uses is handed to the factory — the runtime from
:func:`boardline.bootstrap.bootstrap`, the signing secret, the decision sink,
the clock, the administrator keys — and kept on the app's own objects; nothing
is module-global or created at import time, so tests build as many apps as they
like side by side. Swagger UI and ReDoc are off (they load scripts from a CDN);
the OpenAPI document is at ``/openapi.json``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from boardline.enforcement.decision_token import MIN_SECRET
from boardline.enforcement.http_api.admin import AdminKeys, admin_routes
from boardline.enforcement.http_api.block_page import block_page_routes
from boardline.enforcement.http_api.desk import ExceptionDesk
from boardline.enforcement.http_api.metrics import CONTENT_TYPE, ApiMetrics
from boardline.enforcement.http_api.pages import Pages
from boardline.enforcement.http_api.scans import ScanService, scan_routes
from boardline.enforcement.http_api.schemas import (
    DecisionRequestV1,
    DecisionResponseV1,
    HealthV1,
    ProblemResponseV1,
    ProblemV1,
)
from boardline.enforcement.http_api.service import Clock, DecisionService
from boardline.engine.requests import DecisionSink
from boardline.model.errors import InputError
from boardline.runtime import Runtime, now_utc

DESCRIPTION = """\
Policy decisions for Boardline enforcement points: is this web request, post or
staff-student communication allowed under the district's policy 5460, and which
clause says so. Every answer cites the clause it rests on and names the pack
revision it was made under.
"""
_KINDS = frozenset({"web", "post", "communication"})
_REFUSED = {
    422: {"model": ProblemResponseV1, "description": "The request names a bad field."},
    400: {"model": ProblemResponseV1, "description": "The body cannot be read as JSON."},
    503: {"model": ProblemResponseV1, "description": "The decision could not be logged."},
}
logger = logging.getLogger(__name__)


def _field(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    if parts and parts[0] in _KINDS:
        parts = parts[1:]  # the union member pydantic tried, not a field of the request
    return ".".join(str(p) for p in parts) or "body"


def _problem(error: Mapping[str, Any]) -> ProblemV1:
    loc = tuple(error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        return ProblemV1(field="body", message=f"not valid JSON{where}: {reason}".rstrip(": "))
    if error.get("type") in {"union_tag_invalid", "union_tag_not_found"}:
        return ProblemV1(field="kind", message=message)
    return ProblemV1(field=_field(loc), message=message.removeprefix("Value error, "))


def _problems(exc: RequestValidationError) -> JSONResponse:
    problems = tuple(_problem(e) for e in exc.errors())
    summary = "; ".join(f"{p.field}: {p.message}" for p in problems) or "invalid request"
    body = ProblemResponseV1(error=summary, problems=problems)
    return JSONResponse(body.model_dump(mode="json"), status_code=422)


def create_app(
    runtime: Runtime,
    *,
    secret: bytes,
    sink: DecisionSink | None = None,
    clock: Clock = now_utc,
    admin_keys: Mapping[str, str] | None = None,
    max_scan_bytes: int = 32 * 1024 * 1024,
) -> FastAPI:
    """The app for ``runtime``.

    ``secret`` checks the block-page tokens the Squid helper signs, and keys the CSRF
    fields. The API itself never hands out a token: it does not know who is asking,
    and a token is the proof of who was blocked. ``admin_keys`` maps each
    administrator's key to their username (interim sign-in for ``/admin``).
    ``max_scan_bytes`` bounds an upload to ``POST /v1/scans`` (the ``scan_max_mb`` setting).
    """
    if len(secret) < MIN_SECRET:
        msg = f"the API secret must be at least {MIN_SECRET} bytes"
        raise ValueError(msg)
    metrics = ApiMetrics()
    service = DecisionService(runtime, sink=sink, clock=clock, metrics=metrics)
    desk = ExceptionDesk(service)
    pages = Pages(
        lambda: (runtime.pack.district.name, runtime.pack.revision, runtime.compiled.zone)
    )
    app = FastAPI(
        title="Boardline decision API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _problems(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # The framework's own refusals (an unreadable body, an unknown path) in our shape.
        field = "body" if exc.status_code == 400 else "path"
        body = ProblemResponseV1(
            error=str(exc.detail), problems=(ProblemV1(field=field, message=str(exc.detail)),)
        )
        return JSONResponse(
            body.model_dump(mode="json"), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        problems = tuple(
            ProblemV1(field=p.place.field or "body", message=p.message) for p in exc.problems
        )
        body = ProblemResponseV1(error=str(exc), problems=problems)
        return JSONResponse(body.model_dump(mode="json"), status_code=422)

    @app.post(
        "/v1/decisions",
        response_model=DecisionResponseV1,
        responses=_REFUSED,  # type: ignore[arg-type]
        summary="Decide one event",
        tags=["decisions"],
    )
    async def decide(
        request: Annotated[DecisionRequestV1, Body()],
    ) -> Response:
        """Decide a web request, a post or a communication under the pack in force."""
        try:
            answer = service.decide(request)
        except OSError as exc:
            # The decision log could not take it: an unlogged decision is not given out.
            logger.error("decision log write failed: %s", exc)
            body = ProblemResponseV1(error="the decision log cannot be written; try again")
            return JSONResponse(body.model_dump(mode="json"), status_code=503)
        # Serialised here, once: the model was built from a decision, so FastAPI's second
        # validation against the response model would only repeat the work.
        return Response(answer.model_dump_json(), media_type="application/json")

    @app.get(
        "/healthz",
        response_model=HealthV1,
        responses={503: {"model": HealthV1, "description": "The exception store is unreachable."}},
        tags=["operations"],
    )
    def healthz(response: Response) -> HealthV1:
        """The pack revision in force, when it was loaded, and whether exceptions can be read."""
        health = service.health()
        if health.status != "ok":
            response.status_code = 503
        return health

    @app.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text."}},
        tags=["operations"],
    )
    def metrics_page() -> Response:
        """Prometheus metrics: decisions by effect, latency, pack revision, exceptions."""
        return Response(service.metrics_text(), media_type=CONTENT_TYPE)

    app.include_router(scan_routes(ScanService(service, runtime.inspector), max_scan_bytes))
    app.include_router(block_page_routes(desk, pages, secret))
    app.include_router(admin_routes(desk, pages, secret, AdminKeys(admin_keys or {})))
    return app
