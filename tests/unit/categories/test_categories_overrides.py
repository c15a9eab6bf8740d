"""District overrides: remove, add, and the most specific override deciding."""

from __future__ import annotations

import pytest

from boardline.categories import CategoryIndex, CategoryIndexBuilder, CategoryMatch, RemovedMatch
from boardline.model.errors import InputError
from boardline.policy.pack import CategoryOverride

SOCIAL = "social_networks"


def override(
    domain: str, remove: tuple[str, ...] = (), add: tuple[str, ...] = ()
) -> CategoryOverride:
    return CategoryOverride(
        domain=domain, remove_from=remove, add_to=add, reason=f"because {domain}"
    )


@pytest.fixture
def lists() -> CategoryIndex:
    builder = CategoryIndexBuilder()
    builder.add_domain("pinterest.com", SOCIAL, "builtin", service="Pinterest")
    builder.add_domain("google.com", "search", "ut1:search")
    builder.add_domain("classroom.google.com", SOCIAL, "ut1:social_networks")
    builder.add_domain("sites.example.org", SOCIAL, "ut1:social_networks")
    builder.add_url("example.com/forum", "forums", "ut1:forums")
    return builder.build()


def test_remove_from_covers_the_domain_and_its_subdomains(lists: CategoryIndex) -> None:
    idx = lists.with_overrides([override("edu.pinterest.com", remove=(SOCIAL,))])
    assert idx.lookup("edu.pinterest.com") == frozenset()
    assert idx.lookup("a.edu.pinterest.com") == frozenset()
    assert idx.lookup("www.pinterest.com") == {SOCIAL}
    assert idx.lookup("pinterest.com") == {SOCIAL}
    assert lists.lookup("edu.pinterest.com") == {SOCIAL}  # the original is unchanged


def test_removal_wins_over_list_entries_at_any_depth(lists: CategoryIndex) -> None:
    idx = lists.with_overrides([override("google.com", remove=(SOCIAL,))])
    assert idx.lookup("classroom.google.com") == {"search"}


def test_only_the_named_categories_are_removed(lists: CategoryIndex) -> None:
    idx = lists.with_overrides([override("classroom.google.com", remove=(SOCIAL,))])
    assert idx.lookup("classroom.google.com") == {"search"}


def test_add_to(lists: CategoryIndex) -> None:
    idx = lists.with_overrides([override("district-chat.example", add=("messaging",))])
    assert idx.lookup("www.district-chat.example") == {"messaging"}
    assert "messaging" in idx.categories()
    assert idx.explain("district-chat.example") == (
        CategoryMatch("messaging", "district-chat.example", "override"),
    )


def test_the_more_specific_override_decides(lists: CategoryIndex) -> None:
    idx = lists.with_overrides(
        [
            override("edu.pinterest.com", add=(SOCIAL,)),
            override("pinterest.com", remove=(SOCIAL,)),
            override("x.example.org", add=("blogs",)),
            override("example.org", remove=("blogs",), add=("hosting",)),
        ]
    )
    assert idx.lookup("www.pinterest.com") == frozenset()
    assert idx.lookup("edu.pinterest.com") == {SOCIAL}
    assert idx.lookup("a.x.example.org") == {"blogs", "hosting"}
    assert idx.lookup("y.example.org") == {"hosting"}


def test_equally_specific_overrides_first_listed_wins(lists: CategoryIndex) -> None:
    idx = lists.with_overrides(
        [override("pinterest.com", remove=(SOCIAL,)), override("*.pinterest.com", add=(SOCIAL,))]
    )
    assert idx.lookup("pinterest.com") == frozenset()


def test_path_overrides_beat_host_overrides(lists: CategoryIndex) -> None:
    idx = lists.with_overrides(
        [
            override("example.com", remove=("forums",)),
            override("example.com/forum/staff", add=("forums",)),
        ]
    )
    assert idx.lookup("example.com", "/forum/public") == frozenset()
    assert idx.lookup("example.com", "/forum/staff/1") == {"forums"}
    assert idx.lookup("example.com", "/forum/staffroom") == frozenset()


def test_overrides_added_later_are_combined(lists: CategoryIndex) -> None:
    idx = lists.with_overrides([override("pinterest.com", remove=(SOCIAL,))])
    idx = idx.with_overrides([override("google.com", add=("education",))])
    assert idx.lookup("pinterest.com") == frozenset()
    assert idx.lookup("google.com") == {"search", "education"}
    assert idx.stats.overrides == 2


def test_explain_hides_removed_matches_and_explain_removed_shows_them(
    lists: CategoryIndex,
) -> None:
    idx = lists.with_overrides([override("edu.pinterest.com", remove=(SOCIAL,))])
    assert idx.explain("edu.pinterest.com") == ()
    assert idx.explain_removed("edu.pinterest.com") == (
        RemovedMatch(
            CategoryMatch(SOCIAL, "pinterest.com", "builtin", "Pinterest"),
            "edu.pinterest.com",
            "because edu.pinterest.com",
        ),
    )
    assert idx.explain_removed("www.pinterest.com") == ()


def test_bad_overrides_are_reported_by_position(lists: CategoryIndex) -> None:
    with pytest.raises(InputError) as info:
        lists.with_overrides(
            [
                override("good.example", remove=(SOCIAL,)),
                override("bad..example", remove=(SOCIAL,)),
                override("both.example", remove=(SOCIAL,), add=(SOCIAL,)),
                override("none.example"),
            ]
        )
    assert [str(p) for p in info.value.problems] == [
        "category_overrides: [1].domain: 'bad..example' has an empty label",
        "category_overrides: [2]: both.example: both removed from and added to social_networks",
        "category_overrides: [3]: none.example: neither remove_from nor add_to",
    ]


def test_the_demo_pack_overrides_apply() -> None:
    from boardline.categories import builtin_catalogue
    from boardline.demo.paths import demo_pack_path
    from boardline.policy.pack_loader import load_pack

    pack = load_pack(demo_pack_path())
    idx = builtin_catalogue().index().build().with_overrides(pack.category_overrides)
    assert idx.lookup("edu.pinterest.com") == frozenset()
    assert idx.lookup("www.pinterest.com") == {SOCIAL}
    assert idx.lookup("classroom.google.com") == frozenset()
