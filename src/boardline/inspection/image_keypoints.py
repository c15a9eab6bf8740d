"""Partial matches: a logo on a shirt, a photo inside a screenshot, a cropped copy.

A global hash describes the whole frame, so anything that changes the frame (a crop, a
border, a window around the picture, a logo occupying 1% of a photo) defeats it. Local
features do not care about the frame: ORB finds corners in the registered picture and in
the upload, pairs them by descriptor (with Lowe's ratio test to drop ambiguous pairs), and
RANSAC looks for one homography that carries many pairs onto each other. A match is
accepted only when that homography is also *plausible*: it keeps orientation (mirrored
copies are matched against a mirrored reference instead), it maps the reference onto a
convex quadrilateral of sensible size and proportions, and the agreeing points are spread
over a fair part of the reference rather than bunched on one detail. The research behind
this (``dlp-anchors.md`` section 2) found the plausibility check matters more than the
inlier count: without it, spurious homographies appear on logo-free photos.

Small logos: below about 60 px nothing keypoint-based works; at ~80 px ORB finds a logo
only if the scene is upscaled first, because ORB's pyramid only goes down from the
image size. The scene is therefore upscaled (2x by default) and one ORB pass with a deep
pyramid serves both logos (fine scales) and photos (coarse scales).

Reference descriptors are computed once at registration; a scan extracts the scene's once
and verifies it against a few candidates chosen by :class:`DescriptorVotes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

DESCRIPTOR_BYTES = 32


@dataclass(frozen=True, slots=True)
class KeypointConfig:
    """Knobs of the keypoint matcher; the defaults are the benchmarked ones."""

    #: Longest side a registered picture's features are taken at.
    reference_side: int = 640
    reference_features: int = 400
    #: Scene features for a 1 MP working image (scaled with the working area).
    scene_features: int = 3000
    #: Scene upscaling so ~80 px logos have corners at ORB's finest scale.
    upscale: float = 2.0
    pyramid_levels: int = 10
    fast_threshold: int = 12
    ratio: float = 0.8
    ransac_px: float = 6.0
    min_inliers: int = 10
    #: Fewer agreeing points are accepted when the appearance agrees closely: a ~100 px
    #: logo among a letterhead's text keeps only a handful of its corners in the scene's
    #: keypoint budget, while a look-alike crest never correlates above ~0.65 (bench).
    few_inliers: int = 5
    few_similarity: float = 0.85
    #: Models fitted per view before giving up (each without the last one's points).
    attempts: int = 3
    #: Zero-mean correlation between the reference and the scene region warped back onto
    #: it: the check that the geometry found is the registered picture, not a look-alike.
    min_similarity: float = 0.8
    #: Smallest plausible side of a found copy, in pixels of the scanned image.
    min_side_px: float = 30.0
    #: Photo views are matched only against scene keypoints from this pyramid level up:
    #: the finest levels of the upscaled scene are there for small logos, and skipping
    #: them halves the scene a photo view is compared with.
    photo_min_octave: int = 3


#: Side of the small grey rendering kept per view for the appearance check.
THUMB = 48
_GRID = 8


@dataclass(frozen=True, slots=True)
class KeypointView:
    """One registered rendering (plain, mirrored, on black...) as points and descriptors."""

    points: np.ndarray  # n x 2 float32, reference pixels
    descriptors: np.ndarray  # n x 32 uint8
    width: int
    height: int
    mirrored: bool = False
    #: THUMB x THUMB grey rendering and the mask of its opaque pixels (255 = compare).
    thumb: np.ndarray = field(default_factory=lambda: np.zeros((THUMB, THUMB), np.uint8))
    mask: np.ndarray = field(default_factory=lambda: np.full((THUMB, THUMB), 255, np.uint8))


@dataclass(frozen=True, slots=True)
class SceneFeatures:
    """The scanned image's features, with the factor from original pixels to scene pixels."""

    points: np.ndarray
    descriptors: np.ndarray
    width: int
    height: int
    factor: float
    #: The grey scene the points are in (for the appearance check).
    gray: np.ndarray
    #: ORB pyramid level each keypoint was found at (0 = the finest).
    octaves: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    def coarse(self, min_octave: int) -> SceneFeatures:
        """Only the keypoints found at pyramid level ``min_octave`` or coarser."""
        if min_octave <= 0 or not len(self.octaves):
            return self
        keep = self.octaves >= min_octave
        return replace(self, points=self.points[keep], descriptors=self.descriptors[keep],
                       octaves=self.octaves[keep])  # fmt: skip


