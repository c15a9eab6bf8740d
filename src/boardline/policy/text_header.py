"""The header of a pasted policy: district, series, code and title.

Districts lay the top of a policy out in a handful of ways, all handled here:

* Montana (MTSBA): ``Cut Bank School District`` / ``PERSONNEL      5460`` (series
  and code in columns) / ``Electronic Resources and Social Networking``;
* NEPN/NSBA: ``File: GBEBD`` or ``NEPN/NSBA Code: IJNDD`` and a title line, or
  ``GBEBD - STAFF CONDUCT WITH STUDENTS`` on one line;
* California and others: ``Board Policy 5460``, ``BP 5460(a)``, ``AR 5460``,
  ``Policy 6141.326 - Title``, ``Policy Code: 4040``, ``Title: ...`` fields.

A document-kind prefix becomes a code suffix when the code has none, so that a
board policy and its regulation never share a code: ``AR 5460`` is ``5460-AR``,
``Regulation GBEBD`` is ``GBEBD-R``, ``Exhibit 5460`` is ``5460-E``; ``BP 5460``
and ``Board Policy 5460`` are plain ``5460``.

Lines before the code line are the district (the one that reads like a district
name, else the first) and the title (the last other one); when the title is not
among them, it is the line after the code line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from boardline.policy.code import parse_code
from boardline.policy.text_cleanup import Line, UnplacedLine, collapse

_CODE = r"(?:\d{1,5}(?:\.\d{1,4})*|[A-Z]{1,6})(?:-?(?:[PRFE]\d?|AR|BP))?"
CODE_TOKEN = re.compile(_CODE)
#: NEPN/NSBA codes file under sections A (foundations) to K (community relations).
_NEPN = re.compile(r"^[A-K][A-Z]{1,5}")
_STOP_CODES = frozenset(
    {"A", "AN", "AND", "AS", "AT", "BY", "FOR", "I", "IN", "IS", "IT", "NO", "NOT", "OF"}
    | {"ON", "OR", "THE", "TO", "USE", "ALL", "WITH", "FROM", "STAFF", "NOTE", "PAGE"}
)
_PREFIX = (
    r"Board\s+Policy|Administrative\s+Regulations?|Administrative\s+Procedures?"
    r"|Policy\s+No\.?|Policy\s+Number|Policy\s*\#|Policy|Regulation|Procedures?|Exhibit|Form"
    r"|BP|AR|AP|E"
)
_PREFIX_SUFFIX = {
    "administrative regulation": "AR",
    "administrative regulations": "AR",
    "ar": "AR",
    "regulation": "R",
    "administrative procedure": "P",
    "administrative procedures": "P",
    "procedure": "P",
    "procedures": "P",
    "ap": "P",
    "exhibit": "E",
    "e": "E",
    "form": "F",
}
_PREFIXED = re.compile(
    rf"^(?P<prefix>(?i:{_PREFIX}))(?![A-Za-z0-9])\s*:?\s*(?P<code>{_CODE})"
    r"(?:\s*\((?P<page>[a-z0-9]{1,2})\))?(?P<rest>(?:\s.*|[-–—:|].*)?)$"
)
_CODE_FIRST = re.compile(rf"^(?P<code>{_CODE})(?P<rest>(?:\s*[-–—:|]\s*.+|\s+.+)?)$")
_FIELD = re.compile(
    r"^(?P<key>NEPN\s*/\s*NSBA\s+Code|NEPN\s+Code|NSBA\s+Code|File\s+Code|File|Policy\s+Code"
    r"|Code|Policy\s+Number|Policy\s+Title|Title|Series|Section|District|School\s+District"
    r"|Book|Status)\s*:\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_CODE_KEYS = frozenset(
    {"nepn/nsba code", "nepn code", "nsba code", "file code", "file", "policy code", "code"}
    | {"policy number"}
)
_DISTRICT = re.compile(
    r"\b(?:School\s+District|School\s+Dist\.|Public\s+Schools|Schools|School\s+System"
    r"|Unified|District\s+No\.?|School\s+Unit|School\s+Department|Board\s+of\s+Education"
    r"|School\s+Corporation|ISD|USD|CUSD|RSU|MSAD|SAU|SD\s*\#?\s*\d+)\b",
    re.IGNORECASE,
)
_KNOWN_SERIES = frozenset(
    {
        "administration",
        "all personnel",
        "board bylaws",
        "board governance and operations",
        "board of trustees",
        "business and noninstructional operations",
        "business and non-instructional operations",
        "certificated personnel",
        "classified personnel",
        "community relations",
        "facilities",
        "financial management",
        "fiscal management",
        "instruction",
        "non-instructional operations",
        "personnel",
        "philosophy, goals, objectives and comprehensive plans",
        "school community relations",
        "students",
        "support services",
    }
)
_SERIES_LINE = re.compile(r"^(?:Series|Section)\s*:?\s*(?P<value>\S.*)$", re.IGNORECASE)
_NUMBERED_SERIES = re.compile(r"^\d{3,4}\s+(?:Series\s*)?[-–—:]?\s*[A-Za-z].*$")
_KIND_LINE = re.compile(
    r"^(?:Board\s+Polic(?:y|ies)|Administrative\s+Regulations?|Administrative\s+Procedures?"
    r"|Policy\s+Manual|Board\s+Policy\s+Manual|Policy|Regulation|Procedures?|Exhibit)$",
    re.IGNORECASE,
)
_CONNECTOR_END = re.compile(r"(?:\b(?:and|of|for|the|to|in|on|with|by|or)|[&,\-–—/])$", re.I)
_MAX_PRE_LINES = 4


@dataclass(frozen=True, slots=True)
class CodeLine:
    """What one header line says: a code, and perhaps a series, title or district."""

    code: str
    series: str | None = None
    title: str | None = None
    district: str | None = None
    #: True when a kind word or a field label made the code certain ("BP 5460", "File:").
    labelled: bool = False


@dataclass(slots=True)
class Header:
    district: str | None = None
    series: str | None = None
    code: str | None = None
    title: str | None = None
    code_line: int | None = None
    #: Index (into the lines given) of the first line after the header.
    body_start: int = 0
    placed: set[int] = field(default_factory=set)
    unplaced: list[UnplacedLine] = field(default_factory=list)


def normal_code(token: str, prefix: str | None = None) -> str | None:
    """The code ``token`` stands for, with the prefix's kind as suffix, or ``None``."""
    token = token.strip()
    if not CODE_TOKEN.fullmatch(token) or token in _STOP_CODES:
        return None
    if token[0].isalpha() and prefix is None and not _NEPN.match(token):
        return None
    parts = parse_code(token)
    if parts is None:
        return None
    suffix = _PREFIX_SUFFIX.get(" ".join(prefix.casefold().split())) if prefix else None
    if suffix is not None and parts.suffix is None:
        token = f"{token}-{suffix}"
    return token if parse_code(token) is not None else None


