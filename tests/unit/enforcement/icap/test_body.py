"""Decoding post bodies into parts: multipart, JSON, forms, raw; limits and fuzzing."""

from __future__ import annotations

import contextlib
import gzip
import json
import zlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.enforcement.icap.body import (
    BodyLimitError,
    decode_body,
    decode_content,
    upload_name,
)

BOUNDARY = "----boardline7MA4YWxk"
FORM = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(*parts: tuple[str, str | None, str | None, bytes], close: bool = True) -> bytes:
    out = b""
    for name, filename, media, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if media:
            out += f"Content-Type: {media}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + (f"--{BOUNDARY}--\r\n".encode() if close else b"")


def test_multipart_files_are_uploads_and_fields_are_joined_into_one_text() -> None:
    body = multipart(
        ("caption", None, None, b"Lily Baker"),
        ("photo", "poster.png", "image/png", b"\x89PNG\r\n\x1a\nrest"),
        ("tags", None, None, b"200001"),
    )
    decoded = decode_body(body, FORM, name="upload", max_parts=10)
    assert not decoded.malformed
    upload, text = decoded.parts
    assert (upload.name, upload.media_type, upload.data) == (
        "poster.png",
        "image/png",
        b"\x89PNG\r\n\x1a\nrest",
    )
    assert text.text == "Lily Baker\n200001"


def test_a_truncated_multipart_body_is_scanned_raw_not_dropped() -> None:
    body = multipart(("file", "list.txt", "text/csv", b"Lily Baker,200001"), close=False)
    body = body[: body.rindex(b"\r\n")]  # cut inside the last part
    decoded = decode_body(body, FORM, name="upload", max_parts=10)
    assert decoded.malformed
    assert decoded.parts[0].data == body


def test_a_multipart_body_without_a_boundary_is_scanned_raw() -> None:
    decoded = decode_body(b"anything", "multipart/form-data", name="u", max_parts=10)
    assert decoded.malformed
    assert decoded.parts[0].data == b"anything"


def test_too_many_parts_is_a_limit_error() -> None:
    body = multipart(*[(f"f{i}", None, None, b"x") for i in range(5)])
    with pytest.raises(BodyLimitError):
        decode_body(body, FORM, name="u", max_parts=4)
    with pytest.raises(BodyLimitError):
        decode_body(
            b"&".join(b"a=%d" % i for i in range(5)),
            "application/x-www-form-urlencoded",
            name="u",
            max_parts=4,
        )


def test_json_string_values_are_walked_in_order_keys_left_out() -> None:
    doc = {"status": "Our roster", "meta": {"ids": ["200001", 5, None, "200002"]}, "n": 1.5}
    decoded = decode_body(json.dumps(doc).encode(), "application/json", name="u", max_parts=10)
    (part,) = decoded.parts
    assert part.text == "Our roster\n200001\n200002"


def test_json_nested_too_deep_or_broken_is_scanned_as_text() -> None:
    deep = b"[" * 5000 + b"]" * 5000
    assert decode_body(deep, "application/json", name="u", max_parts=10).malformed
    broken = decode_body(b'{"a": "Lily Baker 200001"', "application/json", name="u", max_parts=10)
    assert broken.malformed
    assert broken.parts[0].text == '{"a": "Lily Baker 200001"'


def test_form_urlencoded_values_are_decoded() -> None:
    body = b"status=Lily+Baker%2C+200001&visibility=public"
    (part,) = decode_body(
        body, "application/x-www-form-urlencoded; charset=utf-8", name="u", max_parts=10
    ).parts
    assert part.text == "Lily Baker, 200001\npublic"


def test_plain_text_is_text_and_anything_else_is_a_raw_upload() -> None:
    (text,) = decode_body(b"hello", "text/plain", name="u", max_parts=10).parts
    assert text.text == "hello"
    (raw,) = decode_body(b"%PDF-1.7", "application/pdf", name="report.pdf", max_parts=10).parts
    assert (raw.name, raw.data, raw.media_type) == ("report.pdf", b"%PDF-1.7", "application/pdf")
    assert decode_body(b"", "text/plain", name="u", max_parts=10).parts == ()


