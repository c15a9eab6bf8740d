"""The district asset registry: what the district owns, and the fingerprints to find it by.

Policy 5460 forbids posting "district data, documents, photographs, logos". The registry
lists those things as :class:`Asset` records (id, kind, label, and a revision: the
content hash of the file that was registered) and, for pictures, keeps what the image
scanner compares uploads with — never the pictures themselves:

* PDQ hashes: the hashes of the eight dihedral transforms of each rendering (a logo is
  rendered flattened onto white and onto black), dropped when PDQ's quality says the
  picture is too flat;
* ORB keypoints and descriptors of the plain and the mirrored rendering, at a fixed
  reference size.

An SVG logo is rendered to a transparent PNG first (:mod:`boardline.inspection.svg`)
and then fingerprinted like any other transparent logo.

Fingerprints are computed here, once, at registration; scanning never recomputes them.
The registry is an immutable value: adding or removing an asset returns a new registry
with a new revision, so a running scanner swaps registries by replacing one reference.

Storage is an adapter's job, but the format is defined here so every adapter agrees:
:meth:`AssetRegistry.encode` gives one compressed ``.npz`` (numpy arrays plus a JSON
header, no pickles). A photo takes about 31 KB (two views of up to 400 descriptors with
their points, and two 48 x 48 thumbnails) — roughly 310 MB in memory for 10,000 photos;
the PDQ part alone is 2.5 MB.
Document and data-source assets are listed here too; their fingerprints belong to the
document and confidential-data scanners.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from boardline.inspection.image_hash import HASH_SIDE, HASH_WORDS, pdq_dihedral
from boardline.inspection.image_keypoints import (
    DESCRIPTOR_BYTES,
    THUMB,
    KeypointConfig,
    KeypointView,
    reference_view,
)
from boardline.inspection.normalise import ImageLimits, NormalisedImage, decode, fit
from boardline.inspection.svg import is_svg, rasterise_svg
from boardline.model.errors import InputError

FORMAT = "boardline-assets/1"
_ARRAYS = ("header", "pdq", "points", "descriptors", "thumbs", "masks")
#: PDQ quality at or below which a hash is discarded (ThreatExchange's recommendation).
MIN_PDQ_QUALITY = 50


class AssetKind(StrEnum):
    LOGO = "logo"
    PHOTO = "photo"
    DOCUMENT = "document"
    DATA_SOURCE = "data_source"


IMAGE_KINDS = frozenset({AssetKind.LOGO, AssetKind.PHOTO})


def content_revision(data: bytes) -> str:
    """The revision of a registered file: its SHA-256, shortened."""
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Asset:
    id: str
    kind: AssetKind
    label: str
    revision: str


@dataclass(frozen=True, slots=True)
class ImageFingerprints:
    """What the scanner needs to recognise one registered picture."""

    asset: str
    #: k x 4 uint64 PDQ hashes (8 per rendering), or an empty array when too flat.
    pdq: np.ndarray
    quality: int
    views: tuple[KeypointView, ...]


def _renderings(
    kind: AssetKind, data: bytes, name: str, config: KeypointConfig, limits: ImageLimits
) -> list[NormalisedImage]:
    side = max(config.reference_side, 1024)
    if is_svg(data, name):
        data = rasterise_svg(data, name, side)
    white = decode(data, name, work_side=side, limits=limits)
    if kind is AssetKind.LOGO and white.had_alpha:
        return [white, decode(data, name, work_side=side, background=(0, 0, 0), limits=limits)]
    return [white]


def fingerprint_image(
    asset: Asset,
    data: bytes,
    name: str,
    config: KeypointConfig | None = None,
    limits: ImageLimits | None = None,
) -> ImageFingerprints:
    """Hash and describe a logo or photo being registered (InputError if unreadable)."""
    if asset.kind not in IMAGE_KINDS:
        msg = f"{asset.id} is a {asset.kind.value}, not a picture"
        raise InputError.at(name, msg, field="kind")
    config = config or KeypointConfig()
    hashes: list[np.ndarray] = []
    quality = 0
    views: list[KeypointView] = []
    for rendering, image in enumerate(
        _renderings(asset.kind, data, name, config, limits or ImageLimits())
    ):
        dihedral, q = pdq_dihedral(image)
        quality = max(quality, q)
        if q >= MIN_PDQ_QUALITY:
            hashes.append(dihedral)
        if rendering:
            # The dark-background rendering differs from the light one only outside the
            # logo, where the appearance check does not look: its keypoints would double
            # the matching cost for nothing. It adds PDQ hashes only.
            continue
        gray = fit(image.gray(), config.reference_side)
        alpha = None if image.alpha is None else fit(image.alpha, config.reference_side)
        views.extend(reference_view(gray, config, mirrored=m, alpha=alpha) for m in (False, True))
    pdq = np.concatenate(hashes) if hashes else np.zeros((0, HASH_WORDS), np.uint64)
    if not len(pdq) and all(len(v.descriptors) < config.min_inliers for v in views):
        msg = "the picture is too flat to recognise (no usable hash, too few keypoints)"
        raise InputError.at(name, msg, field="image")
    return ImageFingerprints(asset.id, pdq, quality, tuple(views))


@dataclass(frozen=True, slots=True)
class AssetRegistry:
    """Registered assets in registration order, with the fingerprints of the pictures."""

    assets: tuple[Asset, ...] = ()
    images: tuple[ImageFingerprints, ...] = ()
    #: Which fingerprinting produced ``images``; a scanner refuses a mismatch.
    fingerprinting: str = field(default="")

    @property
    def revision(self) -> str:
        digest = hashlib.sha256(self.fingerprinting.encode())
        for asset in self.assets:
            digest.update(f"\0{asset.id}\0{asset.kind}\0{asset.revision}".encode())
        return digest.hexdigest()[:16]

    def get(self, asset_id: str) -> Asset | None:
        return next((a for a in self.assets if a.id == asset_id), None)

    def add(self, asset: Asset, fingerprints: ImageFingerprints | None = None) -> AssetRegistry:
        """A registry with ``asset`` added (replacing an asset of the same id)."""
        if fingerprints is not None and fingerprints.asset != asset.id:
            msg = f"fingerprints of {fingerprints.asset} offered for {asset.id}"
            raise ValueError(msg)
        base = self.remove(asset.id)
        images = base.images + ((fingerprints,) if fingerprints is not None else ())
        return replace(base, assets=(*base.assets, asset), images=images)

    def remove(self, asset_id: str) -> AssetRegistry:
        return replace(
            self,
            assets=tuple(a for a in self.assets if a.id != asset_id),
            images=tuple(f for f in self.images if f.asset != asset_id),
        )

    def add_image(
        self,
        asset: Asset,
        data: bytes,
        name: str,
        config: KeypointConfig | None = None,
    ) -> AssetRegistry:
        config = config or KeypointConfig()
        stamped = replace(self, fingerprinting=fingerprinting_revision(config))
        if self.images and self.fingerprinting != stamped.fingerprinting:
            msg = f"registry fingerprinted as {self.fingerprinting}, not {stamped.fingerprinting}"
            raise ValueError(msg)
        return stamped.add(asset, fingerprint_image(asset, data, name, config))

    def encode(self) -> bytes:
        """The registry as one compressed ``.npz`` (no pickles): see the module docstring."""
        views = [v for f in self.images for v in f.views]
        header = {
            "format": FORMAT,
            "fingerprinting": self.fingerprinting,
            "assets": [
                {"id": a.id, "kind": a.kind.value, "label": a.label, "revision": a.revision}
                for a in self.assets
            ],
            "images": [
                {
                    "asset": f.asset,
                    "quality": f.quality,
                    "hashes": len(f.pdq),
                    "views": [
                        {
                            "width": v.width,
                            "height": v.height,
                            "mirrored": v.mirrored,
                            "points": len(v.points),
                        }
                        for v in f.views
                    ],
                }
                for f in self.images
            ],
        }
        out = io.BytesIO()
        np.savez_compressed(
            out,
            header=np.frombuffer(json.dumps(header).encode(), np.uint8),
            pdq=_stack([f.pdq for f in self.images], (0, HASH_WORDS), np.uint64),
            points=_stack([v.points for v in views], (0, 2), np.float32),
            descriptors=_stack([v.descriptors for v in views], (0, DESCRIPTOR_BYTES), np.uint8),
            thumbs=_stack([v.thumb[None] for v in views], (0, THUMB, THUMB), np.uint8),
            masks=_stack([v.mask[None] for v in views], (0, THUMB, THUMB), np.uint8),
        )
        return out.getvalue()

    @classmethod
    def decode(cls, data: bytes, name: str) -> AssetRegistry:
        """Read :meth:`encode`'s output; InputError naming the field on anything malformed."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                arrays = {k: archive[k] for k in _ARRAYS}
            header = json.loads(arrays["header"].tobytes().decode())
        except (KeyError, ValueError, OSError, EOFError, UnicodeDecodeError) as error:
            raise InputError.at(name, f"not an asset registry: {error}", field="archive") from None
        return _from_arrays(header, arrays, name)


