"""The demo's upload chapter: a teacher's three posts, inspected over ICAP on their way out.

Policy 5460.p7 forbids staff to post "school district data, documents,
photographs, logos" on any website, and private or confidential material above
all. This chapter registers what the demo district owns (its crest, drawn by
:mod:`boardline.inspection.logo_art`; three photographs; a staff handbook),
starts Boardline's ICAP service in this process and a real Squid on loopback
wired to it, and has a teacher's district laptop post three things to a
community forum during the school day: a photo of a poster carrying the crest,
a field-trip list naming students with their ids, and a holiday photo.

The forum is not a social networking site, so the school-hours rule lets the
teacher reach it and Squid's helper allows the request; what decides is the
content, which is exactly what 5460.p7 is about ("on any website"). Without
Squid the chapter says how to install it and hands the same three requests to
the ICAP service with a small in-process ICAP client, so the findings and the
clauses are the same and only the proxy is missing.

Student data never reaches the screen: the chapter prints kinds of findings,
how many people and the clause, and the block page's summary, which was built
to carry no finding's evidence.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import re
import shutil
import socket
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from rich.table import Table

from boardline.bootstrap import asset_store, build_inspector, open_decision_log
from boardline.cli.output import console
from boardline.directory.directory import Directory
from boardline.enforcement.decision_token import SECRET_FILE, load_secret
from boardline.enforcement.icap.protocol import ChunkDecoder, encode_chunked
from boardline.enforcement.icap.server import IcapServer, serving_in_thread
from boardline.enforcement.icap.service import IcapLimits, ReqmodService
from boardline.enforcement.live_policy import LivePolicy
from boardline.enforcement.squid.lab import (
    LabError,
    OriginServer,
    check_runnable,
    give_to_squid_user,
    make_run_dir,
    running_squid,
)
from boardline.engine.requests import DecisionSink
from boardline.inspection.assets import AssetKind
from boardline.inspection.image_testset import synthetic_photo
from boardline.inspection.logo_art import cut_bank_crest
from boardline.model.decision import Decision
from boardline.model.events import ContentPost, Event, Finding
from boardline.policy.pack import Effect, Role
from boardline.runtime import Runtime
from boardline.settings import Settings

#: Tuesday of the demo week, mid-morning: inside school hours.
SCHOOL_TIME = dt.datetime.fromisoformat("2026-10-06T10:20:00-06:00")
#: When the district registered its material, before the school year's first day.
REGISTERED_AT = dt.datetime.fromisoformat("2026-08-20T09:00:00-06:00")
REGISTERED_BY = "jcarter"
#: mrivera's district laptop in the demo network plan.
STAFF_LAPTOP = "127.10.1.10"
FORUM = "forum.glacier-county.example"

#: A short staff handbook, written for the demo district (no other district's text).
HANDBOOK = """\
Cut Bank Public Schools - Staff Handbook 2026-27

Working with students and families. Every adult in our buildings is a role model.
Greet students by name, keep conversations about school work in school spaces, and
bring any concern about a student's safety to the building principal the same day.
Families hear from us through the district's messaging system and the school office,
never from a staff member's personal accounts.

Records and privacy. Grade books, attendance, health notes and discipline files are
confidential. Open them only for the students you teach or support, never leave them
on an unlocked screen, and never copy them to a personal device or a private drive.
A list of students is a student record even when it only holds names and numbers.

District images and materials. The Buffaloes crest, photographs taken for the
district and the documents we write belong to the district. Ask the communications
office before using any of them outside school, including on websites you run
yourself. Posters and letters sent home must use the approved templates.

Technology. District laptops are for district work. Report a lost device within one
hour. Passwords are personal: do not share them with colleagues, substitutes or
student helpers, and change them when the technology office asks.
"""

#: Registered photographs: seeds of :func:`synthetic_photo` and their labels.
PHOTOS = (
    (5460_001, "Homecoming 2025 - varsity team"),
    (5460_002, "Cut Bank High School front entrance"),
    (5460_003, "Spring concert 2026"),
)
HOLIDAY_SEED = 1_225_2026


@dataclass(frozen=True, slots=True)
class Upload:
    """One post as the browser sends it."""

    label: str
    path: str
    content_type: str
    body: bytes

    def http_head(self) -> bytes:
        return (
            f"POST http://{FORUM}{self.path} HTTP/1.1\r\n"
            f"Host: {FORUM}\r\n"
            f"Content-Type: {self.content_type}\r\n"
            f"Content-Length: {len(self.body)}\r\n\r\n"
        ).encode("ascii")


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What the teacher saw and what Boardline decided, without any student value."""

    upload: Upload
    status: int
    decision: Decision | None
    findings: tuple[Finding, ...]
    #: The "What was found" lines of the block page (empty when the post went through).
    page_summary: tuple[str, ...]

    @property
    def blocked(self) -> bool:
        return self.status == 403