def is_district(text: str) -> bool:
    return bool(_DISTRICT.search(text)) and len(text) <= 120 and not text.endswith(".")


def is_series(text: str) -> bool:
    plain = text.casefold().strip()
    return plain in _KNOWN_SERIES or bool(_NUMBERED_SERIES.match(text.strip()))


def title_like(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 20
        and len(text) <= 160
        and text[-1] not in ".;,"
        and (text[0].isalnum() or text[0] in "\"'“‘(")
    )


def looks_like_body(text: str) -> bool:
    words = text.split()
    return len(text) > 160 or len(words) > 20 or (text.endswith(".") and len(words) > 8)


def _split_rest(rest: str) -> tuple[str | None, str | None]:
    """(series, title) from what follows a code on its line."""
    stripped = rest.strip()
    if not stripped:
        return None, None
    if stripped[0] in "-–—:|":
        value = collapse(stripped[1:])
        return (None, value) if value else (None, None)
    value = collapse(stripped)
    if is_series(value):
        return value, None
    return None, value


def parse_code_phrase(spaced: str, prefix_required: bool = False) -> CodeLine | None:
    """A code phrase: ``BP 5460``, ``GBEBD - Title``, ``5460P``, ``Policy 6141.326``..."""
    match = _PREFIXED.match(spaced)
    if match is not None:
        code = normal_code(match["code"], match["prefix"])
        if code is not None:
            series, title = _split_rest(match["rest"])
            return CodeLine(code=code, series=series, title=title, labelled=True)
    if prefix_required:
        return None
    match = _CODE_FIRST.match(spaced)
    if match is None:
        return None
    code = normal_code(match["code"])
    if code is None:
        return None
    rest = match["rest"]
    if rest.strip() and not re.match(r"^\s*[-–—:|]|^\s{2,}", rest) and not code[0].isdigit():
        # "GBEBD Staff" with one space is as likely a sentence as a code and a title.
        return None
    series, title = _split_rest(rest)
    return CodeLine(code=code, series=series, title=title)


