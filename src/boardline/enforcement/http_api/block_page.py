"""``/blocked``: the page Squid's ``deny_info`` sends a blocked browser to, and its two forms.

``GET /blocked?t=TOKEN`` shows what was blocked, the clause quoted from the
current pack, why, and the decision id; ``POST /blocked/request`` files a
request for an exception and ``POST /blocked/emergency`` declares one. The
signed token says who the person is; the forms carry it back with a CSRF field
bound to it (see :mod:`.csrf`). Order of checks on a post: the token (400 if it
is bad or expired: nothing else can be trusted without it), then the CSRF field
(403), then the form's own fields (422, the form shown again with the problem).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from boardline.enforcement.decision_token import TokenClaims, read_token
from boardline.enforcement.http_api.csrf import COOKIE, FIELD, CsrfGuard
from boardline.enforcement.http_api.desk import ExceptionDesk
from boardline.enforcement.http_api.pages import Pages
from boardline.enforcement.squid.protocol import decode_deny_info_message
from boardline.model.errors import InputError

ADVICE = (
    "Go back to the site you wanted and open it again: the page you are sent to "
    "then carries a fresh link."
)


def form_text(form: FormData, name: str) -> str | None:
    """A text field of a posted form; a file upload in its place counts as missing."""
    value = form.get(name)
    return value if isinstance(value, str) else None


async def read_form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=32, max_part_size=64 * 1024)


def block_page_routes(desk: ExceptionDesk, pages: Pages, secret: bytes) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    guard = CsrfGuard(secret, "blocked")
    service = desk.service

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    def bad_link(request: Request, error: InputError) -> HTMLResponse:
        return pages.problem(
            400,
            "This link cannot be used",
            error.problems[0].message,
            ADVICE,
            base=base(request),
        )

    def claims_of(request: Request, token: str | None) -> tuple[str, TokenClaims] | HTMLResponse:
        if not token:
            return bad_link(request, InputError.at("decision token", "the link has no token"))
        try:
            claims = read_token(token, secret, service.clock())
            desk.person(claims)
        except InputError as exc:
            return bad_link(request, exc)
        return token, claims

    def forbidden(request: Request) -> HTMLResponse:
        return pages.problem(
            403,
            "This form has expired",
            "The form was not sent from the block page, or the page was opened too long ago.",
            ADVICE,
            base=base(request),
        )

    async def show(
        request: Request, token: str, claims: TokenClaims, *, problem: str = "", status: int = 200
    ) -> Response:
        view = await run_in_threadpool(desk.view, claims, service.clock())
        cookie = request.cookies.get(COOKIE)
        nonce = cookie if cookie and len(cookie) <= 64 else CsrfGuard.new_nonce()
        response = pages.render(
            "blocked.html",
            status=status,
            base=base(request),
            view=view,
            token=token,
            csrf=guard.field(token, nonce),
            problem=problem,
        )
        response.set_cookie(
            COOKIE,
            nonce,
            path=(base(request) or "") + "/blocked",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.get("/blocked")
    async def blocked(
        request: Request, t: str | None = None, m: str | None = None, d: str | None = None
    ) -> Response:
        # Squid's deny_info sends the helper's message as ``m`` (the token, HTML-escaped
        # by Squid) and the decision id as ``d``; links made elsewhere use ``t``.
        # The helper's message starts with the token; the rest is for Squid's own page.
        message = decode_deny_info_message(m).split(maxsplit=1) if m is not None else []
        token = t if t is not None else (message[0] if message else None)
        checked = claims_of(request, token)
        if isinstance(checked, HTMLResponse):
            return checked
        return await show(request, *checked)

    async def posted(request: Request) -> tuple[FormData, str, TokenClaims] | Response:
        form = await read_form(request)
        checked = claims_of(request, form_text(form, "t"))
        if isinstance(checked, HTMLResponse):
            return checked
        token, claims = checked
        if not guard.valid(token, request.cookies.get(COOKIE), form_text(form, FIELD)):
            return forbidden(request)
        return form, token, claims

    @router.post("/blocked/request")
    async def request_exception(request: Request) -> Response:
        checked = await posted(request)
        if isinstance(checked, Response):
            return checked
        form, token, claims = checked
        reason = form_text(form, "reason") or ""
        try:
            made = await run_in_threadpool(desk.request_exception, claims, reason, service.clock())
        except InputError as exc:
            return await show(request, token, claims, problem=exc.problems[0].message, status=422)
        return pages.render(
            "request_sent.html", base=base(request), request=made, person=desk.person(claims)
        )

    @router.post("/blocked/emergency")
    async def emergency(request: Request) -> Response:
        checked = await posted(request)
        if isinstance(checked, Response):
            return checked
        form, token, claims = checked
        reason = form_text(form, "reason") or ""
        raw = (form_text(form, "minutes") or "").strip()
        try:
            if not raw.isdigit() or len(raw) > 6:
                raise InputError.at("emergency", "choose how many minutes", field="minutes")
            declared, _alert = await run_in_threadpool(
                desk.declare_emergency, claims, reason, int(raw), service.clock()
            )
        except InputError as exc:
            return await show(request, token, claims, problem=exc.problems[0].message, status=422)
        return pages.render(
            "emergency_declared.html",
            base=base(request),
            emergency=declared,
            person=desk.person(claims),
            host=claims.host,
        )

    return router
