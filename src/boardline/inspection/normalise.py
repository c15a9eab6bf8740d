"""Decode image bytes into the arrays the matchers compare, or say precisely why not.

Every matcher downstream compares the registered asset with the upload *through the same
code path*: perceptual hashes drift by several bits between resizers and decoders, so the
registry and the scanner both come through here. What is done, and why:

* **Limits before decoding.** The header's dimensions are checked against explicit limits
  before a single pixel is decoded (a 40,000 x 40,000 PNG is a few kilobytes and would
  need 4.8 GB). Pillow's own ``MAX_IMAGE_PIXELS`` bomb check stays on as a second line.
* **Only the formats a post carries** (JPEG, PNG, GIF, WebP, BMP, TIFF) are opened, so an
  exotic decoder cannot be reached through an upload.
* **EXIF orientation applied**, so a phone photo stored sideways matches its upright copy.
* **Transparency flattened** onto white (what a browser shows on a light page); logos are
  registered flattened onto black too, for the dark-background cases.
* **Downscaled early**: JPEG's DCT scaling (``draft``) decodes a 12 MP photo at a fraction
  of the cost, and the matchers never need more than ``work_side`` pixels.

Anything that goes wrong while decoding — truncated data, a corrupt chunk, a decoder
raising something unexpected — becomes an :class:`~boardline.model.errors.InputError` naming
the file and the field, never a crash.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from boardline.model.errors import InputError

#: Formats a staff member's post plausibly carries; everything else is refused unopened.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """Explicit bounds on what the scanner agrees to decode."""

    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 50_000_000
    max_side: int = 20_000


@dataclass(frozen=True, slots=True)
class NormalisedImage:
    """An upright, opaque RGB picture at working size, with the factor back to the original."""

    name: str
    #: Upright size of the decoded image, before working-size scaling.
    width: int
    height: int
    #: H x W x 3 uint8, longest side at most the requested working side.
    rgb: np.ndarray
    #: ``rgb`` pixels per original pixel (<= 1).
    scale: float
    had_alpha: bool
    #: H x W uint8 opacity at working size, for pictures that had transparency.
    alpha: np.ndarray | None = None

    def gray(self) -> np.ndarray:
        """Luminance (ITU-R BT.601 weights, as OpenCV computes it)."""
        return np.asarray(cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY))

    def downscaled(self, side: int) -> np.ndarray:
        """RGB with the longest side at most ``side``: what the hashes are computed on."""
        return fit(self.rgb, side)


def fit(pixels: np.ndarray, side: int) -> np.ndarray:
    """Shrink (never enlarge) so the longest side is at most ``side``; area-averaged."""
    height, width = pixels.shape[:2]
    longest = max(height, width)
    if longest <= side:
        return pixels
    factor = side / longest
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA))


def _problem(name: str, message: str) -> InputError:
    return InputError.at(name, message, field="image")


def _open(data: bytes, name: str, limits: ImageLimits) -> Image.Image:
    if not data:
        raise _problem(name, "the upload is empty")
    if len(data) > limits.max_bytes:
        raise _problem(name, f"{len(data):,} bytes is over the {limits.max_bytes:,}-byte limit")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise _problem(name, f"not an image in a supported format ({', '.join(FORMATS)})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _problem(name, f"refused as a decompression bomb: {error}") from None
    except Exception as error:
        raise _problem(name, f"unreadable image header: {error}") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _problem(name, f"the image claims a size of {width}x{height}")
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise _problem(
            name,
            f"{width}x{height} is over the limits ({limits.max_side:,} px a side, "
            f"{limits.max_pixels:,} pixels)",
        )
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Apply EXIF orientation; a broken EXIF block is ignored, not fatal."""
    try:
        turned = ImageOps.exif_transpose(image)
    except Exception:
        return image
    return turned if turned is not None else image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (
        image.mode == "P" and "transparency" in image.info
    )


def decode(
    data: bytes,
    name: str,
    *,
    work_side: int = 1024,
    background: tuple[int, int, int] = (255, 255, 255),
    limits: ImageLimits | None = None,
) -> NormalisedImage:
    """Decode, orient, flatten and shrink an image; raise InputError on anything bad."""
    limits = limits or ImageLimits()
    image = _open(data, name, limits)
    width, height = image.size
    try:
        if image.format == "JPEG":
            # DCT-domain downscaling: never below work_side, so nothing is lost to us.
            # (draft keeps both sides at or above the box it is given, so the box must
            # have the image's own proportions.)
            factor = min(1.0, work_side / max(width, height))
            image.draft("RGB", (max(1, int(width * factor)), max(1, int(height * factor))))
        decoded_size = image.size
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        upright = _upright(image)
        had_alpha = _has_alpha(upright)
        rgb = flatten(upright, background) if had_alpha else upright.convert("RGB")
        opacity = upright.convert("RGBA").getchannel("A") if had_alpha else None
        # Pillow's resampling is several times faster than OpenCV's INTER_AREA at
        # non-integer ratios, and the hash path is mostly this resize.
        rgb = _shrink(rgb, work_side)
        pixels = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
        alpha = None if opacity is None else np.asarray(_shrink(opacity, work_side))
    except Exception as error:
        raise _problem(name, f"the image data is corrupt or truncated: {error}") from None
    if upright.size != decoded_size:  # EXIF turned it a quarter: the file's sides swap
        width, height = height, width
    scale = pixels.shape[1] / width
    return NormalisedImage(name, width, height, pixels, scale, had_alpha, alpha)


def _shrink(image: Image.Image, side: int) -> Image.Image:
    longest = max(image.size)
    if longest <= side:
        return image
    factor = side / longest
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """Composite a transparent image onto a solid background (alpha-weighted)."""
    rgba = image.convert("RGBA")
    base = Image.new("RGBA", rgba.size, (*background, 255))
    return Image.alpha_composite(base, rgba).convert("RGB")