def match_code_line(line: Line) -> CodeLine | None:
    """The code this header line gives, from a field, a prefix, a bare code or columns."""
    spaced = line.spaced
    field_match = _FIELD.match(spaced)
    if field_match is not None:
        key = " ".join(field_match["key"].casefold().split())
        key = "nepn/nsba code" if key.startswith("nepn") and "nsba" in key else key
        if key in _CODE_KEYS:
            found = parse_code_phrase(field_match["value"].strip())
            if found is not None:
                return CodeLine(found.code, found.series, found.title, labelled=True)
        return None
    columns = line.columns()
    if len(columns) >= 2:
        found_columns = _from_columns(columns)
        if found_columns is not None:
            return found_columns
    return parse_code_phrase(spaced)


def _from_columns(columns: list[str]) -> CodeLine | None:
    for index, column in enumerate(columns):
        found = parse_code_phrase(column)
        if found is None or found.title or found.series:
            continue
        district = series = title = None
        for other in columns[:index] + columns[index + 1 :]:
            if district is None and is_district(other):
                district = other
            elif series is None and (is_series(other) or _all_caps_short(other)):
                series = other
            elif title is None:
                title = other
            else:
                return None
        return CodeLine(found.code, series, title, district, labelled=found.labelled)
    return None


def _all_caps_short(text: str) -> bool:
    return text.upper() == text and any(c.isalpha() for c in text) and len(text.split()) <= 4


def read_header(lines: list[Line], is_section: Callable[[Line], bool]) -> Header:
    """Read the header from the top of ``lines`` (chrome already removed)."""
    header = Header(body_start=len(lines))
    pre: list[Line] = []
    for index, line in enumerate(lines):
        if line.blank:
            continue
        if is_section(line):
            header.body_start = index
            break
        if header.code is None:
            found = match_code_line(line)
            if found is not None:
                _take_code(header, line, found)
                _resolve_pre(header, pre)
                pre = []
                continue
        if _field(line, header):
            continue
        if header.code is None:
            if _series_line(line, header):
                continue
            if looks_like_body(line.text) or len(pre) >= _MAX_PRE_LINES:
                header.body_start = index
                break
            pre.append(line)
            continue
        if _series_line(line, header):
            continue
        if header.title is None and title_like(line.text):
            header.title = line.text
            header.placed.add(line.number)
            continue
        if header.title is not None and _continues_title(header.title, line, lines, index):
            header.title = f"{header.title} {line.text}"
            header.placed.add(line.number)
            continue
        header.body_start = index
        break
    if header.code is None:
        _resolve_pre(header, pre)
        if pre:
            header.body_start = min(header.body_start, _index_after(lines, pre, header))
        _code_further_down(header, lines)
    return header


