"""The signed block-page token: round trip, expiry, tampering, and never a crash on junk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
