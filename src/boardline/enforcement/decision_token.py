"""The signed decision token that ties a block page to the person who was blocked.

Squid shows its ``deny_info`` page with the helper's ``message=`` (``%o``), so the
helper can hand the browser a link to Boardline's block page. That link must
prove two things the browser cannot be trusted to say: *who* was blocked (the
person the proxy authenticated or the directory identified) and *what* decision
blocked them. A request for an exception or an emergency declared from the
page is then made for that person, never for a name typed into a form.

The token carries as little as that needs — decision id, person id, host, rule
id and expiry — so it fits in a URL; the page looks the clause, its quote and
the categories up in the current pack by rule id. It is signed with
HMAC-SHA-256 truncated to 128 bits (as RFC 4868 does for IPsec), which keeps it
short and is far beyond guessing within a token's lifetime. Layout::

    b1.<base64url(JSON [decision id, person, host, rule, expiry epoch])>.<base64url(tag)>

``b1`` names the format, so a later one can be told apart. The module is pure
standard library (the Squid helper imports it under the system Python) except
:func:`load_secret`, which reads or creates the shared key file.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path

from boardline.model.decision import Decision
from boardline.model.errors import InputError

PREFIX = "b1"
#: How long a block-page link stays usable after the decision.
DEFAULT_TTL = dt.timedelta(hours=4)
#: Shortest key accepted: 128 bits.
MIN_SECRET = 16
TAG_BYTES = 16
#: Longest token read; anything longer is not ours (and is not decoded).
MAX_TOKEN = 2048
#: The key file's name in the state directory, shared by the helper and the API.
SECRET_FILE = "token-secret"  # noqa: S105 — a file name, not a secret


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a valid token vouches for."""

    decision_id: str
    #: The blocked person's directory id.
    person: str
    host: str
    #: The rule that blocked; the page finds clause and quote in the pack by this id.
    rule: str
    expires: dt.datetime


def _check_secret(secret: bytes) -> None:
    if len(secret) < MIN_SECRET:
        msg = f"the token secret must be at least {MIN_SECRET} bytes"
        raise ValueError(msg)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


#: SHA-256's block size: HMAC pads (or first hashes) the key to it.
_BLOCK = 64
#: Per secret, SHA-256 after the inner and the outer padded key (RFC 2104): a tag then
#: costs two ``copy()``s of hashes already keyed, not an HMAC object built per token.
_KEYED: dict[bytes, tuple[hashlib._Hash, hashlib._Hash]] = {}


def _keyed(secret: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    found = _KEYED.get(secret)
    if found is None:
        key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
        key = key.ljust(_BLOCK, b"\0")
        found = (
            hashlib.sha256(bytes(b ^ 0x36 for b in key)),
            hashlib.sha256(bytes(b ^ 0x5C for b in key)),
        )
        if len(_KEYED) >= 16:
            _KEYED.clear()
        _KEYED[secret] = found
    return found


def _tag(secret: bytes, signed: str) -> str:
    """HMAC-SHA-256 of ``signed`` (equal to ``hmac.new(secret, ..., sha256)``), truncated."""
    inner_keyed, outer_keyed = _keyed(secret)
    inner = inner_keyed.copy()
    inner.update(signed.encode("ascii"))
    outer = outer_keyed.copy()
    outer.update(inner.digest())
    return _b64(outer.digest()[:TAG_BYTES])


def _body(decision_id: str, person: str, host: str, rule: str, expires: int) -> str:
    """``json.dumps([...], separators=(",", ":"), ensure_ascii=False)`` for four texts and an
    int, without building an encoder per call."""
    return (
        f"[{encode_basestring(decision_id)},{encode_basestring(person)},"
        f"{encode_basestring(host)},{encode_basestring(rule)},{int(expires)}]"
    )


def issue_token(
    decision: Decision,
    person_id: str,
    host: str,
    secret: bytes,
    ttl: dt.timedelta = DEFAULT_TTL,
) -> str:
    """A URL-safe token for ``decision`` about ``person_id`` asking for ``host``.

    The expiry counts from the decision's own instant, so issuing stays pure.
    """
    _check_secret(secret)
    if not person_id:
        msg = "a decision token needs the person it is about"
        raise ValueError(msg)
    expires = int((decision.at + ttl).timestamp())
    body = _body(decision.decision_id, person_id, host, decision.rule, expires)
    signed = f"{PREFIX}.{_b64(body.encode('utf-8'))}"
    return f"{signed}.{_tag(secret, signed)}"


def _bad(message: str) -> InputError:
    return InputError.at("decision token", message, field="t")


def read_token(token: str, secret: bytes, now: dt.datetime) -> TokenClaims:
    """The claims of a token this key signed and that has not expired at ``now``.

    Anything else — malformed, signed with another key, altered, expired — is an
    :class:`InputError` naming the problem; nothing in an unverified token is
    trusted or even decoded.
    """
    _check_secret(secret)
    if len(token) > MAX_TOKEN:
        raise _bad("the link is too long to be one of ours")
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise _bad("the link is not a Boardline block-page link")
    signed = f"{parts[0]}.{parts[1]}"
    try:
        expected = _tag(secret, signed)
    except UnicodeEncodeError:
        raise _bad("the link is not a Boardline block-page link") from None
    if not hmac.compare_digest(expected.encode("ascii"), parts[2].encode("ascii", "replace")):
        raise _bad("the link's signature does not match; it was altered or is not ours")
    try:
        fields = json.loads(_unb64(parts[1]).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _bad("the link's contents cannot be read") from None
    if not (
        isinstance(fields, list)
        and len(fields) == 5
        and all(isinstance(f, str) for f in fields[:4])
        and isinstance(fields[4], int)
    ):
        raise _bad("the link's contents cannot be read")
    decision_id, person, host, rule, expiry = fields
    try:
        expires = dt.datetime.fromtimestamp(expiry, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise _bad("the link's expiry cannot be read") from None
    if now >= expires:
        raise _bad(f"the link expired at {expires.isoformat(timespec='minutes')}")
    return TokenClaims(decision_id, person, host, rule, expires)


def load_secret(path: Path) -> bytes:
    """The key shared by the helper (which issues tokens) and the API (which reads them).

    Created on first use with 256 random bits, readable by its owner only, so an
    enforcement point and its block page on one machine agree without setup.
    """
    try:
        text = _read_or_create(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.at(str(path), f"cannot read the token secret: {exc}") from None
    secret = text.encode("ascii")
    if len(secret) < MIN_SECRET:
        raise InputError.at(str(path), f"the token secret must be at least {MIN_SECRET} bytes")
    return secret


def _read_or_create(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    text = secrets.token_hex(32)
    # Written in full under a private name, then linked into place: another process
    # (the helper, a second worker) either sees no file or the whole key, never half.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(text + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    finally:
        temporary.unlink(missing_ok=True)
    return text
