"""The registered-document index: excerpts and edited copies found, boilerplate ignored."""

from __future__ import annotations

import numpy as np
import pytest

from boardline.inspection.document_index import DocumentIndex, DocumentIndexBuilder
from boardline.inspection.winnow import Fingerprinter, words
from tests.unit.inspection.documents import document, replace_words

LETTERHEAD = (
    "Cut Bank School District No. 15, 101 Third Avenue SE, Cut Bank, Montana. "
    "Phone 406 873 5544. Educating every student for a successful future."
)
FOOTER = (
    "The district does not discriminate on the basis of race, color, national origin, sex, "
    "disability or age in its programs and activities and provides equal access to the Boy "
    "Scouts and other designated youth groups."
)


def _registry(count: int = 30, *, with_boilerplate: bool = True) -> dict[str, str]:
    docs = {}
    for i in range(count):
        body = document(100 + i, 900)
        docs[f"doc-{i:03d}"] = (
            f"{LETTERHEAD}\n{body}\n{FOOTER}" if with_boilerplate and i % 2 == 0 else body
        )
    return docs


def _index(docs: dict[str, str], **options: int) -> DocumentIndex:
    builder = DocumentIndexBuilder()
    for asset, text in docs.items():
        builder.add(asset, text)
    return builder.build(**options)


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    return _registry()


@pytest.fixture(scope="module")
def index(docs: dict[str, str]) -> DocumentIndex:
    return _index(docs)


def test_a_fifty_word_excerpt_inside_a_new_post_is_found_with_its_span(
    docs: dict[str, str], index: DocumentIndex
) -> None:
    source = docs["doc-007"].split(" ")
    excerpt = " ".join(source[300:352])
    before = document(9001, 120)
    post = f"{before}\n{excerpt}\n{document(9002, 80)}"
    found = index.match(post)
    assert [m.asset for m in found] == ["doc-007"]
    match = found[0]
    assert match.shared >= index.min_shared
    start = post.index(excerpt)
    end = start + len(excerpt)
    # The reported spans lie within the excerpt and cover most of it.
    assert all(start <= s and e <= end for s, e in match.spans)
    assert match.matched_chars > 0.6 * len(excerpt)
    assert match.confidence >= 0.6


def test_a_copy_with_thirty_percent_of_words_changed_is_found(
    docs: dict[str, str], index: DocumentIndex
) -> None:
    edited = replace_words(docs["doc-012"], 0.30, seed=4)
    assert edited != docs["doc-012"]
    found = index.match(edited)
    assert found
    assert found[0].asset == "doc-012"
    assert found[0].coverage > 0.05


def test_unrelated_documents_match_nothing(index: DocumentIndex) -> None:
    for seed in range(5000, 5040):
        assert index.match(document(seed, 900)) == []


def test_boilerplate_shared_by_many_documents_is_ignored(index: DocumentIndex) -> None:
    # Letterhead and footer are in 15 of the 30 documents: past the default of 8.
    assert index.match(f"{LETTERHEAD}\n{FOOTER}") == []
    assert index.match(f"{LETTERHEAD}\n{document(77, 300)}\n{FOOTER}") == []


def test_boilerplate_below_the_threshold_would_have_matched() -> None:
    few = _registry(6)  # letterhead/footer in 3 documents only
    index = _index(few)
    assert {m.asset for m in index.match(f"{LETTERHEAD}\n{FOOTER}")} == {
        "doc-000",
        "doc-002",
        "doc-004",
    }


def test_a_boilerplate_list_is_ignored_even_in_one_document() -> None:
    builder = DocumentIndexBuilder()
    builder.add("letter", f"{LETTERHEAD}\n{document(1, 200)}\n{FOOTER}")
    builder.add_boilerplate(LETTERHEAD)
    builder.add_boilerplate(FOOTER)
    index = builder.build()
    assert index.match(f"{LETTERHEAD} and then {FOOTER}") == []
    assert [m.asset for m in index.match(document(1, 200))] == ["letter"]


def test_stored_fingerprints_register_like_text() -> None:
    text = document(3, 500)
    from_text = DocumentIndexBuilder()
    from_text.add("a", text)
    from_hashes = DocumentIndexBuilder()
    from_hashes.add_fingerprints("a", Fingerprinter().fingerprints(text).hashes)
    assert from_text.build().revision == from_hashes.build().revision


def test_revision_changes_with_the_registered_documents(docs: dict[str, str]) -> None:
    one = _index(dict(list(docs.items())[:5]))
    two = _index(dict(list(docs.items())[:6]))
    assert one.revision != two.revision
    assert one.revision == _index(dict(list(docs.items())[:5])).revision
    assert one.revision.startswith("winnow/1 k=5 w=4 index=")


def test_registering_an_asset_twice_is_refused() -> None:
    builder = DocumentIndexBuilder()
    builder.add("a", "one two three four five six")
    with pytest.raises(ValueError, match="registered twice"):
        builder.add("a", "seven eight nine ten eleven twelve")


def test_index_is_compact(index: DocumentIndex) -> None:
    assert index.postings > 0
    # 8-byte key and 4-byte document number per posting, little else.
    assert index.nbytes < 13 * index.postings + 8 * 4096 + 4 * len(index)


def test_empty_index_and_empty_text() -> None:
    empty = DocumentIndexBuilder().build()
    assert empty.match(document(1, 100)) == []
    assert _index({"a": document(1, 100)}).match("") == []


def test_unicode_text_offsets_point_into_the_original() -> None:
    handbook = document(21, 300).replace("student", "élève")
    index = _index({"hb": handbook})
    excerpt = " ".join(handbook.split(" ")[50:120])
    post = "Ｐｏｓｔ — " + excerpt.upper()
    (match,) = index.match(post)
    start, end = match.spans[0]
    assert words(post[start:end])[0] in words(excerpt)
    assert np.isclose(match.containment, 1.0, atol=0.15)


def test_postings_at_the_end_of_the_index_count_once() -> None:
    builder = DocumentIndexBuilder()
    text = document(8, 400)
    builder.add("only", text)
    index = builder.build()
    (match,) = index.match(text)
    assert match.shared == match.reference_fingerprints == match.query_fingerprints
    assert match.coverage == 1.0


def test_the_bucket_table_finds_the_rows_a_binary_search_finds() -> None:
    rng = np.random.default_rng(6)
    extremes = np.array([0, 1, 2**63, 2**64 - 2, 2**64 - 1], dtype=np.uint64)
    for count in (1, 7, 1000, 40_000):
        keys = rng.integers(0, 2**64, size=count, dtype=np.uint64)
        builder = DocumentIndexBuilder()
        builder.add_fingerprints("a", np.concatenate([keys, extremes[1:4]]))
        index = builder.build()
        queries = np.unique(
            np.concatenate(
                [
                    keys[:50],
                    keys[:50] + np.uint64(1),
                    extremes,
                    rng.integers(0, 2**64, 500, dtype=np.uint64),
                ]
            )
        )
        expected = np.searchsorted(index._keys, queries)
        assert index._first_at_least(queries).tolist() == expected.tolist()
