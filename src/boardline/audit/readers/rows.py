"""The rows readers produce, in the column order of :mod:`boardline.audit.schema`.

Plain named tuples: a reader makes one per log line, millions per run, so they
must be cheap to build; the sink adds ``source`` and ``line``.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from boardline.audit import schema


class WebRow(NamedTuple):
    """A ``web_events`` row without ``source``, ``line`` and ``kind``."""

    ts: float
    client: str | None
    username: str | None
    method: str
    host: str
    path: str
    status: int | None
    bytes: int | None
    top_level: bool | None
    decision_id: str | None


class CommRow(NamedTuple):
    """A ``comm_events`` row without ``source`` and ``line``."""

    ts: float
    staff: str
    student: str
    channel: str
    direction: str
    audience: str
    purpose: str
    district_controlled: bool | None
    message_ref: str | None


WEB_COLUMNS: Final = schema.WEB_EVENT_COLUMNS
COMM_COLUMNS: Final = ("source", "line", *CommRow._fields)
ERROR_COLUMNS: Final = schema.READ_ERROR_COLUMNS

#: ``web_events.kind`` values.
KIND_SQUID: Final = "squid"
KIND_DNS: Final = "dns"
KIND_DECISION_LOG: Final = "decision_log"
