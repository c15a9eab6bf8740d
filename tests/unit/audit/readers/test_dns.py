from __future__ import annotations

import calendar

from boardline.audit.readers.dns import DNS_REPLY, NOT_A_QUERY, parse_line
from boardline.audit.readers.errors import OUT_OF_RANGE, Bad
from boardline.audit.readers.rows import WebRow
from tests.unit.audit.readers.conftest import DENVER


def test_dnsmasq_query_in_the_pack_zone_with_the_given_year() -> None:
    row = parse_line(
        "Nov 29 08:01:02 dnsmasq[123]: query[A] www.Facebook.com. from 10.1.2.3",
        "dnsmasq",
        zone=DENVER,
        year=2026,
    )

    assert row == WebRow(
        calendar.timegm((2026, 11, 29, 15, 1, 2)), "10.1.2.3", None, "DNS",
        "www.facebook.com", "", None, None, None, None,
    )  # fmt: skip


def test_dnsmasq_replies_are_skipped_and_impossible_dates_are_errors() -> None:
    reply = "Nov 29 08:01:02 dnsmasq[123]: reply www.facebook.com is 1.2.3.4"
    assert parse_line(reply, "dnsmasq", zone=DENVER, year=2026) == NOT_A_QUERY
    bad = parse_line("Feb 30 08:01:02 dnsmasq[1]: query[A] a.b from 1.2.3.4", "dnsmasq",
                     zone=DENVER, year=2026)  # fmt: skip
    assert isinstance(bad, Bad)
    assert bad.reason == OUT_OF_RANGE


def test_bind_query_line() -> None:
    row = parse_line(
        "29-Nov-2026 08:01:02.123 queries: info: client @0x7f3a2c0 10.1.2.3#53211"
        " (www.facebook.com): query: www.facebook.com IN A +E(0) (10.0.0.1)",
        "bind",
        zone=DENVER,
        year=1999,
    )

    assert isinstance(row, WebRow)
    assert (row.ts, row.client, row.host) == (
        calendar.timegm((2026, 11, 29, 15, 1, 2)), "10.1.2.3", "www.facebook.com",
    )  # fmt: skip


def test_unbound_query_reply_and_syslog_forms() -> None:
    query = parse_line("[1795950062] unbound[1:0] info: 10.1.2.3 a.example. A IN", "unbound",
                       zone=DENVER, year=2026)  # fmt: skip
    assert isinstance(query, WebRow)
    assert query.ts == 1795950062.0
    assert query.host == "a.example"
    reply = "[1795950062] unbound[1:0] info: 10.1.2.3 a.example. A IN NOERROR 0.1 0 50"
    assert parse_line(reply, "unbound", zone=DENVER, year=2026) == DNS_REPLY
    syslog = parse_line("Nov 29 08:01:05 r unbound: [1:0] info: 10.1.2.5 k.org. AAAA IN",
                        "unbound", zone=DENVER, year=2026)  # fmt: skip
    assert isinstance(syslog, WebRow)
    assert syslog.ts == calendar.timegm((2026, 11, 29, 15, 1, 5))
