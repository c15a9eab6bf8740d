"""The compact index answers exactly what a naive reference answers, for random lists.

The reference keeps entries in a Python set-like list and walks the host's
suffixes: the obvious implementation of the rules in
:mod:`boardline.categories.matching` and :mod:`boardline.categories.overrides`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.categories import CategoryIndexBuilder, load_ut1
from boardline.categories import ut1 as ut1_module
from boardline.model.errors import InputError
from boardline.policy.pack import CategoryOverride

LABELS = ["a", "b", "ab", "c-d", "x_1", "xn--bcher-kva", "9"]
CATEGORIES = ["c1", "c2", "c3"]
SEGMENTS = ["p", "q", "pq"]
PARAMS = ["f=1", "f=14", "g=2"]

domains = st.lists(st.sampled_from(LABELS), min_size=1, max_size=3).map(".".join)
# The pack's CategoryOverride pattern does not allow "_".
override_domains = st.lists(
    st.sampled_from([label for label in LABELS if "_" not in label]), min_size=1, max_size=3
).map(".".join)
paths = st.lists(st.sampled_from(SEGMENTS), max_size=3).map(lambda s: "/".join(["", *s]))
params = st.lists(st.sampled_from(PARAMS), max_size=2, unique=True)


@dataclass(frozen=True)
class Url:
    host: str
    path: str
    params: tuple[str, ...]

    @property
    def text(self) -> str:
        query = "?" + "&".join(self.params) if self.params else ""
        return f"{self.host}{self.path or '/'}{query}"


urls = st.builds(Url, domains, paths, params.map(tuple))


def suffixes(host: str) -> list[str]:
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def path_matches(entry: Url, path: str, query: set[str]) -> bool:
    inside = not entry.path or path == entry.path or path.startswith(entry.path + "/")
    return inside and all(p in query for p in entry.params)


def reference(
    domain_entries: list[tuple[str, str]],
    url_entries: list[tuple[Url, str]],
    overrides: list[tuple[str, str, bool]],
    host: str,
    path: str,
    query: set[str],
) -> set[str]:
    around = suffixes(host)
    found = {category for domain, category in domain_entries if domain in around}
    found |= {c for url, c in url_entries if url.host in around and path_matches(url, path, query)}
    for category in CATEGORIES:
        deciding = [
            (domain.count("."), -n, add)
            for n, (domain, c, add) in enumerate(overrides)
            if c == category and domain in around
        ]
        if deciding:
            if max(deciding)[2]:
                found.add(category)
            else:
                found.discard(category)
    return found


@settings(max_examples=200, deadline=None)
@given(
    domain_entries=st.lists(st.tuples(domains, st.sampled_from(CATEGORIES)), max_size=12),
    url_entries=st.lists(st.tuples(urls, st.sampled_from(CATEGORIES)), max_size=6),
    overrides=st.lists(
        st.tuples(override_domains, st.sampled_from(CATEGORIES), st.booleans()), max_size=4
    ),
    hosts=st.lists(st.tuples(domains, paths, params), min_size=1, max_size=10),
    exact=st.sampled_from([True, False]),
    cache=st.sampled_from([0, 8]),
)
def test_index_equals_reference(
    domain_entries: list[tuple[str, str]],
    url_entries: list[tuple[Url, str]],
    overrides: list[tuple[str, str, bool]],
    hosts: list[tuple[str, str, list[str]]],
    exact: bool,
    cache: int,
) -> None:
    builder = CategoryIndexBuilder(exact=exact)
    for domain, category in domain_entries:
        builder.add_domain(domain, category, "list")
    for url, category in url_entries:
        builder.add_url(url.text, category, "list")
    index = builder.build(cache_size=cache).with_overrides(
        CategoryOverride(
            domain=domain,
            add_to=(category,) if add else (),
            remove_from=() if add else (category,),
            reason="test",
        )
        for domain, category, add in overrides
    )
    for host, path, query in hosts:
        full = path + ("?" + "&".join(query) if query else "")
        expected = reference(domain_entries, url_entries, overrides, host, path, set(query))
        for spelling in (host, host.upper() + ".", f"{host}:8080"):
            assert index.lookup(spelling, full) == expected, (spelling, full)
        assert {m.category for m in index.explain(host, full)} == expected


line_entries = st.one_of(
    domains,
    domains.map(str.upper),
    domains.map(lambda d: d + "."),
    domains.map(lambda d: "." + d),
    st.sampled_from(
        ["192.0.2.7", "2001:db8::1", "localhost", "# comment", "", "bad entry", "a..b"]
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(line_entries, max_size=40),
    hosts=st.lists(domains, min_size=1, max_size=10),
    block=st.sampled_from([16, 64, 1 << 20]),
    crlf=st.booleans(),
)
def test_ut1_reader_equals_entry_by_entry(
    lines: list[str], hosts: list[str], block: int, crlf: bool
) -> None:
    """Reading a file in blocks (fast and line-by-line paths) adds what add_domain would."""
    reference = CategoryIndexBuilder()
    bad = 0
    for line in lines:
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        try:
            if " " in entry:
                raise InputError.at("x", "two words")
            reference.add_domain(entry, "cat", "ut1:cat")
        except InputError:
            bad += 1
    expected = reference.build()
    saved = ut1_module.BLOCK_SIZE
    ut1_module.BLOCK_SIZE = block
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "cat"
            folder.mkdir()
            newline = "\r\n" if crlf else "\n"
            (folder / "domains").write_bytes(newline.join(lines).encode("utf-8"))
            imported = load_ut1(Path(tmp))
    finally:
        ut1_module.BLOCK_SIZE = saved
    assert imported.bad_lines == bad
    index = imported.build()
    for host in [*hosts, "192.0.2.7", "2001:db8::1", "localhost", "x.localhost"]:
        assert index.lookup(host) == expected.lookup(host), host
