"""Uploads to an HTTPS social site through real Squid with SslBump and Boardline's ICAP service.

Everything runs on loopback. The "internet" is :class:`TlsOrigin` on
127.0.44.1 (a free port) with a certificate for ``www.facebook.com`` and
``www.mybank.example`` from its own test CA; Squid (Debian's squid-openssl
5.7) reaches it through its ``hosts_file`` and trusts that CA for outgoing
connections. The district CA comes from :func:`write_ca`, as
``boardline squid ca`` makes it, and curl trusts it the way a district device
does. Squid bumps ``facebook.com`` (an inspected category), sends uploads to
the ICAP service in this process (the district's real scanners: the crest,
a registered handbook, the demo roster), and splices ``mybank.example`` (a
never-bump category): its TLS goes from curl to the origin untouched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from boardline.enforcement.squid import lab
from boardline.enforcement.squid.ca import CaFiles, write_ca
from boardline.enforcement.squid.config import check_bump_lists, render_domain_acl
from boardline.inspection.assets import Asset, AssetKind, AssetRegistry, content_revision
from boardline.inspection.document_index import DocumentIndexBuilder
from boardline.inspection.document_scanner import DocumentScanner
from boardline.inspection.image_scanner import ImageScanner
from boardline.inspection.image_testset import encode, synthetic_photo
from boardline.inspection.inspector import Inspector
from boardline.inspection.logo_art import cut_bank_crest
from boardline.policy.pack import Role
from tests.integration.icap_lab import IcapUnderTest
from tests.integration.squid_harness import HELPER_SCRIPT, SquidProcess, helper_python
from tests.integration.tls_lab import PublicPki, TlsOrigin, make_public_pki, write_hosts_file
from tests.unit.inspection.documents import document, make_pdf

STAFF = "127.10.1.10"  # mrivera's district laptop
SCHOOL_DAY = "2026-10-06T10:00:00-06:00"
SOCIAL = "www.facebook.com"
BANK = "www.mybank.example"
HANDBOOK = document(5460, 2000)


def png(image: Image.Image) -> bytes:
    return encode(image, "PNG")


def poster_photo() -> bytes:
    """A photo of a hallway poster: the crest printed on paper, taped to a textured wall."""
    scene = synthetic_photo(4242, (1024, 768))
    paper = Image.new("RGB", (420, 560), (246, 244, 236))
    draw = ImageDraw.Draw(paper)
    crest = cut_bank_crest(300)
    paper.paste(crest, (60, 40), crest if crest.mode == "RGBA" else None)
    for row in range(6):
        draw.rectangle(
            (50, 400 + row * 22, 370 - (row % 3) * 40, 410 + row * 22), fill=(40, 40, 60)
        )
    scene.paste(paper.rotate(4, expand=True, fillcolor=(90, 80, 70)), (300, 120))
    return encode(scene)


def district_scanners(built: Inspector) -> Inspector:
    """The crest and a staff handbook registered, beside the demo roster's matcher."""
    logo = png(cut_bank_crest(400))
    registry = AssetRegistry().add_image(
        Asset("logo-crest", AssetKind.LOGO, "Crest", content_revision(logo)), logo, "crest.png"
    )
    documents = DocumentIndexBuilder()
    documents.add("staff-handbook", HANDBOOK)
    for i in range(4):
        documents.add(f"letter-{i}", document(900 + i, 400))
    return Inspector(
        images=ImageScanner(registry),
        documents=DocumentScanner(documents.build()),
        confidential=built.confidential,
    )


@dataclass
class Interception:
    squid: SquidProcess
    origin: TlsOrigin
    district_ca: CaFiles
    public: PublicPki
    icap: IcapUnderTest
    files: Path


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Interception]:
    icap = IcapUnderTest(tmp_path_factory.mktemp("icap-state"), SCHOOL_DAY, district_scanners)
    run_dir = lab.make_run_dir()
    origin: TlsOrigin | None = None
    squid: SquidProcess | None = None
    try:
        names = (SOCIAL, BANK)
        public = make_public_pki(run_dir, names)
        district_ca = write_ca(run_dir / "ca")
        lab.give_to_squid_user(run_dir / "ca")
        bump, never = ["facebook.com"], ["mybank.example"]
        check_bump_lists(bump, never, source="test lists")
        (run_dir / "bump.domains").write_text(render_domain_acl(bump), encoding="utf-8")
        (run_dir / "never-bump.domains").write_text(render_domain_acl(never), encoding="utf-8")
        origin = TlsOrigin(public).start()
        helper = f"{helper_python()} {HELPER_SCRIPT} --state-dir {run_dir}/state"
        settings = lab.lab_settings(
            run_dir,
            1,
            helper,
            parent_peer=None,
            dns_nameservers=(),
            hosts_file=str(write_hosts_file(run_dir / "hosts", names)),
            tls_ca_cert=str(district_ca.cert),
            tls_ca_key=str(district_ca.key),
            bump_domains_file=str(run_dir / "bump.domains"),
            never_bump_domains_file=str(run_dir / "never-bump.domains"),
            cert_db_dir=str(lab.init_cert_db(run_dir / "ssl_db")),
            tls_outgoing_cafile=str(public.ca_cert),
            icap_url=icap.url,
            ssl_ports=(origin.port,),
        )
        squid = lab.SquidProcess(run_dir, settings).start()
        files = tmp_path_factory.mktemp("uploads")
        yield Interception(squid, origin, district_ca, public, icap, files)
    except lab.LabError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        if squid is not None:
            squid.stop()
        if origin is not None:
            origin.stop()
        icap.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    issuer: str


