"""Text out of whatever a staff member uploads: PDF, DOCX, HTML or plain text.

The document and confidential-data scanners read text, not files. This module
recognises the format by its first bytes (a name or media type only breaks a
tie: an upload's name is whatever the client said), hands the bytes to one
extractor and returns :class:`ExtractedText`.

Every extractor is bounded, because the bytes come from anybody's browser: the
input size, the pages of a PDF, the parts, sizes and compression ratios of a
DOCX and the characters of the result all have limits (:class:`ExtractLimits`).
Past a *soft* limit (pages, characters) the text is cut and ``truncated`` says
so, since the first pages are still worth scanning; past a *hard* limit
(input size, a zip bomb) or on input that is not what it claims to be, the
extractor raises :class:`~boardline.model.errors.InputError` naming the file
and what is wrong. Nothing here lets a library exception escape.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from boardline.model.errors import InputError


class DocumentFormat(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    HTML = "html"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class ExtractLimits:
    """How much work one upload may cause; the defaults suit a proxy scanning posts."""

    #: Largest input accepted at all (bytes).
    max_input_bytes: int = 32 * 1024 * 1024
    #: PDF pages read; later pages are skipped (``truncated``).
    max_pages: int = 200
    #: Characters of text kept; the rest is cut (``truncated``).
    max_chars: int = 4 * 1024 * 1024
    #: DOCX: members in the zip, total uncompressed bytes of the parts read, and the
    #: largest compression ratio believed before a part counts as a zip bomb.
    max_zip_members: int = 2_000
    max_unpacked_bytes: int = 64 * 1024 * 1024
    max_ratio: float = 200.0


DEFAULT_LIMITS = ExtractLimits()


@dataclass(frozen=True, slots=True)
class ExtractedText:
    """The text of one upload, with where it came from and whether it was cut."""

    name: str
    format: DocumentFormat
    text: str
    truncated: bool = False
    pages: int = 0

    def __repr__(self) -> str:
        # The text may be confidential: a repr that lands in a log shows its size only.
        return (
            f"ExtractedText(name={self.name!r}, format={self.format.value}, "
            f"chars={len(self.text)}, truncated={self.truncated}, pages={self.pages})"
        )


def sniff(data: bytes, name: str = "", media_type: str | None = None) -> DocumentFormat:
    """The format of ``data``: by magic bytes first, then media type, then name."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf\r\n\t ")
    if data[:1024].find(b"%PDF-") != -1:
        return DocumentFormat.PDF
    if data.startswith(b"PK\x03\x04"):
        return DocumentFormat.DOCX
    kind = (media_type or "").split(";", 1)[0].strip().lower()
    lowered = head[:512].lower()
    if (
        kind in {"text/html", "application/xhtml+xml"}
        or name.lower().endswith((".html", ".htm", ".xhtml"))
        or lowered.startswith((b"<!doctype html", b"<html"))
        or b"<body" in lowered
    ):
        return DocumentFormat.HTML
    return DocumentFormat.TEXT


def extract_text(
    data: bytes,
    name: str,
    *,
    media_type: str | None = None,
    limits: ExtractLimits = DEFAULT_LIMITS,
) -> ExtractedText:
    """Extract the text of one upload; :class:`InputError` on bad or oversized input."""
    if len(data) > limits.max_input_bytes:
        raise InputError.at(
            name, f"{len(data)} bytes is more than the {limits.max_input_bytes} bytes scanned"
        )
    kind = sniff(data, name, media_type)
    if kind is DocumentFormat.PDF:
        from boardline.inspection.extract_pdf import pdf_text

        return pdf_text(data, name, limits)
    if kind is DocumentFormat.DOCX:
        from boardline.inspection.extract_docx import docx_text

        return docx_text(data, name, limits)
    from boardline.inspection.extract_markup import decode_text, html_text

    decoded = decode_text(data, name)
    text = html_text(decoded, name) if kind is DocumentFormat.HTML else decoded
    return cut(name, kind, text, limits)


def cut(
    name: str, kind: DocumentFormat, text: str, limits: ExtractLimits, *, pages: int = 0
) -> ExtractedText:
    """Apply the character limit, recording whether anything was dropped."""
    if len(text) > limits.max_chars:
        return ExtractedText(name, kind, text[: limits.max_chars], truncated=True, pages=pages)
    return ExtractedText(name, kind, text, pages=pages)