def test_upload_names_come_from_the_disposition_or_the_path() -> None:
    assert upload_name("/api/upload?x=1", 'attachment; filename="a b.pdf"') == "a b.pdf"
    assert upload_name("/files/hand%20book.pdf?sig=1", None) == "hand book.pdf"
    assert upload_name("/", None) == "upload"


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=40),
            st.sampled_from(
                [
                    f"--{BOUNDARY}\r\n".encode(),
                    f"--{BOUNDARY}--\r\n".encode(),
                    b'Content-Disposition: form-data; name="a"; filename="f"\r\n',
                    b"Content-Type: image/png\r\n",
                    b"\r\n",
                ]
            ),
        ),
        max_size=30,
    )
)
def test_the_multipart_decoder_survives_anything_and_keeps_no_more_than_it_got(
    pieces: list[bytes],
) -> None:
    body = b"".join(pieces)
    try:
        decoded = decode_body(body, FORM, name="u", max_parts=8)
    except BodyLimitError:
        return
    kept = sum(
        len(p.data) + len((p.text or "").encode("utf-8", "surrogatepass")) for p in decoded.parts
    )
    # Text is decoded with replacement characters (3 bytes for each bad byte).
    assert kept <= 3 * len(body)


@settings(max_examples=200)
@given(
    st.binary(max_size=500),
    st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain; charset=nope",
            "multipart/form-data; boundary=x",
            "",
            "image/png",
        ]
    ),
)
def test_every_decoder_survives_any_bytes(body: bytes, media: str) -> None:
    with contextlib.suppress(BodyLimitError):
        decode_body(body, media, name="u", max_parts=8)


# -- Content-Encoding ------------------------------------------------------------------


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", _gzip),
        ("x-gzip", _gzip),
        ("deflate", zlib.compress),
        # Raw deflate, without the zlib wrapper, as some clients send it.
        ("deflate", lambda d: zlib.compress(d, wbits=-zlib.MAX_WBITS)),
        ("identity", lambda d: d),
        ("gzip, deflate", lambda d: zlib.compress(_gzip(d))),
        ("Deflate , GZIP", lambda d: _gzip(zlib.compress(d))),
    ],
)
def test_content_encodings_are_undone_in_the_order_applied(
    encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    text = b"Field trip list: Ada Quinn 20481234 " * 50
    assert decode_content(encode(text), encoding, max_bytes=1 << 20) == text


def test_no_encoding_leaves_the_body_as_it_is() -> None:
    assert decode_content(b"\x1f\x8b raw", None, max_bytes=10) == b"\x1f\x8b raw"
    assert decode_content(b"abc", "", max_bytes=10) == b"abc"


def test_a_compressed_bomb_stops_at_the_limit() -> None:
    bomb = _gzip(b"\0" * (64 << 20))  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 100_000
    with pytest.raises(BodyLimitError, match="expands beyond 1048576 bytes"):
        decode_content(bomb, "gzip", max_bytes=1 << 20)
    with pytest.raises(BodyLimitError, match="expands beyond"):
        decode_content(zlib.compress(b"\0" * (8 << 20)), "deflate", max_bytes=1 << 20)


@pytest.mark.parametrize(
    ("data", "encoding", "message"),
    [
        (b"not compressed at all", "gzip", "does not decompress"),
        (_gzip(b"x" * 10_000)[:40], "gzip", "truncated"),
        (b"\x00\x01garbage", "deflate", "does not decompress"),
        (b"whatever", "br", "'br' is not inspected"),
        (b"whatever", "zstd", "'zstd' is not inspected"),
    ],
)
def test_bodies_that_cannot_be_decoded_are_refused_not_scanned_raw(
    data: bytes, encoding: str, message: str
) -> None:
    with pytest.raises(BodyLimitError, match=message):
        decode_content(data, encoding, max_bytes=1 << 20)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512), st.sampled_from(["gzip", "deflate", "gzip, deflate"]))
def test_any_bytes_either_decode_within_the_limit_or_raise_the_limit_error(
    data: bytes, encoding: str
) -> None:
    try:
        out = decode_content(data, encoding, max_bytes=4096)
    except BodyLimitError:
        return
    assert len(out) <= 4096
