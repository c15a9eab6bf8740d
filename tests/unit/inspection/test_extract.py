"""Text extraction from real PDF, DOCX, HTML and plain-text bytes, and its limits."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from boardline.inspection.extract import DocumentFormat, ExtractLimits, extract_text, sniff
from boardline.inspection.extract_markup import decode_text, html_text
from boardline.model.errors import InputError
from tests.unit.inspection.documents import document, make_docx, make_pdf, zip_parts


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_pdf_text_of_every_page_in_order() -> None:
    text = document(7, 1500)
    pdf = make_pdf(text, lines_per_page=20)
    result = extract_text(pdf, "handbook.pdf")
    assert result.format is DocumentFormat.PDF
    assert result.pages > 3
    assert not result.truncated
    assert _squash(result.text) == _squash(text)


def test_pdf_joins_words_hyphenated_across_lines() -> None:
    pdf = make_pdf("The dis-\ntrict handbook applies to every em-\nployee.")
    assert "district handbook" in extract_text(pdf, "h.pdf").text
    assert "employee" in extract_text(pdf, "h.pdf").text


def test_pdf_page_limit_cuts_and_says_so() -> None:
    pdf = make_pdf(document(3, 2000), lines_per_page=10)
    result = extract_text(pdf, "long.pdf", limits=ExtractLimits(max_pages=2))
    assert result.truncated
    assert result.pages == 2
    full = extract_text(pdf, "long.pdf")
    assert len(result.text) < len(full.text) / 3


def test_character_limit_cuts_and_says_so() -> None:
    result = extract_text(b"word " * 1000, "a.txt", limits=ExtractLimits(max_chars=100))
    assert result.truncated
    assert len(result.text) == 100


def test_truncated_pdf_is_an_input_error_naming_the_file() -> None:
    pdf = make_pdf(document(1, 300))
    with pytest.raises(InputError) as caught:
        extract_text(pdf[:200], "broken.pdf")
    assert str(caught.value).startswith("broken.pdf: ")
    assert "PDF" in str(caught.value)


def test_docx_text_from_body_tables_text_boxes_headers_footers_notes_and_comments() -> None:
    data = make_docx(
        ["Body paragraph one.", "Body paragraph two."],
        table=[["cell a", "cell b"]],
        text_box="Words in a floating text box.",
        header="Cut Bank School District letterhead",
        footer="Page footer words",
        footnote="A footnote explains.",
        comment="A reviewer's comment.",
        deleted="Deleted words never count.",
    )
    result = extract_text(data, "memo.docx")
    assert result.format is DocumentFormat.DOCX
    for expected in (
        "Body paragraph one.",
        "cell a",
        "cell b",
        "Words in a floating text box.",
        "Cut Bank School District letterhead",
        "Page footer words",
        "A footnote explains.",
        "A reviewer's comment.",
    ):
        assert expected in result.text
    assert "Deleted words" not in result.text
    # The body comes first, in order; paragraphs are separate lines.
    assert result.text.index("one.") < result.text.index("two.") < result.text.index("letterhead")
    assert "Body paragraph one.\nBody paragraph two." in result.text


def test_zip_without_a_document_part_is_not_a_docx() -> None:
    data = zip_parts({"hello.txt": "hi"})
    with pytest.raises(InputError, match=r"^upload\.docx: .*word/document\.xml"):
        extract_text(data, "upload.docx")


def test_zip_bomb_is_refused_before_inflating() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>" + b" " * (20 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 100_000
    with pytest.raises(InputError, match="zip bomb"):
        extract_text(data, "bomb.docx")


def test_parts_past_the_unpacked_budget_are_refused() -> None:
    data = make_docx(["x" * 5000])
    with pytest.raises(InputError, match="unpacks past"):
        extract_text(data, "big.docx", limits=ExtractLimits(max_unpacked_bytes=1000))


def test_too_many_zip_members_are_refused() -> None:
    parts: dict[str, str | bytes] = {f"word/media/{i}.bin": b"" for i in range(30)}
    parts["word/document.xml"] = "<x/>"
    with pytest.raises(InputError, match="zip members"):
        extract_text(zip_parts(parts), "many.docx", limits=ExtractLimits(max_zip_members=10))


def test_entity_expansion_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<w:document>&lol2;</w:document>"
    )
    with pytest.raises(InputError, match=r"word/document\.xml: refused XML"):
        extract_text(zip_parts({"word/document.xml": laughs}), "laughs.docx")


def test_malformed_xml_names_the_part() -> None:
    with pytest.raises(InputError, match=r"^bad\.docx: word/document\.xml: malformed XML"):
        extract_text(zip_parts({"word/document.xml": "<w:document><w:t>"}), "bad.docx")


def test_oversized_input_is_refused() -> None:
    with pytest.raises(InputError, match="more than the 10 bytes"):
        extract_text(b"x" * 11, "big.txt", limits=ExtractLimits(max_input_bytes=10))


def test_html_keeps_visible_text_only() -> None:
    page = (
        b"<!doctype html><html><head><title>Title</title><style>p {color: red}</style>"
        b"<script>var secret = 'x';</script></head><body><h1>Cut Bank</h1><p>Students &amp; "
        b"staff</p><script>track()</script><ul><li>one</li><li>two</li></ul></body></html>"
    )
    result = extract_text(page, "page.html")
    assert result.format is DocumentFormat.HTML
    assert result.text == "Cut Bank\nStudents & staff\none\ntwo"
    assert html_text("<p>unclosed <b>bold") == "unclosed bold"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Crème brûlée".encode(), "Crème brûlée"),
        (codecs.BOM_UTF8 + "Ünïcode".encode(), "Ünïcode"),
        ("Ünïcode text".encode("utf-16"), "Ünïcode text"),
        ("Ünïcode text".encode("utf-16-le"), "Ünïcode text"),
        ("Ünïcode text".encode("utf-16-be"), "Ünïcode text"),
        ("Café".encode("latin-1"), "Café"),
    ],
)
def test_plain_text_encodings(data: bytes, expected: str) -> None:
    assert decode_text(data, "t.txt") == expected
    assert extract_text(data, "t.txt").text == expected


def test_bad_utf16_after_a_bom_names_the_file() -> None:
    with pytest.raises(InputError, match=r"^odd\.txt: .*byte-order mark"):
        decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8", "odd.txt")


def test_sniff_trusts_magic_bytes_over_the_name() -> None:
    assert sniff(make_pdf("x"), "photo.jpg") is DocumentFormat.PDF
    assert sniff(make_docx(["x"]), "notes.txt") is DocumentFormat.DOCX
    assert sniff(b"<html><body>x</body></html>", "post") is DocumentFormat.HTML
    assert sniff(b"just words", "post", "text/html") is DocumentFormat.HTML
    assert sniff(b"just words", "post.txt") is DocumentFormat.TEXT


def test_repr_shows_no_text() -> None:
    result = extract_text(b"Lily Baker 200001", "post.txt")
    assert "Lily" not in repr(result)
    assert "200001" not in repr(result)


def test_zip_needing_an_unknown_version_is_an_input_error() -> None:
    # Found by the fuzzer in CI: zipfile raises NotImplementedError ("zip file version
    # 6.4") while reading the central directory, before any member is opened.
    data = bytearray(make_docx(["A handbook paragraph."]))
    at = data.find(b"PK\x01\x02")
    data[at + 6 : at + 8] = (64).to_bytes(2, "little")

    with pytest.raises(InputError, match=r"handbook\.docx"):
        extract_text(bytes(data), "handbook.docx")
