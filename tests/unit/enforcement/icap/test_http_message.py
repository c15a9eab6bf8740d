"""The encapsulated HTTP request head."""

from __future__ import annotations

import pytest

from boardline.enforcement.icap.http_message import parse_http_request_head
from boardline.enforcement.icap.protocol import IcapError


def test_an_absolute_target_gives_host_and_path() -> None:
    head = parse_http_request_head(
        b"POST http://Social.Example.:8080/api/post?x=1 HTTP/1.1\r\nHost: other\r\n"
        b"Content-Type: application/json\r\nContent-Length: 12\r\n\r\n"
    )
    assert (head.method, head.host, head.path) == ("POST", "social.example", "/api/post?x=1")
    assert head.content_type == "application/json"
    assert head.content_length == 12


def test_an_origin_form_target_takes_the_host_field() -> None:
    head = parse_http_request_head(b"PUT /f HTTP/1.1\r\nHost: [::1]:80\r\n\r\n")
    assert (head.host, head.path, head.content_length) == ("::1", "/f", None)


@pytest.mark.parametrize(
    "raw",
    [
        b"POST / HTTP/1.1\r\nHost: a\r\n",  # no blank line
        b"POST /\r\n\r\n",
        b"P0ST / HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nbad header\r\n\r\n",
        b"POST / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
    ],
)
def test_bad_heads_are_icap_400(raw: bytes) -> None:
    with pytest.raises(IcapError) as caught:
        parse_http_request_head(raw)
    assert caught.value.status == 400
