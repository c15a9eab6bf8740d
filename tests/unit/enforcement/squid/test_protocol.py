"""The Squid helper line protocol: requests decode, replies encode as Squid reads them."""

from __future__ import annotations

import contextlib
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.enforcement.squid import protocol
from boardline.enforcement.squid.protocol import (
    EFFECT_NOTE,
    HelperRequest,
    HelperVerdict,
    ProtocolError,
    channel_of,
    check_fields,
    decode_deny_info_message,
    escape_value,
    format_bh,
    format_reply,
    is_plain,
    parse_reply,
    parse_request,
    reply_template,
    request_parser,
)

FIELDS = ("src", "user", "method", "host", "port", "path", "bucket", "data")
URI_FIELDS = ("src", "method", "uri")


def parse(
    line: str, *, concurrency: bool = True, fields: tuple[str, ...] = FIELDS
) -> HelperRequest:
    return parse_request(line, concurrency=concurrency, fields=fields)


# -- requests -----------------------------------------------------------------------


def test_a_concurrent_line_as_squid_sends_it() -> None:
    request = parse("3 127.0.0.2 - GET www.facebook.com 80 /a%20b?q=1&x=%22y%22 202611291805 -\n")

    assert request == HelperRequest(
        channel="3",
        client="127.0.0.2",
        user=None,
        method="GET",
        host="www.facebook.com",
        port=80,
        path='/a b?q=1&x="y"',
        extra=("202611291805", "-"),
    )


def test_without_concurrency_the_first_value_is_the_first_field() -> None:
    request = parse("127.0.0.3 j%20smith GET example.org 8080 / 2026 -", concurrency=False)

    assert request.channel is None
    assert (request.client, request.user, request.port) == ("127.0.0.3", "j smith", 8080)


def test_connect_has_no_path_and_hosts_are_lower_case() -> None:
    request = parse("0 127.0.0.2 - CONNECT WWW.Facebook.COM 443 - 202611291805 -")

    assert (request.method, request.host, request.port, request.path) == (
        "CONNECT",
        "www.facebook.com",
        443,
        "",
    )


def test_values_beyond_the_fields_land_in_extra() -> None:
    request = parse("1 127.0.0.2 - GET a.org 80 / 2026 staff social%20networks")

    assert request.extra == ("2026", "staff", "social networks")


def test_path_bytes_that_are_not_utf8_stay_escaped() -> None:
    request = parse("1 127.0.0.2 - GET a.org 80 /%C3%BC%FFx%E9 2026 -")

    assert request.path == "/ü%FFx%E9"


@pytest.mark.parametrize(
    ("uri", "host", "port", "path"),
    [
        ("http://WWW.Example.org:8080/p%20q?x=1", "www.example.org", 8080, "/p q?x=1"),
        ("http://example.org", "example.org", None, "/"),
        ("www.facebook.com:443", "www.facebook.com", 443, ""),
        ("[2001:db8::1]:443", "2001:db8::1", 443, ""),
    ],
)
def test_the_uri_field_gives_host_port_and_path(
    uri: str, host: str, port: int | None, path: str
) -> None:
    # Squid leaves the URL's own escapes alone, so the token is the URL as sent.
    request = parse(f"127.0.0.2 GET {uri}", concurrency=False, fields=URI_FIELDS)

    assert (request.host, request.port, request.path) == (host, port, path)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("", "no channel id"),
        ("x1 127.0.0.2 - GET a.org 80 / 2026 -", "is not a number"),
        ("1 127.0.0.2 - GET a.org 80", "expected 8 values"),
        ("1 127.0.0.2 - GET a.org 70000 / 2026 -", "is not a port number"),
        ("1 127.0.0.2 - GET a.org 8o / 2026 -", "is not a port number"),
        ("1 127.0.0.2 - GET a.org 99999999999999999999999 / 2026 -", "is not a port number"),
        ("1 127.0.0.2 - G%40T a.org 80 / 2026 -", "not an HTTP method"),
        ("1 127.0.0.2 - GET - 80 / 2026 -", "not a host name"),
        ("1 127.0.0.2 - GET a.org%2Fx 80 / 2026 -", "not a host name"),
        ("1 127.0.0.2 - GET %FF.org 80 / 2026 -", "not UTF-8"),
        ("1 127.0.0.2 bob%0A GET a.org 80 / 2026 -", "control characters"),
        ("1 127.0.0.2 - GET a.org \udc80 / 2026 -", "not valid Unicode"),
    ],
)
def test_malformed_lines_are_protocol_errors(line: str, problem: str) -> None:
    with pytest.raises(ProtocolError, match=problem):
        parse(line)


