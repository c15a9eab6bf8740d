"""The asset registry: fingerprints at registration, revisions, and its file format."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from boardline.inspection.assets import (
    Asset,
    AssetKind,
    AssetRegistry,
    content_revision,
    fingerprint_image,
)
from boardline.inspection.image_testset import synthetic_photo
from boardline.inspection.logo_art import cut_bank_crest
from boardline.model.errors import InputError


def _bytes(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


LOGO = _bytes(cut_bank_crest(400), "PNG")
PHOTO = _bytes(synthetic_photo(4, (640, 480)), "JPEG")


def _registry() -> AssetRegistry:
    registry = AssetRegistry()
    registry = registry.add_image(
        Asset("logo", AssetKind.LOGO, "Crest", content_revision(LOGO)), LOGO, "crest.png"
    )
    registry = registry.add_image(
        Asset("photo", AssetKind.PHOTO, "Team", content_revision(PHOTO)), PHOTO, "team.jpg"
    )
    return registry.add(Asset("handbook", AssetKind.DOCUMENT, "Handbook", "abc"))


def test_a_transparent_logo_is_fingerprinted_on_white_and_black() -> None:
    registry = _registry()
    logo, photo = registry.images
    assert len(logo.pdq) == 16  # eight dihedral hashes per rendering
    assert len(photo.pdq) == 8
    assert [v.mirrored for v in logo.views] == [False, True]
    assert all(len(v.descriptors) >= 100 for v in logo.views + photo.views)
    assert logo.views[0].mask.min() == 0  # the transparent corners are not compared


def test_revisions_follow_content_and_membership() -> None:
    registry = _registry()
    assert registry.revision == _registry().revision
    smaller = registry.remove("photo")
    assert smaller.revision != registry.revision
    assert [a.id for a in smaller.assets] == ["logo", "handbook"]
    assert [f.asset for f in smaller.images] == ["logo"]
    replaced = registry.add(Asset("handbook", AssetKind.DOCUMENT, "Handbook", "def"))
    assert replaced.revision != registry.revision
    assert replaced.get("handbook") == Asset("handbook", AssetKind.DOCUMENT, "Handbook", "def")


def test_encode_and_decode_round_trip() -> None:
    registry = _registry()
    back = AssetRegistry.decode(registry.encode(), "assets.npz")
    assert back.assets == registry.assets
    assert back.revision == registry.revision
    for mine, theirs in zip(registry.images, back.images, strict=True):
        assert mine.asset == theirs.asset
        assert mine.quality == theirs.quality
        assert np.array_equal(mine.pdq, theirs.pdq)
        for a, b in zip(mine.views, theirs.views, strict=True):
            assert np.array_equal(a.points, b.points)
            assert np.array_equal(a.descriptors, b.descriptors)
            assert np.array_equal(a.thumb, b.thumb)
            assert np.array_equal(a.mask, b.mask)
            assert (a.width, a.height, a.mirrored) == (b.width, b.height, b.mirrored)


def test_malformed_registries_are_input_errors() -> None:
    with pytest.raises(InputError, match="not an asset registry"):
        AssetRegistry.decode(b"not a zip", "assets.npz")
    out = io.BytesIO()
    arrays = {k: np.zeros(1) for k in ("pdq", "points", "descriptors", "thumbs", "masks")}
    np.savez(out, header=np.frombuffer(b'{"format": "other"}', np.uint8), **arrays)
    with pytest.raises(InputError, match=r"header\.format"):
        AssetRegistry.decode(out.getvalue(), "assets.npz")


def test_only_pictures_are_fingerprinted_and_flat_ones_are_refused() -> None:
    with pytest.raises(InputError, match="not a picture"):
        fingerprint_image(Asset("h", AssetKind.DOCUMENT, "H", "r"), PHOTO, "h.pdf")
    flat = _bytes(Image.new("RGB", (200, 200), (30, 60, 90)), "PNG")
    with pytest.raises(InputError, match="too flat"):
        fingerprint_image(Asset("f", AssetKind.PHOTO, "F", "r"), flat, "flat.png")
