"""Import a policy from text copied out of a district's web page or PDF.

Districts publish policies as pages and PDFs, not as data; this module turns
such text into a :class:`~boardline.policy.document.Policy` while losing
nothing silently. Every non-blank input line ends up in exactly one of three
places: in the policy (header, a clause, a footnote, a reference, a history
entry), in ``ImportResult.dropped_chrome`` (page furniture such as breadcrumbs
and "Page 2 of 3", see :mod:`boardline.policy.chrome`), or in
``ImportResult.unplaced`` with its line number and the reason.

Reading order: chrome is set aside first; the header (district, series, code,
title; :mod:`~boardline.policy.text_header`) is read from the top; the rest is
read line by line in the section that the last label opened: the body, notes
("Note: 1 ..."), cross references, legal references, history.

Clause ids, stable for a given text:

* body paragraphs ``<code>.p1``, ``<code>.p2``... in order;
* headings ``<code>.h1``, ``<code>.h2``...;
* list items are numbered under the clause that introduces them (the last
  paragraph or heading): ``5460.p5.i1``, ``5460.p5.i2``; a nested item under
  ``5460.p5.i2`` is ``5460.p5.i2.i1``. Items before any paragraph hang off the
  code (``5460.i1``);
* footnotes ``<code>.n<marker>`` (``5460.n1``), or ``<code>.n<position>`` when
  the marker is not a plain number or letter or repeats.

Clause text is verbatim except for whitespace (see
:mod:`~boardline.policy.text_cleanup`); a footnote marker glued to the end of a
paragraph after punctuation ("forbidden:1") moves to ``footnote_refs`` when a
footnote with that marker exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from boardline.model.errors import InputError
from boardline.policy.document import (
    Clause,
    ClauseKind,
    Footnote,
    HistoryEntry,
    Policy,
    PolicyVersion,
    paragraph_id,
)
from boardline.policy.text_body import read_blocks
from boardline.policy.text_cleanup import Line, UnplacedLine, join_wrapped
from boardline.policy.text_sections import Reader, read_document

__all__ = ["ImportResult", "UnplacedLine", "import_policy", "import_policy_file"]

MAX_POLICY_BYTES = 4 * 1024 * 1024
DEFAULT_LABEL = "imported"
UNKNOWN_DISTRICT = "(district not given)"

_TRAILING_REF = re.compile(r"^(?P<body>.*[^\s\w])(?P<m>\d{1,2})$")
_ID_MARKER = re.compile(r"^[A-Za-z0-9]{1,4}$")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The policy, and every line that did not go into it, with why."""

    policy: Policy
    #: Non-blank lines (or parts of lines) not placed anywhere, with their line numbers.
    unplaced: tuple[UnplacedLine, ...]
    #: Web-page and PDF chrome dropped on purpose (breadcrumbs, "Print", "Page 1 of 3"...).
    dropped_chrome: tuple[UnplacedLine, ...]
    warnings: tuple[str, ...]


