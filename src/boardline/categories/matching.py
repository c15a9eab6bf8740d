"""How a list entry matches a request: the normal forms of hosts, paths and entries.

Policy 5460 speaks of "social networking websites"; the lists that say which
sites those are (our catalogue, UT1, a district's own) hold two kinds of entry,
and a request is matched against both the same way everywhere in Boardline.

Hosts (of requests and of entries) are put in one normal form first:

* case is ignored (``Facebook.COM`` is ``facebook.com``); one or more trailing
  dots are ignored (``facebook.com.``); a port is ignored (``facebook.com:443``);
* IDN hosts are compared in their ASCII (punycode) form: a Unicode host or entry
  is converted with Python's ``idna`` codec (IDNA 2003) and ``xn--`` labels are
  kept as they are;
* IP literals (``192.0.2.7``, ``[2001:db8::1]``, ``2001:DB8:0::1``) are put in
  their canonical text form, and brackets and ports are removed.

Domain entries (``facebook.com``) match that host and every subdomain, on label
boundaries: ``facebook.com`` matches ``www.facebook.com`` and ``m.facebook.com.``
but neither ``notfacebook.com`` nor ``facebook.com.evil.net``. A leading ``.`` or
``*.`` in an entry (``.facebook.com``, ``*.facebook.com``) means the same thing.
An IP-literal entry matches that exact address only: it never matches as a
"suffix" of a longer name, and an address never matches a shorter prefix of it.

URL entries (``example.com/forum``, ``example.com/viewforum.php?f=14``) add a
path and, optionally, query parameters:

* the host part matches like a domain entry (the host and its subdomains). As
  squidGuard does, a leading ``www``/``web``/``ftp`` label (optionally followed by
  digits, e.g. ``www2.``) is dropped from the entry's host when a registrable name
  remains, so ``www.example.com/forum`` is the entry ``example.com/forum``;
* the path matches on segment boundaries, never as a character prefix: the entry
  ``/forum`` matches ``/forum``, ``/forum/``, ``/forum/x`` and ``/forum?x=1`` but
  not ``/forums``. A trailing ``/`` in an entry is ignored; an entry with an empty
  path (``example.com/``) matches every path of the host;
* each ``name=value`` parameter of the entry must appear, whole, among the
  request's parameters, in any order: ``?f=14`` matches ``?f=14&x=1`` and
  ``?x=1&f=14`` but not ``?f=145``;
* paths and queries are compared case-insensitively (UT1's lists are built for
  squidGuard, which lower-cases whole URLs), after decoding percent-escapes of
  unreserved characters (``%66orum`` is ``forum``), merging repeated slashes and
  resolving ``.``/``..`` segments, so that spelling a path differently does not
  get round a list;
* a fragment (``#...``) never reaches a proxy, so it is dropped from entries.

A CONNECT request (HTTPS without interception) has no path (``""``): URL entries
then match only if their path is empty. Entries with a path need TLS inspection.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

#: The longest host name DNS allows (RFC 1035), in its dotted text form.
MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63

# Underscores and labels that start or end with "-" are not valid host names, but
# real lists carry them (``kral_oyun.example.com``) and browsers resolve them.
_LABEL = r"[a-z0-9_\-]{1,63}"
_DOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_WWW_PREFIX_RE = re.compile(r"^(?:www|web|ftp)[0-9]*\.(?=[^.]+\.)")
#: Characters a URL carries as they are; anything else is percent-encoded first, so a
#: path decoded by the proxy ("/jogos gratuitos") and a list's encoded entry
#: ("/jogos%20gratuitos") meet in one form.
_NEEDS_QUOTING_RE = re.compile(r"[^A-Za-z0-9\-._~/%:@!$&'()*+,;=?]")
_SAFE = "/%:@!$&'()*+,;=?~"
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
_SLASHES_RE = re.compile(r"//+")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_RE = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_SPACE_RE = re.compile(r"\s")
_DIGITS = frozenset("0123456789")


class EntryError(ValueError):
    """An entry that cannot be matched; the message says why (no place: the caller knows it)."""


@dataclass(frozen=True, slots=True)
class UrlPattern:
    """A parsed URL entry: a host key, a normalised path and the parameters it requires."""

    host: str
    path: str
    params: tuple[str, ...]

    @property
    def text(self) -> str:
        query = "?" + "&".join(self.params) if self.params else ""
        return f"{self.host}{self.path or '/'}{query}"

    def matches(self, path: str, params: frozenset[str]) -> bool:
        """Whether a request's normalised path and parameters fall under this pattern."""
        mine = self.path
        if mine and path != mine and not path.startswith(mine + "/"):
            return False
        return all(param in params for param in self.params)


def ip_key(text: str) -> str | None:
    """The key of an IP literal (``[canonical]``), or None when ``text`` is not one.

    Brackets keep addresses apart from domain keys, so an address entry can never
    match as the suffix of a name such as ``www.192.0.2.7``.
    """
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if _IPV4_RE.fullmatch(text) is not None:
        return f"[{text}]"  # already canonical: the pattern refuses leading zeros
    if ":" not in text:
        return None  # not IPv6, and not an IPv4 address in the only form we accept
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return f"[{address.compressed}]"


