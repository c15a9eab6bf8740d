"""Vector logos: an SVG is rasterised once, at registration, and fingerprinted as a picture.

A district's marks often exist only as SVG, while what staff post is always a raster (a
PNG export, a photo of a banner). So the registry renders the SVG to a transparent PNG
whose longest side is :data:`SVG_SIDE` and fingerprints that like any transparent logo
(flattened on white and on black, PDQ and ORB views); the scanner never sees vectors.

Rendering is resvg (through ``resvg-py``: Rust, memory-safe, shipped as a binary wheel
with no system library), called as a pure function of the bytes. Two things would make
it reach outside them, and both are handled here:

* **References to other files.** resvg reads an ``<image href="/path">`` from disk, so
  an SVG that refers to anything but itself (``#id``) or embedded ``data:`` is refused
  with an :class:`~boardline.model.errors.InputError` rather than rendered: a registered
  logo must not be a way to read the server's files.
* **Fonts.** ``<text>`` is drawn with the fonts installed on the machine that registers
  the logo, so a logo whose lettering is live text fingerprints slightly differently on
  another machine. Designers' files usually carry text as outlines; when they do not,
  the geometry of the mark still matches, and the lettering is what varies.

Only UTF-8 SVG is read (``.svgz`` and other encodings are refused with a reason).
"""

from __future__ import annotations

import re

import resvg_py

from boardline.model.errors import InputError

#: Longest side of the rendering; the registry fingerprints at 640-1024 px.
SVG_SIDE = 1024
MAX_SVG_BYTES = 5 * 1024 * 1024

# An href or url() whose target is not a fragment of this document or inline data, or a
# stylesheet import: anything resvg would resolve by reading a file.
_OUTSIDE = re.compile(
    rb"""href\s*=\s*["']\s*(?!\#|data:)[^"'\s]"""
    rb"""|url\(\s*["']?\s*(?!\#|data:)[^)"'\s]"""
    rb"""|@import""",
    re.IGNORECASE,
)


def is_svg(data: bytes, name: str) -> bool:
    """Whether a file to register is an SVG (by name, or by its first tag)."""
    if name.lower().endswith((".svg", ".svgz")):
        return True
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<svg") or (head.startswith((b"<?xml", b"<!--")) and b"<svg" in head)


def rasterise_svg(data: bytes, name: str, side: int = SVG_SIDE) -> bytes:
    """The SVG as a transparent PNG whose longest side is ``side`` (InputError if not)."""

    def problem(message: str) -> InputError:
        return InputError.at(name, message, field="svg")

    if not data:
        raise problem("the file is empty")
    if len(data) > MAX_SVG_BYTES:
        raise problem(f"{len(data):,} bytes is over the {MAX_SVG_BYTES:,}-byte limit for an SVG")
    if data[:2] == b"\x1f\x8b":
        raise problem("compressed SVG (.svgz) is not read: register the uncompressed .svg")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise problem(f"only UTF-8 SVG is read ({error.reason} at byte {error.start})") from None
    outside = _OUTSIDE.search(data)
    if outside is not None:
        quoted = outside.group().decode("utf-8", "replace")
        raise problem(
            f"the SVG refers to another file ({quoted}...): embed images as data: URLs "
            "and styles inline, then register it again"
        )
    try:
        png = resvg_py.svg_to_bytes(svg_string=text, width=side, height=side)
    except Exception as error:  # resvg raises ValueError; anything else is still bad input
        raise problem(f"the SVG cannot be rendered: {error}") from None
    if not png:
        raise problem("the SVG renders to nothing")
    return bytes(png)
