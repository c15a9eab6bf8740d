"""Tags (category, source, service) and the interned sets of tags that entries point to.

An entry of the compact table stores one small integer, not a Python object, so
everything that can be said about an entry — which categories it puts a site in,
which list said so, which service it belongs to — is interned here once: a *tag*
is one ``(category, source, service)`` triple and a *set* is the sorted tuple of
tags of one key. A list of millions of domains uses a few hundred sets at most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from boardline.model.errors import InputError

_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")


@dataclass(frozen=True, slots=True)
class Tag:
    category: str
    #: Where the entry comes from: ``builtin``, ``ut1:social_networks``, ``override``.
    source: str
    #: The service the entry belongs to when the list knows it ("Instagram").
    service: str | None = None


def check_category(category: str, source: str) -> str:
    if _SLUG_RE.fullmatch(category) is None:
        raise InputError.at(
            source,
            f"category {category!r} must be lower-case letters, digits, '_' or '-'",
            field="category",
        )
    return category


class TagSets:
    """Interns tags and sets of tags; ids are dense, starting at 0."""

    def __init__(self) -> None:
        self.tags: list[Tag] = []
        self._tag_ids: dict[Tag, int] = {}
        self.members: list[tuple[int, ...]] = []
        self._set_ids: dict[tuple[int, ...], int] = {}
        #: The categories of each set, shared frozensets: ``lookup`` returns them as they are.
        self.categories: list[frozenset[str]] = []
        self._unions: dict[tuple[int, int], int] = {}

    def singleton(self, tag: Tag) -> int:
        tag_id = self._tag_ids.get(tag)
        if tag_id is None:
            check_category(tag.category, tag.source)
            if not tag.source:
                raise InputError.at("<list>", "an entry needs a source", field="source")
            tag_id = len(self.tags)
            self.tags.append(tag)
            self._tag_ids[tag] = tag_id
        return self._intern((tag_id,))

    def union(self, a: int, b: int) -> int:
        if a == b:
            return a
        pair = (a, b) if a < b else (b, a)
        known = self._unions.get(pair)
        if known is None:
            known = self._intern(tuple(sorted(set(self.members[a]) | set(self.members[b]))))
            self._unions[pair] = known
        return known

    def tags_of(self, set_id: int) -> tuple[Tag, ...]:
        return tuple(self.tags[t] for t in self.members[set_id])

    def _intern(self, members: tuple[int, ...]) -> int:
        set_id = self._set_ids.get(members)
        if set_id is None:
            set_id = len(self.members)
            self.members.append(members)
            self._set_ids[members] = set_id
            self.categories.append(frozenset(self.tags[t].category for t in members))
        return set_id