def import_policy_file(path: str | Path, **kw: str | None) -> ImportResult:
    """Read a UTF-8 policy text file and import it; ``source`` defaults to the path."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.at(str(path), f"cannot read the file: {exc.strerror or exc}") from None
    text = decode(raw, str(path))
    source = kw.pop("source", None) or str(path)
    return import_policy(text, source=source, **kw)


def decode(raw: bytes, source: str) -> str:
    """Text from bytes; binary input (NUL bytes, undecodable) is an :class:`InputError`."""
    if len(raw) > MAX_POLICY_BYTES:
        limit = MAX_POLICY_BYTES // 1024 // 1024
        raise InputError.at(source, f"the file is larger than {limit} MiB; is it a policy?")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError.at(source, "this is not a text file (it contains NUL bytes)", line=line)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.at(
            source, "the file is not UTF-8 text (save it as UTF-8 and try again)", line=line
        ) from None


def import_policy(
    text: str,
    *,
    source: str = "<text>",
    district: str | None = None,
    version_label: str | None = None,
) -> ImportResult:
    """Import one policy from ``text``; ``source`` names it in errors and warnings.

    Raises :class:`InputError` only when no policy can be made at all (no code,
    no title or no body text); everything else is reported in the result.
    """
    lines, reader = read_document(text, source)
    return _assemble(reader, lines, district, version_label)


# --- assembly --------------------------------------------------------------------------


def _assemble(
    reader: Reader, lines: list[Line], district: str | None, version_label: str | None
) -> ImportResult:
    header = reader.header
    source = reader.source
    first = next((ln.number for ln in lines if not ln.blank), 1)
    if header.code is None:
        raise InputError.at(
            source,
            "no policy code found (expected a line such as 'PERSONNEL   5460', 'Board Policy "
            "5460', 'File: GBEBD' or 'Policy Code: 4040' near the top)",
            line=first,
        )
    if header.title is None:
        raise InputError.at(
            source,
            f"no title found for policy {header.code} (expected a line after the code)",
            line=header.code_line or first,
        )
    reader.legal.finish()
    for number, text in reader.legal.unused_groups:
        reader.unplaced.append(UnplacedLine(number, text, "legal reference group with no rows"))
    footnotes = _footnotes(reader, header.code)
    markers = {note.marker for note in footnotes if note.marker}
    clauses = _clauses(reader, header.code, markers)
    if not clauses:
        raise InputError.at(
            source, f"no body text found for policy {header.code}", line=header.code_line or first
        )
    referenced = {ref for clause in clauses for ref in clause.footnote_refs}
    for note in footnotes:
        if note.marker and note.marker not in referenced:
            reader.warnings.append(
                f"{source}: footnote {note.marker} is not referenced by any clause"
            )
    name = _district(reader, district)
    label = version_label or _label_from(reader.history)
    try:
        version = PolicyVersion(
            label=label,
            clauses=tuple(clauses),
            footnotes=tuple(footnotes),
            cross_references=reader.cross.references(),
            legal_references=reader.legal.references(),
            history=tuple(reader.history),
        )
        policy = Policy(
            district=name,
            series=header.series,
            code=header.code,
            title=header.title,
            versions=(version,),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        line = header.code_line or first
        raise InputError.at(source, f"cannot make a policy: {problems}", line=line) from None
    return ImportResult(
        policy=policy,
        unplaced=tuple(sorted(reader.unplaced, key=lambda u: u.line)),
        dropped_chrome=tuple(sorted(reader.chrome, key=lambda u: u.line)),
        warnings=tuple(reader.warnings),
    )


def _district(reader: Reader, district: str | None) -> str:
    header = reader.header
    if district is not None and district.strip():
        if header.district is not None and header.district != district:
            number = next(
                (n for n in sorted(header.placed) if n != header.code_line), header.code_line or 1
            )
            reader.warnings.append(
                f"{reader.source}: the text's district {header.district!r} is replaced by "
                f"{district!r}"
            )
            reader.unplaced.append(
                UnplacedLine(number, header.district, "district line replaced by --district")
            )
        return district.strip()
    if header.district is not None:
        return header.district
    reader.warnings.append(
        f"{reader.source}: no district line found; pass district= (--district) to name it"
    )
    return UNKNOWN_DISTRICT


def _label_from(history: list[HistoryEntry]) -> str:
    dated = [entry.date for entry in history if entry.date is not None]
    return str(max(dated).year) if dated else DEFAULT_LABEL


def _footnotes(reader: Reader, code: str) -> list[Footnote]:
    markers = [note.marker for note in reader.notes if note.parts]
    notes: list[Footnote] = []
    position = 0
    for note in reader.notes:
        joined = join_wrapped(note.parts)
        _note_joins(reader, note.lines[0], joined.dehyphenated)
        if not joined.text:
            reader.unplaced.append(
                UnplacedLine(note.lines[0].number, note.lines[0].text, "note with no text")
            )
            continue
        position += 1
        marker = note.marker.strip("[]") if note.marker else None
        unique = marker is not None and markers.count(note.marker) == 1
        suffix = marker if unique and marker and _ID_MARKER.match(marker) else str(position)
        notes.append(Footnote(id=f"{code}.n{suffix}", marker=marker, text=joined.text))
    return notes


def _note_joins(reader: Reader, line: Line, joins: tuple[str, ...]) -> None:
    for join in joins:
        reader.warnings.append(f"{reader.where(line)}: joined a word broken across lines: {join}")


def _clauses(reader: Reader, code: str, markers: set[str]) -> list[Clause]:
    blocks = read_blocks(reader.body, {u.line for u in reader.chrome})
    clauses: list[Clause] = []
    paragraphs = headings = 0
    anchor = code
    children: dict[str, int] = {}
    path: list[str] = []
    for block in blocks:
        joined = join_wrapped(block.parts)
        _note_joins(reader, block.lines[0], joined.dehyphenated)
        text, refs = _strip_ref(joined.text, markers)
        if not text:
            reader.unplaced.append(
                UnplacedLine(block.first_line, block.lines[0].text, "list marker with no text")
            )
            continue
        if block.kind is ClauseKind.ITEM:
            level = min(block.level, len(path))
            parent = path[level - 1] if level > 0 else anchor
            children[parent] = children.get(parent, 0) + 1
            clause_id = f"{parent}.i{children[parent]}"
            del path[level:]
            path.append(clause_id)
        elif block.kind is ClauseKind.HEADING:
            headings += 1
            clause_id = anchor = f"{code}.h{headings}"
            path = []
            level = 0
        else:
            paragraphs += 1
            clause_id = anchor = paragraph_id(code, paragraphs)
            path = []
            level = 0
        clauses.append(
            Clause(
                id=clause_id,
                text=text,
                kind=block.kind,
                marker=block.marker,
                level=level,
                footnote_refs=refs,
            )
        )
    return clauses


def _strip_ref(text: str, markers: set[str]) -> tuple[str, tuple[str, ...]]:
    """ "...forbidden:1" -> ("...forbidden:", ("1",)) when footnote 1 exists."""
    match = _TRAILING_REF.match(text)
    if match is None or match["m"] not in markers:
        return text, ()
    return match["body"].rstrip(), (match["m"],)