def curl(https: Interception, url: str, cafile: Path, *upload: str) -> Reply:
    """curl through the proxy from the staff laptop, trusting only ``cafile``."""
    binary = shutil.which("curl")
    if binary is None:
        pytest.fail("curl is missing: apt-get install -y curl (.ci/run installs it)")
    result = subprocess.run(
        [binary, "-sS", "-v", "-x", f"http://127.0.0.1:{https.squid.port}", "--interface", STAFF,
         "--cacert", str(cafile), "-w", "\n%{http_code}", *upload, url],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    stderr = result.stderr.decode("utf-8", "replace")
    issuer = next((line for line in stderr.splitlines() if "issuer:" in line), "")
    if result.returncode != 0:
        return Reply(0, stderr, issuer)
    text, _, code = result.stdout.decode("utf-8", "replace").rpartition("\n")
    return Reply(int(code), text, issuer)


def _upload(https: Interception, name: str, data: bytes, media_type: str) -> Reply:
    path = https.files / name
    path.write_bytes(data)
    url = f"https://{SOCIAL}:{https.origin.port}/photos/upload/{name}"
    return curl(https, url, https.district_ca.cert, "-F", f"file=@{path};type={media_type}")


def _reached_origin(https: Interception, path: str) -> bool:
    return any(seen[2] == path for seen in https.origin.seen)


def test_a_photo_of_the_district_logo_on_a_poster_is_blocked(https: Interception) -> None:
    reply = _upload(https, "poster.jpg", poster_photo(), "image/jpeg")
    assert reply.status == 403, reply
    assert "5460.p7" in reply.body
    assert "a district logo or mark" in reply.body
    assert "logo-crest" in reply.body
    assert "Cut Bank School District inspection CA" in reply.issuer  # decrypted by Squid
    assert not _reached_origin(https, "/photos/upload/poster.jpg")


def test_a_holiday_photo_goes_through(https: Interception) -> None:
    reply = _upload(https, "beach.jpg", encode(synthetic_photo(77, (800, 600))), "image/jpeg")
    assert reply.status == 200, reply
    assert reply.body == f"origin: {SOCIAL}/photos/upload/beach.jpg"
    assert _reached_origin(https, "/photos/upload/beach.jpg")


def test_a_pdf_with_a_handbook_excerpt_is_blocked(https: Interception) -> None:
    excerpt = " ".join(HANDBOOK.split(" ")[300:380])
    pdf = make_pdf(f"Notes from the staff meeting\n{excerpt}")
    reply = _upload(https, "notes.pdf", pdf, "application/pdf")
    assert reply.status == 403, reply
    assert "5460.p7" in reply.body
    assert "a district document" in reply.body
    assert "staff-handbook" in reply.body
    assert not _reached_origin(https, "/photos/upload/notes.pdf")


def test_a_post_listing_students_is_blocked_and_the_page_shows_none_of_them(
    https: Interception,
) -> None:
    people = https.icap.runtime.facts.directory.people()
    students = [p for p in people if p.role is Role.STUDENT and p.identifier][:3]
    assert len(students) == 3
    listing = "Bus 4 roster, please share:\n" + "\n".join(
        f"{p.given_name} {p.family_name} ({p.identifier})" for p in students
    )
    post = https.files / "roster.txt"
    post.write_text(listing, encoding="utf-8")
    reply = curl(
        https,
        f"https://{SOCIAL}:{https.origin.port}/groups/post",
        https.district_ca.cert,
        "-H",
        "Content-Type: text/plain; charset=utf-8",
        "--data-binary",
        f"@{post}",
    )
    assert reply.status == 403, reply
    assert "5460.p7" in reply.body
    assert "student records" in reply.body
    values = [v for p in students for v in (p.given_name, p.family_name, p.identifier)]
    for value in values:
        assert value not in reply.body
    assert not _reached_origin(https, "/groups/post")
    logged = https.icap.log.read_text(encoding="utf-8")
    effects = {
        (json.loads(line)["event"]["path"], json.loads(line)["effect"])
        for line in logged.splitlines()
    }
    assert ("/groups/post", "deny") in effects
    for value in values:
        assert value not in logged


def test_a_never_bump_site_is_spliced_not_decrypted(https: Interception) -> None:
    # The origin's own certificate reaches curl: trusting the public CA is enough ...
    reply = curl(https, f"https://{BANK}:{https.origin.port}/statements", https.public.ca_cert)
    assert reply.status == 200, reply
    assert reply.body == f"origin: {BANK}/statements"
    assert "Boardline test public root" in reply.issuer
    # ... and the district CA is of no use there: Squid never forged a certificate for it.
    refused = curl(https, f"https://{BANK}:{https.origin.port}/statements", https.district_ca.cert)
    assert refused.status == 0
    assert "Boardline test public root" in refused.issuer or "certificate" in refused.body
    # Nor is a post to it inspected: a student list goes through, unseen by Boardline.
    reply = curl(
        https,
        f"https://{BANK}:{https.origin.port}/messages",
        https.public.ca_cert,
        "--data-binary",
        "Lily Baker (ID 40211)",
    )
    assert reply.status == 200, reply
    assert _reached_origin(https, "/messages")
    assert "/messages" not in https.icap.log.read_text(encoding="utf-8")


def test_a_bumped_site_shows_the_district_certificate(https: Interception) -> None:
    refused = curl(https, f"https://{SOCIAL}:{https.origin.port}/", https.public.ca_cert)
    assert refused.status == 0  # the public CA does not vouch for Squid's forged certificate
    reply = curl(https, f"https://{SOCIAL}:{https.origin.port}/", https.district_ca.cert)
    assert reply.status == 200, reply
    assert "Cut Bank School District inspection CA" in reply.issuer
