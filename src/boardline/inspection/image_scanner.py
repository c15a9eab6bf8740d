"""The image scanner: is a registered district logo or photo in this picture, and where?

Two stages, cheapest first:

1. **Whole-image match (PDQ).** The upload is hashed once, at 256 px, and compared with
   every registered rendering's eight dihedral hashes. A hit within ``pdq_radius`` bits
   is a re-posted photo or logo (resized, recompressed, mirrored, quarter-turned); the
   region is the whole image. Uploads too flat for PDQ (quality at or below 49) skip
   this stage. With the keypoint stage off (the hash path) the upload is decoded at
   256 px only, which JPEG's DCT scaling makes several times cheaper than a full decode.
2. **Partial match (ORB + RANSAC).** For what PDQ cannot see — crops, borders,
   screenshots, small rotations, a logo on a shirt or letterhead — the upload's keypoints
   are verified against every registered logo not already found, and against every
   registered photo while there are at most ``verify_all`` photo views; past that, only
   against the ``candidates`` views that
   :class:`~boardline.inspection.image_keypoints.DescriptorVotes` nominates, so the cost
   stays flat from a few photos to thousands. Photo views are compared only with the
   scene's coarser keypoints (``photo_min_octave``); the finest levels of the upscaled
   scene are there for small logos. The region is the box of the projected reference.

A finding never carries pixels: its evidence names the region and the strength of the
match, and ``scanner`` is the scanner's revision (e.g. ``image/2+pdq31+orb10``), so a
decision can say which scanner, with which thresholds, saw what.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from boardline.inspection.assets import (
    MIN_PDQ_QUALITY,
    AssetKind,
    AssetRegistry,
    fingerprinting_revision,
)
from boardline.inspection.image_hash import HASH_SIDE, PdqIndex, pdq
from boardline.inspection.image_keypoints import (
    DescriptorVotes,
    KeypointConfig,
    KeypointMatch,
    KeypointView,
    scene_features,
    verify,
)
from boardline.inspection.normalise import ImageLimits, NormalisedImage, decode
from boardline.model.events import Finding, FindingKind

SCANNER_VERSION = 2


@dataclass(frozen=True, slots=True)
class ImageScannerConfig:
    pdq_radius: int = 31
    #: Hashes of quality below this are not trusted (PDQ: discard at 49 or less).
    min_quality: int = MIN_PDQ_QUALITY
    keypoints: KeypointConfig = field(default_factory=KeypointConfig)
    #: Turn the keypoint stage off to run the hash path alone.
    use_keypoints: bool = True
    #: Longest side the upload is worked on at (before the keypoint upscale).
    work_side: int = 1024
    #: With at most this many photo views registered, every one is verified; past it,
    #: only the ``candidates`` with most :meth:`DescriptorVotes.votes`.
    verify_all: int = 16
    candidates: int = 16
    limits: ImageLimits = field(default_factory=ImageLimits)


_KIND = {AssetKind.LOGO: FindingKind.DISTRICT_LOGO, AssetKind.PHOTO: FindingKind.DISTRICT_PHOTO}


class ImageScanner:
    """Scans uploads against one registry; build a new scanner when the registry changes."""

    def __init__(self, registry: AssetRegistry, config: ImageScannerConfig | None = None) -> None:
        self.config = config or ImageScannerConfig()
        expected = fingerprinting_revision(self.config.keypoints)
        if registry.images and registry.fingerprinting != expected:
            msg = (
                f"the registry was fingerprinted as {registry.fingerprinting}; "
                f"this scanner reads {expected}: register the pictures again"
            )
            raise ValueError(msg)
        self.registry = registry
        kinds = {a.id: a.kind for a in registry.assets}
        self._owners = [f.asset for f in registry.images]
        self._kinds = [kinds[f.asset] for f in registry.images]
        self._hashes = PdqIndex.build([f.pdq for f in registry.images])
        self._logo_views: list[tuple[int, KeypointView]] = []
        self._photo_views: list[tuple[int, KeypointView]] = []
        for owner, fingerprints in enumerate(registry.images):
            target = self._logo_views if self._kinds[owner] is AssetKind.LOGO else self._photo_views
            target.extend((owner, view) for view in fingerprints.views)
        self._votes = DescriptorVotes.build([v.descriptors for _, v in self._photo_views])
        k = self.config.keypoints
        self.revision = f"image/{SCANNER_VERSION}+pdq{self.config.pdq_radius}" + (
            f"+orb{k.min_inliers}" if self.config.use_keypoints else ""
        )

    def scan(self, data: bytes, name: str) -> tuple[Finding, ...]:
        """Findings for every registered picture seen in ``data`` (InputError if unreadable)."""
        # The hash path never needs more than PDQ's 512 px, and JPEG's DCT scaling makes a
        # smaller decode several times cheaper; the keypoint path needs the working size.
        side = self.config.work_side if self.config.use_keypoints else HASH_SIDE
        image = decode(data, name, work_side=side, limits=self.config.limits)
        found: dict[int, Finding] = {}
        self._scan_hash(image, found)
        if self.config.use_keypoints and (self._logo_views or self._photo_views):
            self._scan_keypoints(image, found)
        return tuple(sorted(found.values(), key=lambda f: (-f.confidence, f.asset or "")))

    def _finding(
        self, owner: int, confidence: float, region: tuple[int, int, int, int], how: str
    ) -> Finding:
        x, y, w, h = region
        return Finding(
            kind=_KIND[self._kinds[owner]].value,
            confidence=round(confidence, 3),
            asset=self._owners[owner],
            evidence=f"region x={x} y={y} w={w} h={h}; {how}",
            scanner=self.revision,
            region=region,
        )

    def _scan_hash(self, image: NormalisedImage, found: dict[int, Finding]) -> None:
        if not len(self._hashes):
            return
        digest = pdq(image)
        if digest.quality < self.config.min_quality:
            return
        radius = self.config.pdq_radius
        for hit in self._hashes.search(digest.words, radius):
            # 0.99 for an identical hash, falling linearly to 0.69 at the radius.
            confidence = 0.99 - 0.3 * hit.distance / max(radius, 1)
            whole = (0, 0, image.width, image.height)
            found[hit.owner] = self._finding(
                hit.owner, confidence, whole, f"whole image, PDQ distance {hit.distance}/256"
            )

    def _scan_keypoints(self, image: NormalisedImage, found: dict[int, Finding]) -> None:
        config = self.config.keypoints
        scene = scene_features(image.gray(), image.scale, config)
        if len(scene.descriptors) < config.min_inliers:
            return
        coarse = scene.coarse(config.photo_min_octave)
        candidates = [(o, v) for o, v in self._logo_views if o not in found]
        if len(self._photo_views) <= self.config.verify_all:
            candidates.extend((o, v) for o, v in self._photo_views if o not in found)
        else:
            votes = self._votes.votes(coarse)
            order = np.argsort(-votes, kind="stable")[: self.config.candidates]
            candidates.extend(
                self._photo_views[int(i)]
                for i in order
                if votes[i] > 0 and self._photo_views[int(i)][0] not in found
            )
        for owner, view in candidates:
            if owner in found:
                continue
            match = verify(view, scene if self._kinds[owner] is AssetKind.LOGO else coarse, config)
            if match is not None:
                found[owner] = self._finding(owner, _confidence(match, config), match.region,
                                             _how(match, view))  # fmt: skip


def _confidence(match: KeypointMatch, config: KeypointConfig) -> float:
    """0.65 at the inlier threshold, rising to 0.97 at four times it."""
    excess = (match.inliers - config.min_inliers) / (3 * config.min_inliers)
    return 0.65 + 0.32 * min(1.0, max(0.0, excess))


def _how(match: KeypointMatch, view: KeypointView) -> str:
    mirrored = ", mirrored" if view.mirrored else ""
    return (
        f"{match.inliers} keypoints agree on one homography{mirrored}, "
        f"appearance correlation {match.similarity:.2f}"
    )
