"""The category index: every matching rule of boardline.categories.matching, end to end."""

from __future__ import annotations

import pytest

from boardline.categories import CategoryIndex, CategoryIndexBuilder, CategoryMatch
from boardline.model.errors import InputError


def build(
    domains: dict[str, str] | None = None,
    urls: dict[str, str] | None = None,
    *,
    exact: bool | None = None,
    cache_size: int = 1024,
) -> CategoryIndex:
    builder = CategoryIndexBuilder(exact=exact)
    for domain, category in (domains or {}).items():
        builder.add_domain(domain, category, "test")
    for url, category in (urls or {}).items():
        builder.add_url(url, category, "test")
    return builder.build(cache_size=cache_size)


@pytest.fixture(params=["exact", "fingerprint", "uncached"])
def index(request: pytest.FixtureRequest) -> CategoryIndex:
    domains = {
        "facebook.com": "social",
        "192.0.2.7": "adult",
        "2001:db8::1": "adult",
        "xn--bcher-kva.de": "shopping",
        "sub.example.net": "games",
    }
    urls = {
        "example.com/forum": "forums",
        "example.com/viewforum.php?f=14": "board14",
        "www.example.org/": "whole",
        "198.51.100.9/watch": "video",
    }
    mode = request.param
    return build(
        domains,
        urls,
        exact={"exact": True, "fingerprint": False, "uncached": None}[mode],
        cache_size=0 if mode == "uncached" else 1024,
    )


@pytest.mark.parametrize(
    "host", ["facebook.com", "www.facebook.com", "m.facebook.com.", "a.b.c.facebook.com"]
)
def test_domain_entries_match_host_and_subdomains(index: CategoryIndex, host: str) -> None:
    assert index.lookup(host) == {"social"}


@pytest.mark.parametrize(
    "host", ["notfacebook.com", "facebook.com.evil.net", "facebook.co", "com", "ebook.com"]
)
def test_domain_entries_stop_at_label_boundaries(index: CategoryIndex, host: str) -> None:
    assert index.lookup(host) == frozenset()


def test_an_entry_does_not_cover_its_parent(index: CategoryIndex) -> None:
    assert index.lookup("example.net") == frozenset()
    assert index.lookup("x.sub.example.net") == {"games"}


@pytest.mark.parametrize(
    "host", ["FACEBOOK.COM", "WwW.FaceBook.com", "facebook.com.", "facebook.com:443"]
)
def test_case_trailing_dot_and_port_are_ignored(index: CategoryIndex, host: str) -> None:
    assert index.lookup(host) == {"social"}


def test_ip_literal_entries_match_exact_addresses(index: CategoryIndex) -> None:
    assert index.lookup("192.0.2.7") == {"adult"}
    assert index.lookup("192.0.2.7:8080") == {"adult"}
    assert index.lookup("[2001:db8:0:0::1]:443") == {"adult"}
    assert index.lookup("2001:DB8::1") == {"adult"}
    for other in ("192.0.2.70", "2.7", "0.2.7", "www.192.0.2.7", "192.0.2.7.example.com"):
        assert index.lookup(other) == frozenset(), other


def test_idn_hosts_match_punycode_entries(index: CategoryIndex) -> None:
    assert index.lookup("xn--bcher-kva.de") == {"shopping"}
    assert index.lookup("www.bücher.de") == {"shopping"}
    assert index.lookup("WWW.BÜCHER.DE") == {"shopping"}


@pytest.mark.parametrize(
    "path", ["/forum", "/forum/", "/forum/x", "/forum?x", "/Forum/", "//forum"]
)
def test_url_entries_match_on_path_boundaries(index: CategoryIndex, path: str) -> None:
    assert index.lookup("example.com", path) == {"forums"}


@pytest.mark.parametrize("path", ["/forums", "/forum.php", "/", "", "/x/forum", "/foru"])
def test_url_entries_are_not_character_prefixes(index: CategoryIndex, path: str) -> None:
    assert index.lookup("example.com", path) == frozenset()


def test_url_entry_host_matches_subdomains(index: CategoryIndex) -> None:
    assert index.lookup("www.example.com", "/forum/1") == {"forums"}
    assert index.lookup("m.example.com", "/forum") == {"forums"}
    assert index.lookup("notexample.com", "/forum") == frozenset()


@pytest.mark.parametrize(
    ("path", "hit"),
    [
        ("/viewforum.php?f=14", True),
        ("/viewforum.php?f=14&x=1", True),
        ("/viewforum.php?x=1&f=14", True),
        ("/viewforum.php?f=145", False),
        ("/viewforum.php?f=1", False),
        ("/viewforum.php?xf=14", False),
        ("/viewforum.php", False),
        ("/viewforum.phpx?f=14", False),
    ],
)
def test_query_parameters_match_whole(index: CategoryIndex, path: str, hit: bool) -> None:
    assert index.lookup("example.com", path) == ({"board14"} if hit else frozenset())


