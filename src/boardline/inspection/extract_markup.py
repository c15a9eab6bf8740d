"""Plain text and HTML: decoding bytes whose encoding nobody declared, and the
visible words of a page.

Posts arrive as bytes from forms and APIs. A byte-order mark decides UTF-8 or
UTF-16; otherwise strict UTF-8 is tried (most of the web), then UTF-16
without a BOM if the bytes look like it (every other byte zero), and
finally latin-1, which decodes anything, so decoding never fails and the
scanners always see something. HTML keeps what a reader would see: script,
style and template contents are dropped, block elements become line breaks.
"""

from __future__ import annotations

import codecs
from html.parser import HTMLParser

from boardline.model.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "title", "svg"})
_BLOCK = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "section", "article",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "blockquote", "pre", "hr",
        "dt", "dd", "main", "aside", "nav", "form", "figcaption",
    }
)  # fmt: skip


def decode_text(data: bytes, name: str = "") -> str:
    """Bytes to text: BOM, then UTF-8, then BOM-less UTF-16, then latin-1."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise InputError.at(
                    name, f"starts with a {encoding.upper()} byte-order mark but is not {encoding}"
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(data) >= 4 and len(data) % 2 == 0:
        sample = data[:2000]
        odd_zeros = sample[1::2].count(0)
        even_zeros = sample[0::2].count(0)
        half = len(sample) // 2
        for zeros, encoding in ((odd_zeros, "utf-16-le"), (even_zeros, "utf-16-be")):
            if zeros > half * 0.4:
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    break
    return data.decode("latin-1")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(markup: str, name: str = "") -> str:
    """The visible text of an HTML page (html.parser is lenient: it never rejects a page)."""
    parser = _Visible()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError) as error:  # pragma: no cover - defensive
        raise InputError.at(name, f"HTML cannot be parsed ({error})") from None
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
