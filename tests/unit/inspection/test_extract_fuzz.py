"""Fuzzing the extractors: random, truncated and mutated PDFs, DOCX and text never crash.

Every input either extracts (bounded by the limits) or raises InputError naming the file.
"""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boardline.inspection.extract import ExtractLimits, extract_text
from boardline.model.errors import InputError
from tests.unit.inspection.documents import document, make_docx, make_pdf

LIMITS = ExtractLimits(max_input_bytes=1_000_000, max_pages=5, max_chars=200_000)
PDF = make_pdf(document(11, 600), lines_per_page=15)
DOCX = make_docx(
    [document(12, 200)], header="Header words", footer="Footer words", comment="Comment"
)


def _extract_or_input_error(data: bytes, name: str) -> None:
    try:
        result = extract_text(data, name, limits=LIMITS)
    except InputError as error:
        message = str(error)
    else:
        assert len(result.text) <= LIMITS.max_chars
        return
    assert message.startswith(f"{name}: ")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096), st.sampled_from(["up.pdf", "up.docx", "up.html", "up"]))
def test_random_bytes(data: bytes, name: str) -> None:
    _extract_or_input_error(data, name)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_after_magic(tail: bytes) -> None:
    _extract_or_input_error(b"%PDF-1.7\n" + tail, "magic.pdf")
    _extract_or_input_error(b"PK\x03\x04" + tail, "magic.docx")


@settings(max_examples=120, deadline=None)
@given(st.integers(min_value=0, max_value=len(PDF)))
def test_truncated_pdf(cut: int) -> None:
    _extract_or_input_error(PDF[:cut], "cut.pdf")


@settings(max_examples=120, deadline=None)
@given(st.integers(min_value=0, max_value=len(DOCX)))
def test_truncated_docx(cut: int) -> None:
    _extract_or_input_error(DOCX[:cut], "cut.docx")


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([PDF, DOCX]),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_mutated_documents(original: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(original)
    for position, value in flips:
        data[position % len(data)] = value
    _extract_or_input_error(bytes(data), "mutated.bin")


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=2, max_value=24), st.sampled_from([b"\0", b"<w:t>a</w:t>"]))
def test_zip_bombs_of_any_shape_are_refused_or_bounded(megabytes: int, filler: bytes) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        size = megabytes * 1024 * 1024
        archive.writestr("word/document.xml", filler * (size // len(filler)))
    _extract_or_input_error(out.getvalue(), "bomb.docx")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_any_html(markup: str) -> None:
    _extract_or_input_error(markup.encode(), "page.html")
