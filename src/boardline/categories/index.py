"""The category index: which categories a host or URL is in, fast enough for a proxy helper.

The engine asks one question per request — "is this a social networking
website?" — so :meth:`CategoryIndex.lookup` sits on the hot path of the Squid
helper. It resolves a host once (its suffixes against the compact table of
:mod:`boardline.categories.table`, the URL entries and the district overrides on
those suffixes) and keeps the result in a bounded LRU cache keyed by the host as
the proxy sent it: real traffic repeats hosts, so most requests cost one cache
hit. Only hosts that carry URL entries or path overrides look at the path.

Matching rules (label and path boundaries, IP literals, IDN, case, ports) are in
:mod:`boardline.categories.matching`; how overrides combine is in
:mod:`boardline.categories.overrides`. Every category that any entry gives is
returned: a host can be in ``social_networks`` and ``messaging`` at once.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from boardline.categories.matching import (
    EntryError,
    UrlPattern,
    domain_key,
    host_key,
    request_path,
    url_pattern,
)
from boardline.categories.overrides import OverrideRule, compile_overrides, decide
from boardline.categories.table import DEFAULT_EXACT_BUDGET, FingerprintTable
from boardline.categories.table_builder import TableBuilder
from boardline.categories.tags import Tag, TagSets
from boardline.model.errors import InputError

if TYPE_CHECKING:  # pydantic is not needed to look categories up
    from boardline.policy.pack import CategoryOverride

DEFAULT_CACHE_SIZE = 65_536
OVERRIDE_SOURCE = "override"

_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CategoryMatch:
    """One entry that put a request in a category, for explanations."""

    category: str
    #: The entry as matched: ``facebook.com``, ``example.com/forum?f=14``, an override's domain.
    entry: str
    #: ``builtin``, ``ut1:social_networks``, ``override`` ...
    source: str
    #: The service when the list knows it: "Instagram".
    service: str | None = None


@dataclass(frozen=True, slots=True)
class RemovedMatch:
    """A list match that a district override took away."""

    match: CategoryMatch
    override: str
    reason: str


@dataclass(frozen=True, slots=True)
class IndexStats:
    domains: int
    urls: int
    overrides: int
    #: Entries (domains and URLs) per category.
    per_category: Mapping[str, int]
    #: Whether every table hit is confirmed against the key text (no false positives).
    exact: bool
    #: Upper bound of the chance that probing one absent key reports a hit (0 when exact).
    false_positive_per_probe: float
    #: Bytes held by the table arrays, key text and URL entries (an estimate for the latter).
    memory_bytes: int


@dataclass(frozen=True, slots=True)
class UrlRule:
    pattern: UrlPattern
    set_id: int


@dataclass(frozen=True, slots=True)
class _Marks:
    """What a host key carries besides table entries: URL entries and overrides."""

    urls: tuple[UrlRule, ...] = ()
    overrides: tuple[OverrideRule, ...] = ()


class _HostView:
    """Everything about one host that does not depend on the path.

    Hosts with neither URL entries nor overrides (nearly all) are cached as a bare
    frozenset instead; this class is for the rest.
    """

    __slots__ = ("hits", "listed", "overrides", "static", "url_rules")

    def __init__(
        self,
        hits: tuple[tuple[str, int], ...],
        listed: frozenset[str],
        url_rules: tuple[UrlRule, ...],
        overrides: tuple[OverrideRule, ...],
    ) -> None:
        self.hits = hits
        self.listed = listed
        self.url_rules = url_rules
        self.overrides = overrides
        #: The answer when the path cannot change it, else None.
        self.static: frozenset[str] | None = None
        if not url_rules and all(rule.pattern is None for rule in overrides):
            self.static = decide(overrides, listed, "", _EMPTY).categories


@dataclass(frozen=True, slots=True)
class _Resolved:
    categories: frozenset[str]
    url_hits: tuple[UrlRule, ...] = ()
    removed: Mapping[str, OverrideRule] = field(default_factory=dict)
    added: Mapping[str, OverrideRule] = field(default_factory=dict)


class CategoryIndex:
    """Immutable lists of categorised domains and URLs, with district overrides applied."""

    def __init__(
        self,
        table: FingerprintTable,
        urls: Mapping[str, tuple[UrlRule, ...]],
        tags: TagSets,
        overrides: Mapping[str, tuple[OverrideRule, ...]] | None = None,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._table = table
        self._urls = urls
        self._tags = tags
        self._overrides = overrides or {}
        self._cache_size = cache_size
        self._marked = {
            host: _Marks(urls.get(host, ()), self._overrides.get(host, ()))
            for host in urls.keys() | self._overrides.keys()
        }
        self._view: Callable[[str], frozenset[str] | _HostView] = (
            functools.lru_cache(maxsize=cache_size)(self._make_view)
            if cache_size > 0
            else self._make_view
        )

    # -- the hot path ---------------------------------------------------------------

    def lookup(self, host: str, path: str = "") -> frozenset[str]:
        """The categories of a request; ``path`` is its path and query ("" for CONNECT)."""
        view = self._view(host)
        if isinstance(view, frozenset):
            return view  # nearly every host: no URL entries, no overrides
        if view.static is not None:
            return view.static
        return self._resolve(view, path).categories

    def path_matters(self, host: str) -> bool:
        """Whether a request's path can change :meth:`lookup`'s answer for ``host``.

        True only for hosts under URL entries or path overrides. A bulk audit
        resolves every other host once, whatever its paths, and looks at paths
        only for these.
        """
        view = self._view(host)
        return isinstance(view, _HostView) and view.static is None

    # -- explanations ---------------------------------------------------------------

    def explain(self, host: str, path: str = "") -> tuple[CategoryMatch, ...]:
        """The entries behind :meth:`lookup`'s answer, most specific first."""
        view = self._full_view(host)
        resolved = self._resolve(view, path)
        out = [m for m in self._list_matches(view, resolved) if m.category not in resolved.removed]
        for category, rule in sorted(resolved.added.items()):
            out.append(CategoryMatch(category, rule.entry, OVERRIDE_SOURCE))
        return tuple(out)

    def explain_removed(self, host: str, path: str = "") -> tuple[RemovedMatch, ...]:
        """The list matches that district overrides took away, with the overrides' reasons."""
        view = self._full_view(host)
        resolved = self._resolve(view, path)
        return tuple(
            RemovedMatch(m, resolved.removed[m.category].entry, resolved.removed[m.category].reason)
            for m in self._list_matches(view, resolved)
            if m.category in resolved.removed
        )

    def categories(self) -> frozenset[str]:
        listed = {tag.category for tag in self._tags.tags}
        for rules in self._overrides.values():
            for rule in rules:
                listed |= rule.add
        return frozenset(listed)

    # -- derived indexes ----------------------------------------------------------

    def with_overrides(self, overrides: Iterable[CategoryOverride]) -> CategoryIndex:
        """A new index with the district's overrides added (the lists are shared, not copied)."""
        first = sum(len(rules) for rules in self._overrides.values())
        merged = {host: list(rules) for host, rules in self._overrides.items()}
        for host, rules in compile_overrides(overrides, first).items():
            merged.setdefault(host, []).extend(rules)
        frozen = {host: tuple(rules) for host, rules in merged.items()}
        return CategoryIndex(
            self._table, self._urls, self._tags, frozen, cache_size=self._cache_size
        )

    def with_cache(self, cache_size: int) -> CategoryIndex:
        """The same index with another cache size (0: no cache)."""
        return CategoryIndex(
            self._table, self._urls, self._tags, self._overrides, cache_size=cache_size
        )

    @property
    def stats(self) -> IndexStats:
        per_set = np.bincount(self._table.set_ids(), minlength=len(self._tags.members)).tolist()
        per_category: dict[str, int] = {}
        for set_id, count in enumerate(per_set):
            for category in self._tags.categories[set_id]:
                per_category[category] = per_category.get(category, 0) + count
        url_count = 0
        url_bytes = sys.getsizeof(self._urls)
        for rules in self._urls.values():
            url_count += len(rules)
            url_bytes += sys.getsizeof(rules)
            for rule in rules:
                for category in self._tags.categories[rule.set_id]:
                    per_category[category] = per_category.get(category, 0) + 1
                url_bytes += 120 + len(rule.pattern.host) + len(rule.pattern.path)
        return IndexStats(
            domains=self._table.size,
            urls=url_count,
            overrides=sum(len(rules) for rules in self._overrides.values()),
            per_category=dict(sorted(per_category.items())),
            exact=self._table.exact,
            false_positive_per_probe=self._table.false_positive_per_probe,
            memory_bytes=self._table.nbytes + url_bytes,
        )

    # -- resolution -----------------------------------------------------------------

    def _make_view(self, host: str) -> frozenset[str] | _HostView:
        key = host_key(host)
        if key is None:
            return _EMPTY
        hits, marks = self._table.walk(key, self._marked)
        listed = _EMPTY
        categories = self._tags.categories
        for _, set_id in hits:
            listed = (listed | categories[set_id]) if listed else categories[set_id]
        if not marks:
            return listed
        overrides = sorted(
            (rule for mark in marks for rule in mark.overrides),
            key=OverrideRule.specificity,
            reverse=True,
        )
        url_rules = tuple(rule for mark in marks for rule in mark.urls)
        return _HostView(tuple(hits), listed, url_rules, tuple(overrides))

    def _full_view(self, host: str) -> _HostView:
        view = self._make_view(host)
        if isinstance(view, _HostView):
            return view
        key = host_key(host)
        hits = self._table.walk(key)[0] if key is not None else []
        return _HostView(tuple(hits), view, (), ())

    def _resolve(self, view: _HostView, path: str) -> _Resolved:
        if path and not path.startswith("/"):
            path = "/" + path
        clean, params = request_path(path) if path else ("", _EMPTY)
        listed = view.listed
        url_hits = tuple(rule for rule in view.url_rules if rule.pattern.matches(clean, params))
        for rule in url_hits:
            listed = listed | self._tags.categories[rule.set_id]
        if not view.overrides:
            return _Resolved(listed, url_hits)
        decided = decide(view.overrides, listed, clean, params)
        return _Resolved(decided.categories, url_hits, decided.removed, decided.added)

    def _list_matches(self, view: _HostView, resolved: _Resolved) -> list[CategoryMatch]:
        out: list[CategoryMatch] = []
        for rule in resolved.url_hits:
            entry = rule.pattern.text
            out.extend(
                CategoryMatch(t.category, entry, t.source, t.service)
                for t in self._tags.tags_of(rule.set_id)
            )
        for suffix, set_id in view.hits:
            entry = suffix[1:-1] if suffix.startswith("[") else suffix
            out.extend(
                CategoryMatch(t.category, entry, t.source, t.service)
                for t in self._tags.tags_of(set_id)
            )
        return out


