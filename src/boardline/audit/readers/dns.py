"""DNS query logs to ``web_events`` rows (method ``DNS``, path ``''``, kind ``dns``).

A resolver log shows which names a device looked up, not what it fetched, but on a
network without the proxy it is the only trace. Only *queries* become events;
replies, forwards, cache hits and start-up chatter are skipped and counted.

``dnsmasq`` (``log-queries``)
    ``Nov 29 08:01:02 [host] dnsmasq[123]: query[A] www.example.org from 10.1.2.3``.
    Syslog stamps carry no year and no zone: the year is the ``year`` argument
    (the loader's default is the year of the file's modification time) and the
    time is read in the pack's zone. In the hour a DST change repeats, the first
    of the two instants is taken.
``bind`` (``category queries``)
    ``29-Nov-2026 08:01:02.123 queries: info: client @0x... 10.1.2.3#53211
    (www.example.org): query: www.example.org IN A +E(0) (10.0.0.1)``; the time
    is read in the pack's zone (BIND logs local time unless told otherwise).
``unbound`` (``log-queries: yes``)
    ``[1764403262] unbound[123:0] info: 10.1.2.3 www.example.org. A IN`` (epoch
    seconds, so no zone is needed), also behind a syslog prefix. A line with the
    reply's rcode and timing after ``IN`` (``log-replies``) is a reply.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final
from zoneinfo import ZoneInfo

from boardline.audit.readers.errors import MALFORMED, OUT_OF_RANGE, Bad, Skip
from boardline.audit.readers.rows import WebRow
from boardline.audit.readers.squid import MONTHS, TS_MAX, TS_MIN

FORMATS: Final = ("dnsmasq", "bind", "unbound")

BLANK: Final = Skip("blank")
NOT_A_QUERY: Final = Skip("not_a_query")
DNS_REPLY: Final = Skip("dns_reply")

_NAME: Final = re.compile(r"[A-Za-z0-9_*-][A-Za-z0-9._*-]*\.?|\.")
_SYSLOG: Final = re.compile(
    r"([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) (?:[^ ]+ )?"
    r"(dnsmasq|unbound)(?:\[[0-9]+\])?: (.*)"
)
_DNSMASQ_QUERY: Final = re.compile(r"query\[([A-Za-z0-9]+)\] ([^ ]+) from ([^ ]+)")
_BIND: Final = re.compile(
    r"([0-9]{2})-([A-Z][a-z]{2})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,6})? (.*)"
)
_BIND_QUERY: Final = re.compile(
    r".*client (?:@0x[0-9a-fA-F]+ )?([^ #]+)#[0-9]+(?: \([^)]*\))?: (?:view [^:]+: )?"
    r"query: ([^ ]+) [A-Z]+ ([A-Z0-9]+)(?: .*)?"
)
_UNBOUND: Final = re.compile(r"\[([0-9]{1,12})\] unbound\[[0-9]+:[0-9]+\] (.*)")
_UNBOUND_BODY: Final = re.compile(
    r"(?:\[[0-9]+:[0-9]+\] )?info: ([0-9A-Fa-f:.]+) ([^ ]+) ([A-Z0-9]+) IN( .*)?"
)

Parsed = WebRow | Bad | Skip


def parse_line(text: str, fmt: str, *, zone: ZoneInfo, year: int) -> Parsed:
    """One line of a DNS log in ``fmt`` (one of :data:`FORMATS`)."""
    if not text.strip(" \t"):
        return BLANK
    if fmt == "dnsmasq":
        return _dnsmasq(text, zone, year)
    if fmt == "bind":
        return _bind(text, zone)
    return _unbound(text, zone, year)


def _event(ts: float, client: str, name: str) -> Parsed:
    if not _NAME.fullmatch(name):
        return Bad(MALFORMED, f"query name: {name[:60]!r} is not a domain name")
    host = name.lower().rstrip(".")
    if not host:
        return NOT_A_QUERY  # the root zone, asked by resolvers priming their cache
    if not TS_MIN <= ts < TS_MAX:
        return Bad(OUT_OF_RANGE, "time: before 2000 or after 2099")
    return WebRow(ts, client, None, "DNS", host, "", None, None, None, None)


def _local(
    year: int, month: str, day: str, hms: tuple[str, str, str], zone: ZoneInfo
) -> float | None:
    if month not in MONTHS:
        return None
    try:
        hour, minute, second = (int(x) for x in hms)
        moment = dt.datetime(
            year, MONTHS.index(month) + 1, int(day), hour, minute, second, tzinfo=zone
        )
    except ValueError:
        return None
    return moment.timestamp()


def _dnsmasq(text: str, zone: ZoneInfo, year: int) -> Parsed:
    head = _SYSLOG.fullmatch(text)
    if head is None or head.group(6) != "dnsmasq":
        return Bad(MALFORMED, "syslog prefix: not 'Mon dd HH:MM:SS [host] dnsmasq[pid]:'")
    body = head.group(7)
    if not body.startswith("query["):
        return NOT_A_QUERY
    query = _DNSMASQ_QUERY.fullmatch(body)
    if query is None:
        return Bad(MALFORMED, "query: not 'query[TYPE] name from client'")
    ts = _local(year, head.group(1), head.group(2), (head[3], head[4], head[5]), zone)
    if ts is None:
        return Bad(OUT_OF_RANGE, "time: no such date or time")
    return _event(ts, query.group(3), query.group(2))


def _bind(text: str, zone: ZoneInfo) -> Parsed:
    head = _BIND.fullmatch(text)
    if head is None:
        return Bad(MALFORMED, "time: not 'dd-Mon-yyyy HH:MM:SS.mmm'")
    rest = head.group(7)
    if "query: " not in rest:
        return NOT_A_QUERY
    query = _BIND_QUERY.fullmatch(rest)
    if query is None:
        return Bad(MALFORMED, "query: not 'client ADDRESS#PORT (name): query: NAME IN TYPE'")
    ts = _local(int(head.group(3)), head.group(2), head.group(1), (head[4], head[5], head[6]), zone)
    if ts is None:
        return Bad(OUT_OF_RANGE, "time: no such date or time")
    return _event(ts, query.group(1), query.group(2))


def _unbound(text: str, zone: ZoneInfo, year: int) -> Parsed:
    plain = _UNBOUND.fullmatch(text)
    if plain is not None:
        ts: float | None = float(plain.group(1))
        body = plain.group(2)
    else:
        head = _SYSLOG.fullmatch(text)
        if head is None or head.group(6) != "unbound":
            return Bad(MALFORMED, "prefix: not '[epoch] unbound[pid:thread]' nor a syslog prefix")
        ts = _local(year, head.group(1), head.group(2), (head[3], head[4], head[5]), zone)
        body = head.group(7)
    if "info: " not in body or " IN" not in body:
        return NOT_A_QUERY
    query = _UNBOUND_BODY.fullmatch(body)
    if query is None:
        return Bad(MALFORMED, "query: not 'info: CLIENT NAME TYPE IN'")
    if query.group(4):
        return DNS_REPLY
    if ts is None:
        return Bad(OUT_OF_RANGE, "time: no such date or time")
    return _event(ts, query.group(1), query.group(2))
