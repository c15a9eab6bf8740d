"""DOCX text from every part that can hold words: body, text boxes, headers, footers,
footnotes, endnotes and comments.

python-docx only walks body paragraphs (text boxes are out of its reach), so
the parts are read straight from the zip and every ``w:t`` run collected,
which is both complete and ten times faster. A DOCX is a zip from a stranger,
so before a part is inflated its declared size and compression ratio are
checked (a zip bomb is a few kilobytes that inflate to gigabytes), reading
stops at the declared size, and the XML goes through defusedxml, which
refuses entity expansion ("billion laughs") and external references.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from boardline.inspection.extract import DocumentFormat, ExtractedText, ExtractLimits, cut
from boardline.model.errors import InputError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BODY = "word/document.xml"
#: Parts besides the body whose words are the document's too, in reading order.
_EXTRA = re.compile(r"word/(header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
_ORDER = ("header", "footer", "footnotes", "endnotes", "comments")
_TEXT = f"{_W}t"
_TAB = f"{_W}tab"
_BREAKS = {f"{_W}br", f"{_W}cr"}
_BLOCKS = {f"{_W}p", f"{_W}tc"}
#: What zipfile raises on a damaged archive (a ValueError for a negative seek, found by
#: fuzzing; RuntimeError for encryption; NotImplementedError for unknown compression).
_UNPACK_ERRORS = (
    zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError,
    ValueError,
)  # fmt: skip


def docx_text(data: bytes, name: str, limits: ExtractLimits) -> ExtractedText:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (*_UNPACK_ERRORS, zipfile.LargeZipFile):
        raise InputError.at(name, "not a readable DOCX (the zip archive is damaged)") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            raise InputError.at(
                name, f"{len(members)} zip members; at most {limits.max_zip_members} are read"
            )
        by_name = {info.filename: info for info in members}
        if BODY not in by_name:
            raise InputError.at(name, f"a zip archive without {BODY} (not a DOCX)")
        extra = sorted(
            (info for info in members if _EXTRA.fullmatch(info.filename)),
            key=lambda info: (_rank(info.filename), info.filename),
        )
        wanted = [by_name[BODY], *extra]
        budget = limits.max_unpacked_bytes
        texts: list[str] = []
        for info in wanted:
            _check_member(info, name, limits, budget)
            budget -= info.file_size
            texts.append(_part_text(archive, info, name))
    return cut(name, DocumentFormat.DOCX, "\n".join(t for t in texts if t), limits)


def _rank(filename: str) -> int:
    part = filename.removeprefix("word/")
    return next((i for i, prefix in enumerate(_ORDER) if part.startswith(prefix)), len(_ORDER))


def _check_member(info: zipfile.ZipInfo, name: str, limits: ExtractLimits, budget: int) -> None:
    """Refuse a part before inflating it when its sizes say it is a bomb."""
    if info.flag_bits & 0x1:
        raise InputError.at(name, f"{info.filename} is encrypted")
    if info.file_size > budget:
        raise InputError.at(
            name,
            f"{info.filename} unpacks past the {limits.max_unpacked_bytes}-byte limit "
            "(a zip bomb or a very large document)",
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > 1024 * 1024 and ratio > limits.max_ratio:
        raise InputError.at(
            name,
            f"{info.filename} claims a compression ratio of {ratio:.0f}:1 "
            f"(more than {limits.max_ratio:.0f}:1 is treated as a zip bomb)",
        )


def _part_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> str:
    try:
        with archive.open(info) as stream:
            # ZipExtFile stops at the declared size and checks the CRC at the end, so
            # a part that lies about its size cannot inflate past what was checked.
            raw = stream.read(info.file_size + 1)
    except _UNPACK_ERRORS:
        raise InputError.at(name, f"{info.filename} cannot be unpacked (damaged zip)") from None
    if len(raw) > info.file_size:
        raise InputError.at(name, f"{info.filename} is longer than its zip entry declares")
    try:
        return _words(raw)
    except DefusedXmlException as error:
        raise InputError.at(
            name, f"{info.filename}: refused XML ({type(error).__name__})"
        ) from None
    except (ParseError, ValueError) as error:
        raise InputError.at(name, f"{info.filename}: malformed XML ({error})") from None


def _words(raw: bytes) -> str:
    """The runs' text, with paragraph and cell ends as newlines and breaks kept.

    Iterative (``iterparse``) so a maliciously deep document cannot exhaust the stack.
    Deleted runs of tracked changes (``w:delText``) are not the document's text.
    """
    out: list[str] = []
    for _, element in iterparse(io.BytesIO(raw), events=("end",)):
        tag = element.tag
        if tag == _TEXT:
            if element.text:
                out.append(element.text)
        elif tag == _TAB:
            out.append("\t")
        elif tag in _BREAKS:
            out.append("\n")
        elif tag in _BLOCKS:
            if out and out[-1] != "\n":
                out.append("\n")
            element.clear()
    return "".join(out).strip("\n")