@dataclass(frozen=True, slots=True)
class KeypointMatch:
    inliers: int
    similarity: float
    #: x, y, w, h in the scanned image's own pixels.
    region: tuple[int, int, int, int]


def _orb(config: KeypointConfig, features: int) -> cv2.ORB:
    return cv2.ORB.create(
        nfeatures=max(features, 50),
        scaleFactor=1.2,
        nlevels=config.pyramid_levels,
        edgeThreshold=19,
        patchSize=19,
        fastThreshold=config.fast_threshold,
    )


def _arrays(
    keypoints: Sequence[cv2.KeyPoint], descriptors: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    if descriptors is None or not keypoints:
        return np.zeros((0, 2), np.float32), np.zeros((0, DESCRIPTOR_BYTES), np.uint8)
    points = np.array([k.pt for k in keypoints], np.float32)
    return points, np.asarray(descriptors, np.uint8)


def _spread(
    keypoints: Sequence[cv2.KeyPoint], width: int, height: int, keep: int
) -> list[cv2.KeyPoint]:
    """The strongest keypoints per cell of a grid, so a crop cannot remove them all.

    ORB keeps the strongest corners of the whole picture, which in a photo bunch on its
    busiest part (a building's windows); crop that part away and nothing is left to match.
    """
    per_cell = max(1, keep // (_GRID * _GRID))
    cells: dict[tuple[int, int], list[cv2.KeyPoint]] = {}
    for k in sorted(keypoints, key=lambda k: -k.response):
        cell = (
            min(_GRID - 1, int(k.pt[0] * _GRID / width)),
            min(_GRID - 1, int(k.pt[1] * _GRID / height)),
        )
        bucket = cells.setdefault(cell, [])
        if len(bucket) < per_cell:
            bucket.append(k)
    chosen = [k for bucket in cells.values() for k in bucket]
    if len(chosen) < keep:  # cells without texture leave budget: give it to the strongest rest
        taken = {id(k) for k in chosen}
        rest = [k for k in sorted(keypoints, key=lambda k: -k.response) if id(k) not in taken]
        chosen.extend(rest[: keep - len(chosen)])
    return chosen


def _thumb(gray: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.resize(gray, (THUMB, THUMB), interpolation=cv2.INTER_AREA))


def reference_view(
    gray: np.ndarray, config: KeypointConfig, *, mirrored: bool, alpha: np.ndarray | None = None
) -> KeypointView:
    """Features of one rendering of a registered picture (already at reference size)."""
    if mirrored:
        gray = np.ascontiguousarray(gray[:, ::-1])
        alpha = None if alpha is None else np.ascontiguousarray(alpha[:, ::-1])
    height, width = gray.shape[:2]
    orb = _orb(config, 4 * config.reference_features)
    found = orb.detect(gray, None)
    chosen = _spread(found, width, height, config.reference_features)
    keypoints, descriptors = orb.compute(gray, chosen)
    points, descriptors = _arrays(keypoints, descriptors)
    mask = np.full((THUMB, THUMB), 255, np.uint8)
    if alpha is not None:
        mask = np.where(_thumb(alpha) >= 128, 255, 0).astype(np.uint8)
    return KeypointView(points, descriptors, width, height, mirrored, _thumb(gray), mask)


def scene_features(gray: np.ndarray, scale: float, config: KeypointConfig) -> SceneFeatures:
    """Features of the scanned image; ``scale`` is working pixels per original pixel."""
    up = config.upscale
    if up != 1.0:
        size = (round(gray.shape[1] * up), round(gray.shape[0] * up))
        gray = np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR))
    area = gray.shape[0] * gray.shape[1] / (up * up)
    budget = int(config.scene_features * max(area / 1_000_000, 0.25))
    keypoints, descriptors = _orb(config, budget).detectAndCompute(gray, None)
    points, descriptors = _arrays(keypoints, descriptors)
    octaves = np.array([k.octave for k in keypoints] if len(points) else [], np.int32)
    return SceneFeatures(
        points, descriptors, gray.shape[1], gray.shape[0], scale * up, gray, octaves
    )