class _Recorder:
    """A decision sink that keeps each decision for the chapter and passes it on to the log."""

    def __init__(self, log: DecisionSink | None) -> None:
        self.log = log
        self.seen: list[tuple[Decision, Event]] = []

    def write(self, decision: Decision, event: Event) -> None:
        self.seen.append((decision, event))
        if self.log is not None:
            self.log.write(decision, event)

    def flush(self) -> None:
        if self.log is not None:
            self.log.flush()


# -- what the district owns and what the teacher posts ------------------------------


def _jpeg(image: Image.Image, quality: int = 88) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def register_assets(settings: Settings) -> dict[str, str]:
    """Register the crest, the photos and the handbook (idempotent); asset id -> label."""
    store = asset_store(settings)
    try:
        crest = _png(cut_bank_crest(512))
        added = [
            store.add_picture(
                AssetKind.LOGO,
                crest,
                "crest.png",
                label="Cut Bank Buffaloes crest",
                by=REGISTERED_BY,
                at=REGISTERED_AT,
            ),
        ]
        for seed, label in PHOTOS:
            photo = _jpeg(synthetic_photo(seed), quality=92)
            added.append(
                store.add_picture(
                    AssetKind.PHOTO,
                    photo,
                    f"photo-{seed}.jpg",
                    label=label,
                    by=REGISTERED_BY,
                    at=REGISTERED_AT,
                )
            )
        added.append(
            store.add_document(
                HANDBOOK.encode(),
                "staff-handbook.txt",
                label="Staff handbook 2026-27",
                by=REGISTERED_BY,
                at=REGISTERED_AT,
            )
        )
        new = sum(a.new for a in added)
        console.print(
            f"Registered the district's crest (drawn by our code), {len(PHOTOS)} photographs and "
            f"the staff handbook: {new} new, {len(added) - new} already known. Only fingerprints "
            "are stored."
        )
        return {a.id: a.label for a in store.list()}
    finally:
        store.close()


def poster_photo() -> bytes:
    """A phone photo of a homecoming poster in a hallway, the crest printed on it."""
    scene = synthetic_photo(7_700).convert("RGB")
    poster = Image.new("RGB", (300, 420), (250, 244, 228))
    draw = ImageDraw.Draw(poster)
    crest = cut_bank_crest(200)
    poster.paste(crest, (50, 20), crest)
    font = ImageFont.load_default(size=30)
    draw.text((40, 275), "HOMECOMING", font=font, fill=(122, 24, 40))
    draw.text((62, 320), "FRIDAY 7PM", font=font, fill=(28, 22, 20))
    tilted = poster.rotate(4, Image.Resampling.BICUBIC, expand=True, fillcolor=(90, 90, 96))
    scene.paste(tilted, (560, 150))
    return _jpeg(scene)


def _multipart(field: str, filename: str, data: bytes, caption: str) -> tuple[str, bytes]:
    boundary = "----boardline-demo-7MA4YWxkTrZu0gW"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\n'
            f"{caption}\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body


def _directory(rt: Runtime) -> Directory:
    """The demo's directory (bootstrap builds a :class:`Directory` from the OneRoster files)."""
    directory = rt.facts.directory
    if not isinstance(directory, Directory):
        msg = "the demo needs the OneRoster directory bootstrap builds"
        raise TypeError(msg)
    return directory


def student_list(rt: Runtime) -> tuple[str, list[str]]:
    """A field-trip list naming three students with their ids, and the values it holds."""
    people = _directory(rt).people()
    students = [p for p in people if p.role is Role.STUDENT and p.identifier][:3]
    if len(students) < 3:
        msg = "the demo roster lacks three students with ids"
        raise RuntimeError(msg)
    lines = [f"{p.given_name} {p.family_name} (id {p.identifier})" for p in students]
    text = "Field trip to Glacier on Friday! Riding on bus 2:\n" + "\n".join(lines)
    values = [v for p in students for v in (p.given_name, p.family_name, p.identifier or "")]
    return text, values


