"""Lines of a pasted policy text, and the few ways the importer may touch their text.

Districts publish policies as web pages and PDFs; what reaches Boardline is text
copied out of them. That text is full of layout whitespace: non-breaking spaces
used as blank lines and as column gaps, tabs, trailing runs of spaces. Clause
text must stay verbatim (citations quote it), so the importer changes exactly
three things and nothing else:

* runs of whitespace (including U+00A0) collapse to one space, trimmed;
* the lines of one wrapped paragraph are joined with a space;
* a word hyphenated across a line break ("tech-" / "nology") is joined, and the
  join is reported as a warning so a person can check it.

Lines are split on ``\\n``, ``\\r\\n`` and ``\\r`` only; every other Unicode
whitespace character (form feeds from PDF page breaks, U+2028...) is just
whitespace inside a line. Line numbers are 1-based, as editors show them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COLUMN_CELL = re.compile(r"\S(?:\S| (?! ))*")
_TAB = "    "


@dataclass(frozen=True, slots=True)
class UnplacedLine:
    """A line (or the part of one) that the importer reports instead of placing."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Line:
    """One input line: its number, the raw text, and the whitespace-collapsed text."""

    number: int
    raw: str
    text: str
    #: Width of the leading whitespace (a tab counts four).
    indent: int

    @property
    def blank(self) -> bool:
        return not self.text

    @property
    def spaced(self) -> str:
        """The raw text with every whitespace character a plain space (a tab four), trimmed.

        Runs are kept, so column gaps ("PERSONNEL      5460") survive.
        """
        return _layout(self.raw).strip()

    def columns(self) -> list[str]:
        """The text cut at runs of two or more whitespace characters (or a tab)."""
        return [collapse(m.group()) for m in _COLUMN_CELL.finditer(_layout(self.raw))]

    def cells(self, start: int = 0) -> list[tuple[int, str]]:
        """(offset, collapsed text) of each column at or after ``start`` in :meth:`layout`."""
        laid = self.layout
        return [(m.start(), collapse(m.group())) for m in _COLUMN_CELL.finditer(laid, start)]

    @property
    def layout(self) -> str:
        """The raw line with every whitespace character a plain space (a tab four)."""
        return _layout(self.raw)


#: Every character ``str.isspace`` accepts, mapped to a plain space (a tab to four).
WHITESPACE = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_LAYOUT = str.maketrans({ch: (_TAB if ch == "\t" else " ") for ch in WHITESPACE})


def _layout(raw: str) -> str:
    return raw.translate(_LAYOUT)


def collapse(text: str) -> str:
    """Runs of whitespace (NBSP included) to one space, trimmed."""
    return " ".join(text.split())


def split_lines(text: str) -> list[Line]:
    """Number the lines of ``text`` (a leading byte-order mark is ignored)."""
    text = text.removeprefix("\ufeff")
    raws = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines: list[Line] = []
    for number, raw in enumerate(raws, 1):
        laid = _layout(raw)
        indent = len(laid) - len(laid.lstrip())
        lines.append(Line(number=number, raw=raw, text=collapse(raw), indent=indent))
    return lines


_SOFT_HYPHEN = "\u00ad"
_WRAP_HYPHEN = re.compile(r"(?P<word>[^\W\d_][\w\-]*)[-\u00ad]$")


@dataclass(frozen=True, slots=True)
class Joined:
    """Wrapped lines joined into one text, with the hyphenated joins made."""

    text: str
    dehyphenated: tuple[str, ...] = ()


def join_wrapped(parts: list[str]) -> Joined:
    """Join the (already collapsed) lines of one paragraph.

    A line ending in a letter and a hyphen, followed by a line starting with a
    lower-case letter, is a word broken by the PDF's line wrap: the halves are
    joined without a space. The hyphen is dropped ("tech-" + "nology") unless the
    first half is itself a compound ("out-of-" + "school" stays "out-of-school");
    a soft hyphen (U+00AD) is always dropped. Hard hyphens such as U+2011 never
    end a wrapped line and are left alone.
    """
    out: list[str] = []
    joins: list[str] = []
    for part in parts:
        if not part:
            continue
        if not out:
            out.append(part)
            continue
        # Only the last word of the line before can be the first half of a broken word.
        tail = out[-1].rsplit(" ", 1)[-1]
        match = _WRAP_HYPHEN.search(tail)
        if match is not None and part[0].isalpha() and part[0].islower():
            word = match["word"]
            keep_hyphen = "-" in word and tail.endswith("-")
            first = part.split(" ", 1)[0]
            kept = f"{word}-" if keep_hyphen else word
            joins.append(f"{tail[match.start('word') :]} + {first} -> {kept}{first}")
            if not keep_hyphen:
                out[-1] = out[-1][:-1]
            out.append("")  # no space at this join
        else:
            out.append(" ")
        out.append(part)
    return Joined(text="".join(out), dehyphenated=tuple(joins))