def test_a_bad_uri_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="does not parse"):
        parse("127.0.0.2 GET http://[::1/x", concurrency=False, fields=URI_FIELDS)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ((), "at least one field"),
        (("src", "Host", "method"), "lower-case"),
        (("host", "method", "host"), "repeat"),
        (("src", "host"), "'method'"),
        (("src", "method"), "'host' or 'uri'"),
    ],
)
def test_field_tuples_are_checked(fields: tuple[str, ...], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_fields(fields)


@pytest.mark.parametrize(
    ("line", "channel"),
    [("12 x y", "12"), ("  4 x", "4"), ("x 1", None), ("", None), ("٣ x", None)],
)
def test_channel_of_recovers_the_channel_of_a_bad_line(line: str, channel: str | None) -> None:
    assert channel_of(line) == channel


# -- replies ------------------------------------------------------------------------


def test_a_denial_carries_message_log_effect_and_notes() -> None:
    verdict = HelperVerdict(
        allow=False,
        message='5460 ¶3 "individual use"\nnot during school',
        log="decision=d-1 rule=staff-social",
        notes={"decision_id": "d-1", "rule": "staff-social", "category": "social networks"},
    )

    reply = format_reply("7", verdict)

    assert reply == (
        "7 ERR message=5460%20%C2%B63%20%22individual%20use%22%0Anot%20during%20school"
        " log=decision=d-1%20rule=staff-social bl_effect=deny decision_id=d-1"
        " rule=staff-social category=social%20networks\n"
    )


def test_an_allow_without_channel_or_message_is_short() -> None:
    assert format_reply(None, HelperVerdict(allow=True)) == f"OK {EFFECT_NOTE}=allow\n"


def test_an_empty_note_is_sent_as_an_empty_quoted_string() -> None:
    reply = format_reply("0", HelperVerdict(allow=True, notes={"category": ""}))

    assert reply.endswith(' category=""\n')
    assert parse_reply(reply)[2]["category"] == ""


def test_bh_keeps_the_channel_and_escapes_the_message() -> None:
    assert format_bh("4", "bad line: 'x y'") == "4 BH message=bad%20line:%20'x%20y'\n"
    assert format_bh("5", '100% "sure"\\') == "5 BH message=100%25%20%22sure%22%5C\n"
    assert format_bh(None, "oops") == "BH message=oops\n"


def test_a_channel_must_be_a_number() -> None:
    with pytest.raises(ValueError, match="not a number"):
        format_reply("1 OK", HelperVerdict(allow=True))


@pytest.mark.parametrize("key", ["message", "log", "user", "tag", EFFECT_NOTE, "a b", "x=y", ""])
def test_notes_cannot_use_reserved_or_malformed_keys(key: str) -> None:
    with pytest.raises(ValueError, match="note key"):
        HelperVerdict(allow=True, notes={key: "v"})


def test_a_verdict_is_immutable_and_copies_its_notes() -> None:
    notes = {"rule": "r1"}
    verdict = HelperVerdict(allow=True, notes=notes)
    notes["rule"] = "changed"

    assert verdict.notes["rule"] == "r1"
    with pytest.raises(TypeError):
        verdict.notes["rule"] = "x"  # type: ignore[index]
    assert hash(verdict) == hash(HelperVerdict(allow=True, notes={"rule": "other"}))


def test_parse_reply_reads_quoted_values_as_squid_documents_them() -> None:
    channel, result, keys = parse_reply('2 OK user="J. \\"Bob\\" Smith" log=a%20b tag="x\\ny"\n')

    assert (channel, result) == ("2", "OK")
    assert keys == {"user": 'J. "Bob" Smith', "log": "a b", "tag": "x\ny"}


@pytest.mark.parametrize("line", ["MAYBE x=1", "OK novalue", 'OK a="unterminated'])
def test_parse_reply_rejects_what_squid_would_not_accept(line: str) -> None:
    with pytest.raises(ProtocolError):
        parse_reply(line)


# -- block page ---------------------------------------------------------------------

#: The ``m=`` parameter of a real Squid 5.7 ``deny_info 302:...&m=%o`` redirect.
SQUID_57_M = (
    "5460%20%26%23194%3B%26%23182%3B3%3A%20%26%23226%3B%26%23128%3B%26%23156%3Bindividual"
    "%20use%26%23226%3B%26%23128%3B%26%23157%3B%20of%20social%20networking%20%26%23226%3B"
    "%26%23128%3B%26%23148%3B%20%26quot%3Bnot%20during%20school%26quot%3B%20%26lt%3Bdenied"
    "%26gt%3B"
)


def test_the_deny_info_message_is_recovered_from_squids_html_quoting() -> None:
    value = unquote(SQUID_57_M)

    assert decode_deny_info_message(value) == (
        '5460 ¶3: “individual use” of social networking — "not during school" <denied>'
    )


def test_a_message_that_was_not_byte_quoted_is_left_readable() -> None:
    assert decode_deny_info_message("caf&#233; &amp; “x”") == "café & “x”"


# -- properties ---------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    line=st.text(max_size=300),
    concurrency=st.booleans(),
    fields=st.sampled_from([FIELDS, URI_FIELDS, ("method", "host")]),
)
def test_parse_request_raises_only_protocol_errors(
    line: str, concurrency: bool, fields: tuple[str, ...]
) -> None:
    try:
        request = parse_request(line, concurrency=concurrency, fields=fields)
    except ProtocolError:
        return
    assert request.host == request.host.lower()
    assert (request.channel is not None) == concurrency