def uploads(rt: Runtime) -> list[Upload]:
    """The three posts, in the order the teacher makes them."""
    poster_type, poster_body = _multipart(
        "photo", "IMG_2041.jpg", poster_photo(), "Homecoming is Friday, see you there!"
    )
    text, _ = student_list(rt)
    holiday_type, holiday_body = _multipart(
        "photo", "IMG_1988.jpg", _jpeg(synthetic_photo(HOLIDAY_SEED)), "Our summer holiday"
    )
    return [
        Upload(
            "a photo of the homecoming poster (the crest on it)",
            "/albums/homecoming",
            poster_type,
            poster_body,
        ),
        Upload(
            "a field-trip list naming 3 students with their ids",
            "/groups/room-12",
            "text/plain; charset=utf-8",
            text.encode(),
        ),
        Upload("a photo from the summer holiday", "/albums/summer", holiday_type, holiday_body),
    ]


# -- the ICAP service, and a client for it when there is no Squid -------------------


@contextmanager
def icap_service(rt: Runtime, settings: Settings, sink: _Recorder) -> Iterator[int]:
    """Boardline's REQMOD service on a free loopback port, in its own thread and loop."""
    inspector = build_inspector(settings, _directory(rt))
    service = ReqmodService(LivePolicy(rt), inspector, sink, lambda: SCHOOL_TIME, IcapLimits())
    with serving_in_thread(IcapServer(service, host="127.0.0.1", port=0), name="demo-icap") as port:
        yield port


def icap_reqmod(port: int, upload: Upload, client: str) -> tuple[int, str]:
    """Send one REQMOD as Squid would (no preview); the HTTP status and page the client gets.

    ``204`` or an echoed request means the post goes on to the site (shown as 200);
    a ``200`` carrying a response is the block page.
    """
    http_head = upload.http_head()
    request = (
        (
            f"REQMOD icap://127.0.0.1:{port}/reqmod ICAP/1.0\r\n"
            f"Host: 127.0.0.1:{port}\r\nX-Client-IP: {client}\r\nAllow: 204\r\n"
            f"Encapsulated: req-hdr=0, req-body={len(http_head)}\r\n\r\n"
        ).encode()
        + http_head
        + encode_chunked(upload.body)
    )
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    if status == 204:
        return 200, ""
    fields = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    sections = {
        name.strip(): int(at)
        for name, _, at in (p.partition("=") for p in fields.get("Encapsulated", "").split(","))
    }
    if status != 200 or "res-hdr" not in sections:
        return (200 if status == 200 else 502), ""
    body_at = sections.get("res-body", len(rest))
    http_status = int(rest[:body_at].split(b" ", 2)[1])
    page = b"".join(ChunkDecoder().feed(rest[body_at:]))
    return http_status, page.decode("utf-8", "replace")


# -- through Squid ------------------------------------------------------------------


def post_through(proxy: int, upload: Upload, client: str) -> tuple[int, str]:
    """POST ``upload`` through the proxy from ``client``'s loopback address."""
    conn = http.client.HTTPConnection("127.0.0.1", proxy, timeout=60, source_address=(client, 0))
    try:
        conn.request(
            "POST",
            f"http://{FORUM}{upload.path}",
            body=upload.body,
            headers={"Host": FORUM, "Content-Type": upload.content_type, "Connection": "close"},
        )
        reply = conn.getresponse()
        return reply.status, reply.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _helper_config(root: Path) -> Path:
    """Settings for the Squid helper Squid starts as its own user: a clock at SCHOOL_TIME."""
    clock = root / "clock"
    clock.write_text(SCHOOL_TIME.isoformat(), encoding="utf-8")
    config = root / "boardline.toml"
    config.write_text(
        f'state_dir = "{root / "helper-state"}"\nclock = "@{clock}"\n', encoding="utf-8"
    )
    load_secret(root / "helper-state" / SECRET_FILE)
    give_to_squid_user(root)
    return config


def page_summary(page: str) -> tuple[str, ...]:
    """The block page's "What was found" items, as text."""
    found = page.partition("What was found:")[2]
    return tuple(unescape(item).strip() for item in re.findall(r"<li>(.*?)</li>", found))


# -- the chapter --------------------------------------------------------------------