def _quad_ok(
    quad: np.ndarray, view: KeypointView, scene: SceneFeatures, config: KeypointConfig
) -> bool:
    if not np.all(np.isfinite(quad)):
        return False
    edges = np.roll(quad, -1, axis=0) - quad
    turn = np.roll(edges, -1, axis=0)
    cross = edges[:, 0] * turn[:, 1] - edges[:, 1] * turn[:, 0]
    if not (np.all(cross > 0) or np.all(cross < 0)):
        return False  # not convex, or folded over
    lengths = np.hypot(edges[:, 0], edges[:, 1])
    if lengths.min() < config.min_side_px * scene.factor:
        return False
    if max(lengths[0] / lengths[2], lengths[2] / lengths[0]) > 2.5:
        return False
    if max(lengths[1] / lengths[3], lengths[3] / lengths[1]) > 2.5:
        return False
    aspect = ((lengths[0] + lengths[2]) / (lengths[1] + lengths[3])) / (view.width / view.height)
    if not 1 / 2.5 <= aspect <= 2.5:
        return False
    area = 0.5 * abs(
        float(np.sum(quad[:, 0] * np.roll(quad[:, 1], -1) - np.roll(quad[:, 0], -1) * quad[:, 1]))
    )
    return area <= 4.0 * scene.width * scene.height


def similarity(view: KeypointView, scene: SceneFeatures, homography: np.ndarray) -> float:
    """Zero-mean correlation of the reference with the scene region warped back onto it.

    Only reference pixels that are opaque (logos) and that fall inside the scene (crops)
    are compared. Correlation ignores brightness and contrast, so a logo printed darker on
    a shirt still scores high; a different crest of the same shape and layout does not.
    """
    to_reference = np.diag([view.width / THUMB, view.height / THUMB, 1.0])
    warp = homography @ to_reference
    # Sample at 2x the thumbnail and average down, so a large scene region is not aliased.
    size = (2 * THUMB, 2 * THUMB)
    half = warp @ np.diag([0.5, 0.5, 1.0])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    region = cv2.warpPerspective(scene.gray, half, size, flags=flags, borderValue=0)
    inside = cv2.warpPerspective(np.full(scene.gray.shape, 255, np.uint8), half, size,
                                 flags=flags, borderValue=0)  # fmt: skip
    region = cv2.resize(region, (THUMB, THUMB), interpolation=cv2.INTER_AREA)
    inside = cv2.resize(inside, (THUMB, THUMB), interpolation=cv2.INTER_AREA)
    use = (inside >= 250) & (view.mask > 0)
    if use.sum() < 0.25 * THUMB * THUMB * max(float((view.mask > 0).mean()), 0.1):
        return 0.0
    a = view.thumb[use].astype(np.float64)
    b = region[use].astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / norm) if norm > 0 else 0.0


