"""Boardline's own curated catalogue of services, by category.

UT1 and similar lists are large and useful but not written for Policy 5460: they
miss CDN and short-link domains that a browser needs to use a service, and they
say nothing about which *service* a domain belongs to. This catalogue is small,
written by us, and names the service of every entry so that an explanation can
say "Instagram" rather than "cdninstagram.com". Only domains the services are
known to operate are listed; a domain we were unsure of was left out.

Categories and the choices behind them:

``social_networks``
    Sites for publishing to and following other people: Facebook, Instagram,
    Threads, X/Twitter, TikTok, Snapchat, LinkedIn, Reddit, Pinterest, Tumblr,
    Discord, Bluesky, the largest Mastodon servers, BeReal, Nextdoor. Each
    service includes the CDN, API and short-link domains its pages load
    (``fbcdn.net``, ``cdninstagram.com``, ``tiktokcdn.com``, ``t.co``...), so a
    block is complete and a log line from a CDN is attributed to its service.
    Mastodon is federated: only a list of well-known servers can be named.
``messaging``
    Person-to-person messaging (WhatsApp, Telegram, Signal, Messenger). It is a
    separate category because 5460 governs *social networking* sites and, apart
    from that, staff–student *communication*; a district chooses in its pack
    whether messaging counts as either. Messenger's domains are in both
    categories: they are part of Facebook as well.
``video_sharing``
    YouTube (including its video CDN ``googlevideo.com``), Vimeo and Twitch.
    Video sites are widely used in teaching, so they are not social networks here.
``video_comments``
    URL entries for the YouTube endpoints that *post* or act on comments
    (``/youtubei/v1/comment/...``, the older ``/comment_service_ajax``). Reading
    comments goes through the same endpoint that loads the watch page
    (``/youtubei/v1/next``), which cannot be told apart by URL, so it is not
    listed. These entries need TLS inspection: a CONNECT carries no path.
"""

from __future__ import annotations

from dataclasses import dataclass

from boardline.categories.index import CategoryIndexBuilder

SOURCE = "builtin"

SOCIAL = "social_networks"
MESSAGING = "messaging"
VIDEO = "video_sharing"
VIDEO_COMMENTS = "video_comments"


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    category: str
    domains: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalogue:
    services: tuple[Service, ...]
    source: str = SOURCE

    def categories(self) -> frozenset[str]:
        return frozenset(service.category for service in self.services)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def add_to(self, builder: CategoryIndexBuilder) -> None:
        for service in self.services:
            for domain in service.domains:
                builder.add_domain(domain, service.category, self.source, service=service.name)
            for url in service.urls:
                builder.add_url(url, service.category, self.source, service=service.name)

    def index(self) -> CategoryIndexBuilder:
        """A new builder holding this catalogue (add more lists, then ``build()``)."""
        builder = CategoryIndexBuilder()
        self.add_to(builder)
        return builder


_PINTEREST_COUNTRIES = (
    "at", "ca", "ch", "cl", "co.kr", "co.uk", "com.au", "com.mx", "de", "dk",
    "es", "fr", "ie", "it", "jp", "nz", "ph", "pt", "se",
)  # fmt: skip

_MASTODON_SERVERS = (
    "mastodon.social", "mastodon.online", "mstdn.social", "mastodon.world", "mas.to",
    "fosstodon.org", "hachyderm.io", "infosec.exchange", "techhub.social", "mastodon.art",
    "mstdn.jp", "pawoo.net", "mastodon.cloud", "social.vivaldi.net", "toot.community",
    "sfba.social", "mastodonapp.uk", "chaos.social", "troet.cafe", "universeodon.com",
    "ioc.exchange", "masto.ai", "mastodon.scot",
)  # fmt: skip

_SERVICES = (
    Service(
        "Facebook",
        SOCIAL,
        (
            "facebook.com", "fb.com", "fb.me", "fb.watch", "fbcdn.net", "fbsbx.com",
            "facebook.net", "messenger.com", "m.me",
        ),
    ),
    Service("Instagram", SOCIAL, ("instagram.com", "cdninstagram.com", "ig.me", "instagr.am")),
    Service("Threads", SOCIAL, ("threads.net", "threads.com")),
    Service("X (Twitter)", SOCIAL, ("twitter.com", "x.com", "t.co", "twimg.com")),
    Service(
        "TikTok",
        SOCIAL,
        (
            "tiktok.com", "tiktokcdn.com", "tiktokcdn-us.com", "tiktokv.com", "byteoversea.com",
            "ibytedtos.com", "musical.ly", "ttwstatic.com",
        ),
    ),
    Service(
        "Snapchat",
        SOCIAL,
        ("snapchat.com", "snap.com", "sc-cdn.net", "sc-static.net", "snapkit.com"),
    ),
    Service("LinkedIn", SOCIAL, ("linkedin.com", "licdn.com", "lnkd.in")),
    Service("Reddit", SOCIAL, ("reddit.com", "redd.it", "redditmedia.com", "redditstatic.com")),
    Service(
        "Pinterest",
        SOCIAL,
        (
            "pinterest.com",
            *(f"pinterest.{cc}" for cc in _PINTEREST_COUNTRIES),
            "pinimg.com",
            "pin.it",
        ),
    ),
    Service("Tumblr", SOCIAL, ("tumblr.com",)),
    Service(
        "Discord",
        SOCIAL,
        ("discord.com", "discord.gg", "discordapp.com", "discordapp.net", "discord.media"),
    ),
    Service("Bluesky", SOCIAL, ("bsky.app", "bsky.social", "bsky.network")),
    Service("Mastodon", SOCIAL, _MASTODON_SERVERS),
    Service("BeReal", SOCIAL, ("bereal.com", "bere.al")),
    Service("Nextdoor", SOCIAL, ("nextdoor.com", "nextdoor.co.uk")),
    Service("WhatsApp", MESSAGING, ("whatsapp.com", "whatsapp.net", "wa.me")),
    Service("Telegram", MESSAGING, ("telegram.org", "telegram.me", "t.me")),
    Service("Signal", MESSAGING, ("signal.org", "signal.me")),
    Service("Messenger", MESSAGING, ("messenger.com", "m.me")),
    Service(
        "YouTube",
        VIDEO,
        (
            "youtube.com", "youtu.be", "ytimg.com", "googlevideo.com", "youtube-nocookie.com",
            "youtubei.googleapis.com",
        ),
    ),
    Service("Vimeo", VIDEO, ("vimeo.com", "vimeocdn.com")),
    Service("Twitch", VIDEO, ("twitch.tv", "ttvnw.net", "jtvnw.net")),
    Service(
        "YouTube comments",
        VIDEO_COMMENTS,
        urls=(
            "youtube.com/youtubei/v1/comment",
            "youtube.com/comment_service_ajax",
            "youtubei.googleapis.com/youtubei/v1/comment",
        ),
    ),
)  # fmt: skip


def builtin_catalogue() -> Catalogue:
    """The catalogue shipped with Boardline (source ``builtin``)."""
    return Catalogue(_SERVICES)
