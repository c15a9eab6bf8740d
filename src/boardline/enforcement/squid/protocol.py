"""Squid's external ACL helper line protocol, as a pure codec (no I/O).

Squid writes one request per line: ``[channel] value value ...``. The values
are the expansion of the ``external_acl_type`` FORMAT, whitespace separated and
URL-escaped one by one; ``-`` stands for "not available". With
``concurrency=N`` each line starts with a channel id that the reply must echo,
and replies may come back in any order. The helper answers one line per
request: ``[channel] OK|ERR|BH key=value ...``.

Polarity (chosen here, relied on by :mod:`boardline.enforcement.squid.config`):
``OK`` means *the request is allowed*, ``ERR`` means *it is denied*. Squid caches
``OK`` answers for ``ttl`` and ``ERR`` answers for ``negative_ttl``; ``BH``
("broken helper") is never cached and leaves the ACL undecided. Because Squid
only hands the *annotations* of an answer to later access checks, every reply
also carries the verdict as the note ``bl_effect=allow|deny``
(:data:`EFFECT_NOTE`); the generated configuration enforces that note.

Reply values are URL-escaped where Squid's tokenizer needs it (UTF-8; space,
control characters, non-ASCII, ``%``, ``"`` and ``\\``; other printable ASCII
stays as it is), and Squid decodes them before use: ``message=`` becomes
``%o`` in error pages and deny_info URLs, ``log=`` becomes ``%ea`` in the
access log, and any other key is a transaction annotation (``%{key}note``,
``acl ... note key value``).

Request values are decoded once. Squid escapes characters that are unsafe in a
token but leaves existing ``%XX`` escapes of the URL alone, so ``path`` is the
percent-decoded path and query, as an origin server would read it. Bytes that
are not UTF-8 after decoding stay written as ``%XX`` in ``path`` and ``extra``
(lossless and visible); in identity fields (client, user, method, host) they
are a :class:`ProtocolError`.

The fields of a line are named by the same tuple that generates the FORMAT
(:data:`boardline.enforcement.squid.config.FIELD_CODES`): ``src``, ``user``,
``method``, ``host``, ``port``, ``path`` and ``uri`` fill the request's
attributes; any other field (``bucket``, ``data``, ...) and any value beyond the
last field (Squid appends ``%DATA`` when the FORMAT lacks it) go to ``extra`` in
order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple, Protocol
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from boardline.model.errors import BoardlineError

#: The annotation that carries the verdict to Squid's access checks.
EFFECT_NOTE = "bl_effect"
#: The annotation the block-page URL takes the decision id from.
DECISION_ID_NOTE = "decision_id"

#: What Squid sends for a value it does not have.
MISSING = "-"

#: Reply keys Squid gives a meaning of its own; a decider may not use them as notes.
RESERVED_KEYS = frozenset(
    {"user", "password", "message", "log", "tag", "clt_conn_tag", EFFECT_NOTE}
)

#: Fields that fill a :class:`HelperRequest` attribute; all others land in ``extra``.
CORE_FIELDS = frozenset({"src", "user", "method", "host", "port", "path", "uri"})

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_NOTE_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_METHOD = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z\-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPED_OR_CONTROL = re.compile(r"[%\x00-\x1f\x7f]")
_COMMON_METHODS = frozenset({"GET", "POST", "HEAD", "CONNECT", "PUT", "DELETE", "OPTIONS"})
_HOST_BAD = re.compile(r"[\x00-\x20\x7f/\\@?#]")
#: Printable ASCII that a reply token may carry as is (not space, '"', '%' or '\\').
_REPLY_SAFE_CHARS = "!#$&'()*+,-./:;<=>?@[]^_`{|}~"
_PLAIN = re.compile(r"[A-Za-z0-9!#$&'()*+,\-./:;<=>?@\[\]^_`{|}~]+")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|quot|amp|lt|gt|apos);")
_NAMED = {"quot": '"', "amp": "&", "lt": "<", "gt": ">", "apos": "'"}


class ProtocolError(BoardlineError):
    """A request line Squid should never have sent; the helper answers ``BH``."""


class HelperRequest(NamedTuple):
    """One lookup as Squid expanded it, decoded.

    Immutable; a ``NamedTuple`` because the helper builds one per line and a frozen
    dataclass costs three times as much to construct.
    """

    channel: str | None
    client: str | None
    user: str | None
    method: str
    host: str
    port: int | None
    path: str
    extra: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HelperVerdict:
    """What the helper tells Squid about one request.

    ``allow`` picks ``OK`` (allowed) or ``ERR`` (denied). ``message`` is for the
    person (``%o``), ``log`` for the access log (``%ea``) and ``notes`` become
    annotations, e.g. ``decision_id``, ``rule``, ``category``, ``revision``.
    """

    allow: bool
    message: str = ""
    log: str = ""
    notes: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        for key, value in self.notes.items():
            _check_note_key(key)
            if not isinstance(value, str):
                msg = f"note {key!r} must be a string, not {type(value).__name__}"
                raise TypeError(msg)
        object.__setattr__(self, "notes", MappingProxyType(dict(self.notes)))

    @property
    def effect(self) -> str:
        return "allow" if self.allow else "deny"


@functools.lru_cache(maxsize=256)
def _check_note_key(key: str) -> None:
    # Cached: a decider uses the same handful of keys for every verdict.
    if not _NOTE_KEY.fullmatch(key):
        msg = f"note key {key!r} is not a token Squid can carry"
        raise ValueError(msg)
    if key in RESERVED_KEYS:
        msg = f"note key {key!r} is reserved by the Squid helper protocol"
        raise ValueError(msg)


class Decider(Protocol):
    """The port the helper loop calls; the decision engine's adapter implements it."""

    def decide(self, request: HelperRequest) -> HelperVerdict: ...


