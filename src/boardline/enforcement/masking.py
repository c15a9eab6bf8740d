"""Masking student data before a decision is stored (FERPA; privacy by design).

Who is masked. Policy 5460 is about staff conduct, and the district needs staff
identities in clear to open cases, so staff and administrators stay readable.
Everyone else is pseudonymised: students, and subjects nobody could identify
(an address with no lease may well be a student's laptop). Guests are masked
too: the district has no case to make about them, and what it does not need it
does not keep. In a communication the student party is always pseudonymised,
whoever the subject is.

How. A value is replaced by ``stu_`` and the first 12 hex digits of
HMAC-SHA256(key, value). The pseudonym is stable, so decisions about the same
student still group together, and an authorised investigator who holds the key
can re-link one by computing the pseudonym of a known id, username or address;
without the key the log names nobody. 48 bits keep collisions negligible for a
district's few thousand students. The key comes from a secret setting and is
never logged or shown (:class:`Pseudonymiser` hides it from ``repr``).

What. For a masked subject: the person id, the username, the proxy login, the
client address, and every occurrence of those in the explanation, the path and
the exception's ``by``. Replacement is one pass, longest value first, so a
pseudonym is never re-masked and a short value inside a longer one cannot leak.
It matches anywhere, not only at word boundaries: a login that happens to occur
inside another word is replaced there too — an odd word beats a leak
(``DOMAIN\\login`` or ``login@realm`` would slip past a word match).
Findings' evidence is masked upstream by the scanners; the schema keeps only
its own fields, so nothing else a scanner adds reaches the log.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from boardline.enforcement.decision_log_schema import DecisionLogEventV1

PREFIX = "stu_"
#: Roles whose identities stay in clear.
CLEAR_ROLES = frozenset({"staff", "administrator"})
#: Shortest key accepted: HMAC keys shorter than this are guessable.
MIN_KEY_BYTES = 16
_CACHE_SIZE = 65_536


class Pseudonymiser:
    """``value -> stu_<12 hex>`` under one key; remembers recent answers (HMAC is not free)."""

    __slots__ = ("_cache", "_key", "replacers")

    def __init__(self, key: bytes | str) -> None:
        raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if len(raw) < MIN_KEY_BYTES:
            msg = f"the masking key must be at least {MIN_KEY_BYTES} bytes"
            raise ValueError(msg)
        self._key = raw
        self._cache: dict[str, str] = {}
        #: Compiled replacers by the values they replace (the same student recurs).
        self.replacers: dict[tuple[str | None, ...], _Replacer] = {}

    def __call__(self, value: str) -> str:
        found = self._cache.get(value)
        if found is None:
            digest = hmac.new(self._key, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
            found = PREFIX + digest.hexdigest()[:12]
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[value] = found
        return found

    def replacer(self, identifiers: tuple[str | None, ...]) -> _Replacer:
        """The replacer for ``identifiers`` (``None`` and empty ones skipped), cached."""
        found = self.replacers.get(identifiers)
        if found is None:
            found = _Replacer({v: self(v) for v in identifiers if v})
            if len(self.replacers) >= _CACHE_SIZE:
                self.replacers.clear()
            self.replacers[identifiers] = found
        return found

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"


class _Replacer:
    """Replaces every occurrence of some values by their pseudonyms, longest value first.

    Found with ``str.find`` rather than a compiled alternation: compiling a
    pattern per student costs more than masking a whole line.
    """

    __slots__ = ("ordered", "values")

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.ordered = sorted(values, key=len, reverse=True)

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        spans: list[tuple[int, int, str]] = []
        for value in self.ordered:
            start = text.find(value)
            while start >= 0:
                end = start + len(value)
                # A value inside (or across) one already replaced is covered by it.
                if not any(s < end and start < e for s, e, _ in spans):
                    spans.append((start, end, self.values[value]))
                start = text.find(value, start + 1)
        if not spans:
            return text
        spans.sort()
        parts: list[str] = []
        last = 0
        for start, end, pseudonym in spans:
            parts += (text[last:start], pseudonym)
            last = end
        parts.append(text[last:])
        return "".join(parts)


#: Fields that hold one identifier each: replaced whole.
_TOP_IDS = ("subject", "username")
_EVENT_IDS = ("user", "client", "staff", "student")


def mask_record(rec: dict[str, Any], pseudonym: Pseudonymiser) -> dict[str, Any]:
    """Mask a line built by :func:`~boardline.enforcement.decision_log_record.record` in place.

    Returns ``rec``. A line already masked is returned unchanged (masking twice
    would pseudonymise the pseudonyms).
    """
    if rec["masked"]:
        return rec
    event = rec["event"]
    hidden = rec["role"] not in CLEAR_ROLES
    communication = event["kind"] == "communication"
    if hidden:
        key: tuple[str | None, ...] = (
            rec["subject"],
            rec["username"],
            event.get("user"),
            event.get("client"),
            event.get("staff"),
            event["student"] if communication else None,
        )
    elif communication:
        key = (event["student"],)
    else:
        rec["masked"] = True
        return rec
    # The same few thousand people recur all day: the replacer for a set of
    # identifiers is built once and reused.
    replace = pseudonym.replacer(key)
    values = replace.values
    if values:
        for name in _TOP_IDS:
            value = rec[name]
            if value in values:
                rec[name] = values[value]
        for name in _EVENT_IDS:
            value = event.get(name)
            if value in values:
                event[name] = values[value]
        rec["explanation"] = replace(rec["explanation"])
        if "path" in event:
            event["path"] = replace(event["path"])
        if rec["exception"] is not None:
            rec["exception"]["by"] = replace(rec["exception"]["by"])
    rec["masked"] = True
    return rec


def mask(event: DecisionLogEventV1, key: bytes | str | Pseudonymiser) -> DecisionLogEventV1:
    """``event`` with student and unknown subjects' identifiers replaced by pseudonyms."""
    pseudonym = key if isinstance(key, Pseudonymiser) else Pseudonymiser(key)
    rec = event.model_dump(mode="json", by_alias=True)
    return DecisionLogEventV1.model_validate(mask_record(rec, pseudonym))
