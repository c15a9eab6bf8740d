"""Values the district must be able to recognise but must not keep: salted hashes.

Staff hand over lists such as the Social Security numbers of record. Boardline
keeps only ``HMAC-SHA256(district salt, canonical value)`` of each (the way
Exact Data Match products upload a roster), so the stored set, a backup of it
or a memory dump gives nobody the numbers, and without the salt not even a
brute force over the billion possible SSNs. Scanning hashes each candidate a
pattern finds in the text and looks the digest up: a few microseconds per
candidate, and candidates are rare.

A value may name its owner (a person's sourcedId), which lets an SSN anchor
a roster match the way a student id does; owners are ids, never names.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from boardline.inspection.roster_match import fold_key

MIN_SALT_BYTES = 16


def canonical(value: str) -> str:
    """Case, accents, punctuation and spacing ignored: ``123-45-6789`` is ``123456789``."""
    return fold_key(value).replace(" ", "")


class SaltedValues:
    """A set of salted digests, optionally each with its owner's id ("" when unknown)."""

    __slots__ = ("_digests", "_salt", "name")

    def __init__(self, salt: bytes, digests: Mapping[bytes, str], *, name: str = "values") -> None:
        if len(salt) < MIN_SALT_BYTES:
            raise ValueError(f"the salt must be at least {MIN_SALT_BYTES} bytes")
        self._salt = salt
        self._digests = dict(digests)
        self.name = name

    @classmethod
    def hash_values(
        cls, salt: bytes, values: Iterable[str | tuple[str, str]], *, name: str = "values"
    ) -> SaltedValues:
        """Hash clear values (``value`` or ``(value, owner id)``); the clear text is not kept."""
        digests: dict[bytes, str] = {}
        probe = cls(salt, {}, name=name)
        for item in values:
            value, owner = (item, "") if isinstance(item, str) else item
            key = canonical(value)
            if key:
                digests[probe.digest(key)] = owner
        return cls(salt, digests, name=name)

    def digest(self, value: str) -> bytes:
        return hmac.new(self._salt, canonical(value).encode(), hashlib.sha256).digest()

    def owner(self, candidate: str) -> str | None:
        """The owner id ("" if none was given) when ``candidate`` is in the set, else None."""
        return self._digests.get(self.digest(candidate))

    def __contains__(self, candidate: object) -> bool:
        return isinstance(candidate, str) and self.owner(candidate) is not None

    def __len__(self) -> int:
        return len(self._digests)

    def digests(self) -> Mapping[bytes, str]:
        """The stored digests and owners, for persisting the set (never the values)."""
        return dict(self._digests)

    def __repr__(self) -> str:
        return f"SaltedValues({self.name!r}, {len(self._digests)} digests)"