class ReplyingDecider(Decider, Protocol):
    """A decider that can also write its reply itself (the helper's fast path).

    ``reply(request)`` must return exactly ``format_reply(None, decide(request))``
    for the verdict ``decide`` would have returned, newline included and without
    the channel id (the helper adds it). The helper uses ``reply`` when a decider
    has it, so a decider can skip building a :class:`HelperVerdict` per line.
    """

    def reply(self, request: HelperRequest) -> str: ...


# -- requests -----------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def check_fields(fields: tuple[str, ...]) -> tuple[str, ...]:
    """Validate a field tuple once; raise ``ValueError`` for a configuration mistake."""
    if not fields:
        msg = "the helper needs at least one field"
        raise ValueError(msg)
    for name in fields:
        if not _FIELD_NAME.fullmatch(name):
            msg = f"field name {name!r} must be lower-case letters, digits and '_'"
            raise ValueError(msg)
    if len(set(fields)) != len(fields):
        msg = f"fields repeat a name: {', '.join(fields)}"
        raise ValueError(msg)
    if "method" not in fields:
        msg = "fields must include 'method'"
        raise ValueError(msg)
    if "host" not in fields and "uri" not in fields:
        msg = "fields must include 'host' or 'uri'"
        raise ValueError(msg)
    return fields


def channel_of(line: str) -> str | None:
    """The channel id a line starts with, if it starts with one (for ``BH`` replies)."""
    head = line.lstrip().split(None, 1)
    if head and head[0].isascii() and head[0].isdigit():
        return head[0]
    return None


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each attribute sits in a line's values (-1: not sent), per field tuple."""

    count: int
    src: int
    user: int
    method: int
    host: int
    port: int
    path: int
    uri: int
    extra: tuple[int, ...]


@functools.lru_cache(maxsize=32)
def _layout(fields: tuple[str, ...]) -> _Layout:
    check_fields(fields)
    where = {name: index for index, name in enumerate(fields)}
    return _Layout(
        count=len(fields),
        extra=tuple(i for i, name in enumerate(fields) if name not in CORE_FIELDS),
        **{name: where.get(name, -1) for name in sorted(CORE_FIELDS)},
    )


def parse_request(line: str, *, concurrency: bool, fields: tuple[str, ...]) -> HelperRequest:
    """Decode one request line; raise :class:`ProtocolError` if it is malformed."""
    return _parse(line, concurrency, _layout(fields), fields)


