"""Which log format a file holds, from its first non-blank lines.

Each format has a line shape that no other format shares; the first lines that
are not blank are tried against each, in a fixed order, and the format most of
them fit wins. A file none of them fits is an :class:`InputError` naming the
file and the formats this reader knows (a misnamed or unsupported log is the
operator's to fix, not something to guess).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Final

from boardline.audit.readers.lines import head_lines
from boardline.model.errors import InputError

#: Every format the loader reads, in the order detection tries them.
FORMATS: Final = (
    "boardline",
    "squid",
    "combined",
    "common",
    "dnsmasq",
    "bind",
    "unbound",
    "decision_log",
    "m365",
    "google",
)
SQUID_FORMATS: Final = ("boardline", "squid", "combined", "common")
DNS_FORMATS: Final = ("dnsmasq", "bind", "unbound")
MAIL_FORMATS: Final = ("m365", "google")
#: Lines looked at; enough to ride over a few damaged ones at the top.
SAMPLE_LINES: Final = 20

_NATIVE = (
    r"[0-9]{9,10}\.[0-9]{3} +-?[0-9]+ [^ ]+ [A-Z_]+/[0-9]{3} [0-9]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+"
)
_SHAPES: Final = (
    ("boardline", re.compile(_NATIVE + r"( [A-Za-z0-9_.-]+=[^ ]*)+ *")),
    ("squid", re.compile(_NATIVE + r" *")),
    (
        "combined",
        re.compile(r"[^ ]+ [^ ]+ [^ ]+ \[[^\]]+\] \"[^\"]*\" [0-9]{3} [0-9-]+ \".*\" \".*\".*"),
    ),
    ("common", re.compile(r"[^ ]+ [^ ]+ [^ ]+ \[[^\]]+\] \"[^\"]*\" [0-9]{3} [0-9-]+.*")),
    (
        "dnsmasq",
        re.compile(r"[A-Z][a-z]{2} +[0-9]{1,2} [0-9:]{8} (?:[^ ]+ )?dnsmasq(\[[0-9]+\])?: .*"),
    ),
    ("bind", re.compile(r"[0-9]{2}-[A-Z][a-z]{2}-[0-9]{4} [0-9:.]+ .*(queries|client).*")),
    (
        "unbound",
        re.compile(
            r"(\[[0-9]+\] unbound\[|[A-Z][a-z]{2} +[0-9]{1,2} [0-9:]{8} (?:[^ ]+ )?unbound).*"
        ),
    ),
    ("decision_log", re.compile(r"\{.*\"schema\": ?\"boardline/decision-log@.*")),
)
_M365_HEADER = re.compile(
    r"\ufeff?\"?Received\"?,.*SenderAddress.*RecipientAddress.*", re.IGNORECASE
)
_GOOGLE_HEADER = re.compile(r"\ufeff?\"?Message ID\"?,.*Sender.*Recipient address.*", re.IGNORECASE)


def detect_format(path: Path, *, source: str | None = None) -> str:
    """The format of ``path`` (one of :data:`FORMATS`), or an InputError naming the file."""
    lines = [
        raw.decode("utf-8", "replace") for raw in head_lines(path, SAMPLE_LINES * 2) if raw.strip()
    ][:SAMPLE_LINES]
    mail = [line for line in lines if not line.startswith("#TYPE")]
    if mail and _M365_HEADER.fullmatch(mail[0]):
        return "m365"
    if mail and _GOOGLE_HEADER.fullmatch(mail[0]):
        return "google"
    votes: Counter[str] = Counter()
    for line in lines:
        for name, shape in _SHAPES:
            if shape.fullmatch(line):
                votes[name] += 1
                break
    if votes:
        return votes.most_common(1)[0][0]
    what = "is empty" if not lines else "is in no format this reader knows"
    raise InputError.at(
        source or str(path),
        f"{what}; supported formats: {', '.join(FORMATS)} (pass the format to read it anyway)",
        line=1,
    )
