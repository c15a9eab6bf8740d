"""Boardline's settings, declared once: name, type, default and help.

Settings are read once, at the edge (CLI start-up or service start), from a
TOML file (``boardline.toml`` in the working directory, or ``--config``) and
``BOARDLINE_<NAME>`` environment variables, which win. ``demo`` as a path means
the demo district's generated data. Secrets are never inline: a value
``$env:NAME`` or ``$file:/path`` is resolved when read.
``docs/settings.md`` is generated from these declarations (``boardline settings docs``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from boardline.model.errors import InputError, Place, Problem

DEMO = "demo"
ENV_PREFIX = "BOARDLINE_"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pack: str = Field(DEMO, description="The policy pack (YAML); `demo` is the demo district's.")
    roster: str = Field(DEMO, description="A OneRoster 1.1/1.2 CSV bundle directory, or `demo`.")
    calendar: str = Field(DEMO, description="The school calendar file (YAML), or `demo`.")
    networks: str = Field(DEMO, description="The networks and devices file (YAML), or `demo`.")
    leases: str | None = Field(None, description="A lease feed (CSV) tying addresses to people.")
    ut1: str | None = Field(
        None, description="A UT1-format blacklist folder to load categories from."
    )
    ut1_categories: tuple[str, ...] = Field(
        ("social_networks",), description="Which UT1 categories to load from `ut1`."
    )
    state_dir: str = Field("var", description="Where Boardline keeps its state (exceptions, logs).")
    database_url: str | None = Field(
        None,
        description="Where grants, emergencies, alerts and exception requests are kept: "
        "`sqlite:///path/boardline.db` or `postgresql+psycopg://user@host/dbname` (a URL "
        "with a password is given as `$env:NAME` or `$file:/path`, never inline); unset: "
        "`sqlite:///<state_dir>/boardline.db`.",
    )
    decision_log: str = Field(
        "",
        description="The decision log (JSON lines); empty: `decisions.jsonl` in `state_dir`; "
        "`off` to disable (tests only).",
    )
    decision_log_key: str = Field(
        "",
        description="Secret for pseudonymising student data in the decision log (`$file:` or "
        "`$env:`; at least 16 bytes). Empty: a key generated once into `state_dir`.",
    )
    decision_log_max_mb: int = Field(
        64, ge=1, description="Rotate the decision log past this size."
    )
    decision_log_keep: int = Field(10, ge=1, description="Rotated decision logs to keep.")
    decision_log_fsync: bool = Field(
        False,
        description="fsync every flush: survives a power cut, not only a crash; slower.",
    )
    clock: str = Field(
        "",
        description="For demos and tests only: empty for the real clock; an ISO instant to start "
        "from (time then runs on from it); `@PATH` to read the instant from a file each time.",
    )
    inspection_salt: str = Field(
        "",
        description="Secret salt for the staff-provided value lists (SSNs of record), kept "
        "only as salted hashes (`$file:` or `$env:`; at least 16 bytes). Empty: a salt "
        "generated once into `state_dir`.",
    )
    scan_max_mb: int = Field(
        32, ge=1, description="Largest upload `POST /v1/scans` accepts (larger: HTTP 413)."
    )
    default_building: str = Field(
        "",
        description="Whose school hours apply to people with no building (empty: the "
        "calendar's own `default_building`).",
    )
    icap_fail_mode: Literal["open", "closed"] = Field(
        "closed",
        description="What the ICAP service does with a post it could not inspect (too large, "
        "too many parts, too slow, unreadable): `closed` blocks it with a page saying so, "
        "`open` lets it through and logs it as unscanned. Also sets Squid's `bypass=`.",
    )
    icap_max_body_mb: int = Field(
        16, ge=1, le=1024, description="Largest post body (MiB) the ICAP service inspects."
    )
    icap_max_parts: int = Field(
        64, ge=1, le=10_000, description="Most parts (files and form fields) inspected per post."
    )
    icap_scan_seconds: float = Field(
        10.0, gt=0, le=600, description="Time limit for inspecting one post, in seconds."
    )
    icap_preview_bytes: int = Field(
        4096,
        ge=0,
        le=65536,
        description="ICAP preview size offered to Squid (Squid caps previews at 64 KiB).",
    )
    icap_max_connections: int = Field(
        64, ge=1, description="Max-Connections the ICAP service advertises to Squid."
    )


def _resolve_secret(name: str, value: Any, environ: dict[str, str], file: Path) -> Any:
    if isinstance(value, str) and value.startswith("$env:"):
        if value[5:] not in environ:
            raise InputError.at(
                str(file), f"environment variable {value[5:]} is not set", field=name
            )
        return environ[value[5:]]
    if isinstance(value, str) and value.startswith("$file:"):
        try:
            return Path(value[6:]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError.at(str(file), f"cannot read {value[6:]}: {exc}", field=name) from None
    return value


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    environ = dict(os.environ) if environ is None else environ
    data: dict[str, Any] = {}
    file = path if path is not None else Path("boardline.toml")
    if path is not None or file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError.at(str(file), f"cannot read settings: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError.at(str(file), f"invalid TOML: {exc}") from None
    for name, info in Settings.model_fields.items():
        key = ENV_PREFIX + name.upper()
        if key in environ:
            raw = environ[key]
            data[name] = tuple(raw.split(",")) if "tuple" in str(info.annotation) else raw
    data = {k: _resolve_secret(k, v, environ, file) for k, v in data.items()}
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                Problem(Place(str(file), None, None, ".".join(str(p) for p in e["loc"])), e["msg"])
                for e in exc.errors(include_url=False)
            ]
        ) from None


def settings_reference() -> str:
    """Markdown reference of every setting, generated from the declarations."""
    lines = [
        "# Settings",
        "",
        "Generated from `src/boardline/settings.py` by `boardline settings docs`; do not edit.",
        "",
        "Set them in `boardline.toml` or as `BOARDLINE_<NAME>` environment variables.",
        "",
        "| name | default | meaning |",
        "|---|---|---|",
    ]
    for name, info in Settings.model_fields.items():
        default = info.default
        shown = ", ".join(default) if isinstance(default, tuple) else default
        lines.append(f"| `{name}` | `{shown}` | {info.description} |")
    return "\n".join(lines) + "\n"
