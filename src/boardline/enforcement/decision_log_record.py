"""Building decision-log lines: a :class:`Decision` and its event to ``boardline/decision-log@1``.

Two builders give the same content. :func:`to_event` returns the validated
:class:`~boardline.enforcement.decision_log_schema.DecisionLogEventV1` (for
tests, the API and the audit side). :func:`record` returns a plain ``dict`` for
the writer's hot path, where validating each line again would cost more than
deciding it; ``tests/unit/enforcement/test_decision_log.py`` checks that the two
agree on every kind of event.

The dicts are built with their keys already in sorted order, so
:func:`encode_line` can use pydantic-core's serializer (about six times faster
than ``json.dumps(sort_keys=True)`` here) and still write sorted keys; masking
only replaces values, never adds keys.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from boardline.enforcement.decision_log_schema import SCHEMA, UNKNOWN_ROLE, DecisionLogEventV1
from boardline.model.decision import Citation, Decision
from boardline.model.events import Communication, ContentPost, Event, WebAccess
from boardline.policy.pack import Role

_CACHE_SIZE = 4096
#: citations tuple id -> (the tuple, kept alive so the id stays its own; its dicts)
_citations: dict[int, tuple[tuple[Citation, ...], list[dict[str, str]]]] = {}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SECOND = dt.timedelta(seconds=1)
#: whole seconds since the epoch -> their UTC text without offset
_seconds: dict[int, str] = {}


def strip_query(path: str) -> str:
    """The path without its query string and fragment, which can carry personal data."""
    cut = len(path)
    for mark in ("?", "#"):
        at = path.find(mark)
        if 0 <= at < cut:
            cut = at
    return path[:cut]


def utc_text(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as pydantic writes an aware UTC datetime.

    A proxy's instants are all different, so whole instants are not cached; the
    text up to the second is (:data:`_seconds`), since consecutive decisions
    share their second, and only the microseconds are formatted per call. The
    arithmetic is on timedeltas, exact for any offset.
    """
    seconds, rest = divmod(moment - _EPOCH, _SECOND)
    text = _seconds.get(seconds)
    if text is None:
        text = (_EPOCH + dt.timedelta(seconds=seconds)).isoformat()[:-6]
        if len(_seconds) >= _CACHE_SIZE:
            _seconds.clear()
        _seconds[seconds] = text
    micro = rest.microseconds
    return f"{text}.{micro:06d}Z" if micro else text + "Z"


def role_name(role: Role | str | None) -> str:
    if role is None:
        return UNKNOWN_ROLE
    return role.value if isinstance(role, Role) else str(role)


def _citation_records(citations: tuple[Citation, ...]) -> list[dict[str, str]]:
    """Shared between lines (a rule's citations never change); never edited."""
    hit = _citations.get(id(citations))
    if hit is not None and hit[0] is citations:
        return hit[1]
    built = [
        {
            "clause": c.clause,
            "policy": c.policy,
            "quote": c.quote,
            "reason": c.reason,
            "rule": c.rule,
        }
        for c in citations
    ]
    if len(_citations) >= _CACHE_SIZE:
        _citations.clear()
    _citations[id(citations)] = (citations, built)
    return built


def _event_record(event: Event) -> dict[str, Any]:
    if isinstance(event, WebAccess):
        return {
            "client": event.subject.address,
            "event_id": event.event_id,
            "host": event.host,
            "kind": "web",
            "method": event.method,
            "path": strip_query(event.path),
            "top_level": event.top_level,
            "user": event.subject.user,
        }
    if isinstance(event, ContentPost):
        # Field by field: whatever a Finding grows later stays out of the log until
        # the schema says so.
        return {
            "client": event.subject.address,
            "event_id": event.event_id,
            "findings": [
                {
                    "asset": f.asset,
                    "confidence": f.confidence,
                    "evidence": f.evidence,
                    "kind": f.kind,
                    "people": f.people,
                    "scanner": f.scanner,
                }
                for f in event.findings
            ],
            "host": event.host,
            "kind": "post",
            "path": strip_query(event.path),
            "user": event.subject.user,
        }
    if isinstance(event, Communication):
        return {
            "audience": event.audience.value,
            "channel": event.channel.value,
            "direction": event.direction.value,
            "district_controlled": event.district_controlled,
            "event_id": event.event_id,
            "kind": "communication",
            "purpose": event.purpose.value,
            "staff": event.staff,
            "student": event.student,
        }
    msg = f"not an event the decision log knows: {type(event).__name__}"
    raise TypeError(msg)


def record(
    decision: Decision, event: Event, role: Role | str | None, *, username: str | None = None
) -> dict[str, Any]:
    """The line for ``decision`` as a plain dict, in clear (not masked yet).

    ``role`` is the subject's role as the directory knows it (``None``: unknown);
    ``username`` their login name. The top-level dict, the event and the
    exception are new every call (masking edits them in place); the citations
    are shared and must not be edited.
    """
    used = decision.exception
    explanation = decision.explanation
    if used is not None and used.reason and explanation.endswith(f"({used.reason})"):
        # The engine ends an exception's explanation with its free-text reason,
        # which may name a student; the reason stays in the exception store, under
        # the id this line keeps.
        explanation = explanation[: -len(used.reason) - 2] + f"(reason: see {used.kind} {used.id})"
    return {
        "alert": decision.alert,
        "at": utc_text(decision.at),
        "categories": list(decision.categories),
        "citations": _citation_records(decision.citations),
        "decision_id": decision.decision_id,
        "effect": decision.effect.value,
        "event": _event_record(event),
        "exception": None
        if used is None
        else {"by": used.by, "ends": utc_text(used.ends), "id": used.id, "kind": used.kind},
        "explanation": explanation,
        "follow_up": list(decision.follow_up),
        "masked": False,
        "revision": decision.revision,
        "role": role_name(role),
        "rule": decision.rule,
        "schema": SCHEMA,
        "severity": decision.severity.value,
        "subject": decision.subject,
        "username": username,
    }


def to_event(
    decision: Decision, event: Event, role: Role | str | None, *, username: str | None = None
) -> DecisionLogEventV1:
    """The validated log event for ``decision`` on ``event``, in clear; see :func:`record`."""
    return DecisionLogEventV1.model_validate(record(decision, event, role, username=username))


def encode_line(rec: dict[str, Any]) -> bytes:
    """One JSON object and a newline: compact, keys in the (sorted) order built, UTF-8 as is.

    A lone surrogate (text decoded with ``surrogateescape``) cannot be UTF-8;
    such a line goes through ``json.dumps`` and ``backslashreplace``, which
    writes it as the JSON escape ``\\udcXX``: it reads back as the same text.
    """
    try:
        return to_json(rec) + b"\n"
    except PydanticSerializationError:
        text = json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return (text + "\n").encode("utf-8", "backslashreplace")


def encode(event: DecisionLogEventV1) -> bytes:
    """The line for a validated event, exactly as the writer would write it."""
    rec = event.model_dump(mode="json", by_alias=True)
    return encode_line(_sorted(rec))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
