"""The body of a pasted policy: paragraphs, list items and headings, as blocks.

A block is what becomes one clause. Paragraphs are runs of non-blank lines
(wrapped lines are joined); a line that starts with a list marker starts a list
item, whose following lines (up to a blank line or the next marker) continue it.
A list marker alone on its line (PDF copies do this) takes the next line as its
text.

Markers: bullets (``•`` ``◦`` ``▪`` ``-`` ``*`` and the Wingdings characters PDFs
leave behind), ``1.`` ``1)`` ``(1)``, ``a.`` ``a)`` ``(a)``, ``i.`` ``ii)``
``(iv)`` and their capitals. The nesting level comes from indentation where the
source kept it and otherwise from the marker type, as word processors number:
the first marker type seen is level 0, a new type under it level 1, and a type
seen before closes the levels below it. ``i`` after ``h`` is a letter; anywhere
else it starts roman numerals.

Headings are single-line blocks that are short and either all capitals
("DEFINITIONS") or in title case ending with a colon ("Definitions:"), or a
title-case line of at most six words standing alone between blank lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from boardline.policy.document import ClauseKind
from boardline.policy.text_cleanup import Line

_BULLETS = "•◦▪▫■□●○◆◇►▶➢➤✓✔·*\\-–—\uf0b7\uf0a7\uf0d8\uf076\uf0fc"
_ROMAN_LOWER = "[ivxlcdm]{2,6}"
_ROMAN_UPPER = "[IVXLCDM]{2,6}"
MARKER = re.compile(
    rf"^(?P<marker>[{_BULLETS}]"
    r"|\d{1,3}[.)]"
    r"|[A-Za-z][.)]"
    rf"|{_ROMAN_LOWER}[.)]|{_ROMAN_UPPER}[.)]"
    rf"|\((?:\d{{1,3}}|[A-Za-z]|{_ROMAN_LOWER}|{_ROMAN_UPPER})\))"
    r"(?:\s+(?P<text>\S.*))?$"
)
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to"}
    | {"with", "vs", "via", "into", "over", "under"}
)
_TERMINAL = tuple('.!?:;"”’)')
_MAX_LEVEL = 8


@dataclass(slots=True)
class Block:
    """One future clause: its kind, its lines and the list marker that started it."""

    kind: ClauseKind
    lines: list[Line]
    parts: list[str]
    marker: str | None = None
    level: int = 0
    #: True when a chrome line (page footer, running header) lies between this block
    #: and the previous one.
    after_chrome: bool = False

    @property
    def first_line(self) -> int:
        return self.lines[0].number


def list_marker(text: str) -> tuple[str, str] | None:
    """(marker, rest) when the collapsed line starts a list item; rest may be ""."""
    match = MARKER.match(text)
    if match is None:
        return None
    return match["marker"], match["text"] or ""


def marker_type(marker: str, previous_letter: str | None) -> str:
    """A marker's numbering style ("decimal", "(lower)", "bullet•"...).

    "1." and "1)" are one style (a list that switches mid-way is a typo, not a
    level); "(1)" is another.

    ``previous_letter`` is the last letter marker of the innermost alphabetic list,
    used to tell the letter ``i`` (after ``h``) from the roman numeral ``i``.
    """
    core = marker.strip("().")
    wrap = "(" if marker.startswith("(") else ""
    if len(marker) == 1 and not marker.isalnum():
        return f"bullet{marker}"
    if core.isdigit():
        style = "decimal"
    elif len(core) == 1 and core.lower() in "ivx":
        expected = chr(ord(previous_letter) + 1) if previous_letter else None
        is_letter = expected is not None and expected.lower() == core.lower()
        style = ("lower" if core.islower() else "upper") if is_letter else "roman"
        style = style if is_letter else f"roman-{'lower' if core.islower() else 'upper'}"
    elif len(core) == 1:
        style = "lower" if core.islower() else "upper"
    else:
        style = f"roman-{'lower' if core.islower() else 'upper'}"
    return f"{wrap}{style}"


@dataclass(slots=True)
class _Levels:
    """Nesting of list markers: (indent, type) from the outermost list in."""

    stack: list[tuple[int, str]] = field(default_factory=list)
    letters: dict[int, str] = field(default_factory=dict)

    def reset(self) -> None:
        self.stack.clear()
        self.letters.clear()

    def level(self, indent: int, marker: str, after_blank: bool) -> int:
        top_letter = self.letters.get(len(self.stack) - 1) if self.stack else None
        kind = marker_type(marker, top_letter)
        found = None
        for index, (known_indent, known_kind) in enumerate(self.stack):
            if known_kind == kind and abs(known_indent - indent) <= 1:
                found = index
        if found is None and after_blank and self.stack and indent <= self.stack[0][0]:
            # A new kind of marker after a blank line, not indented: a new list.
            self.reset()
        if found is None:
            while self.stack and self.stack[-1][0] > indent + 1:
                self.stack.pop()
            self.stack.append((indent, kind))
            found = len(self.stack) - 1
        del self.stack[found + 1 :]
        for deeper in [k for k in self.letters if k > found]:
            del self.letters[deeper]
        core = marker.strip("().")
        if len(core) == 1 and core.isalpha() and not kind.startswith(("roman", "(roman")):
            self.letters[found] = core
        return min(found, _MAX_LEVEL)


def is_heading(text: str, standalone: bool) -> bool:
    """A body heading: "DEFINITIONS", "Definitions:", or a short title-case line alone."""
    words = text.split()
    if not words or len(words) > 10 or len(text) > 90 or text[-1] in ".;,!?":
        return False
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3:
        return False
    if all(c.isupper() for c in letters):
        return True
    core = text[:-1] if text.endswith(":") else text
    title_case = all(
        not w[0].isalpha() or w[0].isupper() or w.casefold() in _SMALL_WORDS for w in core.split()
    )
    if not title_case or not words[0][0].isupper():
        return False
    if text.endswith(":"):
        return len(words) <= 6
    return standalone and len(words) <= 6


def _all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _strong_heading(text: str) -> bool:
    return is_heading(text, standalone=False)


def read_blocks(lines: list[Line], chrome: set[int]) -> list[Block]:
    """Cut body lines into blocks; ``chrome`` holds the numbers of dropped chrome lines."""
    blocks: list[Block] = []
    current: Block | None = None
    pending: tuple[Line, str] | None = None
    marker_blank = False
    levels = _Levels()
    last_number = 0

    def close() -> None:
        nonlocal current
        if current is not None:
            _finish(current, blocks)
            current = None

    after_blank = False
    for line in lines:
        if line.blank:
            close()
            after_blank = True
            continue
        gap_has_chrome = any(n in chrome for n in range(last_number + 1, line.number))
        last_number = line.number
        found = list_marker(line.text)
        if pending is not None:
            marker_line, marker = pending
            pending = None
            close()
            if found is not None:
                # Two markers in a row: the first has no text; the importer reports it.
                blocks.append(Block(ClauseKind.ITEM, [marker_line], [], marker))
            else:
                level = levels.level(marker_line.indent, marker, after_blank or marker_blank)
                current = Block(ClauseKind.ITEM, [marker_line, line], [line.text], marker, level)
                after_blank = False
                continue
        if found is not None:
            close()
            marker, rest = found
            if not rest:
                pending = (line, marker)
                marker_blank, after_blank = after_blank, False
                continue
            level = levels.level(line.indent, marker, after_blank)
            current = Block(ClauseKind.ITEM, [line], [rest], marker, level)
            current.after_chrome = gap_has_chrome
            after_blank = False
            continue
        breaks = current is not None and (
            (
                len(current.parts) == 1
                and current.kind is not ClauseKind.ITEM
                and _strong_heading(current.parts[0])
                and not (_all_caps(current.parts[0]) and _all_caps(line.text))
            )
            or (
                _strong_heading(line.text)
                and _all_caps(line.text)
                and not _all_caps(current.parts[-1])
            )
        )
        after_blank = False
        if current is not None and not breaks:
            current.lines.append(line)
            current.parts.append(line.text)
            continue
        close()
        levels.reset()
        current = Block(ClauseKind.PARAGRAPH, [line], [line.text], after_chrome=gap_has_chrome)
    close()
    if pending is not None:
        marker_line, marker = pending
        blocks.append(Block(ClauseKind.ITEM, [marker_line], [], marker))
    return blocks


def _finish(block: Block, blocks: list[Block]) -> None:
    """Classify a closed block, or merge it into the previous one across a page break."""
    previous = blocks[-1] if blocks else None
    if (
        block.after_chrome
        and block.kind is ClauseKind.PARAGRAPH
        and previous is not None
        and previous.kind is not ClauseKind.HEADING
        and previous.parts
        and not previous.parts[-1].endswith(_TERMINAL)
        and block.parts[0][:1].islower()
    ):
        previous.lines.extend(block.lines)
        previous.parts.extend(block.parts)
        return
    single = block.kind is ClauseKind.PARAGRAPH and len(block.parts) == 1
    if single and is_heading(block.parts[0], standalone=True):
        block.kind = ClauseKind.HEADING
    blocks.append(block)