def test_url_entry_with_empty_path_covers_the_host(index: CategoryIndex) -> None:
    # "www.example.org/" is stored as example.org (squidGuard drops www.) with no path
    assert index.lookup("example.org", "") == {"whole"}
    assert index.lookup("cdn.example.org", "/any/thing?x") == {"whole"}


def test_url_entries_on_ip_hosts(index: CategoryIndex) -> None:
    assert index.lookup("198.51.100.9", "/watch?v=1") == {"video"}
    assert index.lookup("198.51.100.9", "/other") == frozenset()


def test_connect_requests_have_no_path(index: CategoryIndex) -> None:
    assert index.lookup("example.com") == frozenset()
    assert index.lookup("example.com:443", "") == frozenset()


def test_all_matching_categories_are_returned() -> None:
    idx = build(
        {"facebook.com": "social", "www.facebook.com": "chat", "com": "tld"},
        {"facebook.com/groups": "groups"},
    )
    assert idx.lookup("www.facebook.com", "/groups/x") == {"social", "chat", "tld", "groups"}
    assert idx.lookup("m.facebook.com") == {"social", "tld"}


def test_the_same_domain_from_several_lists_is_merged() -> None:
    builder = CategoryIndexBuilder()
    builder.add_domain("facebook.com", "social_networks", "builtin", service="Facebook")
    builder.add_domain("Facebook.com", "social_networks", "ut1:social_networks")
    builder.add_domain("facebook.com", "chat", "ut1:chat")
    idx = builder.build()
    assert idx.stats.domains == 1
    assert idx.lookup("facebook.com") == {"social_networks", "chat"}
    assert set(idx.explain("www.facebook.com")) == {
        CategoryMatch("social_networks", "facebook.com", "builtin", "Facebook"),
        CategoryMatch("social_networks", "facebook.com", "ut1:social_networks"),
        CategoryMatch("chat", "facebook.com", "ut1:chat"),
    }


def test_explain_lists_url_and_domain_entries_most_specific_first() -> None:
    idx = build({"example.com": "a", "x.example.com": "b"}, {"example.com/forum?f=14": "c"})
    matches = idx.explain("www.x.example.com", "/forum?f=14&y=2")
    assert [m.entry for m in matches] == ["example.com/forum?f=14", "x.example.com", "example.com"]
    assert {m.category for m in matches} == idx.lookup("www.x.example.com", "/forum?f=14&y=2")
    assert idx.explain("192.0.2.1") == ()


def test_categories_and_stats() -> None:
    idx = build({"a.com": "x", "b.com": "x", "c.com": "y"}, {"d.com/p": "z"})
    assert idx.categories() == {"x", "y", "z"}
    stats = idx.stats
    assert (stats.domains, stats.urls, stats.overrides) == (3, 1, 0)
    assert stats.per_category == {"x": 2, "y": 1, "z": 1}
    assert stats.exact
    assert stats.false_positive_per_probe == 0.0
    assert stats.memory_bytes > 0


def test_fingerprint_tables_state_their_false_positive_bound() -> None:
    stats = build({"a.com": "x"}, exact=False).stats
    assert not stats.exact
    assert 0 < stats.false_positive_per_probe < 1e-18


def test_unknown_or_odd_hosts_have_no_category(index: CategoryIndex) -> None:
    for host in ("", ".", "::", "[", "a b.com", "example.com:notaport", "\ud800.com"):
        assert index.lookup(host) == frozenset(), host


def test_bad_entries_raise_input_errors_naming_the_source() -> None:
    builder = CategoryIndexBuilder()
    with pytest.raises(InputError, match=r"^district-list: domain: .*character"):
        builder.add_domain("bad domain.com", "x", "district-list")
    with pytest.raises(InputError, match="white space"):
        builder.add_url("example.com/a b", "x", "district-list")
    with pytest.raises(InputError, match="category"):
        builder.add_domain("example.com", "Not A Slug", "district-list")


def test_a_builder_builds_once() -> None:
    builder = CategoryIndexBuilder()
    builder.build()
    with pytest.raises(RuntimeError):
        builder.add_domain("a.com", "x", "s")


def test_with_cache_shares_the_lists() -> None:
    idx = build({"a.com": "x"})
    assert idx.with_cache(0).lookup("www.a.com") == idx.lookup("www.a.com") == {"x"}