_tokens = st.lists(
    st.sampled_from(["1", "-", "%", "%2", "%ZZ", "%FF", "%C3%BC", "a.org", "GET", "/", "://"]),
    max_size=12,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(line=_tokens, concurrency=st.booleans())
def test_parse_request_survives_token_soup(line: str, concurrency: bool) -> None:
    with contextlib.suppress(ProtocolError):
        parse_request(line, concurrency=concurrency, fields=FIELDS)


_host = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(
    channel=st.integers(min_value=0, max_value=10_000),
    user=st.one_of(st.none(), st.text(min_size=1).filter(lambda u: u.isprintable() and u != "-")),
    host=_host,
    port=st.one_of(st.none(), st.integers(min_value=0, max_value=65535)),
    path=st.text(max_size=80).map(lambda p: "/" + p),  # "-" alone means "no path"
)
def test_escaped_values_decode_to_what_was_sent(
    channel: int, user: str | None, host: str, port: int | None, path: str
) -> None:
    values = [
        "127.0.0.9",
        "-" if user is None else quote(user, safe=""),
        "POST",
        host,
        "-" if port is None else str(port),
        quote(path, safe=""),
        "2026",
        "-",
    ]
    request = parse(f"{channel} {' '.join(values)}\n")

    assert request.channel == str(channel)
    assert (request.user, request.host, request.port, request.path) == (user, host, port, path)


_note_key = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(
    lambda k: k not in {"user", "password", "message", "log", "tag", "clt_conn_tag"}
)


@settings(max_examples=200, deadline=None)
@given(
    channel=st.one_of(st.none(), st.integers(min_value=0, max_value=999).map(str)),
    allow=st.booleans(),
    message=st.text(),
    log=st.text(),
    notes=st.dictionaries(_note_key, st.text(), max_size=4),
)
def test_replies_are_one_line_and_read_back_unchanged(
    channel: str | None, allow: bool, message: str, log: str, notes: dict[str, str]
) -> None:
    verdict = HelperVerdict(allow=allow, message=message, log=log, notes=notes)

    reply = format_reply(channel, verdict)
    read_channel, result, keys = parse_reply(reply)

    assert reply.endswith("\n")
    assert reply.count("\n") == 1
    assert "\r" not in reply
    assert (read_channel, result) == (channel, "OK" if allow else "ERR")
    assert keys.pop("message", "") == message
    assert keys.pop("log", "") == log
    assert keys.pop(EFFECT_NOTE) == verdict.effect
    assert keys == notes


# -- the helper's fast paths --------------------------------------------------------

PLAIN_WORD = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="%"),
    min_size=1,
    max_size=12,
)
WORDS = st.one_of(
    PLAIN_WORD,
    st.sampled_from(["-", "GET", "CONNECT", "80", "443", "99999", "a/b", "x@y", "/", "B?D"]),
)


