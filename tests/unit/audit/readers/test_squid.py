from __future__ import annotations

import calendar

from hypothesis import given
from hypothesis import strategies as st

from boardline.audit.readers.errors import MALFORMED, OUT_OF_RANGE, Bad, Skip
from boardline.audit.readers.rows import WebRow
from boardline.audit.readers.squid import FORMATS, parse_line

NATIVE = (
    "1795950062.123    153 10.1.2.3 TCP_MISS/200 5120 GET http://WWW.Facebook.com.:80/p?id=7"
    " mrivera HIER_DIRECT/157.240.1.35 text/html"
)


def test_native_line_normalises_host_and_keeps_path_and_query() -> None:
    row = parse_line(NATIVE, "squid")

    assert row == WebRow(
        1795950062.123, "10.1.2.3", "mrivera", "GET", "www.facebook.com", "/p?id=7",
        200, 5120, None, None,
    )  # fmt: skip


def test_connect_takes_host_from_host_port_and_an_empty_path() -> None:
    row = parse_line(
        "1795950063.004  12034 10.1.2.4 TCP_TUNNEL/200 88211 CONNECT [2001:db8::1]:443 -"
        " HIER_DIRECT/1.2.3.4 -",
        "squid",
    )

    assert isinstance(row, WebRow)
    assert (row.method, row.host, row.path, row.username) == ("CONNECT", "2001:db8::1", "", None)


def test_status_000_is_unknown_and_error_urls_are_skipped() -> None:
    line = "1795950064.500 2 10.1.2.5 NONE_NONE/000 0 NONE error:invalid-request - HIER_NONE/- -"

    assert parse_line(line, "squid") == Skip("squid_error")


def test_boardline_notes_give_navigation_and_decision_id() -> None:
    base = (
        "1795950062.123 153 10.1.2.3 TCP_DENIED/302 0 GET http://www.facebook.com/ mrivera"
        " HIER_NONE/- text/html"
    )
    cases = {
        "sfd=document sfm=navigate decision_id=sq1-0": (True, "sq1-0"),
        "sfd=iframe sfm=navigate ea=sq1-1%20deny%20r": (False, "sq1-1"),
        "sfd=- sfm=no-cors ea=decision=sq1-2%20rule=r": (False, "sq1-2"),
        "sfd=- sfm=navigate ea=-": (None, None),
        "sfm=- sfd=-": (None, None),
    }
    for notes, expected in cases.items():
        row = parse_line(f"{base} {notes}", "boardline")
        assert isinstance(row, WebRow), notes
        assert (row.top_level, row.decision_id) == expected, notes


def test_common_time_with_an_offset_is_converted_to_utc() -> None:
    line = (
        '10.1.2.3 - mrivera [10/Oct/2026:13:55:36 -0600] "GET http://example.org/a HTTP/1.1"'
        " 200 1234 TCP_MISS:HIER_DIRECT"
    )

    row = parse_line(line, "common")

    assert isinstance(row, WebRow)
    assert row.ts == calendar.timegm((2026, 10, 10, 19, 55, 36))
    assert (row.username, row.host, row.bytes) == ("mrivera", "example.org", 1234)


def test_combined_reads_quoted_referer_and_agent() -> None:
    line = (
        '10.1.2.3 - - [10/Oct/2026:13:55:36 +0000] "GET http://a.example/ HTTP/1.1" 304 -'
        ' "http://b.example/" "Mozilla/5.0 \\"x\\"" TCP_MEM_HIT:HIER_NONE'
    )

    row = parse_line(line, "combined")

    assert isinstance(row, WebRow)
    assert row.bytes is None
    assert row.status == 304


def test_errors_name_the_field() -> None:
    assert parse_line(NATIVE.replace("5120", "5k"), "squid") == Bad(
        MALFORMED, "bytes (field 5): not a number"
    )
    assert parse_line(NATIVE.replace("1795950062", "175"), "squid") == Bad(
        OUT_OF_RANGE, "timestamp (field 1): before 2000 or after 2099"
    )
    bad_day = '1.2.3.4 - - [30/Feb/2026:00:00:00 +0000] "GET http://a/ HTTP/1.1" 200 1'
    assert parse_line(bad_day, "common") == Bad(
        OUT_OF_RANGE, "time (field 4): no such date or time"
    )


@given(st.text(max_size=300), st.sampled_from(FORMATS))
def test_any_text_gives_a_row_a_skip_or_an_error(text: str, fmt: str) -> None:
    outcome = parse_line(text.replace("\n", " "), fmt)

    assert isinstance(outcome, WebRow | Skip | Bad)
