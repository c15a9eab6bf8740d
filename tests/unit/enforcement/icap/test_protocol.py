"""The ICAP codec: heads, Encapsulated, chunked bodies and responses, without sockets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.enforcement.icap.protocol import (
    MAX_CHUNK,
    ChunkDecoder,
    IcapError,
    encode_chunk,
    encode_chunked,
    format_error,
    format_response,
    parse_encapsulated,
    parse_request_head,
)

REQMOD = (
    b"REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\n"
    b"Host: 127.0.0.1:1344\r\n"
    b"Allow: 204\r\n"
    b"Preview: 4096\r\n"
    b"X-Client-IP: 127.10.1.10\r\n"
    b"Encapsulated: req-hdr=0, req-body=120\r\n\r\n"
)


def test_a_reqmod_head_parses_with_its_preview_and_allow_204() -> None:
    request = parse_request_head(REQMOD)
    assert request.method == "REQMOD"
    assert request.service == "/reqmod"
    assert request.preview == 4096
    assert request.allow_204
    assert request.encapsulated == (("req-hdr", 0), ("req-body", 120))
    assert request.headers["x-client-ip"] == "127.10.1.10"
    assert request.body_section == "req-body"


def test_options_needs_no_encapsulated_header() -> None:
    request = parse_request_head(b"OPTIONS icap://h/reqmod ICAP/1.0\r\nHost: h\r\n\r\n")
    assert request.method == "OPTIONS"
    assert request.encapsulated == ()
    assert request.preview is None
    assert not request.allow_204


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"REQMOD icap://h/reqmod ICAP/1.0\r\nHost: h\r\n\r\n", 400),  # no Encapsulated
        (b"GET icap://h/reqmod ICAP/1.0\r\n\r\n", 501),
        (b"REQMOD icap://h/reqmod ICAP/2.0\r\n\r\n", 505),
        (b"REQMOD icap://h/reqmod\r\n\r\n", 400),
        (b"REQMOD icap://h/reqmod ICAP/1.0\r\nno colon\r\n\r\n", 400),
        (
            b"REQMOD icap://h/reqmod ICAP/1.0\r\nPreview: lots\r\n"
            b"Encapsulated: req-hdr=0, null-body=10\r\n\r\n",
            400,
        ),
        (b"\xff\xfe garbage\r\n\r\n", 400),
        (b"\r\n\r\n", 400),
    ],
)
def test_bad_heads_get_the_status_to_answer(head: bytes, status: int) -> None:
    with pytest.raises(IcapError) as caught:
        parse_request_head(head)
    assert caught.value.status == status


@pytest.mark.parametrize(
    "value",
    [
        "req-hdr=10, req-body=20",  # does not start at 0
        "req-hdr=0, req-body=0",  # offsets must increase
        "req-hdr=0",  # no body section
        "req-hdr=0, req-body=5, null-body=9",  # two body sections
        "req-body=0, req-hdr=5",  # body not last
        "req-hdr=0, x-body=5",
        "req-hdr=0, req-body=-5",
        "req-hdr=0, req-body=99999999999",
    ],
)
def test_encapsulated_is_checked(value: str) -> None:
    with pytest.raises(IcapError):
        parse_encapsulated(value)


def _decode_in_pieces(data: bytes, cuts: list[int]) -> tuple[bytes, ChunkDecoder]:
    decoder = ChunkDecoder()
    out = bytearray()
    start = 0
    for cut in [*sorted({min(c, len(data)) for c in cuts}), len(data)]:
        for piece in decoder.feed(data[start:cut]):
            out += piece
        start = cut
    return bytes(out), decoder


@given(st.binary(max_size=2000), st.lists(st.integers(0, 2100), max_size=8), st.booleans())
def test_chunked_bodies_round_trip_however_they_are_cut(
    body: bytes, cuts: list[int], ieof: bool
) -> None:
    wire = encode_chunked(body, ieof=ieof) + b"NEXT"
    out, decoder = _decode_in_pieces(wire, cuts)
    assert out == body
    assert decoder.done
    assert decoder.ieof is ieof
    assert decoder.rest == b"NEXT"


def test_several_chunks_and_a_trailer_decode() -> None:
    wire = encode_chunk(b"hello ") + encode_chunk(b"world") + b"0\r\nX-Trailer: 1\r\n\r\n"
    out, decoder = _decode_in_pieces(wire, [1, 3, 9])
    assert out == b"hello world"
    assert decoder.done


@pytest.mark.parametrize(
    "wire",
    [
        b"zz\r\nabc\r\n",  # not hex
        f"{MAX_CHUNK + 1:x}\r\n".encode(),  # larger than any chunk we take
        b"ffffffffffffffffff\r\n",  # more than 16 hex digits
        b"3\r\nabcdef\r\n",  # data longer than its size
        b"3\nabc\r\n",  # bare LF
        b"1" * 5000,  # an endless size line
    ],
)
def test_bad_chunking_is_an_icap_400(wire: bytes) -> None:
    with pytest.raises(IcapError) as caught:
        ChunkDecoder().feed(wire)
    assert caught.value.status == 400


@settings(max_examples=300)
@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=6))
def test_the_chunk_decoder_never_fails_otherwise_and_stays_bounded(
    data: bytes, cuts: list[int]
) -> None:
    decoder = ChunkDecoder()
    start = 0
    try:
        for cut in [*sorted({min(c, len(data)) for c in cuts}), len(data)]:
            out = decoder.feed(data[start:cut])
            assert sum(len(p) for p in out) <= cut - start
            assert len(decoder._line) <= 8 * 1024  # only an unfinished line is kept
            start = cut
    except IcapError as exc:
        assert exc.status == 400  # noqa: PT017 (fuzzing: either outcome is fine)


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_the_head_parser_answers_any_bytes_with_a_request_or_an_icap_error(data: bytes) -> None:
    try:
        request = parse_request_head(data)
    except IcapError as exc:
        assert exc.status in {400, 501, 505}  # noqa: PT017 (fuzzing: either outcome is fine)
    else:
        assert request.method in {"OPTIONS", "REQMOD", "RESPMOD"}


@given(st.text(st.characters(codec="ascii"), max_size=300))
def test_the_head_parser_answers_any_text_line(text: str) -> None:
    head = f"REQMOD icap://h/reqmod ICAP/1.0\r\n{text}\r\n\r\n".encode()
    try:
        parse_request_head(head)
    except IcapError as exc:
        assert exc.status == 400  # noqa: PT017 (fuzzing: either outcome is fine)


def test_a_denial_response_encapsulates_the_http_response_and_its_chunked_body() -> None:
    head = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\n"
    wire = format_response(200, [("ISTag", '"t"')], http_head=head, body=b"nope")
    icap_head, _, rest = wire.partition(b"\r\n\r\n")
    assert icap_head.startswith(b"ICAP/1.0 200 OK\r\n")
    assert f"Encapsulated: res-hdr=0, res-body={len(head)}".encode() in icap_head
    assert rest == head + b"4\r\nnope\r\n0\r\n\r\n"


def test_a_204_and_an_echo_of_a_bodiless_request() -> None:
    assert format_response(204, [("ISTag", '"t"')]) == (
        b'ICAP/1.0 204 No Content\r\nISTag: "t"\r\nEncapsulated: null-body=0\r\n\r\n'
    )
    head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    wire = format_response(200, [], http_head=head, head_section="req-hdr")
    assert f"Encapsulated: req-hdr=0, null-body={len(head)}".encode() in wire
    assert wire.endswith(head)


def test_errors_close_and_never_echo_control_characters() -> None:
    wire = format_error(400, '"t"', "bad\r\nInjected: yes")
    assert wire.startswith(b"ICAP/1.0 400 Bad Request\r\n")
    assert b"Connection: close" in wire
    assert b"\r\nInjected" not in wire
    with pytest.raises(ValueError, match="line break"):
        format_response(200, [("X", "a\r\nb")])