def request_parser(*, concurrency: bool, fields: tuple[str, ...]) -> Callable[[str], HelperRequest]:
    """:func:`parse_request` with the field layout looked up once (the helper's hot path).

    A plain line (printable ASCII, no ``%``) with a well-formed channel and
    enough values goes straight to :func:`_parse_plain`; any other line, and
    every error, is left to :func:`_parse`, so messages stay the same.
    """
    layout = _layout(fields)
    count = layout.count
    if layout.uri >= 0:
        return functools.partial(_parse_line, concurrency, layout, fields)

    def parse(line: str) -> HelperRequest:
        if line.isascii() and "%" not in line and line.isprintable():
            tokens = line.split()
            if not concurrency:
                if len(tokens) >= count:
                    return _parse_plain(tokens, None, layout)
            elif len(tokens) > count and tokens[0].isdigit():
                channel = tokens[0]
                del tokens[0]
                return _parse_plain(tokens, channel, layout)
        return _parse(line, concurrency, layout, fields)

    return parse


def _parse_line(
    concurrency: bool, layout: _Layout, fields: tuple[str, ...], line: str
) -> HelperRequest:
    return _parse(line, concurrency, layout, fields)


def _parse(
    line: str,
    concurrency: bool,
    layout: _Layout,
    fields: tuple[str, ...],
    *,
    fast: bool = True,
) -> HelperRequest:
    """``fast=False`` decodes every line the general way (tests compare the two)."""
    plain = False
    if line.isascii():
        # Printable ASCII without '%': no token needs decoding or holds a control
        # character, so every value is its own text (the common line, decoded
        # without the per-token checks below).
        plain = fast and "%" not in line and line.isprintable()
    else:
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:
            raise ProtocolError("line holds characters that are not valid Unicode") from None
    tokens = line.split()
    channel: str | None = None
    if concurrency:
        if not tokens:
            raise ProtocolError("empty line: no channel id")
        channel = tokens.pop(0)
        if not (channel.isdigit() and channel.isascii()):
            raise ProtocolError(f"channel id {_show(channel)} is not a number")
    count = layout.count
    if len(tokens) < count:
        raise ProtocolError(f"expected {count} values ({' '.join(fields)}), got {len(tokens)}")
    if plain and layout.uri < 0:
        return _parse_plain(tokens, channel, layout)
    host, port, path = ("", None, "") if layout.uri < 0 else _from_uri(tokens[layout.uri])
    if layout.host >= 0:
        host = _strict(tokens[layout.host], "host")
    host = host.lower()
    if not host or host == MISSING or _HOST_BAD.search(host):
        raise ProtocolError(f"host {_show(host)} is not a host name")
    if layout.port >= 0:
        port = _port(tokens[layout.port])
    if layout.path >= 0:
        word = tokens[layout.path]
        path = "" if word == MISSING else _lenient(word)
    method = _strict(tokens[layout.method], "method")
    if method not in _COMMON_METHODS and not _METHOD.fullmatch(method):
        raise ProtocolError(f"method {_show(method)} is not an HTTP method")
    extra = [_lenient(tokens[i]) for i in layout.extra]
    if len(tokens) > count:
        extra += [_lenient(word) for word in tokens[count:]]
    return HelperRequest(
        channel,
        None if layout.src < 0 else _optional(tokens[layout.src], "src"),
        None if layout.user < 0 else _optional(tokens[layout.user], "user"),
        method,
        host,
        port,
        path,
        tuple(extra),
    )


#: Hosts already checked by :func:`_parse_plain` (a proxy asks about the same few thousand
#: hosts all day); bounded, cleared when full.
_GOOD_HOSTS: set[str] = set()
_GOOD_HOSTS_SIZE = 65_536


