"""Reading UT1 folders: entries, comments, CRLF, IDN, aliases, and bad lines reported in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from boardline.categories import CategoryIndexBuilder, builtin_catalogue, load_ut1
from boardline.categories import ut1 as ut1_module
from boardline.model.errors import InputError
from tests.shared_data import UT1 as SHARED_UT1

UT1 = SHARED_UT1


def write(root: Path, category: str, name: str, content: str | bytes) -> Path:
    folder = root / category
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def test_reads_domains_and_urls_with_comments_blank_lines_and_crlf(tmp_path: Path) -> None:
    write(
        tmp_path, "social_networks", "domains", "# a comment\r\nfacebook.com\r\n\r\n  X.com  \r\n"
    )
    write(tmp_path, "social_networks", "urls", "example.com/forum\n# another\nexample.org/a?f=14")
    write(tmp_path, "social_networks", "usage", "black\n")
    imported = load_ut1(tmp_path)
    [category] = imported.categories
    assert (category.category, category.domains, category.urls, category.bad_lines) == (
        "social_networks",
        2,
        2,
        0,
    )
    assert category.usage == ("black",)
    assert imported.problems == ()
    idx = imported.build()
    assert idx.lookup("www.facebook.com") == {"social_networks"}
    assert idx.lookup("x.com") == {"social_networks"}
    assert idx.lookup("example.org", "/a?f=14") == {"social_networks"}
    assert idx.lookup("example.org", "/a?f=145") == frozenset()
    assert {m.source for m in idx.explain("facebook.com")} == {"ut1:social_networks"}


def test_bad_lines_are_reported_with_file_and_line_and_counted(tmp_path: Path) -> None:
    domains = write(
        tmp_path,
        "games",
        "domains",
        b"good.example\nbad domain.example\nexample..com\n\xff\xfe.example\n"
        b"also-good.example # trailing comment\n",
    )
    urls = write(tmp_path, "games", "urls", "example.com/ok\nexa..mple.com/x\n")
    imported = load_ut1(tmp_path)
    [category] = imported.categories
    assert (category.domains, category.urls, category.bad_lines) == (2, 1, 4)
    assert [str(p) for p in imported.problems] == [
        f"{domains}:2: unexpected text after the entry: 'domain.example'",
        f"{domains}:3: 'example..com' has an empty label",
        f"{domains}:4: not UTF-8 text",
        f"{urls}:2: 'exa..mple.com' has an empty label",
    ]
    idx = imported.build()
    assert idx.lookup("also-good.example") == {"games"}


def test_line_numbers_are_right_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ut1_module, "BLOCK_SIZE", 64)
    lines = [f"host{n}.example" for n in range(1, 200)]
    lines[149] = "bad_host!.example"
    domains = write(tmp_path, "games", "domains", "\n".join(lines) + "\n")
    imported = load_ut1(tmp_path)
    assert [str(p) for p in imported.problems] == [
        f"{domains}:150: 'bad_host!.example' has a character not allowed in a host: '!'"
    ]
    idx = imported.build()
    assert imported.categories[0].domains == 198
    assert idx.lookup("host199.example") == {"games"}
    assert idx.lookup("host1.example") == {"games"}


def test_many_bad_lines_are_capped_but_all_counted(tmp_path: Path) -> None:
    write(tmp_path, "junk", "domains", "".join(f"bad entry {n}\n" for n in range(80)))
    imported = load_ut1(tmp_path)
    assert imported.categories[0].bad_lines == 80
    assert len(imported.problems) == ut1_module.MAX_PROBLEMS_PER_FILE + 1
    assert str(imported.problems[-1]).endswith("30 more bad lines not shown one by one")


def test_idn_entries_as_unicode_or_punycode(tmp_path: Path) -> None:
    write(tmp_path, "shopping", "domains", "\ufeffbücher.de\nxn--mnchen-3ya.de\n")
    idx = load_ut1(tmp_path).build()
    assert idx.lookup("xn--bcher-kva.de") == {"shopping"}
    assert idx.lookup("www.münchen.de") == {"shopping"}


def test_ip_entries_in_plain_blocks(tmp_path: Path) -> None:
    write(tmp_path, "adult", "domains", "example.com\n118.123.4.224\nexample.123\n")
    idx = load_ut1(tmp_path).build()
    assert idx.lookup("118.123.4.224") == {"adult"}
    assert idx.lookup("x.118.123.4.224") == frozenset()
    assert idx.lookup("www.example.123") == {"adult"}


def test_aliases_by_symlink_and_by_name_file(tmp_path: Path) -> None:
    write(tmp_path, "adult", "domains", "adult.example\n")
    write(tmp_path, "agressif", "domains", "fight.example\n")
    (tmp_path / "porn").write_text("adult", encoding="utf-8")
    os.symlink("agressif", tmp_path / "violence")
    (tmp_path / "README").write_text("", encoding="utf-8")
    (tmp_path / "SOURCE.md").write_text("# where this comes from\n", encoding="utf-8")
    everything = load_ut1(tmp_path)
    assert everything.aliases == {"porn": "adult", "violence": "agressif"}
    assert [c.category for c in everything.categories] == ["adult", "agressif"]
    asked = load_ut1(tmp_path, ["porn", "violence"])
    assert [(c.category, c.folder) for c in asked.categories] == [
        ("porn", "adult"),
        ("violence", "agressif"),
    ]
    idx = asked.build()
    assert idx.lookup("adult.example") == {"porn"}
    assert {m.source for m in idx.explain("fight.example")} == {"ut1:agressif"}


def test_unknown_categories_and_invalid_names_are_problems(tmp_path: Path) -> None:
    write(tmp_path, "games", "domains", "game.example\n")
    write(tmp_path, "Bad Name", "domains", "x.example\n")
    imported = load_ut1(tmp_path, ["games", "missing", "Bad Name"])
    assert [c.category for c in imported.categories] == ["games"]
    messages = [str(p) for p in imported.problems]
    assert messages[0] == f"{tmp_path / 'missing'}: no such UT1 category"
    assert "Bad Name" in messages[1]


def test_alias_mapping_renames_categories(tmp_path: Path) -> None:
    write(tmp_path, "drogue", "domains", "drugs.example\n")
    idx = load_ut1(tmp_path, alias={"drogue": "drugs"}).build()
    assert idx.lookup("drugs.example") == {"drugs"}


def test_ignored_files_are_listed(tmp_path: Path) -> None:
    write(tmp_path, "adult", "urls", "adult.example/x\n")
    write(tmp_path, "adult", "expressions", "(sex|porn)\n")
    [category] = load_ut1(tmp_path).categories
    assert category.ignored == ("expressions",)


def test_a_missing_root_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder of UT1 category lists"):
        load_ut1(tmp_path / "nowhere")


def test_lists_combine_with_the_catalogue(tmp_path: Path) -> None:
    write(tmp_path, "social_networks", "domains", "facebook.com\nsmall-network.example\n")
    builder = builtin_catalogue().index()
    idx = load_ut1(tmp_path, builder=builder).build()
    assert idx.lookup("small-network.example") == {"social_networks"}
    assert {(m.source, m.service) for m in idx.explain("facebook.com")} == {
        ("builtin", "Facebook"),
        ("ut1:social_networks", None),
    }


def test_fast_and_line_by_line_paths_agree(tmp_path: Path) -> None:
    hosts = [f"h{n}.site{n % 7}.example" for n in range(3000)]
    write(tmp_path / "a", "cat", "domains", "\n".join(hosts) + "\n")
    write(tmp_path / "b", "cat", "domains", "# forces the slow path\n" + "\n".join(hosts) + "\n")
    fast = load_ut1(tmp_path / "a").build()
    slow = load_ut1(tmp_path / "b").build()
    assert fast.stats.domains == slow.stats.domains == 3000
    for host in ("h5.site5.example", "x.h2999.site3.example", "site1.example", "h5.site4.example"):
        assert fast.lookup(host) == slow.lookup(host)


def test_the_real_ut1_social_networks_list() -> None:
    imported = load_ut1(UT1, ["social_networks"], builder=CategoryIndexBuilder())
    [category] = imported.categories
    assert category.domains > 500
    assert category.bad_lines == 0
    idx = imported.build()
    for host in ("www.facebook.com", "instagram.com", "m.linkedin.com", "mastodon.social"):
        assert "social_networks" in idx.lookup(host), host
    assert idx.lookup("classroom.google.com") == frozenset()
    assert idx.lookup("notfacebook.com") == frozenset()


def test_single_label_entries_are_found_in_plain_blocks(tmp_path: Path) -> None:
    write(tmp_path, "local", "domains", "example.com\nlocalhost\n")
    idx = load_ut1(tmp_path).build()
    assert idx.lookup("localhost") == {"local"}
    assert idx.lookup("www.localhost") == {"local"}
    assert idx.lookup("example.com") == {"local"}
    assert idx.lookup("com") == frozenset()
