"""The signed block-page token: round trip, expiry, tampering, and never a crash on junk."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.enforcement import decision_token
from boardline.enforcement.decision_token import (
    DEFAULT_TTL,
    TokenClaims,
    issue_token,
    load_secret,
    read_token,
)
from boardline.model.decision import Decision
from boardline.model.errors import InputError
from boardline.policy.pack import Effect

SECRET = b"0123456789abcdef0123456789abcdef"
AT = dt.datetime(2026, 10, 6, 16, 0, tzinfo=dt.UTC)


def decision(rule: str = "no-social-networking-during-school-hours") -> Decision:
    return Decision("d-0123456789abcdef0123", Effect.DENY, rule, "sha256:x", (), "deny", "web", AT)


def test_a_token_round_trips_its_claims_until_it_expires() -> None:
    token = issue_token(decision(), "staff-0006", "www.facebook.com", SECRET)
    claims = read_token(token, SECRET, AT + dt.timedelta(minutes=5))
    assert claims == TokenClaims(
        "d-0123456789abcdef0123",
        "staff-0006",
        "www.facebook.com",
        "no-social-networking-during-school-hours",
        AT + DEFAULT_TTL,
    )
    with pytest.raises(InputError, match="expired"):
        read_token(token, SECRET, AT + DEFAULT_TTL)


def test_a_token_is_url_safe_and_short() -> None:
    token = issue_token(decision(), "staff-0006", "www.facebook.com", SECRET)
    assert len(token) < 200
    assert all(ch.isalnum() or ch in "-_." for ch in token)


def test_another_key_or_any_changed_character_is_refused() -> None:
    token = issue_token(decision(), "staff-0006", "www.facebook.com", SECRET)
    with pytest.raises(InputError, match="signature"):
        read_token(token, b"another-secret-of-32-bytes-long!", AT)
    for position in range(len(token)):
        if token[position] == ".":
            continue
        swapped = "A" if token[position] != "A" else "B"
        altered = token[:position] + swapped + token[position + 1 :]
        with pytest.raises(InputError):
            read_token(altered, SECRET, AT)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        issue_token(decision(), "p", "h", b"short")


@settings(max_examples=200, deadline=None)
@given(person=st.text(min_size=1, max_size=80), host=st.text(max_size=80))
def test_any_person_and_host_round_trip(person: str, host: str) -> None:
    token = issue_token(decision(), person, host, SECRET)
    claims = read_token(token, SECRET, AT)
    assert (claims.person, claims.host) == (person, host)


@settings(max_examples=200, deadline=None)
@given(junk=st.text(max_size=300) | st.from_regex(r"b1\.[A-Za-z0-9_-]{0,80}\.[A-Za-z0-9_-]{0,30}"))
def test_junk_is_an_input_error_never_a_crash(junk: str) -> None:
    with pytest.raises(InputError):
        read_token(junk, SECRET, AT)


def test_the_secret_file_is_made_once_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "state" / "token-secret"
    first = load_secret(path)
    assert len(first) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_secret(path) == first
    path.write_text("short\n")
    with pytest.raises(InputError, match="at least 16"):
        load_secret(path)


def test_tokens_under_two_secrets_stay_apart() -> None:
    # The keyed HMAC state is kept per secret; interleaving must never mix them.
    other = b"fedcba9876543210fedcba9876543210"
    later = AT + dt.timedelta(minutes=1)
    for _ in range(3):
        mine = issue_token(decision(), "staff-0006", "www.facebook.com", SECRET)
        theirs = issue_token(decision(), "staff-0006", "www.facebook.com", other)
        assert mine != theirs
        assert read_token(mine, SECRET, later).person == "staff-0006"
        assert read_token(theirs, other, later).person == "staff-0006"
        with pytest.raises(InputError, match="signature"):
            read_token(mine, other, later)
        with pytest.raises(InputError, match="signature"):
            read_token(theirs, SECRET, later)


def test_a_token_body_is_compact_json_with_text_as_is() -> None:
    token = issue_token(decision(), "staff-0006", "b\u00fccher.example", SECRET)
    body = token.split(".")[1]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    assert raw == (
        '["d-0123456789abcdef0123","staff-0006","b\u00fccher.example",'
        f'"no-social-networking-during-school-hours",{int((AT + DEFAULT_TTL).timestamp())}]'
    )


@settings(max_examples=200)
@given(secret=st.binary(min_size=16, max_size=200), signed=st.text("abcXYZ019-_.", max_size=300))
def test_the_tag_is_hmac_sha256_for_any_key_length(secret: bytes, signed: str) -> None:
    # Keys longer than SHA-256's 64-byte block are hashed first, shorter ones padded.
    expected = hmac.new(secret, signed.encode("ascii"), hashlib.sha256).digest()[:16]
    assert decision_token._tag(secret, signed) == decision_token._b64(expected)
