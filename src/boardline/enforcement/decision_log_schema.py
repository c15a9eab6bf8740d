"""The decision log's wire schema, ``boardline/decision-log@1``, kept apart from :class:`Decision`.

The domain :class:`~boardline.model.decision.Decision` may change shape whenever
the engine needs it to; a log line written today must still read in five years,
when an auditor or a case officer asks what happened. So the log has its own
versioned schema, :class:`DecisionLogEventV1`, and a change that breaks readers
gets a new ``schema`` value (``@2``) rather than a silent edit.

What a line holds, and why:

* the decision (id, instant in UTC, pack revision, effect, rule, severity,
  explanation, categories, follow-up policies, alert) and the exception that
  changed it (kind, id, who approved or declared it, when it ends) — but not its
  free-text reason, which lives with the exception and may name anyone (the
  explanation's copy of it is replaced by a pointer to the exception's id);
* the **citations with their quotes**. The revision hash alone would tie every
  reading of the log to an archive of every pack revision ever loaded; quoting
  the clause lets a line stand alone in front of an auditor, at the price of a
  few hundred bytes (which compress tenfold in rotated files);
* the event (kind, host, path without its query string — queries carry search
  terms, e-mail addresses and tokens — method, top-level flag, client address,
  proxy login, the adapter's event id; a post's findings; a communication's
  parties and channel), and the subject with their role, so masking can be
  checked line by line.

Lines are built by :mod:`~boardline.enforcement.decision_log_record` and read
back by :func:`parse_line`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from boardline.model.errors import InputError, Place, Problem
from boardline.policy.pack import Effect, Severity

SCHEMA: Final = "boardline/decision-log@1"
#: The role of a subject the directory does not know.
UNKNOWN_ROLE = "unknown"
#: Longest line :func:`parse_line` reads; longer ones are errors, not memory spikes.
MAX_LINE = 1024 * 1024

RoleName = Literal["staff", "administrator", "student", "guest", "unknown"]


class DecisionLogError(InputError):
    """A decision-log line that cannot be read, naming the file, line and field."""


class _Wire(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


class CitationV1(_Wire):
    policy: str
    clause: str
    rule: str
    #: The clause's words, so a line stands alone (see the module docstring).
    quote: str
    reason: str = ""


class ExceptionV1(_Wire):
    kind: str
    id: str
    by: str
    ends: AwareDatetime

    @field_validator("ends")
    @classmethod
    def _in_utc(cls, value: dt.datetime) -> dt.datetime:
        return _utc(value)


class WebEventV1(_Wire):
    kind: Literal["web"]
    host: str
    #: Without the query string or fragment.
    path: str
    method: str
    top_level: bool | None
    client: str | None
    #: The proxy login as the enforcement point reported it.
    user: str | None
    event_id: str


class FindingV1(_Wire):
    kind: str
    confidence: float
    asset: str | None
    #: Masked by the scanner that found it; never a raw value.
    evidence: str
    scanner: str
    people: int


class PostEventV1(_Wire):
    kind: Literal["post"]
    host: str
    path: str
    client: str | None
    user: str | None
    event_id: str
    findings: tuple[FindingV1, ...]


class CommunicationEventV1(_Wire):
    kind: Literal["communication"]
    staff: str
    #: Always a pseudonym in a written line, whoever the subject is.
    student: str
    channel: str
    direction: str
    audience: str
    purpose: str
    district_controlled: bool | None
    event_id: str


EventV1 = Annotated[WebEventV1 | PostEventV1 | CommunicationEventV1, Field(discriminator="kind")]


class DecisionLogEventV1(_Wire):
    """One line of the decision log."""

    schema_id: Literal["boardline/decision-log@1"] = Field(SCHEMA, alias="schema")
    decision_id: str
    at: AwareDatetime
    revision: str
    effect: Effect
    rule: str
    severity: Severity
    citations: tuple[CitationV1, ...]
    explanation: str
    exception: ExceptionV1 | None
    alert: bool
    categories: tuple[str, ...]
    follow_up: tuple[str, ...]
    event: EventV1
    #: The person's directory id (``None`` when nobody was identified).
    subject: str | None
    #: The person's login name, when the directory knows them.
    username: str | None
    role: RoleName
    #: True once :func:`~boardline.enforcement.masking.mask` ran: identifiers of
    #: anyone but staff are pseudonyms. Every written line says ``true``.
    masked: bool = False

    @field_validator("at")
    @classmethod
    def _in_utc(cls, value: dt.datetime) -> dt.datetime:
        return _utc(value)

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "administrator")


# --------------------------------------------------------------------------- reading


def parse_line(
    text: str | bytes, *, file: str = "decision log", line: int | None = None
) -> DecisionLogEventV1:
    """Read one line back; any problem is a :class:`DecisionLogError` naming ``file:line``."""
    if len(text) > MAX_LINE:
        raise DecisionLogError.at(file, f"line longer than {MAX_LINE} bytes", line=line)
    try:
        try:
            return DecisionLogEventV1.model_validate_json(text)
        except ValidationError as exc:
            if exc.errors()[0]["type"] != "json_invalid":
                raise
            # pydantic's parser refuses escaped lone surrogates (``\udce9``), which the
            # writer uses for text that was not UTF-8; the standard parser reads them.
            return DecisionLogEventV1.model_validate(json.loads(text))
    except ValidationError as exc:
        problems = [
            Problem(Place(file, line, None, _loc(error["loc"])), _message(error))
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise DecisionLogError(problems) from None
    except json.JSONDecodeError as exc:
        message = f"not JSON at column {exc.colno} (a line cut short by a crash looks like this)"
        raise DecisionLogError.at(file, message, line=line) from None
    except (ValueError, RecursionError) as exc:  # the parsers' own limits
        raise DecisionLogError.at(file, f"not a decision-log line: {exc}", line=line) from None


def _loc(loc: tuple[int | str, ...]) -> str | None:
    return ".".join(str(part) for part in loc) or None


def _message(error: Any) -> str:
    if error["type"] == "json_invalid":
        return "not JSON (a line cut short by a crash looks like this)"
    return str(error["msg"])
