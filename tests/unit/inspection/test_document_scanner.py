"""The document scanner end to end: uploads in every format become district_document findings."""

from __future__ import annotations

import pytest

from boardline.inspection.document_index import DocumentIndexBuilder
from boardline.inspection.document_scanner import DocumentScanner
from boardline.inspection.extract import ExtractLimits
from boardline.model.errors import InputError
from boardline.model.events import FindingKind
from tests.unit.inspection.documents import document, make_docx, make_pdf

HANDBOOK = document(5460, 3000)


@pytest.fixture(scope="module")
def scanner() -> DocumentScanner:
    builder = DocumentIndexBuilder()
    builder.add("staff-handbook-2026", HANDBOOK)
    for i in range(10):
        builder.add(f"newsletter-{i}", document(700 + i, 600))
    return DocumentScanner(builder.build())


def _excerpt(words: int, start: int = 1000) -> str:
    return " ".join(HANDBOOK.split(" ")[start : start + words])


def test_a_pdf_with_a_handbook_excerpt(scanner: DocumentScanner) -> None:
    pdf = make_pdf(f"My thoughts on this year.\n{_excerpt(60)}\nWhat do you all think?")
    (finding,) = scanner.scan_upload(pdf, "excerpt.pdf")
    assert finding.kind == FindingKind.DISTRICT_DOCUMENT
    assert finding.asset == "staff-handbook-2026"
    assert finding.confidence >= 0.6
    assert finding.scanner == scanner.revision
    assert finding.scanner.startswith("documents/1 winnow/1 k=5 w=4 index=")
    assert finding.people == 0
    assert finding.evidence.startswith("characters ")
    # Evidence gives where and how much, never the words themselves.
    copied = _excerpt(60).lower().split()
    evidence = " ".join(finding.evidence.lower().split())
    assert not [i for i in range(len(copied) - 2) if " ".join(copied[i : i + 3]) in evidence]


def test_a_docx_with_the_excerpt_in_a_text_box(scanner: DocumentScanner) -> None:
    docx = make_docx(["A new flyer"], text_box=_excerpt(55, 2000))
    (finding,) = scanner.scan_upload(docx, "flyer.docx")
    assert finding.asset == "staff-handbook-2026"


def test_an_html_post_and_a_plain_text_post(scanner: DocumentScanner) -> None:
    html = f"<html><body><p>Look:</p><blockquote>{_excerpt(70, 500)}</blockquote></body></html>"
    assert [f.asset for f in scanner.scan_upload(html.encode(), "post.html")] == [
        "staff-handbook-2026"
    ]
    assert [f.asset for f in scanner.scan_upload(_excerpt(50).encode(), "post")] == [
        "staff-handbook-2026"
    ]


def test_an_unrelated_upload_has_no_findings(scanner: DocumentScanner) -> None:
    assert scanner.scan_upload(make_pdf(document(99, 800)), "mine.pdf") == ()


def test_a_cut_text_says_so_in_the_evidence(scanner: DocumentScanner) -> None:
    cutting = DocumentScanner(scanner.index, limits=ExtractLimits(max_chars=1500))
    (finding,) = cutting.scan_upload(_excerpt(400).encode(), "long.txt")
    assert "text cut at 1500 characters" in finding.evidence


def test_an_unreadable_upload_is_an_input_error(scanner: DocumentScanner) -> None:
    with pytest.raises(InputError, match=r"^bad\.pdf: "):
        scanner.scan_upload(b"%PDF-1.4 nonsense", "bad.pdf")
