"""Normal forms of hosts, entries and paths (boardline.categories.matching)."""

from __future__ import annotations

import pytest

from boardline.categories.index import CategoryIndexBuilder
from boardline.categories.matching import (
    EntryError,
    domain_key,
    host_key,
    request_path,
    split_target,
    url_pattern,
)


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("www.Facebook.COM", "www.facebook.com"),
        ("facebook.com.", "facebook.com"),
        ("facebook.com:443", "facebook.com"),
        ("facebook.com.:8080", "facebook.com"),
        ("192.0.2.7", "[192.0.2.7]"),
        ("192.0.2.7:3128", "[192.0.2.7]"),
        ("[2001:DB8:0::1]:443", "[2001:db8::1]"),
        ("2001:db8:0:0:0:0:0:1", "[2001:db8::1]"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("XN--BCHER-KVA.de", "xn--bcher-kva.de"),
        ("example.123", "example.123"),
        ("", None),
        (".", None),
        ("[not-an-address]", None),
    ],
)
def test_host_key(host: str, key: str | None) -> None:
    assert host_key(host) == key


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ("facebook.com", "facebook.com"),
        ("  Facebook.COM \r", "facebook.com"),
        (".afshin.ir", "afshin.ir"),
        ("*.example.org", "example.org"),
        ("example.org.", "example.org"),
        ("kral_oyun.sitemynet.com", "kral_oyun.sitemynet.com"),
        ("w-w-i-s-.com", "w-w-i-s-.com"),
        ("118.123.4.224", "[118.123.4.224]"),
        ("2001:db8::1", "[2001:db8::1]"),
        ("xn--bittex-zhb.com", "xn--bittex-zhb.com"),
        ("bücher.de", "xn--bcher-kva.de"),
    ],
)
def test_domain_key(entry: str, key: str) -> None:
    assert domain_key(entry) == key


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("", "empty"),
        ("exa mple.com", "character"),
        ("example..com", "empty label"),
        ("example.com/path", "character"),
        ("a" * 64 + ".com", "label longer"),
        (("abcdefghi." * 26) + "com", "longer than 253"),
        ("...", "not a domain"),
    ],
)
def test_bad_domain_entries_say_why(entry: str, reason: str) -> None:
    with pytest.raises(EntryError, match=reason):
        domain_key(entry)


def test_url_pattern_normalises_host_path_and_query() -> None:
    pattern = url_pattern("http://WWW2.Example.com:8080/Forum/./x/../viewforum.php?f=14&b=2#top")
    assert pattern.host == "example.com"
    assert pattern.path == "/forum/viewforum.php"
    assert pattern.params == ("b=2", "f=14")
    assert pattern.text == "example.com/forum/viewforum.php?b=2&f=14"


def test_url_pattern_keeps_a_www_host_that_is_the_whole_name() -> None:
    assert url_pattern("www.com/x").host == "www.com"
    assert url_pattern("web.example.org/x").host == "example.org"


def test_url_pattern_trailing_slash_and_empty_path() -> None:
    assert url_pattern("example.com/forum/").path == "/forum"
    assert url_pattern("example.com/").path == ""
    assert url_pattern("example.com").path == ""
    assert url_pattern("example.com/#p2").path == ""
    assert url_pattern("178.128.25.172/watch").host == "[178.128.25.172]"


def test_url_pattern_rejects_white_space_and_bad_hosts() -> None:
    with pytest.raises(EntryError, match="white space"):
        url_pattern("example.com/a b")
    with pytest.raises(EntryError):
        url_pattern("exa..mple.com/a")


def test_request_path_decodes_unreserved_escapes_only() -> None:
    assert request_path("/%66orum/%7Euser") == ("/forum/~user", frozenset())
    path, _ = request_path("/a%2Fb")
    assert path == "/a%2fb"  # an encoded slash is not a segment boundary


def test_request_path_merges_slashes_and_resolves_dots() -> None:
    assert request_path("//forum///x")[0] == "/forum/x"
    assert request_path("/a/b/../../forum/.")[0] == "/forum/"
    assert request_path("/..")[0] == "/"


def test_request_path_parameters() -> None:
    assert request_path("/v?F=14&&x=1#frag") == ("/v", frozenset({"f=14", "x=1"}))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://user@www.example.com:8443/a/b?c=d#e", ("www.example.com:8443", "/a/b?c=d")),
        ("example.com", ("example.com", "")),
        ("example.com:443", ("example.com:443", "")),
        ("example.com?x=1", ("example.com", "/?x=1")),
        ("[2001:db8::1]:443", ("[2001:db8::1]:443", "")),
    ],
)
def test_split_target(target: str, expected: tuple[str, str]) -> None:
    assert split_target(target) == expected


def test_a_decoded_request_path_meets_a_percent_encoded_list_entry() -> None:
    builder = CategoryIndexBuilder()
    builder.add_url("example.org/label/jogos%20gratuitos", "games", "test")
    builder.add_url("example.org/caf%C3%A9", "games", "test")
    index = builder.build()
    assert index.lookup("example.org", "/label/jogos gratuitos") == {"games"}
    assert index.lookup("example.org", "/label/jogos%20gratuitos") == {"games"}
    assert index.lookup("example.org", "/café") == {"games"}
    assert index.lookup("example.org", "/label/jogos gratuitosx") == frozenset()


def test_only_a_leading_www_is_dropped_from_a_url_entry() -> None:
    builder = CategoryIndexBuilder()
    builder.add_url("nuweb.co.uk/play", "games", "test")
    builder.add_url("myftp.example.org/x", "games", "test")
    builder.add_url("www.example.net/y", "games", "test")
    index = builder.build()
    assert index.lookup("nuweb.co.uk", "/play") == {"games"}
    assert index.lookup("myftp.example.org", "/x") == {"games"}
    assert index.lookup("example.net", "/y") == {"games"}
    assert index.lookup("nuco.uk", "/play") == frozenset()
