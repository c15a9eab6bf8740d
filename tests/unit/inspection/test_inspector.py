"""The inspector routes an upload to the right scanners and never lets bad input crash it."""

from __future__ import annotations

import pytest
from PIL import Image

from boardline.demo.district import write_demo_roster
from boardline.directory import Directory, read_oneroster
from boardline.inspection.assets import Asset, AssetKind, AssetRegistry, content_revision
from boardline.inspection.confidential import ConfidentialScanner
from boardline.inspection.document_index import DocumentIndexBuilder
from boardline.inspection.document_scanner import DocumentScanner
from boardline.inspection.image_scanner import ImageScanner
from boardline.inspection.image_testset import encode, synthetic_photo
from boardline.inspection.inspector import (
    UNREADABLE,
    Inspector,
    content_post,
    is_image,
    unreadable_finding,
)
from boardline.inspection.logo_art import cut_bank_crest
from boardline.model.errors import InputError
from boardline.model.events import ContentPost, FindingKind, Subject
from tests.unit.inspection.documents import document, make_docx, make_pdf

HANDBOOK = document(5460, 2000)


def png(image: Image.Image) -> bytes:
    return encode(image, "PNG")


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    return read_oneroster(write_demo_roster(tmp_path_factory.mktemp("roster"))).directory


@pytest.fixture(scope="module")
def logo() -> bytes:
    return png(cut_bank_crest(400))


@pytest.fixture(scope="module")
def inspector(directory: Directory, logo: bytes) -> Inspector:
    registry = AssetRegistry().add_image(
        Asset("logo-crest", AssetKind.LOGO, "Crest", content_revision(logo)), logo, "crest.png"
    )
    builder = DocumentIndexBuilder()
    builder.add("staff-handbook", HANDBOOK)
    for i in range(4):
        builder.add(f"letter-{i}", document(900 + i, 400))
    return Inspector(
        images=ImageScanner(registry),
        documents=DocumentScanner(builder.build()),
        confidential=ConfidentialScanner.from_directory(directory),
    )


def _excerpt(words: int, start: int = 300) -> str:
    return " ".join(HANDBOOK.split(" ")[start : start + words])


def _record_post(directory: Directory) -> str:
    people = [directory.by_username(u) for u in ("lily.baker", "noah.hale", "mason.reed")]
    return "Detention list:\n" + "\n".join(
        f"{p.given_name} {p.family_name} ({p.identifier})" for p in people if p is not None
    )


def test_an_image_goes_to_the_image_scanner_only(inspector: Inspector, logo: bytes) -> None:
    found = inspector.inspect(logo, "crest.png", "image/png")
    assert [(f.kind, f.asset) for f in found] == [(FindingKind.DISTRICT_LOGO, "logo-crest")]
    assert found[0].region is not None


def test_a_holiday_photo_is_clean(inspector: Inspector) -> None:
    assert inspector.inspect(encode(synthetic_photo(77, (640, 480))), "beach.jpg") == ()


def test_a_pdf_is_extracted_once_and_scanned_for_documents_and_students(
    inspector: Inspector, directory: Directory
) -> None:
    pdf = make_pdf(f"{_excerpt(60)}\n{_record_post(directory)}")
    kinds = {f.kind: f for f in inspector.inspect(pdf, "notes.pdf", "application/pdf")}
    assert kinds[FindingKind.DISTRICT_DOCUMENT].asset == "staff-handbook"
    assert kinds[FindingKind.STUDENT_RECORD].people == 3


def test_findings_are_ranked_strongest_first(inspector: Inspector, directory: Directory) -> None:
    found = inspector.inspect_text(f"{_excerpt(80)} {_record_post(directory)}", "message")
    assert len(found) == 2
    assert [f.confidence for f in found] == sorted((f.confidence for f in found), reverse=True)