def verify(
    view: KeypointView, scene: SceneFeatures, config: KeypointConfig
) -> KeypointMatch | None:
    """Find ``view`` in the scene with a plausible homography, or None."""
    least = min(config.min_inliers, config.few_inliers)
    if len(view.descriptors) < least or len(scene.descriptors) < least:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(view.descriptors, scene.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < config.ratio * p[1].distance]
    # One scene point answers for one reference point: a rule line or a repeated glyph
    # otherwise attracts dozens of matches and RANSAC "agrees" on collapsing onto it.
    best: dict[int, cv2.DMatch] = {}
    for m in good:
        if m.trainIdx not in best or m.distance < best[m.trainIdx].distance:
            best[m.trainIdx] = m
    good = list(best.values())
    if len(good) < least:
        return None
    source = view.points[[m.queryIdx for m in good]]
    target = scene.points[[m.trainIdx for m in good]]
    # A cluttered scene (a letterhead full of text) can hold a bigger consensus than the
    # logo; when the best model fails the checks, drop its points and look again.
    for _ in range(config.attempts):
        if len(source) < least:
            return None
        found, used = _fit(view, scene, source, target, config)
        if found is not None:
            return found
        if used is None:
            return None
        source, target = source[~used], target[~used]
    return None


def _fit(
    view: KeypointView,
    scene: SceneFeatures,
    source: np.ndarray,
    target: np.ndarray,
    config: KeypointConfig,
) -> tuple[KeypointMatch | None, np.ndarray | None]:
    """One robust fit: the match if it passes every check, else the points it used."""
    # A similarity (rotation, one scale, shift) rather than a full homography: what
    # happens to a picture on the way to a post is almost always that, two points fix it,
    # and fitted to a cluster of points it extrapolates sanely to the whole frame, where a
    # homography fitted to one busy corner of a photo swings wildly.
    model, mask = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=config.ransac_px,
        maxIters=2000, confidence=0.995, refineIters=10,
    )  # fmt: skip
    if model is None or mask is None:
        return None, None
    used = mask.ravel().astype(bool)
    count = int(used.sum())
    if count < min(config.min_inliers, config.few_inliers):
        return None, None
    homography = np.vstack([model, [0.0, 0.0, 1.0]])
    if float(np.linalg.det(homography[:2, :2])) <= 1e-6:
        return None, used
    corners = np.array(
        [[0, 0], [view.width, 0], [view.width, view.height], [0, view.height]], np.float32
    ).reshape(-1, 1, 2)
    quad = cv2.perspectiveTransform(corners, homography).reshape(4, 2)
    if not _quad_ok(quad, view, scene, config):
        return None, used
    alike = similarity(view, scene, homography)
    needed = config.min_similarity if count >= config.min_inliers else config.few_similarity
    if alike < needed:
        return None, used
    x0, y0 = np.clip(quad.min(axis=0), 0, [scene.width, scene.height]) / scene.factor
    x1, y1 = np.clip(quad.max(axis=0), 0, [scene.width, scene.height]) / scene.factor
    region = (int(x0), int(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))
    return KeypointMatch(count, alike, region), used


