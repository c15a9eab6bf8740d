"""ORB matching with geometric and appearance checks, and candidate votes."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

from boardline.inspection.image_keypoints import (
    DescriptorVotes,
    KeypointConfig,
    reference_view,
    scene_features,
    verify,
)
from boardline.inspection.image_testset import synthetic_photo
from boardline.inspection.logo_art import cut_bank_crest, other_crest

CONFIG = KeypointConfig()


def _gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def _crest_on(
    scene: Image.Image, crest: Image.Image, width: int, at: tuple[int, int]
) -> Image.Image:
    small = crest.resize((width, round(crest.height * width / crest.width)))
    out = scene.copy()
    out.paste(small, at, small)
    return out


def _logo_view(mirrored: bool = False):  # type: ignore[no-untyped-def]
    crest = cut_bank_crest(512)
    flat = Image.new("RGB", crest.size, (255, 255, 255))
    flat.paste(crest, (0, 0), crest)
    gray = _gray(flat.resize((533, 640)))
    alpha = np.asarray(crest.getchannel("A").resize((533, 640)))
    return reference_view(gray, CONFIG, mirrored=mirrored, alpha=alpha)


def test_a_small_logo_in_a_photo_is_found_with_its_region() -> None:
    scene = _crest_on(synthetic_photo(7), cut_bank_crest(512), 120, (600, 300))
    features = scene_features(_gray(scene), 1.0, CONFIG)
    match = verify(_logo_view(), features, CONFIG)
    assert match is not None
    x, y, w, h = match.region
    assert abs(x - 600) <= 12
    assert abs(y - 300) <= 12
    assert abs(w - 120) <= 15
    assert abs(h - 144) <= 18
    assert match.similarity >= CONFIG.min_similarity


def test_a_look_alike_crest_and_a_plain_photo_are_not_the_logo() -> None:
    view = _logo_view()
    for crest_seed in range(1, 4):
        scene = _crest_on(synthetic_photo(8), other_crest(crest_seed), 200, (400, 250))
        assert verify(view, scene_features(_gray(scene), 1.0, CONFIG), CONFIG) is None
    plain = scene_features(_gray(synthetic_photo(9)), 1.0, CONFIG)
    assert verify(view, plain, CONFIG) is None


def test_a_mirrored_copy_matches_the_mirrored_view_only() -> None:
    scene = ImageOps.mirror(_crest_on(synthetic_photo(10), cut_bank_crest(512), 200, (300, 200)))
    features = scene_features(_gray(scene), 1.0, CONFIG)
    assert verify(_logo_view(mirrored=True), features, CONFIG) is not None


def test_votes_favour_the_view_whose_descriptors_are_in_the_scene() -> None:
    rng = np.random.default_rng(3)
    views = [rng.integers(0, 256, (300, 32), dtype=np.uint8) for _ in range(5)]
    votes = DescriptorVotes.build(views)
    scene_descriptors = views[3][:120].copy()
    scene_descriptors[:, 0] ^= 0b101  # a few bits changed in one word; seven stay intact
    from boardline.inspection.image_keypoints import SceneFeatures

    scene = SceneFeatures(
        np.zeros((120, 2), np.float32), scene_descriptors, 10, 10, 1.0, np.zeros((10, 10), np.uint8)
    )
    tally = votes.votes(scene)
    assert int(tally.argmax()) == 3
    assert tally[3] == 120
    assert tally.sum() == 120


def test_a_descriptor_as_close_to_two_views_votes_for_neither() -> None:
    # Generic texture: the same corners in two registered pictures say nothing about
    # which of them is in the scene (the ratio test across the registry).
    rng = np.random.default_rng(4)
    shared = rng.integers(0, 256, (80, 32), dtype=np.uint8)
    own = rng.integers(0, 256, (40, 32), dtype=np.uint8)
    views = [
        np.concatenate([shared, own]),
        shared.copy(),
        rng.integers(0, 256, (120, 32), np.uint8),
    ]
    votes = DescriptorVotes.build(views)
    from boardline.inspection.image_keypoints import SceneFeatures

    scene = SceneFeatures(
        np.zeros((120, 2), np.float32),
        np.concatenate([shared, own]),
        10,
        10,
        1.0,
        np.zeros((10, 10), np.uint8),
    )
    assert votes.votes(scene).tolist() == [40, 0, 0]