class CategoryIndexBuilder:
    """Collects entries from any number of lists; :meth:`build` freezes them into an index.

    ``exact`` chooses whether table hits are confirmed against the key text: True
    always, False never, None (the default) while the key text fits
    ``exact_budget`` bytes (see :mod:`boardline.categories.table`).
    """

    def __init__(
        self, *, exact: bool | None = None, exact_budget: int = DEFAULT_EXACT_BUDGET
    ) -> None:
        self._tags = TagSets()
        self._table = TableBuilder(exact=exact, exact_budget=exact_budget)
        self._urls: dict[str, dict[UrlRule, None]] = {}
        self._built = False

    def add_domain(
        self, domain: str, category: str, source: str, *, service: str | None = None
    ) -> None:
        """Add one domain (or IP) entry; a bad entry raises :class:`InputError`."""
        try:
            key = domain_key(domain)
        except EntryError as exc:
            raise InputError.at(source, str(exc), field="domain") from None
        self.add_domain_keys([key], category, source, service=service)

    def add_domain_keys(
        self,
        keys: Sequence[str],
        category: str,
        source: str,
        *,
        service: str | None = None,
        dotted: bool = False,
    ) -> None:
        """Add many entries already in normal form (:func:`matching.domain_key`): the bulk path.

        ``dotted`` promises that every key has two labels or more, which spares a scan.
        """
        self._check_open()
        set_id = self._tags.singleton(Tag(category, source, service))
        self._table.add(keys, set_id, dotted=dotted)

    def add_url(self, url: str, category: str, source: str, *, service: str | None = None) -> None:
        """Add one URL entry (``host/path?query``); a bad entry raises :class:`InputError`."""
        try:
            pattern = url_pattern(url)
        except EntryError as exc:
            raise InputError.at(source, str(exc), field="url") from None
        self.add_url_pattern(pattern, category, source, service=service)

    def add_url_pattern(
        self, pattern: UrlPattern, category: str, source: str, *, service: str | None = None
    ) -> None:
        self._check_open()
        rule = UrlRule(pattern, self._tags.singleton(Tag(category, source, service)))
        self._urls.setdefault(pattern.host, {})[rule] = None

    def expect(self, *, entries: int, text_bytes: int) -> None:
        """Size hint before a bulk load (see :meth:`TableBuilder.expect`)."""
        self._table.expect(entries, text_bytes)

    @property
    def count(self) -> int:
        """Entries added so far (domains counted before duplicates are merged)."""
        return self._table.count + sum(len(rules) for rules in self._urls.values())

    def build(self, *, cache_size: int = DEFAULT_CACHE_SIZE) -> CategoryIndex:
        self._check_open()
        self._built = True
        table = self._table.build(self._tags.union)
        urls = {host: tuple(rules) for host, rules in self._urls.items()}
        self._urls = {}
        return CategoryIndex(table, urls, self._tags, cache_size=cache_size)

    def _check_open(self) -> None:
        if self._built:
            msg = "this builder has already built its index"
            raise RuntimeError(msg)