def _parse_plain(tokens: list[str], channel: str | None, layout: _Layout) -> HelperRequest:
    """:func:`_parse` for a line of printable ASCII without escapes and without ``uri``.

    The same checks, minus decoding: every token is its value as written.
    """
    host = tokens[layout.host].lower()
    if host not in _GOOD_HOSTS:
        if host == MISSING or _HOST_BAD.search(host):
            raise ProtocolError(f"host {_show(host)} is not a host name")
        if len(_GOOD_HOSTS) >= _GOOD_HOSTS_SIZE:
            _GOOD_HOSTS.clear()
        _GOOD_HOSTS.add(host)
    port = None
    if layout.port >= 0:
        port = _port(tokens[layout.port])
    path = ""
    if layout.path >= 0:
        path = tokens[layout.path]
        if path == MISSING:
            path = ""
    method = tokens[layout.method]
    if method not in _COMMON_METHODS and not _METHOD.fullmatch(method):
        raise ProtocolError(f"method {_show(method)} is not an HTTP method")
    client = None
    if layout.src >= 0:
        client = tokens[layout.src]
        if client == MISSING:
            client = None
    user = None
    if layout.user >= 0:
        user = tokens[layout.user]
        if user == MISSING:
            user = None
    count = layout.count
    if len(tokens) > count:
        extra = tuple([tokens[i] for i in layout.extra] + tokens[count:])
    else:
        extra = tuple([tokens[i] for i in layout.extra])
    return HelperRequest(channel, client, user, method, host, port, path, extra)


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _strict(word: str, name: str) -> str:
    if not _ESCAPED_OR_CONTROL.search(word):
        return word
    try:
        value = unquote(word, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(f"{name} {_show(word)} is not UTF-8 after URL-decoding") from None
    if _CONTROL.search(value):
        raise ProtocolError(f"{name} {_show(word)} holds control characters")
    return value


def _optional(word: str, name: str) -> str | None:
    return None if word == MISSING else _strict(word, name)


def _lenient(token: str) -> str:
    """Decode ``%XX``; keep the escape for any byte that is not part of valid UTF-8."""
    if "%" not in token:
        return token
    raw = unquote_to_bytes(token)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="surrogateescape")
        return "".join(
            f"%{ord(ch) - 0xDC00:02X}" if "\udc80" <= ch <= "\udcff" else ch for ch in text
        )


#: The ports nearly every lookup names, already checked.
_PORTS = {"443": 443, "80": 80, "8080": 8080, "8443": 8443}


def _port(word: str) -> int | None:
    known = _PORTS.get(word)
    if known is not None:
        return known
    if word == MISSING:
        return None
    if not (word.isascii() and word.isdigit() and len(word) <= 5) or int(word) > 65535:
        raise ProtocolError(f"port {_show(word)} is not a port number")
    return int(word)


def _from_uri(token: str) -> tuple[str, int | None, str]:
    """Host, port and path of ``%>ru``: an absolute URL or, for CONNECT, ``host:port``."""
    uri = _lenient(token)
    if "://" not in uri:
        host, sep, port = uri.rpartition(":")
        if not sep:
            return uri, None, ""
        return host.strip("[]"), _port(port), ""
    try:
        parts = urlsplit(uri)
        port_number = parts.port
    except ValueError as exc:
        raise ProtocolError(f"URI {_show(uri)} does not parse: {exc}") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.hostname or "", port_number, path


# -- replies ------------------------------------------------------------------------


def _escape(value: str) -> str:
    # Squid splits a reply on whitespace, treats '"' as quoting, and URL-decodes
    # a value longer than two bytes; an escape is three bytes, so every value
    # that needs decoding is long enough to get it.
    if _PLAIN.fullmatch(value):
        return value
    if not value:
        return '""'
    if value.isascii() and (value.isprintable()):
        # The common case (a log= with spaces): the same as quote() below, for
        # printable ASCII whose only unsafe characters are these four.
        return (
            value.replace("%", "%25").replace(" ", "%20").replace('"', "%22").replace("\\", "%5C")
        )
    return quote(value, safe=_REPLY_SAFE_CHARS)


def _prefix(channel: str | None) -> str:
    if channel is None:
        return ""
    if not (channel.isascii() and channel.isdigit()):
        msg = f"channel id {channel!r} is not a number"
        raise ValueError(msg)
    return channel + " "


def format_reply(channel: str | None, verdict: HelperVerdict) -> str:
    """One reply line, newline included: ``[channel] OK|ERR message=... log=... notes``."""
    parts = [_prefix(channel) + ("OK" if verdict.allow else "ERR")]
    if verdict.message:
        parts.append("message=" + _escape(verdict.message))
    if verdict.log:
        parts.append("log=" + _escape(verdict.log))
    parts.append(f"{EFFECT_NOTE}={verdict.effect}")
    parts.extend(f"{key}={_escape(value)}" for key, value in verdict.notes.items())
    return " ".join(parts) + "\n"


