"""Real test documents built by our own code: a minimal text PDF writer, a DOCX zipper,
and a deterministic English-like text generator for handbooks and unrelated documents."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Sequence

# -- PDF --------------------------------------------------------------------------------


def _pdf_string(line: str) -> str:
    return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _wrap(text: str, width: int = 90) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def make_pdf(text: str, *, lines_per_page: int = 48) -> bytes:
    """A valid PDF 1.4 with ``text`` (ASCII) set in Helvetica, wrapped and paginated."""
    lines = _wrap(text)
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)] or [[]]
    objects: list[bytes] = []
    font_id = 3
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for pid, page in zip(page_ids, pages, strict=True):
        body = "BT /F1 10 Tf 14 TL 56 740 Td " + " ".join(
            f"{_pdf_string(line)} Tj T*" for line in page
        )
        stream = (body + " ET").encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {pid + 1} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


# -- DOCX -------------------------------------------------------------------------------

_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paragraphs(texts: Sequence[str]) -> str:
    return "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{_escape(t)}</w:t></w:r></w:p>' for t in texts
    )


def make_docx(
    body: Sequence[str],
    *,
    text_box: str = "",
    header: str = "",
    footer: str = "",
    footnote: str = "",
    comment: str = "",
    deleted: str = "",
    table: Sequence[Sequence[str]] = (),
) -> bytes:
    """A DOCX (a zip of WordprocessingML parts) with text in every kind of part."""
    content = _paragraphs(body)
    if table:
        rows = "".join(
            "<w:tr>" + "".join(f"<w:tc>{_paragraphs([cell])}</w:tc>" for cell in row) + "</w:tr>"
            for row in table
        )
        content += f"<w:tbl>{rows}</w:tbl>"
    if text_box:
        content += (
            "<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>"
            f"{_paragraphs([text_box])}</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
        )
    if deleted:
        content += f"<w:p><w:del><w:r><w:delText>{_escape(deleted)}</w:delText></w:r></w:del></w:p>"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        '.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"'
        "/></Types>",
        "word/document.xml": f'<?xml version="1.0"?><w:document {_NS}><w:body>{content}'
        "</w:body></w:document>",
    }
    if header:
        parts["word/header1.xml"] = f"<w:hdr {_NS}>{_paragraphs([header])}</w:hdr>"
    if footer:
        parts["word/footer1.xml"] = f"<w:ftr {_NS}>{_paragraphs([footer])}</w:ftr>"
    if footnote:
        parts["word/footnotes.xml"] = (
            f'<w:footnotes {_NS}><w:footnote w:id="1">{_paragraphs([footnote])}</w:footnote>'
            "</w:footnotes>"
        )
    if comment:
        parts["word/comments.xml"] = (
            f'<w:comments {_NS}><w:comment w:id="0">{_paragraphs([comment])}</w:comment>'
            "</w:comments>"
        )
    return zip_parts(parts)


def zip_parts(parts: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data.encode() if isinstance(data, str) else data)
    return out.getvalue()


# -- text -------------------------------------------------------------------------------


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_NOUNS = _split(
    "student teacher parent board policy district school classroom device account "
    "network website post photograph record grade schedule program counselor "
    "principal handbook assignment library laptop password device message meeting "
    "committee budget bus route field trip lunch menu attendance report card "
    "conference volunteer coach season team concert club election newsletter calendar "
    "holiday emergency drill nurse office campus"
)
_VERBS = _split(
    "reviews approves shares requires posts reports protects follows updates explains "
    "announces schedules supports monitors discusses considers publishes answers "
    "organises collects returns prepares visits invites reminds expects welcomes "
    "includes describes"
)
_ADJECTIVES = _split(
    "annual weekly new local public private careful digital final early late special "
    "regular quiet busy written approved required optional shared secure open closed "
    "friendly responsible reasonable appropriate professional"
)
_LINKS = _split("and but so because while although when after before unless")
_DETS = _split("the a each every this our their any some one")


def sentence(rng: random.Random) -> str:
    words = [rng.choice(_DETS), rng.choice(_ADJECTIVES), rng.choice(_NOUNS), rng.choice(_VERBS)]
    words += [rng.choice(_DETS), rng.choice(_NOUNS)]
    if rng.random() < 0.5:
        words += [rng.choice(_LINKS), rng.choice(_DETS), rng.choice(_NOUNS), rng.choice(_VERBS)]
        words += [rng.choice(_DETS), rng.choice(_ADJECTIVES), rng.choice(_NOUNS)]
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def document(seed: int, words: int) -> str:
    """Deterministic English-like prose of about ``words`` words in paragraphs."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    count = 0
    while count < words:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n".join(paragraphs)


def replace_words(text: str, share: float, seed: int) -> str:
    """``text`` with ``share`` of its words replaced by other words (a "lightly edited" copy)."""
    rng = random.Random(seed)
    pool = (*_NOUNS, *_VERBS, *_ADJECTIVES)
    out = [rng.choice(pool) if rng.random() < share else word for word in text.split(" ")]
    return " ".join(out)
