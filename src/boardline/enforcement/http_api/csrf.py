"""Cross-site request forgery protection for the block page and the admin forms.

A signed double submit. Rendering a form sets a random nonce in a cookie
(``SameSite=Strict``, ``HttpOnly``) and puts ``HMAC(secret, purpose | binding |
nonce)`` in a hidden field, where *binding* is what the form acts for: the
decision token on the block page, the administrator's name on the queue. A
post is accepted only if the field matches the cookie's nonce and the same
binding. Another site can make a browser post a form, but it can neither read
the cookie nor compute the field, and a strict cookie is not even sent with a
cross-site post; binding the field to the token means a field lifted from one
person's page is worthless on another's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "boardline_csrf"
FIELD = "csrf"
#: Longest nonce or field read; anything longer is not ours.
MAX_LENGTH = 256


class CsrfGuard:
    """Makes and checks form fields for one purpose (``blocked`` or ``admin``)."""

    __slots__ = ("_secret", "purpose")

    def __init__(self, secret: bytes, purpose: str) -> None:
        self._secret = secret
        self.purpose = purpose

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(18)

    def field(self, binding: str, nonce: str) -> str:
        message = f"{self.purpose}\x00{binding}\x00{nonce}".encode("utf-8", "replace")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def valid(self, binding: str, nonce: str | None, field: str | None) -> bool:
        if not nonce or not field or len(nonce) > MAX_LENGTH or len(field) > MAX_LENGTH:
            return False
        expected = self.field(binding, nonce)
        return hmac.compare_digest(expected.encode("ascii"), field.encode("utf-8", "replace"))
