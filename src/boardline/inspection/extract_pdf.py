"""PDF text through pdfium (pypdfium2, Apache-2.0/BSD-3).

pdfium is Chromium's PDF engine: fast (about 1.7 ms a page measured here),
fuzzed continuously upstream and permissively licensed, where the faster
PyMuPDF is AGPL. pdfium is not thread-safe, so callers scanning in threads
serialise through :data:`PDFIUM_LOCK`; a process pool needs nothing.

Words broken across lines with a hyphen ("dis-\\ntrict") are joined again,
since the fingerprints work on words and a PDF's line breaks are layout,
not text. pdfium itself marks a hyphen it recognises at a line end with
U+FFFE (and older builds with U+0002) in place of the hyphen and the break.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pypdfium2

from boardline.inspection.extract import DocumentFormat, ExtractedText, ExtractLimits, cut
from boardline.model.errors import InputError

#: pdfium keeps global state; one document is read at a time per process.
PDFIUM_LOCK = threading.Lock()

_HYPHENATED = re.compile(r"(\w)-[ \t]*\r?\n[ \t]*(\w)")
_LINE_END_HYPHENS = str.maketrans({"\ufffe": None, "\x02": None})


def pdf_text(data: bytes, name: str, limits: ExtractLimits) -> ExtractedText:
    """The text of every page up to ``limits.max_pages``, pages separated by a blank line."""
    parts: list[str] = []
    size = 0
    truncated = False
    with PDFIUM_LOCK:
        try:
            document: Any = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as error:
            raise InputError.at(name, f"not a readable PDF ({_reason(error)})") from None
        try:
            count = len(document)
            if count > limits.max_pages:
                truncated = True
            for index in range(min(count, limits.max_pages)):
                text = _page_text(document, index, name)
                parts.append(text)
                size += len(text) + 2
                if size > limits.max_chars:
                    truncated = True
                    break
        finally:
            document.close()
    joined = "\n\n".join(parts).replace("\r\n", "\n").translate(_LINE_END_HYPHENS)
    joined = _HYPHENATED.sub(r"\1\2", joined)
    result = cut(name, DocumentFormat.PDF, joined, limits, pages=min(count, limits.max_pages))
    if truncated and not result.truncated:
        return ExtractedText(name, DocumentFormat.PDF, result.text, True, result.pages)
    return result


def _page_text(document: Any, index: int, name: str) -> str:
    try:
        page = document[index]
    except pypdfium2.PdfiumError as error:
        raise InputError.at(name, f"page {index + 1} cannot be read ({_reason(error)})") from None
    try:
        textpage = page.get_textpage()
        try:
            return str(textpage.get_text_range())
        finally:
            textpage.close()
    except pypdfium2.PdfiumError as error:
        raise InputError.at(
            name, f"page {index + 1} has no readable text layer ({_reason(error)})"
        ) from None
    finally:
        page.close()


def _reason(error: Exception) -> str:
    text = str(error).strip()
    return text[:120] or type(error).__name__
