"""District overrides: taking a site out of a category a list puts it in, or adding one.

A pack's ``category_overrides`` are the district's own decisions
(``classroom.google.com`` is the district's learning platform, not social
networking). They are applied after every list, and they win over the lists:

* an override's ``domain`` is matched like a list entry — a domain covers its
  subdomains on label boundaries, ``host/path`` covers that path on segment
  boundaries (see :mod:`boardline.categories.matching`); ``*.`` in front means
  the same as the bare domain;
* ``remove_from`` takes categories away from every matching request, whichever
  list (or lists, at whatever depth) put them there; ``add_to`` adds categories;
* when several overrides match one request, for each category the most specific
  override that names it decides: the one on the longer host (more labels), then
  one with a path over one without, then the longer path, then more query
  parameters; between equally specific overrides the first one listed decides.
  So an override on ``edu.pinterest.com`` leaves ``www.pinterest.com`` social,
  and an ``add_to`` on ``edu.pinterest.com`` beats a ``remove_from`` on
  ``pinterest.com`` for ``edu.pinterest.com``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from boardline.categories.matching import EntryError, UrlPattern, domain_key, url_pattern
from boardline.categories.tags import check_category
from boardline.model.errors import InputError, Problem

if TYPE_CHECKING:  # read by attribute: importing the pack models would load pydantic
    from boardline.policy.pack import CategoryOverride

OVERRIDES_FILE = "category_overrides"


@dataclass(frozen=True, slots=True)
class OverrideRule:
    host: str
    #: None for a whole-host override.
    pattern: UrlPattern | None
    remove: frozenset[str]
    add: frozenset[str]
    #: The override's ``domain`` as the district wrote it.
    entry: str
    reason: str
    #: Position in the district's list, to break ties.
    order: int

    def specificity(self) -> tuple[int, int, int, int, int]:
        depth = 1000 if self.host.startswith("[") else self.host.count(".") + 1
        if self.pattern is None:
            return (depth, 0, 0, 0, -self.order)
        pattern = self.pattern
        return (depth, 1, len(pattern.path), len(pattern.params), -self.order)


@dataclass(frozen=True, slots=True)
class Decided:
    """What the overrides did to one request: removed and added categories, by rule."""

    categories: frozenset[str]
    removed: Mapping[str, OverrideRule]
    added: Mapping[str, OverrideRule]


def compile_overrides(
    overrides: Iterable[CategoryOverride], first: int = 0
) -> dict[str, tuple[OverrideRule, ...]]:
    """Rules by host key; every bad override is reported, each naming its position."""
    by_host: dict[str, list[OverrideRule]] = {}
    problems: list[Problem] = []
    for n, override in enumerate(overrides, start=first):
        try:
            rule = _rule(override, n)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        by_host.setdefault(rule.host, []).append(rule)
    if problems:
        raise InputError(problems)
    return {host: tuple(rules) for host, rules in by_host.items()}


def _rule(override: CategoryOverride, n: int) -> OverrideRule:
    domain = override.domain.strip()
    try:
        if "/" in domain or "?" in domain:
            url = url_pattern(domain)
            pattern: UrlPattern | None = url
            host = url.host
        else:
            pattern = None
            host = domain_key(domain)
    except EntryError as exc:
        raise InputError.at(OVERRIDES_FILE, str(exc), field=f"[{n}].domain") from None
    for category in (*override.remove_from, *override.add_to):
        check_category(category, OVERRIDES_FILE)
    both = set(override.remove_from) & set(override.add_to)
    if both:
        raise InputError.at(
            OVERRIDES_FILE,
            f"{domain}: both removed from and added to {', '.join(sorted(both))}",
            field=f"[{n}]",
        )
    if not override.remove_from and not override.add_to:
        raise InputError.at(
            OVERRIDES_FILE, f"{domain}: neither remove_from nor add_to", field=f"[{n}]"
        )
    return OverrideRule(
        host=host,
        pattern=pattern,
        remove=frozenset(override.remove_from),
        add=frozenset(override.add_to),
        entry=domain,
        reason=override.reason,
        order=n,
    )


def decide(
    rules: Iterable[OverrideRule],
    listed: frozenset[str],
    path: str,
    params: frozenset[str],
) -> Decided:
    """Apply ``rules`` (most specific first) to the categories the lists gave."""
    decided: set[str] = set()
    removed: dict[str, OverrideRule] = {}
    added: dict[str, OverrideRule] = {}
    for rule in rules:
        if rule.pattern is not None and not rule.pattern.matches(path, params):
            continue
        for category in rule.remove:
            if category not in decided:
                decided.add(category)
                if category in listed:
                    removed[category] = rule
        for category in rule.add:
            if category not in decided:
                decided.add(category)
                added[category] = rule
    if not removed and not added:
        return Decided(listed, removed, added)
    return Decided(frozenset((listed - removed.keys()) | added.keys()), removed, added)
