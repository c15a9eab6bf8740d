"""Mail platform message traces to staff-student ``comm_events``, mapped with the roster.

Two exports are read (CSV, a header row first; gzip accepted):

``m365``
    Microsoft 365 message trace (``Get-MessageTrace | Export-Csv``, or the admin
    center's download): ``Received, SenderAddress, RecipientAddress, Subject,
    Status, ToIP, FromIP, Size, MessageId, MessageTraceId``. One row per
    recipient; ``Received`` is UTC. A ``#TYPE ...`` line (Windows PowerShell's
    Export-Csv) is skipped.
``google``
    Google Workspace email log search export: ``Message ID, Start date, End date,
    Sender, Message size, Subject, Direction, Attachments, Recipient address,
    Event target, Event date, Event status, ...``. One row per delivery step, so a
    message appears several times; ``Recipient address`` may list several
    addresses. Zone-less dates are read in the pack's zone.

Consecutive rows with the same message id are one message (both exports list a
message's rows together; rows of one message that are far apart are counted as
two messages). Memory holds one message at a time.

**Mapping rule: only what the roster proves.** An address is a person only when it
is exactly that person's e-mail in the roster (case-insensitive). A staff member
writing to a student, or a student to a staff member, gives one event per
counterpart recipient (``audience`` ``group`` when there is more than one). An
address the roster does not hold — a guardian's, a student's personal address, a
staff member's personal account — is never guessed from a display name: the
message is skipped and counted as ``unmapped`` (unless the district handed the audit
that address as a person's: :mod:`~boardline.audit.readers.known_addresses`). Messages
between two staff members or two students are skipped as ``not_staff_student``.

``channel`` is ``district_email`` when both addresses are in the district's mail
domains and ``personal_email`` otherwise (a roster that lists a student's personal
address). The district's domains are the domains of the staff's roster addresses
and their sub-domains, plus any domain at least a quarter of the students' roster
addresses use (``students.district.org``); a caller may pass them instead.

Subjects and bodies are never read into events: the subject column is ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from boardline.audit.readers.errors import MALFORMED, OUT_OF_RANGE, Bad, Skip
from boardline.audit.readers.rows import CommRow
from boardline.audit.readers.squid import TS_MAX, TS_MIN
from boardline.directory.directory import Directory
from boardline.directory.person import Person
from boardline.model.events import Direction, Purpose
from boardline.policy.pack import Audience, Channel, Role

FORMATS: Final = ("m365", "google")

HEADER: Final = Skip("header")
BLANK: Final = Skip("blank")
COMMENT: Final = Skip("comment")
UNMAPPED: Final = Skip("unmapped")
NOT_STAFF_STUDENT: Final = Skip("not_staff_student")

#: Columns each export must have: (time, sender, recipient, message id).
M365_COLUMNS: Final = ("received", "senderaddress", "recipientaddress", "messageid")
GOOGLE_COLUMNS: Final = ("start date", "sender", "recipient address", "message id")
GOOGLE_DATE_FALLBACK: Final = "event date"

_ADDRESS: Final = re.compile(r"[^@\s<>,;\"]+@[A-Za-z0-9.-]+")
_US_TIME: Final = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")
_OTHER_TIME: Final = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%b %d, %Y, %I:%M:%S %p")


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV row reduced to what mapping needs (no subject)."""

    line: int
    ts: float
    sender: str
    recipients: tuple[str, ...]
    message_id: str