def fingerprinting_revision(config: KeypointConfig) -> str:
    orb = f"orb{config.reference_side}x{config.reference_features}L{config.pyramid_levels}"
    return f"pdq{HASH_SIDE}x8+{orb}"


def _stack(parts: Iterable[np.ndarray], empty: tuple[int, ...], dtype: type) -> np.ndarray:
    blocks: list[np.ndarray] = [np.asarray(p, dtype) for p in parts if len(p)]
    return np.concatenate(blocks) if blocks else np.zeros(empty, dtype)


def _from_arrays(header: object, arrays: dict[str, np.ndarray], name: str) -> AssetRegistry:
    def bad(where: str, message: str) -> InputError:
        return InputError.at(name, message, field=where)

    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise bad("header.format", f"expected {FORMAT}")
    try:
        assets = tuple(
            Asset(str(a["id"]), AssetKind(a["kind"]), str(a["label"]), str(a["revision"]))
            for a in header["assets"]
        )
        pdq, points, descriptors = arrays["pdq"], arrays["points"], arrays["descriptors"]
        if (
            pdq.ndim != 2
            or pdq.shape[1] != HASH_WORDS
            or descriptors.ndim != 2
            or (
                descriptors.shape[1] != DESCRIPTOR_BYTES or points.ndim != 2 or points.shape[1] != 2
            )
        ):
            raise bad("arrays", "array shapes do not match the format")
        thumbs, masks = arrays["thumbs"], arrays["masks"]
        if thumbs.shape[1:] != (THUMB, THUMB) or masks.shape != thumbs.shape:
            raise bad("thumbs", "thumbnail arrays do not match the format")
        images: list[ImageFingerprints] = []
        h = p = t = 0
        for i, entry in enumerate(header["images"]):
            count = int(entry["hashes"])
            views: list[KeypointView] = []
            for view in entry["views"]:
                n = int(view["points"])
                if p + n > len(points) or p + n > len(descriptors) or n < 0 or t >= len(thumbs):
                    raise bad(f"images[{i}].views", "more views than the arrays hold")
                views.append(KeypointView(points[p : p + n], descriptors[p : p + n],
                                          int(view["width"]), int(view["height"]),
                                          bool(view["mirrored"]), thumbs[t], masks[t]))  # fmt: skip
                p += n
                t += 1
            if h + count > len(pdq) or count < 0:
                raise bad(f"images[{i}].hashes", "more hashes than the array holds")
            images.append(ImageFingerprints(str(entry["asset"]), pdq[h : h + count],
                                            int(entry["quality"]), tuple(views)))  # fmt: skip
            h += count
    except InputError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise bad("header", f"malformed registry header: {error}") from None
    known = {a.id for a in assets}
    stray = [f.asset for f in images if f.asset not in known]
    if stray:
        raise bad("images", f"fingerprints for unregistered assets: {', '.join(stray)}")
    return AssetRegistry(assets, tuple(images), str(header.get("fingerprinting", "")))


__all__ = [
    "Asset",
    "AssetKind",
    "AssetRegistry",
    "ImageFingerprints",
    "content_revision",
    "fingerprint_image",
]
