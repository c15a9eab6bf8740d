"""Web-page and PDF chrome: the lines a copied policy carries that are not the policy.

A policy copied from a district website brings the site along: "Skip to main
content", breadcrumbs, "Download policy | Print | Share", a cookie banner. One
copied from a PDF brings "Page 2 of 3" and a running header or footer on every
page. The importer drops these lines, but reports every one of them with its
reason (``ImportResult.dropped_chrome``): dropping is a judgement, and a person
must be able to see it.

The tests are deliberately narrow (whole-line matches, explicit phrases) so that
a sentence of policy text is never taken for chrome.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from boardline.policy.text_cleanup import Line

#: Whole lines (case-insensitive, trailing ":" or "»" ignored) that are page furniture.
_CHROME_WORDS = frozenset(
    {
        "skip to main content",
        "skip to content",
        "skip navigation",
        "skip to navigation",
        "skip to main navigation",
        "toggle navigation",
        "main menu",
        "menu",
        "search",
        "search this site",
        "close",
        "download",
        "download policy",
        "download pdf",
        "download this policy",
        "download as pdf",
        "print",
        "print policy",
        "print this page",
        "print this policy",
        "printer friendly",
        "printer-friendly version",
        "share",
        "share this page",
        "share this policy",
        "email",
        "e-mail",
        "email this page",
        "facebook",
        "twitter",
        "linkedin",
        "back to top",
        "return to top",
        "top of page",
        "back to policies",
        "back to policy index",
        "return to policy index",
        "view pdf",
        "open in new window",
        "translate",
        "select language",
        "accept",
        "accept all",
        "accept cookies",
        "accept all cookies",
        "decline",
        "reject all",
        "cookie settings",
        "manage cookies",
        "got it",
        "you are here",
        "(continued)",
        "continued",
    }
)

_TOOLBAR_SPLIT = re.compile(r"\s*[|·•/]\s*|\s{2,}")
_BREADCRUMB_SEP = re.compile(r"\s(?:>|»|›|→|::)\s|\s>>\s")
_BREADCRUMB_HOME = re.compile(r"^(?:home|you are here:?)\s*(?:>|»|›|→|/|\||::|>>)", re.IGNORECASE)
_COOKIES = re.compile(
    r"\b(?:uses?|using) cookies\b|\bcookie (?:policy|settings|preferences|consent)\b"
    r"|\baccept (?:all )?cookies\b",
    re.IGNORECASE,
)
_PAGE_NUMBER = re.compile(
    r"^(?:-\s*)?(?:page\s+)?\d{1,3}\s+(?:of|/)\s+\d{1,3}(?:\s*-)?$|^page\s+\d{1,3}$|^-\s*\d{1,3}\s*-$",
    re.IGNORECASE,
)
_PAGE_IN_LINE = re.compile(r"\bpage\s+\d{1,3}\s+of\s+\d{1,3}\b", re.IGNORECASE)
_PRINTED = re.compile(
    r"^(?:printed|printed on|retrieved|downloaded|generated)(?:\s+(?:on|from))?\s*:?\s+\S",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)", re.IGNORECASE)
_CLICK_HERE = re.compile(r"^click here\b", re.IGNORECASE)


def chrome_reason(text: str) -> str | None:
    """Why this (collapsed) line is page chrome, or ``None`` when it may be policy text."""
    if not text:
        return None
    plain = text.casefold().rstrip(":»").strip()
    if plain in _CHROME_WORDS:
        return "web page control"
    parts = [p.casefold() for p in _TOOLBAR_SPLIT.split(text) if p.strip()]
    if len(parts) > 1 and all(p in _CHROME_WORDS for p in parts):
        return "web page toolbar"
    if _BREADCRUMB_HOME.match(text) or len(_BREADCRUMB_SEP.findall(text)) >= 2:
        return "breadcrumb"
    if _COOKIES.search(text):
        return "cookie banner"
    if _PAGE_NUMBER.match(text):
        return "page number"
    if _PAGE_IN_LINE.search(text) and len(text) <= 160:
        return "running page header/footer"
    if _PRINTED.match(text) and len(text) <= 120:
        return "print stamp"
    if _COPYRIGHT.match(text) and len(text) <= 120:
        return "copyright line"
    if _CLICK_HERE.match(text) and len(text) <= 120:
        return "link text"
    return None


def repeated_lines(lines: list[Line], structural: Callable[[str], bool]) -> set[int]:
    """Line numbers of running headers and footers: repeats of a short line after its first.

    A PDF repeats its page header ("North Fork School District No. 7") on every
    page; the first one is the document's own header and stays, the rest are
    chrome. Lines for which ``structural`` holds are never taken for chrome
    (labels such as "Reviewed on:" and list items legitimately repeat).
    """
    counts = Counter(line.text for line in lines if _could_repeat(line.text, structural))
    seen: set[str] = set()
    repeats: set[int] = set()
    for line in lines:
        if counts.get(line.text, 0) < 2:
            continue
        if line.text in seen:
            repeats.add(line.number)
        seen.add(line.text)
    return repeats


def _could_repeat(text: str, structural: Callable[[str], bool]) -> bool:
    return 10 <= len(text) <= 120 and len(text.split()) >= 2 and not structural(text)