class Roster:
    """The directory's e-mail addresses and the district's mail domains."""

    def __init__(
        self,
        directory: Directory,
        domains: Iterable[str] | None = None,
        known: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.domains = frozenset(d.lower() for d in domains) if domains else _domains(directory)
        #: Addresses the roster lacks but the district knows (lower case -> directory id),
        #: see :mod:`boardline.audit.readers.known_addresses`.
        self.known = dict(known or {})

    def person(self, address: str) -> Person | None:
        found = self.directory.by_email(address)
        if found is None and self.known:
            who = self.known.get(address.lower())
            if who is not None:
                found = self.directory.resolve(who)
        return found

    def is_district(self, address: str) -> bool:
        domain = address.rsplit("@", 1)[-1].lower()
        return any(domain == d or domain.endswith("." + d) for d in self.domains)


def _domains(directory: Directory) -> frozenset[str]:
    staff: set[str] = set()
    students: Counter[str] = Counter()
    for person in directory.people():
        if not person.email or "@" not in person.email:
            continue
        domain = person.email.rsplit("@", 1)[1].lower()
        if person.is_staff:
            staff.add(domain)
        else:
            students[domain] += 1
    total = sum(students.values())
    common = {d for d, n in students.items() if n * 4 >= total}
    return frozenset(staff | common)


class Header:
    """Where the needed columns are in one export's header row."""

    def __init__(self, fmt: str, names: Sequence[str]) -> None:
        keys = [n.strip().lower().lstrip("\ufeff") for n in names]
        wanted = M365_COLUMNS if fmt == "m365" else GOOGLE_COLUMNS
        if fmt == "google" and wanted[0] not in keys and GOOGLE_DATE_FALLBACK in keys:
            wanted = (GOOGLE_DATE_FALLBACK, *wanted[1:])
        missing = [w for w in wanted if w not in keys]
        self.missing = tuple(missing)
        self.index = tuple(keys.index(w) if w in keys else -1 for w in wanted)
        self.width = len(keys)
        self.utc = fmt == "m365"


def parse_record(row: Sequence[str], line: int, header: Header, zone: ZoneInfo) -> Record | Bad:
    if len(row) < max(header.index) + 1:
        return Bad(MALFORMED, f"columns: {len(row)} of the header's {header.width}")
    when, sender, recipient, message_id = (row[i].strip() for i in header.index)
    ts = parse_time(when, ZoneInfo("UTC") if header.utc else zone)
    if ts is None:
        return Bad(MALFORMED, f"date: {when[:40]!r} is not a date and time this reader knows")
    if not TS_MIN <= ts < TS_MAX:
        return Bad(OUT_OF_RANGE, "date: before 2000 or after 2099")
    senders = _ADDRESS.findall(sender)
    if len(senders) != 1:
        return Bad(MALFORMED, "sender: not one e-mail address")
    recipients = tuple(_ADDRESS.findall(recipient))
    if not recipients:
        return Bad(MALFORMED, "recipient: no e-mail address")
    return Record(line, ts, senders[0].lower(), tuple(r.lower() for r in recipients), message_id)


def parse_time(text: str, zone: ZoneInfo) -> float | None:
    """ISO 8601 (``Z`` or an offset; zone-less in ``zone``) or the exports' usual forms."""
    value = text.strip().removesuffix(" UTC")
    utc = value != text.strip()
    moment: dt.datetime | None = None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        for pattern in (*_US_TIME, *_OTHER_TIME):
            try:
                moment = dt.datetime.strptime(value, pattern)  # noqa: DTZ007 (zone set below)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC") if utc else zone)
    return moment.timestamp()


def map_message(records: Sequence[Record], roster: Roster) -> list[CommRow] | Skip:
    """The staff-student events of one message (all its rows), or why there are none."""
    first = records[0]
    sender = roster.person(first.sender)
    recipients: dict[str, Person | None] = {}
    for record in records:
        for address in record.recipients:
            recipients.setdefault(address, roster.person(address))
    if sender is None:
        return UNMAPPED
    if sender.is_staff:
        others = [(a, p) for a, p in recipients.items() if p is not None and p.role is Role.STUDENT]
        direction = Direction.STAFF_TO_STUDENT
    elif sender.role is Role.STUDENT:
        others = [(a, p) for a, p in recipients.items() if p is not None and p.is_staff]
        direction = Direction.STUDENT_TO_STAFF
    else:
        return NOT_STAFF_STUDENT
    if not others:
        return UNMAPPED if any(p is None for p in recipients.values()) else NOT_STAFF_STUDENT
    audience = Audience.GROUP if len(others) > 1 else Audience.INDIVIDUAL
    out: list[CommRow] = []
    for address, person in others:
        staff, student = (sender, person) if sender.is_staff else (person, sender)
        both_district = roster.is_district(first.sender) and roster.is_district(address)
        out.append(
            CommRow(
                first.ts,
                staff.id,
                student.id,
                (Channel.DISTRICT_EMAIL if both_district else Channel.PERSONAL_EMAIL).value,
                direction.value,
                audience.value,
                Purpose.UNKNOWN.value,
                None,
                first.message_id or None,
            )
        )
    return out


def csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | Bad]]:
    """CSV records with the line each starts on; a record the csv module refuses is Bad."""
    reader = csv.reader(lines, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, Bad(MALFORMED, f"csv: {exc}")
            start = reader.line_num + 1
            continue
        yield start, row
        start = reader.line_num + 1
