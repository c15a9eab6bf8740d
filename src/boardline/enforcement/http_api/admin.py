"""``/admin``: the administrators' queue of exception requests, and the emergency alerts.

Authentication is interim, until the workspace issue brings OIDC sign-in: each
administrator is given a key (``boardline serve api --admin-keys FILE``, one
``username:key`` per line), sent either as HTTP Basic (user name and the key as
password; what a browser prompts for) or as ``Authorization: Bearer KEY`` (for
scripts). The key's user must still be an administrator in the directory, and
only administrators may grant ("unless asked to do so by administration").

A browser re-sends Basic credentials by itself, including on a post another
site makes it send, so the forms carry a CSRF field bound to the
administrator's name (see :mod:`.csrf`); a Bearer key is never sent by a
browser on its own, so requests made with one need no CSRF field.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from boardline.directory.person import Person
from boardline.enforcement.http_api.block_page import form_text, read_form
from boardline.enforcement.http_api.csrf import FIELD, CsrfGuard
from boardline.enforcement.http_api.desk import ExceptionDesk
from boardline.enforcement.http_api.pages import Pages
from boardline.engine.exceptions import Scope
from boardline.engine.requests import ExceptionRequest, RequestStatus
from boardline.model.errors import InputError
from boardline.policy.pack import Role

COOKIE = "boardline_admin_csrf"
REALM = 'Basic realm="Boardline administrators", charset="UTF-8"'
MAX_NOTE = 500


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "replace")).digest()


class AdminKeys:
    """Keys to administrator usernames; compared in constant time, never logged."""

    __slots__ = ("_keys",)

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._keys = tuple((_digest(key), user) for key, user in keys.items())

    def __bool__(self) -> bool:
        return bool(self._keys)

    def user(self, key: str) -> str | None:
        given = _digest(key)
        found = None
        for digest, user in self._keys:
            if hmac.compare_digest(digest, given):
                found = user
        return found

    def login(self, header: str | None) -> tuple[str | None, bool]:
        """The username an ``Authorization`` header proves, and whether it was Basic."""
        if not header:
            return None, False
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer":
            return self.user(value), False
        if scheme.lower() != "basic":
            return None, False
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, True
        name, sep, key = decoded.partition(":")
        user = self.user(key) if sep else None
        return (user if user is not None and user == name else None), True


def _csv(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def _instant(text: str | None, zone: ZoneInfo, field: str) -> dt.datetime | None:
    if not text or not text.strip():
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError.at("grant", f"{text!r} is not a date and time", field=field) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


@dataclass(frozen=True, slots=True)
class GrantChoice:
    """What the administrator chose on the approve form."""

    scope: Scope
    target: str
    starts: dt.datetime
    ends: dt.datetime
    categories: tuple[str, ...]
    domains: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    request: ExceptionRequest
    #: The person who asked, as an administrator recognises them.
    who: str


def grant_choice(
    form: FormData, request: ExceptionRequest, zone: ZoneInfo, now: dt.datetime
) -> GrantChoice:
    """The approve form as arguments for :meth:`ExceptionDesk.approve`, checked field by field.

    Scope defaults to the person who asked; with neither categories nor domains
    given, the grant opens what was blocked (its categories, else its host).
    """
    try:
        scope = Scope(form_text(form, "scope") or Scope.PERSON.value)
    except ValueError:
        choices = ", ".join(s.value for s in Scope)
        raise InputError.at("grant", f"choose one of {choices}", field="scope") from None
    target = (form_text(form, "target") or "").strip()
    if scope is Scope.PERSON:
        target = request.person
    elif scope is Scope.DISTRICT:
        target = ""
    elif scope is Scope.ROLE and target not in {r.value for r in Role}:
        roles = ", ".join(r.value for r in Role)
        raise InputError.at("grant", f"a role grant names one of {roles}", field="target")
    starts = _instant(form_text(form, "starts"), zone, "starts") or now
    ends = _instant(form_text(form, "ends"), zone, "ends")
    if ends is None:
        raw = (form_text(form, "hours") or "1").strip()
        try:
            hours = float(raw)
        except ValueError:
            hours = math.nan
        if not math.isfinite(hours) or hours <= 0 or hours > 24 * 366:
            raise InputError.at("grant", f"{raw!r} is not a number of hours", field="hours")
        ends = starts + dt.timedelta(hours=hours)
    categories = _csv(form_text(form, "categories"))
    domains = tuple(d.lower() for d in _csv(form_text(form, "domains")))
    if not categories and not domains:
        categories = request.categories
        domains = () if categories else (request.host,)
    note = (form_text(form, "note") or "").strip()
    if len(note) > MAX_NOTE:
        raise InputError.at("grant", f"keep the note under {MAX_NOTE} characters", field="note")
    return GrantChoice(scope, target, starts, ends, categories, domains, note)


def admin_routes(desk: ExceptionDesk, pages: Pages, secret: bytes, keys: AdminKeys) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    guard = CsrfGuard(secret, "admin")
    service = desk.service

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    def authenticate(request: Request) -> tuple[Person, bool] | Response:
        """The administrator making the request and whether they used Basic, or a refusal."""
        user, basic = keys.login(request.headers.get("authorization"))
        if user is None:
            response = pages.problem(
                401,
                "Administrators only",
                "Sign in with your administrator name and key."
                if keys
                else "No administrator keys are configured on this server.",
                base=base(request),
            )
            response.headers["WWW-Authenticate"] = REALM
            return response
        admin = desk.administrator(user)
        if admin is None:
            return pages.problem(
                403,
                "Administrators only",
                f"{user} is not an administrator in the directory.",
                base=base(request),
            )
        return admin, basic

    def who(person_id: str) -> str:
        person = service.runtime.facts.directory.resolve(person_id)
        return f"{person.display_name} ({person.username})" if person else person_id

    def queue(
        request: Request, admin: Person, *, message: str = "", problem: str = "", status: int = 200
    ) -> Response:
        nonce = request.cookies.get(COOKIE)
        if not nonce or len(nonce) > 64:
            nonce = CsrfGuard.new_nonce()
        everything = desk.requests()
        items = [QueueItem(r, who(r.person)) for r in everything]
        response = pages.render(
            "admin_requests.html",
            status=status,
            base=base(request),
            admin=admin,
            pending=[i for i in items if i.request.status is RequestStatus.PENDING],
            decided=[i for i in items if i.request.status is not RequestStatus.PENDING],
            csrf=guard.field(admin.username, nonce),
            message=message,
            problem=problem,
        )
        response.set_cookie(
            COOKIE,
            nonce,
            path=base(request) + "/admin",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    def outcome_message(request: Request) -> str:
        approved = request.query_params.get("approved")
        declined = request.query_params.get("declined")
        wanted = approved or declined
        if not wanted:
            return ""
        for item in desk.requests():
            if item.id == wanted and item.status is RequestStatus.APPROVED and approved:
                return f"Request {item.id} approved: grant {item.grant_id} for {who(item.person)}."
            if item.id == wanted and item.status is RequestStatus.DECLINED and declined:
                return f"Request {item.id} declined."
        return ""

    @router.get("/admin/requests")
    async def requests(request: Request) -> Response:
        checked = authenticate(request)
        if isinstance(checked, Response):
            return checked
        admin, _ = checked
        message = await run_in_threadpool(outcome_message, request)
        return await run_in_threadpool(queue, request, admin, message=message)

    async def authorised_post(request: Request) -> tuple[Person, FormData] | Response:
        checked = authenticate(request)
        if isinstance(checked, Response):
            return checked
        admin, basic = checked
        form = await read_form(request)
        if basic and not guard.valid(
            admin.username, request.cookies.get(COOKIE), form_text(form, FIELD)
        ):
            return pages.problem(
                403,
                "This form has expired",
                "The form was not sent from the administrators' queue; open the queue again.",
                base=base(request),
            )
        return admin, form

    def decided(request: Request, outcome: str, request_id: str) -> Response:
        target = f"{base(request)}/admin/requests?{outcome}={quote(request_id)}"
        return RedirectResponse(target, status_code=303)

    @router.post("/admin/requests/{request_id}/approve")
    async def approve(request: Request, request_id: str) -> Response:
        checked = await authorised_post(request)
        if isinstance(checked, Response):
            return checked
        admin, form = checked
        now = service.clock()

        def run() -> None:
            pending = desk.find_pending(request_id)
            c = grant_choice(form, pending, service.runtime.compiled.zone, now)
            desk.approve(
                pending,
                approver=admin,
                scope=c.scope,
                target=c.target,
                starts=c.starts,
                ends=c.ends,
                categories=c.categories,
                domains=c.domains,
                note=c.note,
                now=now,
            )

        try:
            await run_in_threadpool(run)
        except InputError as exc:
            first = exc.problems[0]
            field = f" {first.place.field}:" if first.place.field else ""
            problem = f"{request_id}:{field} {first.message}"
            return await run_in_threadpool(
                lambda: queue(request, admin, problem=problem, status=422)
            )
        return decided(request, "approved", request_id)

    @router.post("/admin/requests/{request_id}/decline")
    async def decline(request: Request, request_id: str) -> Response:
        checked = await authorised_post(request)
        if isinstance(checked, Response):
            return checked
        admin, form = checked
        note = (form_text(form, "note") or "").strip()[:MAX_NOTE]

        def run() -> None:
            desk.decline(desk.find_pending(request_id), by=admin, note=note, now=service.clock())

        try:
            await run_in_threadpool(run)
        except InputError as exc:
            problem = f"{request_id}: {exc.problems[0].message}"
            return await run_in_threadpool(
                lambda: queue(request, admin, problem=problem, status=422)
            )
        return decided(request, "declined", request_id)

    @router.get("/admin/alerts")
    async def alerts(request: Request) -> Response:
        checked = authenticate(request)
        if isinstance(checked, Response):
            return checked
        admin, _ = checked
        found = await run_in_threadpool(desk.alerts)
        return pages.render("admin_alerts.html", base=base(request), admin=admin, alerts=found)

    return router