def test_a_docx_and_a_form_field(inspector: Inspector) -> None:
    docx = make_docx(["Flyer"], text_box=_excerpt(55, 900))
    assert [f.asset for f in inspector.inspect(docx, "flyer.docx")] == ["staff-handbook"]
    assert [f.asset for f in inspector.inspect_text(_excerpt(55, 100), "form:body")] == [
        "staff-handbook"
    ]
    assert inspector.inspect_text("See you at the game tonight!", "form:body") == ()


def test_the_media_type_does_not_decide_what_an_upload_is(
    inspector: Inspector, logo: bytes
) -> None:
    # A logo sent as "text/plain" is still scanned as a picture; text sent as image/png is text.
    assert inspector.inspect(logo, "notes.txt", "text/plain")[0].asset == "logo-crest"
    assert inspector.inspect(_excerpt(60).encode(), "x.png", "image/png")[0].asset == (
        "staff-handbook"
    )


def test_missing_scanners_find_nothing(logo: bytes) -> None:
    empty = Inspector()
    assert empty.inspect(logo, "crest.png") == ()
    assert empty.inspect(b"%PDF-1.4 garbage", "x.pdf") == ()
    assert empty.inspect_text("anything", "field") == ()
    assert empty.revision == "no scanners"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "broken.png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 10, "truncated.jpg"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> trailer", "broken.pdf"),
        (b"PK\x03\x04" + b"\x00" * 60, "broken.docx"),
    ],
)
def test_bad_uploads_are_input_errors_naming_the_file(
    inspector: Inspector, data: bytes, name: str
) -> None:
    with pytest.raises(InputError) as caught:
        inspector.inspect(data, name)
    assert str(caught.value).startswith(name)
    finding = unreadable_finding(caught.value)
    assert finding.kind == UNREADABLE
    assert finding.evidence.startswith(name)


def test_an_unexpected_scanner_error_becomes_an_input_error(logo: bytes) -> None:
    class Exploding:
        revision = "boom/1"

        def scan(self, data: bytes, name: str) -> tuple[()]:
            raise ValueError("secret content 123-45-6789")

    inspector = Inspector(images=Exploding())  # type: ignore[arg-type]
    with pytest.raises(InputError) as caught:
        inspector.inspect(logo, "crest.png")
    assert "ValueError" in str(caught.value)
    assert "123-45-6789" not in str(caught.value)


def test_is_image_by_magic_bytes() -> None:
    assert is_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    assert is_image(b"GIF89a...")
    assert not is_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert not is_image(b"")


def test_content_post_is_the_engines_event(inspector: Inspector, logo: bytes) -> None:
    found = inspector.inspect(logo, "crest.png")
    post = content_post(Subject(user="jdoe"), "WWW.Facebook.com", "/upload", found, "scan-1")
    assert post == ContentPost(Subject(user="jdoe"), "www.facebook.com", "/upload", found, "scan-1")


def test_revision_names_every_scanner(inspector: Inspector) -> None:
    assert inspector.revision.startswith("image/2+pdq")
    assert "documents/1 " in inspector.revision
    assert "confidential/1 " in inspector.revision


def test_no_roster_value_in_any_finding(inspector: Inspector, directory: Directory) -> None:
    post = _record_post(directory)
    found = inspector.inspect(make_pdf(post), "list.pdf") + inspector.inspect_text(post, "f")
    assert found
    people = [directory.by_username(u) for u in ("lily.baker", "noah.hale", "mason.reed")]
    values = [v for p in people if p for v in (p.given_name, p.family_name, p.identifier) if v]
    for finding in found:
        text = repr(finding) + inspector.revision
        assert not [v for v in values if v.lower() in text.lower()]


def test_labels_name_assets_and_unknown_ids_fall_back_to_the_id() -> None:
    from boardline.inspection.inspector import Inspector

    inspector = Inspector(labels={"logo-1": "Cut Bank Buffaloes crest"})

    assert inspector.label("logo-1") == "Cut Bank Buffaloes crest"
    assert inspector.label("photo-9") == "photo-9"
