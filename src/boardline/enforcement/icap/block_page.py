"""The HTTP 403 a blocked upload gets back from Squid: which clause, and what was found.

The page names kinds of material, how many findings and people, and the
labels of registered assets ("district logo", "staff handbook 2026"); it
never shows a finding's evidence, so no confidential value (a student's name,
an id, a birth date) can reach the page, even masked. Everything shown is
HTML-escaped. No script, no external resources: the page must render inside
whatever the browser was posting from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from html import escape

from boardline.model.decision import Citation
from boardline.model.events import Finding

_KIND_NAMES = {
    "district_logo": "a district logo or mark",
    "district_photo": "a district photograph",
    "district_document": "a district document",
    "student_record": "student records",
    "student_identifier": "student identifiers",
    "ssn": "social security numbers",
    "date_of_birth": "dates of birth",
}
#: Kinds whose asset label is a registered district asset worth naming on the page.
_ASSET_KINDS = frozenset({"district_logo", "district_photo", "district_document"})


def summarise(findings: Iterable[Finding], label: Callable[[str], str] | None = None) -> list[str]:
    """One line per kind of finding: what, how many, about how many people, which assets.

    ``label`` names a registered asset the way the district does (its label), so staff
    read "staff handbook" rather than a content hash.
    """
    name = label or str
    counts: dict[str, int] = defaultdict(int)
    people: dict[str, int] = defaultdict(int)
    assets: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        counts[finding.kind] += 1
        people[finding.kind] += finding.people
        if finding.kind in _ASSET_KINDS and finding.asset:
            assets[finding.kind].add(name(finding.asset))
    lines = []
    for kind in sorted(counts):
        text = f"{_KIND_NAMES.get(kind, kind.replace('_', ' '))}: {counts[kind]} finding"
        text += "s" if counts[kind] != 1 else ""
        if people[kind]:
            text += f" about {people[kind]} {'person' if people[kind] == 1 else 'people'}"
        if assets[kind]:
            text += " (" + ", ".join(sorted(assets[kind])[:10]) + ")"
        lines.append(text)
    return lines


def render_block_page(
    *,
    title: str,
    summary: Iterable[str],
    citation: Citation | None,
    decision_id: str,
    revision: str,
    host: str,
) -> tuple[bytes, bytes]:
    """The HTTP response for a blocked upload: (head through its blank line, body)."""
    items = "".join(f"<li>{escape(line)}</li>" for line in summary)
    clause = ""
    if citation is not None:
        clause = (
            f"<p>Policy {escape(citation.policy)}, clause {escape(citation.clause)}:</p>"
            f"<blockquote>{escape(citation.quote)}</blockquote>"
        )
    found = f"<p>What was found:</p><ul>{items}</ul>" if items else ""
    body = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;line-height:1.4}"
        "blockquote{border-left:4px solid #a33;margin:1em 0;padding:.2em 1em}</style>"
        f"</head><body><h1>{escape(title)}</h1>"
        f"<p>Your post to {escape(host)} was not sent.</p>{clause}{found}"
        f"<p><small>Decision {escape(decision_id)}, policy pack revision "
        f"{escape(revision)}.</small></p></body></html>"
    ).encode()
    head = (
        "HTTP/1.1 403 Forbidden\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    return head, body
