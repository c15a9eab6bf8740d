"""The compiled fast path against the reference parser: identical rows, errors and counts."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boardline.audit.readers import load_logs
from boardline.audit.readers.summary import SourceSummary
from tests.unit.audit.readers.conftest import DENVER, FIXTURES

Tables = tuple[list[tuple[object, ...]], list[tuple[object, ...]], SourceSummary]


def _read(path: Path, *, fast: bool, fmt: str | None = None, chunk_bytes: int = 256) -> Tables:
    con = duckdb.connect()
    summary = load_logs(
        con, [path], directory=None, zone=DENVER, fmt=fmt, fast=fast, chunk_bytes=chunk_bytes
    )
    events = con.execute("SELECT * FROM web_events ORDER BY line").fetchall()
    errors = con.execute("SELECT * FROM read_errors ORDER BY line").fetchall()
    return events, errors, summary.sources[0]


def _same(path: Path, fmt: str | None = None, *, squid_written: bool = True) -> Tables:
    """Both paths agree; on logs spaced as Squid writes them, the kernel reads every event."""
    fast = _read(path, fast=True, fmt=fmt)
    slow = _read(path, fast=False, fmt=fmt)
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
    assert replace(fast[2], fallback=0) == slow[2]
    if squid_written:
        assert fast[2].fallback == 0
    assert fast[2].reconciles
    return fast


def test_fixtures_read_the_same_on_both_paths() -> None:
    for name in ("squid_native.log", "boardline.log"):
        events, errors, summary = _same(FIXTURES / name)
        assert events
        assert errors
        assert summary.lines == summary.used + summary.skipped + summary.errors


def test_damaged_files_read_the_same_on_both_paths(tmp_path: Path) -> None:
    good = (FIXTURES / "boardline.log").read_bytes()
    damaged = tmp_path / "damaged.log"
    damaged.write_bytes(
        good
        + b"\x00\x01\x02 binary garbage \xff\xfe\n"
        + b"1795950062.123 153 10.1.2.3 TCP_MISS/200 1 GET http://caf\xc3\xa9.example/ - "
        + b"HIER_NONE/- -\n"
        + b"1795950062.123 153 10.1.2.3 TCP_MISS/200 1 GET http://a.example/ - HIER_NONE/- -\r\n"
        + b"\xff\xfe not utf-8\n"
        + good
    )
    _events, errors, summary = _same(damaged)
    assert {"binary", "encoding"} <= set(summary.errors_by_reason)

    cut = tmp_path / "cut.log"
    whole = gzip.compress(good * 40)
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    _, errors, summary = _same(cut, fmt="boardline")
    assert errors[-1][2] == "truncated"


_FIELD = st.one_of(
    st.sampled_from(
        [
            "1795950062.123",
            "0.000",
            "9999999999.999",
            "-1",
            "153",
            "10.1.2.3",
            "fd00::1",
            "TCP_MISS/200",
            "NONE/000",
            "TCP/2x0",
            "5120",
            "GET",
            "CONNECT",
            "G@T",
            "http://WWW.Example.org./a?b=1",
            "http://u@[::1]:8080",
            "https://h:1/#f",
            "ftp://x",
            "host.example:443",
            "[::1]:443",
            "http://.../",
            "http://u@h@x/",
            "http://u:p@Host.Example:/?q",
            "HTTP://[2001:DB8::1.]/x",
            "[::1.]:443",
            "[.]:443",
            "host:123456",
            "host:",
            "a+b.c-d://h#frag",
            "1x://h/",
            "error:invalid",
            "error://host.example/x",
            "-",
            "mrivera",
            "HIER_DIRECT/1.2.3.4",
            "HIER_NONE/-",
            "NOHIER",
            "text/html",
            "sfd=document",
            "sfm=navigate",
            "sfd=image",
            "sfm=no-cors",
            "decision_id=d1",
            "ea=x%20deny",
            "ea=decision=y%20rule=z",
            "ea=a=b",
            "decision_id=-",
            "decision_id=",
            "ea=decision=%20x",
            "ea=decision=a=b",
            "ea=-",
            "sfd=-",
            "sfm=cors",
            "sfd=document",
            "k=",
            "=v",
            "",
        ]
    ),
    st.text(alphabet="abcXYZ019.:/?#@[]=-_% \t\"'", max_size=12),
)


@st.composite
def _native_line(draw: st.DrawFn) -> str:
    fields = [
        "1795950062.123", "153", "10.1.2.3", "TCP_MISS/200", "5120", "GET",
        "http://www.example.org/", "-", "HIER_DIRECT/1.2.3.4", "text/html",
    ]  # fmt: skip
    fields += draw(st.lists(_FIELD, max_size=4))
    for _ in range(draw(st.integers(0, 3))):
        fields[draw(st.integers(0, len(fields) - 1))] = draw(_FIELD)
    spaces = draw(st.lists(st.sampled_from([" ", "  ", "      "]), min_size=len(fields)))
    lead = draw(st.sampled_from(["", " "]))
    return lead + "".join(f + s for f, s in zip(fields, spaces, strict=False)).rstrip("\n")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_native_line(), min_size=1, max_size=30), st.booleans())
def test_generated_lines_read_the_same_on_both_paths(
    tmp_path: Path, lines: list[str], final_newline: bool
) -> None:
    path = tmp_path / "gen.log"
    path.write_text("\n".join(lines) + ("\n" if final_newline else ""), encoding="utf-8")

    _same(path, fmt="boardline", squid_written=False)


def test_crlf_lines_and_ipv6_targets_stay_on_the_fast_path(tmp_path: Path) -> None:
    lines = [
        "1795950062.123    153 10.1.2.3 TCP_MISS/200 5120 GET http://u:p@[2001:DB8::1]:8/a"
        " - HIER_DIRECT/1.2.3.4 text/html",
        "1795950063.123      1 fd00::1 TCP_TUNNEL/200 10 CONNECT [::1]:443 bob HIER_NONE/- -",
        "1795950064.123      1 10.1.2.3 TCP_MISS/000 10 GET https://Host.Example.:8443?x=1 -"
        " HIER_NONE/- - sfd=document sfm=navigate ea=decision=d9%20deny",
    ]
    path = tmp_path / "crlf.log"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("ascii"))

    events, errors, summary = _same(path, fmt="boardline")

    assert not errors
    assert summary.fallback == 0
    hosts = [(e[6], e[7], e[8], e[10], e[11]) for e in events]
    assert hosts == [
        ("2001:db8::1", "/a", 200, None, None),
        ("::1", "", 200, None, None),
        ("host.example", "/?x=1", None, True, "d9"),
    ]


def test_unusual_lines_are_read_by_the_reference_parser(tmp_path: Path) -> None:
    """A tab inside a field and runs of spaces after the client: refused by the kernel,
    read by the reference parser, and counted as such."""
    path = tmp_path / "odd.log"
    path.write_text(
        "1795950062.123 1 10.1.2.3 TCP_MISS/200 1 GET http://a.example/ bob\tx HIER_NONE/- -\n"
        "1795950062.123 1 10.1.2.3   TCP_MISS/200 1 GET http://a.example/ - HIER_NONE/- -\n",
        encoding="ascii",
    )

    events, _errors, summary = _same(path, fmt="squid", squid_written=False)

    assert [e[4] for e in events] == ["bob\tx", None]
    assert summary.fallback == 2


def test_events_written_as_parquet_read_back_the_same(tmp_path: Path) -> None:
    """The pipeline's Parquet mode: the kernel's rows in files, the reference parser's in
    the table, one ``web_events`` view over both; rows, errors and counts as in the table."""
    good = (FIXTURES / "boardline.log").read_bytes()
    damaged = tmp_path / "damaged.log"
    odd = b"1795950062.123 1 10.1.2.3 TCP_MISS/200 1 GET http://a.example/ bob\tx HIER_NONE/- -\n"
    damaged.write_bytes(good + odd + b"\xff\xfe bad\n" + good)
    expected = _read(damaged, fast=True)
    folder = tmp_path / "run"
    folder.mkdir()
    con = duckdb.connect()
    summary = load_logs(con, [damaged, FIXTURES / "squid_native.log"], directory=None,
                        zone=DENVER, into=folder, chunk_bytes=256)  # fmt: skip
    assert list(folder.glob("web_events-*.parquet"))
    query = "SELECT * FROM web_events WHERE source = ? ORDER BY line"
    assert con.execute(query, [str(damaged)]).fetchall() == expected[0]
    errors = con.execute("SELECT * FROM read_errors WHERE source = ? ORDER BY line", [str(damaged)])
    assert errors.fetchall() == expected[1]
    assert summary.sources[0] == expected[2]
    assert summary.sources[0].fallback == 1