def host_key(host: str) -> str | None:
    """The normal form of a request host, or None when it cannot name a site.

    This runs on the hot path (behind a cache): the common case, an ASCII name
    without port or trailing dot, costs one ``lower()`` and two character tests.
    """
    key = host.lower()
    if ":" in key:
        if key.startswith("["):
            end = key.find("]")
            return ip_key(key[: end + 1]) if end > 0 else None
        if key.count(":") > 1:
            return ip_key(key)
        key = key[: key.find(":")]
    if key.endswith("."):
        key = key.rstrip(".")
    if not key:
        return None
    if key[-1] in _DIGITS:
        address = ip_key(key)
        if address is not None:
            return address
    elif key.startswith("["):
        return ip_key(key)
    if not key.isascii():
        try:
            key = key.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return key


def domain_key(entry: str) -> str:
    """The key of a domain (or IP) entry, or :class:`EntryError` saying what is wrong."""
    text = entry.strip().lower()
    if not text:
        raise EntryError("empty entry")
    if text.startswith("*."):
        text = text[2:]
    elif text.startswith("."):
        text = text[1:]
    text = text.rstrip(".")
    if not text:
        raise EntryError(f"{entry.strip()!r} is not a domain")
    if text[-1].isdigit() or ":" in text or text.startswith("["):
        address = ip_key(text)
        if address is not None:
            return address
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise EntryError(f"{entry.strip()!r} is not a valid internationalised name") from exc
    return checked_domain(text, entry)


def checked_domain(text: str, entry: str) -> str:
    if len(text) > MAX_HOST_LENGTH:
        raise EntryError(f"longer than {MAX_HOST_LENGTH} characters")
    if _DOMAIN_RE.fullmatch(text) is None:
        bad = next((c for c in text if not (c.isalnum() or c in "._-")), None)
        if bad is not None:
            raise EntryError(f"{entry.strip()!r} has a character not allowed in a host: {bad!r}")
        if ".." in text:
            raise EntryError(f"{entry.strip()!r} has an empty label")
        raise EntryError(f"{entry.strip()!r} has a label longer than {MAX_LABEL_LENGTH}")
    return text


def url_pattern(entry: str) -> UrlPattern:
    """Parse a URL entry (``host/path?query``, with or without a scheme)."""
    text = entry.strip()
    if not text:
        raise EntryError("empty entry")
    if _SPACE_RE.search(text) is not None:
        raise EntryError(f"{text!r} contains white space")
    scheme = text.find("://")
    if scheme >= 0:
        text = text[scheme + 3 :]
    text = text.split("#", 1)[0]
    cut = len(text)
    for mark in "/?":
        at = text.find(mark)
        if 0 <= at < cut:
            cut = at
    authority, rest = text[:cut], text[cut:]
    authority = authority.rsplit("@", 1)[-1]
    host = host_key(authority) if authority.startswith("[") else None
    if host is None:
        bare = authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority
        host = domain_key(bare)
    if not host.startswith("["):
        host = _WWW_PREFIX_RE.sub("", host, count=1)
    path, params = request_path(rest if rest.startswith("/") else "/" + rest)
    return UrlPattern(host, path.rstrip("/"), tuple(sorted(params)))


def request_path(path: str) -> tuple[str, frozenset[str]]:
    """The normal form of a request's path and its set of ``name=value`` parameters."""
    path = path.split("#", 1)[0]
    if _NEEDS_QUOTING_RE.search(path):
        path = quote(path, safe=_SAFE)
    path, _, query = path.partition("?")
    if "%" in path:
        path = _ESCAPE_RE.sub(_unescape, path)
    if "//" in path:
        path = _SLASHES_RE.sub("/", path)
    if "/." in path:
        path = _remove_dot_segments(path)
    params: frozenset[str] = frozenset()
    if query:
        if "%" in query:
            query = _ESCAPE_RE.sub(_unescape, query)
        params = frozenset(p for p in query.lower().split("&") if p)
    return path.lower(), params


def split_target(target: str) -> tuple[str, str]:
    """Split a URL, ``host:port`` or bare host into ``(host, path+query)``.

    This is what the CLI and tests hand to :meth:`CategoryIndex.lookup`; a proxy
    helper that already has the host and path passes them directly.
    """
    text = target.strip()
    scheme = text.find("://")
    if scheme >= 0:
        text = text[scheme + 3 :]
    cut = len(text)
    for mark in "/?#":
        at = text.find(mark)
        if 0 <= at < cut:
            cut = at
    authority, rest = text[:cut], text[cut:]
    authority = authority.rsplit("@", 1)[-1]
    if rest.startswith(("?", "#")):
        rest = "/" + rest
    return authority, rest.split("#", 1)[0]


def _unescape(match: re.Match[str]) -> str:
    # Only unreserved characters: decoding "%2F" or "%3F" would change the URL's structure.
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else match.group(0)


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    segments = path.split("/")
    for segment in segments[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    result = "/" + "/".join(out)
    if segments[-1] in {".", ".."} and not result.endswith("/"):
        result += "/"
    return result
