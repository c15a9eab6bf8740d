"""``boardline serve api``: the decision API, block page and administrators' queue under uvicorn.

Settings are read once here and the app is built from them (the composition
root's runtime); the token secret is shared with the Squid helper through a key
file in the state directory, created on first use. Administrator keys are the
interim sign-in for ``/admin`` until the workspace brings OIDC: a file of
``username:key`` lines (``#`` starts a comment), given with ``--admin-keys``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from boardline.bootstrap import bootstrap, make_clock, open_decision_log, state_dir
from boardline.cli.output import console, fail
from boardline.enforcement.decision_token import SECRET_FILE, load_secret
from boardline.model.errors import InputError, Place, Problem
from boardline.settings import load_settings

app = typer.Typer(help="Run Boardline's services.", no_args_is_help=True)

MIN_KEY = 16


def read_admin_keys(path: Path) -> dict[str, str]:
    """``username:key`` per line -> {key: username}; every bad line is reported by number."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.at(str(path), f"cannot read administrator keys: {exc}") from None
    keys: dict[str, str] = {}
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, key = (part.strip() for part in line.partition(":"))
        if not sep or not user:
            problems.append(Problem(Place(str(path), number), "expected username:key"))
        elif len(key) < MIN_KEY:
            problems.append(
                Problem(Place(str(path), number, None, "key"), f"keys need {MIN_KEY}+ characters")
            )
        elif key in keys:
            problems.append(Problem(Place(str(path), number, None, "key"), "key used twice"))
        else:
            keys[key] = user
    if problems:
        raise InputError(problems)
    return keys


@app.command("api")
def api(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
    admin_keys: Annotated[
        Path | None,
        typer.Option("--admin-keys", help="File of username:key lines for /admin (interim)."),
    ] = None,
    secret_file: Annotated[
        Path | None,
        typer.Option("--secret-file", help=f"Token key (default: <state_dir>/{SECRET_FILE})."),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn's log level.")] = "info",
    config: Annotated[
        Path | None, typer.Option("--config", help="Settings file (default: ./boardline.toml).")
    ] = None,
) -> None:
    """Serve POST /v1/decisions, /healthz, /metrics, the block page and /admin."""
    import uvicorn

    try:
        settings = load_settings(config)
        runtime = bootstrap(settings, inspect=True)
        secret = load_secret(secret_file or state_dir(settings) / SECRET_FILE)
        keys = read_admin_keys(admin_keys) if admin_keys is not None else {}
        clock = make_clock(settings)
    except InputError as exc:
        fail(exc)
    sink = open_decision_log(settings, runtime)
    # Imported here: FastAPI costs every other command (the Squid helper above all) ~0.5 s.
    from boardline.enforcement.http_api import create_app

    application = create_app(
        runtime,
        secret=secret,
        clock=clock,
        admin_keys=keys,
        sink=sink,
        max_scan_bytes=settings.scan_max_mb * 2**20,
    )
    console.print(
        f"Boardline API on http://{host}:{port} — pack {runtime.pack.revision}, "
        f"{len(keys)} administrator key(s)"
    )
    uvicorn.run(application, host=host, port=port, log_level=log_level.lower())