def escape_value(value: str) -> str:
    """A reply value as Squid's tokenizer needs it (see the module docstring).

    Escaping works character by character and leaves plain characters alone, so
    for non-empty ``a`` and ``b``, ``escape_value(a + b) == escape_value(a) +
    escape_value(b)``: a caller may escape the constant parts of a value once
    (``tests/unit/enforcement/squid/test_protocol.py`` checks the property). Only
    the empty value is special (``""``).
    """
    return _escape(value)


def is_plain(value: str) -> bool:
    """True when ``value`` goes into a reply as it is (no escaping, not empty)."""
    return _PLAIN.fullmatch(value) is not None


def reply_template(
    verdict: HelperVerdict, placeholder: str, occurrences: int
) -> tuple[str, ...] | None:
    """``format_reply(None, verdict)`` cut at the ``occurrences`` places of ``placeholder``.

    Joining the parts with any value for which :func:`is_plain` holds gives the
    reply for ``verdict`` with that value in place of the placeholder, because
    escaping works character by character and leaves plain characters alone.
    ``placeholder`` must itself be plain; ``None`` if it is not, or if it occurs
    any other number of times (it also appears in some other value).
    """
    if not is_plain(placeholder):
        return None
    parts = tuple(format_reply(None, verdict).split(placeholder))
    return parts if len(parts) == occurrences + 1 else None


def format_bh(channel: str | None, message: str) -> str:
    """A ``BH`` reply: Squid treats the lookup as undecided and does not cache it."""
    return _prefix(channel) + "BH message=" + _escape(message) + "\n"


def parse_reply(line: str) -> tuple[str | None, str, dict[str, str]]:
    """Read a reply back as Squid does: ``(channel, result, keys)``.

    Used by tests and tooling to check what a helper says; accepts both the
    URL-escaped and the double-quoted value forms.
    """
    text = line.rstrip("\r\n")
    head, _, rest = text.partition(" ")
    channel: str | None = None
    if head.isascii() and head.isdigit():
        channel = head
        head, _, rest = rest.partition(" ")
    if head not in {"OK", "ERR", "BH"}:
        raise ProtocolError(f"reply result {_show(head)} is not OK, ERR or BH")
    keys: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        if rest[pos] == " ":
            pos += 1
            continue
        key_end = rest.find("=", pos)
        if key_end < 0:
            raise ProtocolError(f"reply item {_show(rest[pos:])} has no '='")
        key = rest[pos:key_end]
        pos = key_end + 1
        if rest.startswith('"', pos):
            value, pos = _quoted(rest, pos)
        else:
            end = rest.find(" ", pos)
            end = len(rest) if end < 0 else end
            value, pos = unquote(rest[pos:end]), end
        keys[key] = value
    return channel, head, keys


def _quoted(text: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    pos = start + 1
    while pos < len(text):
        ch = text[pos]
        if ch == "\\" and pos + 1 < len(text):
            nxt = text[pos + 1]
            out.append({"r": "\r", "n": "\n"}.get(nxt, nxt))
            pos += 2
            continue
        if ch == '"':
            return "".join(out), pos + 1
        out.append(ch)
        pos += 1
    raise ProtocolError("reply has an unterminated quoted value")


# -- block page ---------------------------------------------------------------------


def decode_deny_info_message(value: str) -> str:
    """Recover ``message=`` from the ``%o`` of a ``deny_info`` redirect URL.

    Squid 5.7 HTML-quotes ``%o`` *byte by byte* before URL-escaping it into the
    redirect, so ``¶`` arrives as ``&#194;&#182;`` and ``"`` as ``&quot;``.
    ``value`` is the query parameter after ordinary URL decoding; this undoes
    the HTML quoting and reassembles the UTF-8 bytes. (The block page should
    prefer the decision id, which the generated configuration passes cleanly.)
    """

    def entity(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#"):
            code = int(name[1:])
            return chr(code) if code < 0x110000 else match.group(0)
        return _NAMED[name]

    text = _ENTITY.sub(entity, value)
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
