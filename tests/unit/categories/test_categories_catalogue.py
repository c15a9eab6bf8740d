"""The built-in catalogue: services, their CDNs, and what is deliberately not in it."""

from __future__ import annotations

import pytest

from boardline.categories import CategoryIndex, builtin_catalogue
from boardline.categories.matching import domain_key, url_pattern


@pytest.fixture(scope="module")
def index() -> CategoryIndex:
    return builtin_catalogue().index().build()


@pytest.mark.parametrize(
    ("host", "service"),
    [
        ("www.facebook.com", "Facebook"),
        ("static.xx.fbcdn.net", "Facebook"),
        ("connect.facebook.net", "Facebook"),
        ("scontent-lax3-1.cdninstagram.com", "Instagram"),
        ("www.instagram.com", "Instagram"),
        ("www.threads.net", "Threads"),
        ("pbs.twimg.com", "X (Twitter)"),
        ("t.co", "X (Twitter)"),
        ("v16-webapp.tiktok.com", "TikTok"),
        ("p16-sign-va.tiktokcdn.com", "TikTok"),
        ("api16-normal-c-useast1a.tiktokv.com", "TikTok"),
        ("media.licdn.com", "LinkedIn"),
        ("i.redd.it", "Reddit"),
        ("i.pinimg.com", "Pinterest"),
        ("www.pinterest.co.uk", "Pinterest"),
        ("cdn.discordapp.com", "Discord"),
        ("bsky.app", "Bluesky"),
        ("mastodon.social", "Mastodon"),
        ("web.snapchat.com", "Snapchat"),
    ],
)
def test_social_services_and_their_cdns(index: CategoryIndex, host: str, service: str) -> None:
    assert "social_networks" in index.lookup(host)
    assert service in {m.service for m in index.explain(host)}


@pytest.mark.parametrize(
    "host",
    [
        "classroom.google.com",
        "www.google.com",
        "docs.google.com",
        "en.wikipedia.org",
        "notfacebook.com",
        "facebook.com.example.net",
        "mastodon.example",
    ],
)
def test_not_social(index: CategoryIndex, host: str) -> None:
    assert "social_networks" not in index.lookup(host)


def test_messaging_is_its_own_category(index: CategoryIndex) -> None:
    assert index.lookup("web.whatsapp.com") == {"messaging"}
    assert index.lookup("t.me") == {"messaging"}
    assert index.lookup("www.messenger.com") == {"messaging", "social_networks"}


def test_youtube_is_video_sharing_and_comment_endpoints_are_video_comments(
    index: CategoryIndex,
) -> None:
    assert index.lookup("www.youtube.com", "/watch?v=x") == {"video_sharing"}
    assert index.lookup("rr3---sn-abc.googlevideo.com") == {"video_sharing"}
    assert index.lookup("www.youtube.com", "/youtubei/v1/comment/create_comment?key=k") == {
        "video_sharing",
        "video_comments",
    }
    assert index.lookup("www.youtube.com", "/youtubei/v1/next") == {"video_sharing"}
    assert index.lookup("www.youtube.com", "/youtubei/v1/comments") == {"video_sharing"}
    assert index.lookup("www.youtube.com") == {"video_sharing"}  # CONNECT: no path


def test_catalogue_entries_are_valid_unique_and_named() -> None:
    catalogue = builtin_catalogue()
    assert catalogue.categories() == {
        "social_networks",
        "messaging",
        "video_sharing",
        "video_comments",
    }
    seen: set[tuple[str, str]] = set()
    for service in catalogue.services:
        assert service.name
        assert service.domains or service.urls
        for domain in service.domains:
            assert domain_key(domain) == domain, domain
            assert (service.category, domain) not in seen, domain
            seen.add((service.category, domain))
        for url in service.urls:
            url_pattern(url)
    assert catalogue.service("Instagram") is not None
    assert catalogue.service("Myspace") is None
    assert len(catalogue.service("Mastodon").domains) >= 20  # type: ignore[union-attr]