@settings(max_examples=600)
@given(
    words=st.lists(WORDS, max_size=11),
    concurrency=st.booleans(),
    fields=st.sampled_from([FIELDS, ("src", "user", "method", "host", "port", "path", "bucket")]),
    separator=st.sampled_from([" ", "  "]),
)
def test_a_plain_line_parses_as_the_general_path_parses_it(
    words: list[str], concurrency: bool, fields: tuple[str, ...], separator: str
) -> None:
    line = separator.join(words)
    layout = protocol._layout(fields)

    def outcome(fast: bool) -> object:
        try:
            return protocol._parse(line, concurrency, layout, fields, fast=fast)
        except ProtocolError as exc:
            return ("BH", str(exc))

    assert outcome(True) == outcome(False)
    assert outcome(True) == outcome_of(parse_request, line, concurrency, fields)
    assert outcome(True) == outcome_of(None, line, concurrency, fields)


def outcome_of(parse: object, line: str, concurrency: bool, fields: tuple[str, ...]) -> object:
    """``parse_request``'s result (or its error); with ``None``, the helper's bound parser's."""
    try:
        if parse is None:
            return request_parser(concurrency=concurrency, fields=fields)(line)
        return parse_request(line, concurrency=concurrency, fields=fields)
    except ProtocolError as exc:
        return ("BH", str(exc))


def test_the_bound_parser_is_parse_request() -> None:
    text = "7 127.0.0.2 bob GET Example.COM 443 /a%20b 2026 extra"
    bound = request_parser(concurrency=True, fields=FIELDS)
    assert bound(text) == parse_request(text, concurrency=True, fields=FIELDS)
    assert bound(text).host == "example.com"
    assert bound(text).path == "/a b"


@settings(max_examples=500)
@given(st.text(min_size=1), st.text(min_size=1))
def test_escaping_works_piece_by_piece(a: str, b: str) -> None:
    try:
        whole = escape_value(a + b)
    except UnicodeEncodeError:  # a lone surrogate: neither form can be sent
        return
    assert escape_value(a) + escape_value(b) == whole


def test_a_reply_template_puts_any_plain_value_in_place() -> None:
    verdict = HelperVerdict(
        allow=False,
        message="",
        log="PH deny rule \u00e9 x",
        notes={"decision_id": "PH", "rule": "r 1", "revision": "sha:1"},
    )
    parts = reply_template(verdict, "PH", 2)
    assert parts is not None
    real = HelperVerdict(
        allow=False,
        log="d-1f deny rule \u00e9 x",
        notes={"decision_id": "d-1f", "rule": "r 1", "revision": "sha:1"},
    )
    assert "d-1f".join(parts) == format_reply(None, real)
    assert is_plain("d-1f")
    assert not is_plain("d 1")
    assert not is_plain("")
    # a placeholder found elsewhere too, or one that is not plain: no template
    assert reply_template(verdict, "PH", 1) is None
    assert reply_template(verdict, "P H", 2) is None
