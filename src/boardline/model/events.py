"""The events the decision engine decides on.

Three things policy 5460 governs reach Boardline as events:

* :class:`WebAccess` — somebody's browser asks for a URL (from the proxy, or a log line);
* :class:`ContentPost` — an upload or post leaving the district, with what the
  inspection scanners found in it;
* :class:`Communication` — a staff member and a student interacting (mail, text,
  a friend request, a direct message).

Events are frozen values built by adapters. ``event_id`` is the adapter's own
identifier (a helper channel and sequence, a log file offset); it makes the
decision id unique while keeping :func:`boardline.engine.evaluate` pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from boardline.policy.pack import Audience, Channel


@dataclass(frozen=True, slots=True)
class Subject:
    """Who acts, as the enforcement point knows them: a proxy login and/or an address."""

    user: str | None = None
    address: str | None = None

    def __str__(self) -> str:
        return self.user or self.address or "unknown"


@dataclass(frozen=True, slots=True)
class WebAccess:
    subject: Subject
    host: str
    #: Path and query of the URL ("" for a CONNECT tunnel, whose path is not visible).
    path: str = ""
    method: str = "GET"
    #: True for a top-level navigation (a person opened the page), False for an embedded
    #: resource (a widget on another site), None when the source cannot tell.
    top_level: bool | None = None
    event_id: str = ""
    kind: str = field(default="web", init=False)

    @property
    def url(self) -> str:
        if self.method == "CONNECT":
            return f"{self.host}:443"
        return f"http://{self.host}{self.path or '/'}"


class FindingKind(StrEnum):
    """What a scanner recognised; the pack's posting rules name these."""

    DISTRICT_LOGO = "district_logo"
    DISTRICT_PHOTO = "district_photo"
    DISTRICT_DOCUMENT = "district_document"
    STUDENT_RECORD = "student_record"
    STUDENT_IDENTIFIER = "student_identifier"
    SSN = "ssn"
    DATE_OF_BIRTH = "date_of_birth"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found in a post. ``evidence`` is always masked; never a raw value."""

    kind: str
    confidence: float
    asset: str | None = None
    evidence: str = ""
    scanner: str = ""
    people: int = 0
    #: Where in an image the asset was seen: x, y, width, height in the image's own
    #: pixels (None for findings in text).
    region: tuple[int, int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class ContentPost:
    subject: Subject
    host: str
    path: str = ""
    findings: tuple[Finding, ...] = ()
    event_id: str = ""
    kind: str = field(default="post", init=False)


class Purpose(StrEnum):
    EDUCATIONAL = "educational"
    PERSONAL = "personal"
    EMERGENCY = "emergency"
    UNKNOWN = "unknown"


class Direction(StrEnum):
    STAFF_TO_STUDENT = "staff_to_student"
    STUDENT_TO_STAFF = "student_to_staff"


#: Channels the district controls and can monitor.
DISTRICT_CHANNELS = frozenset({Channel.DISTRICT_EMAIL, Channel.DISTRICT_PLATFORM})


@dataclass(frozen=True, slots=True)
class Communication:
    """A staff member and a student interacting; ``staff``/``student`` are directory keys."""

    staff: str
    student: str
    channel: Channel
    direction: Direction = Direction.STAFF_TO_STUDENT
    audience: Audience = Audience.INDIVIDUAL
    purpose: Purpose = Purpose.UNKNOWN
    #: Set when the channel runs through a district system (a district SMS service),
    #: overriding the default taken from :data:`DISTRICT_CHANNELS`.
    district_controlled: bool | None = None
    event_id: str = ""
    kind: str = field(default="communication", init=False)

    @property
    def on_district_channel(self) -> bool:
        if self.district_controlled is not None:
            return self.district_controlled
        return self.channel in DISTRICT_CHANNELS


Event = WebAccess | ContentPost | Communication


def require_aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        msg = f"{at.isoformat()} has no time zone; decisions need an aware instant"
        raise ValueError(msg)
    return at