def _code_further_down(header: Header, lines: list[Line]) -> None:
    """No code at the top: take a labelled code line ("Policy 5460") from further down."""
    for line in lines[header.body_start :]:
        if line.blank or len(line.text) > 100 or line.number in header.placed:
            continue
        found = match_code_line(line)
        if found is not None and found.labelled:
            _take_code(header, line, found)
            return


def _index_after(lines: list[Line], pre: list[Line], header: Header) -> int:
    """Where the body starts when no code line was found: after the placed pre-lines."""
    last = max((ln.number for ln in pre if ln.number in header.placed), default=None)
    if last is None:
        return next((i for i, ln in enumerate(lines) if ln.number == pre[0].number), 0)
    return next((i + 1 for i, ln in enumerate(lines) if ln.number == last), len(lines))


def _continues_title(title: str, line: Line, lines: list[Line], index: int) -> bool:
    """A long title wrapped onto a second line: "... Resources and" / "Social Networking"."""
    if not _CONNECTOR_END.search(title) or not title_like(line.text):
        return False
    previous = lines[index - 1]
    return not previous.blank and len(line.text.split()) <= 8


def _take_code(header: Header, line: Line, found: CodeLine) -> None:
    header.code = found.code
    header.code_line = line.number
    header.placed.add(line.number)
    for attr in ("series", "title", "district"):
        given = getattr(found, attr)
        if given is None:
            continue
        if getattr(header, attr) is None:
            setattr(header, attr, given)
        elif getattr(header, attr) != given:
            reason = f"a second {attr} on the code line; the first one is kept"
            header.unplaced.append(UnplacedLine(line.number, given, reason))


def _resolve_pre(header: Header, pre: list[Line]) -> None:
    """Decide which lines above the code line are the district and the title."""
    rest: list[Line] = []
    for line in pre:
        if header.district is None and is_district(line.text):
            header.district = line.text
            header.placed.add(line.number)
        elif _KIND_LINE.match(line.text):
            header.unplaced.append(
                UnplacedLine(line.number, line.text, "document-kind line; not stored")
            )
        else:
            rest.append(line)
    if header.title is None and rest and title_like(rest[-1].text):
        title_line = rest.pop()
        header.title = title_line.text
        header.placed.add(title_line.number)
    if header.district is None and rest:
        first = rest.pop(0)
        header.district = first.text
        header.placed.add(first.number)
    for line in rest:
        header.unplaced.append(UnplacedLine(line.number, line.text, "header line not recognised"))


def _field(line: Line, header: Header) -> bool:
    match = _FIELD.match(line.spaced)
    if match is None:
        return False
    key = " ".join(match["key"].casefold().split())
    value = collapse(match["value"])
    if key.startswith("nepn") or key in _CODE_KEYS:
        found = match_code_line(line)
        if found is not None and found.code == header.code:
            header.placed.add(line.number)
        else:
            header.unplaced.append(UnplacedLine(line.number, line.text, f"second {key} field"))
        return True
    if not value:
        header.unplaced.append(UnplacedLine(line.number, line.text, f"empty {key} field"))
        return True
    target = {"title": "title", "policy title": "title", "series": "series", "section": "series"}
    target |= {"district": "district", "school district": "district"}
    attr = target.get(key)
    if attr is None:
        header.unplaced.append(UnplacedLine(line.number, line.text, f"{key} field not stored"))
        return True
    if getattr(header, attr) is not None:
        header.unplaced.append(UnplacedLine(line.number, line.text, f"second {key} field"))
        return True
    setattr(header, attr, value)
    header.placed.add(line.number)
    return True


def _series_line(line: Line, header: Header) -> bool:
    if header.series is not None:
        return False
    match = _SERIES_LINE.match(line.text)
    if match is not None and len(line.text) <= 40:
        header.series = match["value"]
    elif is_series(line.text):
        header.series = line.text
    else:
        return False
    header.placed.add(line.number)
    return True
