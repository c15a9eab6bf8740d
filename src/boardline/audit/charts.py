"""Charts as inline SVG, drawn here so a report needs no script, font or image from anywhere.

An audit report is read offline, mailed to a board, archived with the case it
supports; a chart library fetched from a CDN would break all three and leak
that the report was opened. These few shapes (columns, bars, a heat map) are
plain SVG text. Every chart has a ``<title>`` and a ``<desc>`` that screen
readers announce (``role="img"`` with ``aria-labelledby``), and the renderer
puts the same numbers in a table under it.

A suppressed cell (a count of 1 to 4 in a board report) is drawn as an empty
bar labelled ``<5``: its size would give the number away.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from markupsafe import Markup, escape

from boardline.audit.report_data import WEEKDAYS, Cell

SUPPRESSED: Final = "<5"
BAR: Final = "#2f5d8a"
EMPTY: Final = "#d9d9d9"
TEXT: Final = "#222"
FONT: Final = "font-family:system-ui,sans-serif;font-size:12px"


def shown(value: int | None) -> str:
    return SUPPRESSED if value is None else f"{value:,}"


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;{FONT}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _scale(cells: Sequence[Cell]) -> int:
    return max((c.value or 0 for c in cells), default=0) or 1


def column_chart(chart_id: str, title: str, cells: Sequence[Cell], *, unit: str) -> Markup:
    """Vertical columns, one per cell (days), labels under them."""
    width = max(320, 60 + 56 * len(cells))
    height, top, bottom, left = 240, 24, 56, 40
    plot = height - top - bottom
    peak = _scale(cells)
    desc = f"{unit} per day: " + "; ".join(f"{c.label}: {shown(c.value)}" for c in cells)
    out = _open(chart_id, width, height, title, desc)
    out.append(
        f'<line x1="{left}" y1="{top + plot}" x2="{width - 8}" y2="{top + plot}" stroke="{TEXT}"/>'
    )
    for n, cell in enumerate(cells):
        x = left + 8 + n * 56
        size = round(plot * (cell.value or 0) / peak)
        colour = EMPTY if cell.value is None else BAR
        y = top + plot - size
        out.append(
            f'<rect x="{x}" y="{y}" width="40" height="{max(size, 1)}" fill="{colour}">'
            f"<title>{escape(cell.label)}: {escape(shown(cell.value))}</title></rect>"
        )
        out.append(
            f'<text x="{x + 20}" y="{y - 4}" text-anchor="middle" fill="{TEXT}">'
            f"{escape(shown(cell.value))}</text>"
        )
        day, _, date = cell.label.partition(" ")
        out.append(
            f'<text x="{x + 20}" y="{top + plot + 16}" text-anchor="middle" fill="{TEXT}">'
            f"{escape(day)}</text>"
            f'<text x="{x + 20}" y="{top + plot + 32}" text-anchor="middle" fill="{TEXT}">'
            f"{escape(date[5:])}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every value above is escaped


def bar_chart(chart_id: str, title: str, cells: Sequence[Cell], *, unit: str) -> Markup:
    """Horizontal bars, one per cell (buildings, categories, sites), longest first."""
    label_width, bar_width, row = 220, 300, 26
    width = label_width + bar_width + 70
    height = 16 + row * max(len(cells), 1)
    peak = _scale(cells)
    desc = f"{unit}: " + ("; ".join(f"{c.label}: {shown(c.value)}" for c in cells) or "none")
    out = _open(chart_id, width, height, title, desc)
    if not cells:
        out.append(f'<text x="8" y="24" fill="{TEXT}">None in this report.</text>')
    for n, cell in enumerate(cells):
        y = 8 + n * row
        size = round(bar_width * (cell.value or 0) / peak)
        colour = EMPTY if cell.value is None else BAR
        label = cell.label if len(cell.label) <= 32 else cell.label[:31] + "…"
        out.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" fill="{TEXT}">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{max(size, 1)}" height="{row - 8}" '
            f'fill="{colour}"><title>{escape(cell.label)}: {escape(shown(cell.value))}</title>'
            f"</rect>"
            f'<text x="{label_width + max(size, 1) + 6}" y="{y + 15}" fill="{TEXT}">'
            f"{escape(shown(cell.value))}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every value above is escaped


def heat_map(chart_id: str, title: str, grid: Sequence[Sequence[int | None]]) -> Markup:
    """Weekday rows by hour-of-day columns; darker is more; suppressed cells are hatched grey."""
    cell, left, top = 24, 44, 22
    width, height = left + 24 * cell + 8, top + 7 * cell + 8
    peak = max((v or 0 for row in grid for v in row), default=0) or 1
    busiest = sorted(
        ((v or 0, d, h) for d, row in enumerate(grid) for h, v in enumerate(row) if v != 0),
        reverse=True,
    )[:3]
    desc = "Violating visits by weekday and hour of day (local time). " + (
        "Busiest: "
        + "; ".join(f"{WEEKDAYS[d]} {h:02d}:00: {shown(grid[d][h])}" for _, d, h in busiest)
        if busiest
        else "None."
    )
    out = _open(chart_id, width, height, title, desc)
    for hour in range(0, 24, 3):
        out.append(
            f'<text x="{left + hour * cell + cell / 2}" y="{top - 8}" text-anchor="middle" '
            f'fill="{TEXT}">{hour:02d}</text>'
        )
    for d, row in enumerate(grid):
        y = top + d * cell
        out.append(f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" fill="{TEXT}">'
                   f"{WEEKDAYS[d]}</text>")  # fmt: skip
        for h, value in enumerate(row):
            if value is None:
                fill = EMPTY
            elif value == 0:
                fill = "#f4f6f8"
            else:
                strength = 0.15 + 0.85 * value / peak
                fill = f"rgba(47,93,138,{strength:.2f})"
            out.append(
                f'<rect x="{left + h * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{fill}"><title>{WEEKDAYS[d]} {h:02d}:00: {escape(shown(value))}</title>'
                f"</rect>"
            )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every value above is escaped
