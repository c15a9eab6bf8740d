"""Server-rendered pages: Jinja2 templates that need no JavaScript and load nothing else.

The block page is seen by someone whose request was just refused, often through
the very proxy that refused it, so every page is one self-contained HTML
document: inline CSS, no scripts, no fonts or images from elsewhere. Templates
escape everything by default, and an unknown variable is an error in tests
rather than an empty string on a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"

#: Pages about one person's decision must not be cached by the proxy in front of them.
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
#: No scripts, no external anything; forms post only to this origin.
POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class Pages:
    """Renders the templates with what every page shows (district, revision, times)."""

    def __init__(self, district: Callable[[], tuple[str, str, ZoneInfo]]) -> None:
        """``district`` gives the current district name, pack revision and time zone."""
        self._district = district
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["local"] = self._local

    def _local(self, value: dt.datetime) -> str:
        zone = self._district()[2]
        return value.astimezone(zone).strftime("%A %d %B %Y, %H:%M %Z")

    def render(
        self,
        name: str,
        *,
        status: int = 200,
        base: str = "",
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        district, revision, _ = self._district()
        html = self.env.get_template(name).render(
            district=district, revision=revision, base=base, **context
        )
        response = HTMLResponse(html, status_code=status)
        response.headers.update(NO_STORE)
        response.headers["Content-Security-Policy"] = POLICY
        response.headers["Referrer-Policy"] = "no-referrer"
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response

    def problem(
        self, status: int, heading: str, message: str, advice: str = "", *, base: str = ""
    ) -> HTMLResponse:
        return self.render(
            "problem.html",
            status=status,
            base=base,
            heading=heading,
            message=message,
            advice=advice,
        )
