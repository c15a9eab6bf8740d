"""District crests drawn by our own code.

The demo district needs a logo to register and the image benchmark needs a logo to look
for, and neither may come from the internet. :func:`cut_bank_crest` draws the demo
district's mark (a shield, a buffalo, a banner and lettering: shapes a real school crest is
made of, which is also what makes crests hard for keypoint matchers — flat colour, few
corners). :func:`other_crest` draws somebody else's crest in the same style, the hardest
honest negative: a letterhead of a neighbouring district must not be taken for ours.
"""

# ruff: noqa: S311 - a seeded generator picks a look-alike crest; nothing here is secret
from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFont

CUT_BANK_NAME = "CUT BANK"
CUT_BANK_MASCOT = "BUFFALOES"

_MAROON = (122, 24, 40, 255)
_GOLD = (231, 178, 42, 255)
_INK = (28, 22, 20, 255)
_CREAM = (250, 244, 228, 255)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(size, 8))


def _shield(width: int, height: int, inset: float) -> list[tuple[float, float]]:
    """A heater shield outline: flat top, straight flanks, a point at the bottom."""
    w, h = width - 2 * inset, height - 2 * inset
    points = [
        (inset, inset),
        (inset + w, inset),
        (inset + w, inset + 0.55 * h),
    ]
    for step in range(1, 12):
        t = step / 12
        points.append((inset + w - 0.5 * w * t, inset + 0.55 * h + 0.45 * h * t**1.4))
    left = [(width - x, y) for x, y in reversed(points[2:-1])]
    return [*points, *left]


def _centered_text(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    text: str,
    size: int,
    fill: tuple[int, int, int, int],
) -> None:
    font = _font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = centre[0] - (right - left) / 2 - left
    y = centre[1] - (bottom - top) / 2 - top
    draw.text((x, y), text, font=font, fill=fill)


def _buffalo(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, s: float, fill: tuple[int, ...]
) -> None:
    """A stylised buffalo in profile: humped body, head low, horns, legs and a tail."""
    body = [
        (cx - 1.0 * s, cy + 0.1 * s),
        (cx - 0.8 * s, cy - 0.45 * s),
        (cx - 0.2 * s, cy - 0.75 * s),
        (cx + 0.35 * s, cy - 0.6 * s),
        (cx + 0.75 * s, cy - 0.2 * s),
        (cx + 0.95 * s, cy + 0.25 * s),
        (cx + 0.7 * s, cy + 0.45 * s),
        (cx - 0.85 * s, cy + 0.45 * s),
    ]
    draw.polygon(body, fill=fill)
    draw.ellipse((cx + 0.65 * s, cy - 0.05 * s, cx + 1.2 * s, cy + 0.5 * s), fill=fill)
    draw.polygon(
        [(cx + 0.8 * s, cy), (cx + 0.7 * s, cy - 0.35 * s), (cx + 0.9 * s, cy - 0.05 * s)],
        fill=_CREAM,
    )
    for x in (-0.75, -0.5, 0.35, 0.6):
        draw.rectangle((cx + x * s, cy + 0.4 * s, cx + (x + 0.14) * s, cy + 0.9 * s), fill=fill)
    draw.line(
        [(cx - 1.0 * s, cy + 0.05 * s), (cx - 1.25 * s, cy + 0.45 * s)],
        fill=fill,
        width=max(2, int(0.07 * s)),
    )
    draw.ellipse((cx + 1.05 * s, cy + 0.25 * s, cx + 1.15 * s, cy + 0.35 * s), fill=_CREAM)


def cut_bank_crest(width: int = 512) -> Image.Image:
    """The demo district's logo as an RGBA image with a transparent background."""
    height = round(width * 1.2)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    u = width / 100
    draw.polygon(_shield(width, height, 2 * u), fill=_INK)
    draw.polygon(_shield(width, height, 5 * u), fill=_MAROON)
    draw.rectangle((5 * u, 5 * u, 95 * u, 30 * u), fill=_GOLD)
    _centered_text(draw, (50 * u, 17.5 * u), CUT_BANK_NAME, int(13 * u), _INK)
    # Chevron and stars under the name band.
    draw.polygon([(5 * u, 34 * u), (50 * u, 48 * u), (95 * u, 34 * u), (95 * u, 40 * u),
                  (50 * u, 54 * u), (5 * u, 40 * u)], fill=_GOLD)  # fmt: skip
    for sx in (18, 82):
        _star(draw, sx * u, 50 * u, 5 * u)
    _buffalo(draw, 46 * u, 66 * u, 17 * u, _CREAM)
    # The mascot ribbon across the lower shield.
    draw.polygon([(0, 92 * u), (100 * u, 92 * u), (94 * u, 102 * u), (100 * u, 112 * u),
                  (0, 112 * u), (6 * u, 102 * u)], fill=_INK)  # fmt: skip
    _centered_text(draw, (50 * u, 102 * u), CUT_BANK_MASCOT, int(11 * u), _GOLD)
    _centered_text(draw, (50 * u, 86 * u), "EST 1911", int(6 * u), _GOLD)
    return image


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    import math

    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=_CREAM)


_OTHER_NAMES = (
    ("VALLEY", "RAMS"),
    ("NORTH FORK", "EAGLES"),
    ("PINE RIDGE", "BEARS"),
    ("RIVERTON", "WOLVES"),
    ("LAKESIDE", "OTTERS"),
    ("BIG SKY", "FALCONS"),
)


def other_crest(seed: int, width: int = 512) -> Image.Image:
    """Another district's crest in the same style (shield, band, animal, ribbon)."""
    rng = random.Random(seed)
    name, mascot = _OTHER_NAMES[seed % len(_OTHER_NAMES)]
    height = round(width * 1.2)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    u = width / 100
    field = (rng.randrange(20, 120), rng.randrange(40, 140), rng.randrange(60, 200), 255)
    accent = (rng.randrange(180, 256), rng.randrange(150, 256), rng.randrange(0, 120), 255)
    draw.polygon(_shield(width, height, 2 * u), fill=_INK)
    draw.polygon(_shield(width, height, 5 * u), fill=field)
    band_top = rng.uniform(4, 12) * u
    draw.rectangle((5 * u, band_top, 95 * u, band_top + 24 * u), fill=accent)
    _centered_text(draw, (50 * u, band_top + 12 * u), name, int(11 * u), _INK)
    for _ in range(rng.randrange(2, 5)):
        x, y, r = rng.uniform(20, 80) * u, rng.uniform(45, 80) * u, rng.uniform(6, 16) * u
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=_CREAM)
        else:
            draw.regular_polygon((x, y, r), rng.randrange(3, 7), rotation=rng.uniform(0, 90),
                                 fill=_CREAM)  # fmt: skip
    draw.rectangle((0, 92 * u, 100 * u, 112 * u), fill=_INK)
    _centered_text(draw, (50 * u, 102 * u), mascot, int(11 * u), accent)
    return image