def _send_all(
    send: Callable[[Upload], tuple[int, str]], posts: list[Upload], recorder: _Recorder
) -> list[UploadResult]:
    results = []
    for upload in posts:
        before = len(recorder.seen)
        status, page = send(upload)
        decided = recorder.seen[before:]
        decision, event = decided[-1] if decided else (None, None)
        findings = event.findings if isinstance(event, ContentPost) else ()
        summary = page_summary(page) if status == 403 else ()
        results.append(UploadResult(upload, status, decision, findings, summary))
    return results


def _found_text(findings: tuple[Finding, ...], labels: dict[str, str]) -> str:
    if not findings:
        return "nothing the district owns"
    parts = []
    for f in findings:
        what = f.kind.replace("_", " ")
        if f.people:
            what += f" about {f.people} people"
        if f.asset and f.asset in labels:
            what += f": {labels[f.asset]}"
        parts.append(f"{what} ({f.confidence:.2f})")
    return "\n".join(parts)


def _clause_text(result: UploadResult) -> str:
    decision = result.decision
    if decision is None:
        return "not inspected"
    if not decision.citations:
        return f"{decision.explanation} (pack {decision.revision})"
    c = decision.citations[0]
    quoted = f"{c.clause} (pack {decision.revision}): “{c.quote}”"
    if decision.effect is Effect.DENY:
        return quoted
    return f"checked against {quoted}\n{decision.explanation}"


def show(results: list[UploadResult], labels: dict[str, str], *, via: str) -> None:
    table = Table(show_lines=True, expand=True)
    table.add_column("10:20 mrivera posts", ratio=2)
    table.add_column(via, ratio=1)
    table.add_column("found", ratio=2)
    table.add_column("clause", ratio=4)
    for r in results:
        seen = "[red]403 blocked[/red]" if r.blocked else f"[green]{r.status} sent[/green]"
        table.add_row(r.upload.label, seen, _found_text(r.findings, labels), _clause_text(r))
    console.print(table)
    for r in results:
        if r.page_summary and any("people" in line for line in r.page_summary):
            console.print(
                "Block page for the field-trip list (what the teacher sees): "
                + "; ".join(r.page_summary)
                + ". It names the kind of data and how many people, never a name or an id."
            )


def chapter_uploads(rt: Runtime, settings: Settings) -> list[UploadResult]:
    """Register the district's material, then inspect three posts; return what happened."""
    console.rule("[bold]6. Posting district material: three uploads inspected over ICAP")
    command = Path(sys.executable).with_name("boardline")
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Whether Squid's user can run our helper takes ~2 s of imports: overlap it.
        probe = pool.submit(check_runnable, command)
        labels = register_assets(settings)
        posts = uploads(rt)
        log = open_decision_log(settings, rt)
        recorder = _Recorder(log)
        try:
            with icap_service(rt, settings, recorder) as icap_port:
                try:
                    probe.result()
                    results = _through_squid(command, icap_port, posts, recorder, labels)
                except LabError as exc:
                    console.print(f"[yellow]No live Squid for this chapter:[/yellow] {exc}")
                    console.print(
                        "Install Squid with `apt-get install squid` to see the uploads go through "
                        "it; the same three requests go straight to the ICAP service instead."
                    )
                    results = _send_all(
                        lambda u: icap_reqmod(icap_port, u, STAFF_LAPTOP), posts, recorder
                    )
                    show(results, labels, via="ICAP answer")
        finally:
            if log is not None:
                log.close()
    console.print(
        "Each decision is in the decision log with its clause, the pack revision and the "
        "findings' kinds and offsets; no student value is written there either."
    )
    return results


def _through_squid(
    command: Path,
    icap_port: int,
    posts: list[Upload],
    recorder: _Recorder,
    labels: dict[str, str],
) -> list[UploadResult]:
    root = make_run_dir()
    origin = OriginServer().start()
    try:
        config = _helper_config(root)
        with running_squid(
            origin.port,
            helper_command=f"{command} squid-helper --config {config}",
            icap_url=f"icap://127.0.0.1:{icap_port}/reqmod",
        ) as squid:
            results = _send_all(
                lambda u: post_through(squid.port, u, STAFF_LAPTOP), posts, recorder
            )
        show(results, labels, via="Squid")
        received = [path for method, host, path in origin.seen if method == "POST"]
        console.print(
            f"Squid (port {squid.port}) handed each post to `boardline icap`; the forum received "
            f"{len(received)} of {len(posts)} posts ({', '.join(received) or 'none'})."
        )
        return results
    finally:
        origin.stop()
        shutil.rmtree(root, ignore_errors=True)
