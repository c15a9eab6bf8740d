"""PDQ hashing and the exact radius index."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from boardline.inspection.image_hash import HASH_WORDS, PdqIndex, hamming, pdq, pdq_dihedral
from boardline.inspection.image_testset import synthetic_photo
from boardline.inspection.normalise import decode


def _decoded(image: Image.Image, quality: int = 85):  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return decode(out.getvalue(), "photo.jpg")


def test_resized_recompressed_and_mirrored_copies_stay_close_unrelated_ones_do_not() -> None:
    photo = synthetic_photo(1, (640, 480))
    registered, quality = pdq_dihedral(_decoded(photo, 95))
    assert registered.shape == (8, HASH_WORDS)
    assert quality >= 50
    small = pdq(_decoded(photo.resize((320, 240)), 40))
    mirrored = pdq(_decoded(ImageOps.mirror(photo)))
    other = pdq(_decoded(synthetic_photo(2, (640, 480))))
    assert hamming(registered, small.words).min() <= 31
    assert hamming(registered, mirrored.words).min() <= 31
    assert hamming(registered[:1], mirrored.words).min() > 31  # only via the dihedral set
    assert hamming(registered, other.words).min() > 31


def test_flat_images_have_low_quality() -> None:
    assert pdq(_decoded(Image.new("RGB", (300, 300), (120, 130, 140)))).quality < 50


def test_index_returns_each_owner_once_nearest_first() -> None:
    rng = np.random.default_rng(5)
    hashes = rng.integers(0, 2**63, (10_000 * 8, HASH_WORDS), dtype=np.uint64)
    index = PdqIndex.build([hashes[i * 8 : (i + 1) * 8] for i in range(10_000)])
    assert len(index) == 80_000
    query = hashes[4242 * 8 + 3].copy()
    query[0] ^= np.uint64(0b1011)  # 3 bits away from owner 4242's fourth hash
    hits = index.search(query, 31)
    assert [(h.owner, h.distance) for h in hits] == [(4242, 3)]
    assert index.search(rng.integers(0, 2**63, HASH_WORDS, dtype=np.uint64), 31) == []


def test_owners_without_hashes_are_skipped_and_empty_indexes_answer_nothing() -> None:
    one = np.zeros((1, HASH_WORDS), np.uint64)
    index = PdqIndex.build([None, np.zeros((0, HASH_WORDS), np.uint64), one])
    assert [h.owner for h in index.search(one[0], 0)] == [2]
    assert PdqIndex.build([]).search(one[0], 31) == []
