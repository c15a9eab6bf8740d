"""SVG logos: rasterised at registration, then found in photos like any other logo."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from boardline.inspection.assets import Asset, AssetKind, AssetRegistry, content_revision
from boardline.inspection.image_scanner import ImageScanner
from boardline.inspection.image_testset import encode, synthetic_photo
from boardline.inspection.svg import is_svg, rasterise_svg
from boardline.model.errors import InputError
from boardline.model.events import FindingKind

# A shield with a chevron, three stars, a ring and a banner: a district mark drawn as
# vectors only (no text, so the rendering does not depend on installed fonts).
SVG_LOGO = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 240" width="200" height="240">
  <defs>
    <polygon id="star" points="0,-12 3,-4 11,-4 5,1 7,10 0,5 -7,10 -5,1 -11,-4 -3,-4"/>
  </defs>
  <path d="M10 10 H190 V120 C190 185 140 215 100 232 C60 215 10 185 10 120 Z"
        fill="#0b3d2e" stroke="#d9a400" stroke-width="8"/>
  <path d="M22 130 L100 70 L178 130 L178 156 L100 96 L22 156 Z" fill="#d9a400"/>
  <use href="#star" x="55" y="40" fill="#ffffff"/>
  <use href="#star" x="100" y="32" fill="#ffffff"/>
  <use href="#star" x="145" y="40" fill="#ffffff"/>
  <circle cx="100" cy="172" r="26" fill="none" stroke="#ffffff" stroke-width="6"/>
  <rect x="86" y="158" width="28" height="28" fill="#a3122a" transform="rotate(45 100 172)"/>
  <path d="M30 200 L70 188 L70 206 L30 218 Z M170 200 L130 188 L130 206 L170 218 Z"
        fill="#a3122a"/>
</svg>
"""


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "RGBA"
        return image.size


def test_an_svg_renders_to_a_transparent_png_with_its_longest_side_given() -> None:
    assert _png_size(rasterise_svg(SVG_LOGO, "crest.svg", 600)) == (500, 600)
    wide = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100">'
        b'<rect width="300" height="100"/></svg>'
    )
    assert _png_size(rasterise_svg(wide, "bar.svg", 600)) == (600, 200)


def test_svg_is_recognised_by_name_or_by_its_first_tag() -> None:
    assert is_svg(SVG_LOGO, "upload.bin")
    assert is_svg(b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>", "x")
    assert is_svg(b"", "Crest.SVG")
    assert not is_svg(encode(synthetic_photo(1, (64, 48))), "photo.jpg")


def test_a_registered_svg_logo_is_found_small_inside_a_photo() -> None:
    registry = AssetRegistry().add_image(
        Asset("crest-svg", AssetKind.LOGO, "Crest (SVG)", content_revision(SVG_LOGO)),
        SVG_LOGO,
        "crest.svg",
    )
    (fingerprints,) = registry.images
    assert len(fingerprints.pdq) == 16  # rendered transparent: on white and on black
    # What a staff member posts: a raster export of the mark, printed on a photo.
    export = Image.open(io.BytesIO(rasterise_svg(SVG_LOGO, "export.svg", 150)))
    scene = synthetic_photo(21)
    scene.paste(export, (560, 260), export)
    scanner = ImageScanner(registry)
    findings = scanner.scan(encode(scene), "game.jpg")
    assert [(f.asset, f.kind) for f in findings] == [("crest-svg", FindingKind.DISTRICT_LOGO.value)]
    x, y, w, h = findings[0].region
    assert abs(x - 560) <= 15
    assert abs(y - 260) <= 15
    assert abs(w - 125) <= 20
    assert abs(h - 150) <= 20
    assert scanner.scan(encode(synthetic_photo(22)), "other.jpg") == ()


@pytest.mark.parametrize(
    ("svg", "reason"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/hosts"/></svg>',
         "refers to another file"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
         b'<image xlink:href = "logo.png"/></svg>', "refers to another file"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(file:///x)"/></svg>',
         "refers to another file"),
        (b"<svg><style>@import 'x.css';</style></svg>", "refers to another file"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect", "cannot be rendered"),
        (b"\x1f\x8b\x08\x00", "svgz"),
        ("<svg>\u00e9</svg>".encode("latin-1"), "only UTF-8"),
        (b"", "empty"),
    ],
)  # fmt: skip
def test_bad_or_reaching_svgs_are_input_errors_naming_the_file(svg: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as raised:
        rasterise_svg(svg, "crest.svg")
    assert "crest.svg" in str(raised.value)


def test_registering_an_svg_that_reads_another_file_is_refused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/hosts"/></svg>'
    with pytest.raises(InputError, match="refers to another file"):
        AssetRegistry().add_image(Asset("x", AssetKind.LOGO, "X", "r"), svg, "x.svg")