class DescriptorVotes:
    """Pick which registered pictures are worth verifying, without comparing them all.

    Every reference descriptor is filed under each of its eight 32-bit words. A scene
    descriptor looks up its own eight words and is compared in full with every reference
    descriptor it shares a word with (multi-index hashing with exact word probes: a true
    correspondence within ~15 bits keeps a word intact most of the time). It then votes
    for the view of its nearest reference descriptor, but only when that one is within
    ``max_distance`` bits and clearly nearer than the nearest descriptor of any *other*
    view (Lowe's ratio test, across the registry).

    The ratio test is what makes the vote work at district scale. Counting every view
    within reach, as a first version did, lets generic texture (a window grid, foliage)
    vote for hundreds of photos that share it; with 1,008 registered photos the photo
    really in the scene was then rarely among the first six, and no crop, border or
    rotation was found. With the ratio test it is the most-voted view for about two
    thirds of those samples and among the first 16 for 140 of 144 (the benchmark's
    ``--distractors 1000``). The votes are few (a correspondence beyond ~25 bits rarely
    keeps a 32-bit word intact), which is why the scanner verifies 16 views rather
    than trusting the first. Words filed more than ``max_postings`` times carry little
    and would cost much, so they are not filed.
    """

    __slots__ = ("_descriptors", "_max_distance", "_owner_count", "_owners", "_ratio", "_rows",
                 "_values")  # fmt: skip

    WORDS = DESCRIPTOR_BYTES // 4

    def __init__(
        self,
        descriptors: np.ndarray,
        owners: np.ndarray,
        values: list[np.ndarray],
        rows: list[np.ndarray],
        owner_count: int,
        max_distance: int,
        ratio: float,
    ) -> None:
        self._descriptors = descriptors
        self._owners = owners
        self._values = values
        self._rows = rows
        self._owner_count = owner_count
        self._max_distance = max_distance
        self._ratio = ratio

    @classmethod
    def build(
        cls,
        per_owner: Sequence[np.ndarray],
        max_postings: int = 32,
        max_distance: int = 32,
        ratio: float = 0.8,
    ) -> DescriptorVotes:
        """From each owner's descriptors (n x 32 uint8; an owner is one reference view)."""
        owners = np.concatenate(
            [np.full(len(d), i, np.int32) for i, d in enumerate(per_owner)]
            or [np.zeros(0, np.int32)]
        )
        stacked = np.ascontiguousarray(
            np.concatenate(
                [np.asarray(d, np.uint8).reshape(-1, DESCRIPTOR_BYTES) for d in per_owner]
                or [np.zeros((0, DESCRIPTOR_BYTES), np.uint8)]
            )
        )
        words = stacked.view("<u4")
        values: list[np.ndarray] = []
        rows: list[np.ndarray] = []
        for w in range(cls.WORDS):
            column = words[:, w].astype(np.uint32)
            order = np.argsort(column, kind="stable").astype(np.int32)
            sorted_values = column[order]
            _, inverse, counts = np.unique(sorted_values, return_inverse=True, return_counts=True)
            keep = counts[inverse] <= max_postings
            values.append(sorted_values[keep])
            rows.append(order[keep])
        packed = stacked.view("<u8")
        return cls(packed, owners, values, rows, len(per_owner), max_distance, ratio)

    def votes(self, scene: SceneFeatures) -> np.ndarray:
        """Votes per owner: scene descriptors whose distinct nearest match is its."""
        if not len(scene.descriptors) or not self._owner_count:
            return np.zeros(self._owner_count, np.int64)
        query = np.ascontiguousarray(scene.descriptors)
        scene_idx, ref_idx = self._candidates(query)
        if not len(scene_idx):
            return np.zeros(self._owner_count, np.int64)
        distance = np.bitwise_count(query.view("<u8")[scene_idx] ^ self._descriptors[ref_idx])
        distance = distance.sum(axis=1)
        owner = self._owners[ref_idx]
        order = np.lexsort((distance, scene_idx))
        scene_idx, owner, distance = scene_idx[order], owner[order], distance[order]
        starts = np.r_[True, scene_idx[1:] != scene_idx[:-1]]
        first = np.flatnonzero(starts)
        group = np.cumsum(starts) - 1
        best_owner, best = owner[first], distance[first]
        # The nearest descriptor of any other view (none: far beyond any distance).
        rival = np.where(owner != best_owner[group], distance, 10 * 8 * DESCRIPTOR_BYTES)
        second = np.minimum.reduceat(rival, first)
        voting = (best <= self._max_distance) & (best < self._ratio * second)
        return np.bincount(best_owner[voting], minlength=self._owner_count)

    def _candidates(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct (query row, reference row) pairs sharing at least one 32-bit word."""
        words = query.view("<u4")
        found: list[np.ndarray] = []
        for w in range(self.WORDS):
            values = self._values[w]
            if not len(values):
                continue
            lo = np.searchsorted(values, words[:, w], side="left")
            hi = np.searchsorted(values, words[:, w], side="right")
            counts = hi - lo
            total = int(counts.sum())
            if not total:
                continue
            scene_idx = np.repeat(np.arange(len(query), dtype=np.int64), counts)
            sorted_pos = np.repeat(lo, counts) + (
                np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            )
            found.append(scene_idx * len(self._owners) + self._rows[w][sorted_pos])
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        pairs = np.unique(np.concatenate(found))
        return pairs // len(self._owners), pairs % len(self._owners)
