"""Decoding uploads: orientation, transparency, limits, and bad bytes as InputError."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from boardline.inspection.normalise import ImageLimits, decode, fit
from boardline.model.errors import InputError


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def _half_red() -> Image.Image:
    """Red on the left half, blue on the right: orientation is visible."""
    pixels = np.zeros((40, 80, 3), np.uint8)
    pixels[:, :40] = (255, 0, 0)
    pixels[:, 40:] = (0, 0, 255)
    return Image.fromarray(pixels, "RGB")


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: the viewer turns it 90 degrees clockwise
    image = decode(_jpeg(_half_red(), exif=exif.tobytes()), "phone.jpg")
    assert (image.width, image.height) == (40, 80)
    assert image.rgb.shape[:2] == (80, 40)
    top, bottom = image.rgb[5, 20], image.rgb[75, 20]
    assert top[0] > 200
    assert top[2] < 60
    assert bottom[2] > 200
    assert bottom[0] < 60


def test_transparency_is_flattened_onto_the_background() -> None:
    rgba = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    rgba.paste((10, 20, 30, 255), (5, 5, 15, 15))
    on_white = decode(_png(rgba), "logo.png")
    on_black = decode(_png(rgba), "logo.png", background=(0, 0, 0))
    assert on_white.had_alpha
    assert on_white.alpha is not None
    assert tuple(on_white.rgb[0, 0]) == (255, 255, 255)
    assert tuple(on_black.rgb[0, 0]) == (0, 0, 0)
    assert tuple(on_white.rgb[10, 10]) == (10, 20, 30)
    assert on_white.alpha[0, 0] == 0
    assert on_white.alpha[10, 10] == 255


def test_large_images_are_shrunk_to_the_working_side_with_the_scale_kept() -> None:
    image = decode(_png(Image.new("RGB", (2000, 1000), (90, 90, 90))), "big.png", work_side=500)
    assert image.rgb.shape[:2] == (250, 500)
    assert (image.width, image.height) == (2000, 1000)
    assert image.scale == pytest.approx(0.25)
    assert fit(image.rgb, 100).shape[:2] == (50, 100)


def _png_claiming(width: int, height: int) -> bytes:
    """A valid tiny PNG whose header is rewritten to claim another size."""
    data = bytearray(_png(Image.new("L", (4, 4))))
    ihdr = bytearray(data[12:29])
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def test_decompression_bombs_are_refused_before_decoding() -> None:
    # Past Pillow's own bomb threshold: its check fires on opening.
    with pytest.raises(InputError, match="decompression bomb") as error:
        decode(_png_claiming(60_000, 60_000), "bomb.png")
    assert error.value.problems[0].place.file == "bomb.png"
    assert error.value.problems[0].place.field == "image"
    # Under Pillow's threshold but over ours (50 megapixels): our limit fires.
    with pytest.raises(InputError, match="over the limits"):
        decode(_png_claiming(9_000, 9_000), "tall.png")
    with pytest.raises(InputError, match="over the limits"):
        decode(_png_claiming(100, 100), "small.png", limits=ImageLimits(max_pixels=5_000))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"hello, this is text", "not an image"),
        (b"%PDF-1.7\n", "not an image"),
    ],
)
def test_non_images_are_input_errors(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode(data, "upload.bin")


def test_oversized_uploads_are_refused() -> None:
    with pytest.raises(InputError, match="byte limit"):
        decode(b"x" * 2000, "huge.jpg", limits=ImageLimits(max_bytes=1000))


def test_truncated_files_are_input_errors() -> None:
    photo = Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8))
    for data in (_png(photo), _jpeg(photo)):
        with pytest.raises(InputError, match="corrupt or truncated") as error:
            decode(data[: len(data) // 2], "cut.img")
        assert "cut.img" in str(error.value)


_SEEDS = {
    "png": _png(Image.fromarray(np.random.default_rng(2).integers(0, 255, (24, 24, 3), np.uint8))),
    "jpeg": _jpeg(
        Image.fromarray(np.random.default_rng(3).integers(0, 255, (24, 24, 3), np.uint8))
    ),
}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(InputError):
        decode(data, "fuzz.bin")


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(_SEEDS)),
    st.integers(min_value=0, max_value=2000),
    st.binary(min_size=0, max_size=16),
    st.integers(min_value=0, max_value=2000),
)
def test_truncated_or_corrupted_images_never_crash(
    kind: str, cut: int, junk: bytes, at: int
) -> None:
    original = _SEEDS[kind]
    data = original[: min(cut, len(original))]
    position = min(at, len(data))
    data = data[:position] + junk + data[position + len(junk) :]
    try:
        image = decode(data, "fuzz.img")
    except InputError:
        return
    assert image.rgb.dtype == np.uint8
    assert image.rgb.ndim == 3
