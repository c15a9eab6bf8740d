"""The compact table: exact and fingerprint modes, duplicates, the exactness budget."""

from __future__ import annotations

import random

import pytest

from boardline.categories.table import FingerprintTable
from boardline.categories.table_builder import TableBuilder
from boardline.categories.tags import Tag, TagSets


def table(
    batches: list[tuple[list[str], int]], *, exact: bool | None = None, budget: int = 1 << 20
) -> FingerprintTable:
    builder = TableBuilder(exact=exact, exact_budget=budget)
    for keys, set_id in batches:
        builder.add(keys, set_id)
    return builder.build(lambda a, b: a if a == b else 100 * min(a, b) + max(a, b))


def random_hosts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz0123456789-"
    return [
        "".join(rng.choices(letters[:26], k=1) + rng.choices(letters, k=rng.randint(2, 12)))
        + rng.choice([".com", ".org", ".co.uk"])
        for _ in range(n)
    ]


@pytest.mark.parametrize("exact", [True, False])
def test_every_key_is_found_and_absent_keys_are_not(exact: bool) -> None:
    keys = sorted(set(random_hosts(60_000, seed=1)))
    stored = set(keys)
    absent = [k for k in random_hosts(20_000, seed=2) if k not in stored]
    built = table(
        [(keys[: len(keys) // 2], 1), (keys[len(keys) // 2 :], 2)], exact=exact, budget=1 << 30
    )
    assert built.exact is exact
    assert built.size == len(keys)
    assert all(built.probe(k) == (1 if i < len(keys) // 2 else 2) for i, k in enumerate(keys))
    assert all(built.probe(k) == -1 for k in absent)


@pytest.mark.parametrize("exact", [True, False])
def test_duplicates_merge_their_sets(exact: bool) -> None:
    built = table([(["a.com", "b.com", "a.com"], 1), (["b.com", "c.com"], 2)], exact=exact)
    assert built.size == 3
    assert (built.probe("a.com"), built.probe("b.com"), built.probe("c.com")) == (1, 102, 2)


def test_walk_finds_every_stored_suffix_most_specific_first() -> None:
    built = table([(["example.com", "com", "x.y.example.com"], 1), (["[192.0.2.1]"], 2)])
    assert built.walk("a.x.y.example.com")[0] == [
        ("x.y.example.com", 1),
        ("example.com", 1),
        ("com", 1),
    ]
    assert built.walk("[192.0.2.1]")[0] == [("[192.0.2.1]", 2)]
    marked = {"y.example.com": "mark"}
    assert built.walk("x.y.example.com", marked) == (
        [("x.y.example.com", 1), ("example.com", 1), ("com", 1)],
        ["mark"],
    )


def test_single_label_keys_are_probed_only_when_there_are_some() -> None:
    assert table([(["example.com"], 1)]).walk("example.com")[0] == [("example.com", 1)]
    assert table([(["localhost", "example.com"], 1)]).walk("localhost")[0] == [("localhost", 1)]


def test_auto_exactness_switches_off_beyond_the_budget() -> None:
    assert table([(["a.com", "b.com"], 1)], budget=100).exact
    assert not table([(random_hosts(200, seed=3), 1)], budget=100).exact
    assert table([(random_hosts(200, seed=3), 1)], exact=True, budget=100).exact


def test_expect_decides_exactness_before_loading() -> None:
    builder = TableBuilder(exact_budget=1000)
    builder.expect(entries=10_000, text_bytes=200_000)
    builder.add(["a.com"], 1)
    built = builder.build(lambda a, b: a)
    assert not built.exact
    assert built.probe("a.com") == 1


def test_empty_table() -> None:
    built = table([])
    assert built.size == 0
    assert built.probe("a.com") == -1
    assert built.walk("www.a.com") == ([], [])


def test_set_ids_must_fit_sixteen_bits() -> None:
    with pytest.raises(ValueError, match="out of range"):
        TableBuilder().add(["a.com"], 70_000)


def test_tag_sets_intern_unions() -> None:
    sets = TagSets()
    a = sets.singleton(Tag("social", "builtin", "Facebook"))
    b = sets.singleton(Tag("chat", "ut1:chat"))
    both = sets.union(a, b)
    assert sets.union(b, a) == both
    assert sets.union(both, a) == both
    assert sets.categories[both] == {"social", "chat"}
    assert sets.tags_of(both) == (Tag("social", "builtin", "Facebook"), Tag("chat", "ut1:chat"))
