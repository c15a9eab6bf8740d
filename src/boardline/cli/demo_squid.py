"""The demo's live chapter: a short school day replayed through a real Squid and our helper.

Everything stays on loopback: Squid's only route is a local origin server, and
clients bind the demo district's addresses inside 127.0.0.0/8. Without Squid
(or where its ``proxy`` user cannot run this venv) the chapter says how to get
it and the in-process replay of chapter 3 stands in.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rich.table import Table

from boardline.cli.output import console
from boardline.enforcement.decision_token import SECRET_FILE, load_secret
from boardline.enforcement.squid.lab import (
    SQUID_USER,
    LabError,
    OriginServer,
    check_runnable,
    free_port,
    give_to_squid_user,
    make_run_dir,
    proxy_get,
    running_squid,
)

DAY = "2026-10-06T{}:00-06:00"
#: (time, who, client address, URL) — addresses from the demo district's network plan.
STEPS = (
    ("07:40", "mrivera's district laptop", "127.10.1.10", "http://www.facebook.com/"),
    ("10:00", "mrivera's district laptop", "127.10.1.10", "http://www.instagram.com/"),
    ("10:00", "a student laptop", "127.30.0.5", "http://www.tiktok.com/"),
    ("10:00", "jcarter's district laptop", "127.10.1.11", "http://opi.mt.gov/"),
    ("12:05", "gholt's district laptop (lunch)", "127.10.1.12", "http://x.com/"),
    ("15:15", "tbaker's laptop (prep period)", "127.10.2.10", "http://www.reddit.com/"),
    ("17:30", "tbaker's laptop (after school)", "127.10.2.10", "http://www.pinterest.com/"),
)


def start_as_squid_user(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    if os.geteuid() == 0:
        command = ["runuser", "-u", SQUID_USER, "--", *command]
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own command line
            command, stdout=out, stderr=subprocess.STDOUT
        )


def show_block_page(location: str, api_log: Path) -> None:
    """Fetch the block page a staff member would see, as a browser would, and summarise it."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(location, timeout=10) as page:  # noqa: S310 - loopback
                status, html = page.status, page.read().decode("utf-8", errors="replace")
            break
        except OSError:
            if time.monotonic() > deadline:
                tail = api_log.read_text(encoding="utf-8", errors="replace")[-2000:]
                console.print(f"[yellow]The block page did not answer.[/yellow]\n{tail}")
                return
            time.sleep(0.3)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    quote = re.search(r"(Accessing social networking[^.]*\.)", text)
    console.print(
        f"Block page ({status}): {location.split('?', maxsplit=1)[0]} quotes "
        f"“{quote.group(1) if quote else '?'}” and offers 'request an exception' and "
        "'declare an emergency'."
    )


def chapter_live_squid() -> None:
    console.rule("[bold]4. The same day through a real Squid and `boardline squid-helper`")
    command = Path(sys.executable).with_name("boardline")
    root: Path | None = None
    try:
        check_runnable(command)
        root = make_run_dir()
        clock = root / "clock"
        config = root / "boardline.toml"
        config.write_text(
            f'state_dir = "{root / "helper-state"}"\nclock = "@{clock}"\n', encoding="utf-8"
        )
        clock.write_text(DAY.format("07:40"), encoding="utf-8")
        give_to_squid_user(root)
        load_secret(root / "helper-state" / SECRET_FILE)  # shared by the helper and the API
        give_to_squid_user(root)
        origin = OriginServer().start()
        api_port = free_port()
        api_log = root / "api.log"
        api = start_as_squid_user(
            [str(command), "serve", "api", "--port", str(api_port), "--config", str(config)],
            api_log,
        )
        try:
            with running_squid(
                origin.port,
                helper_command=f"{command} squid-helper --config {config}",
                block_page_url=f"http://127.0.0.1:{api_port}/blocked",
                ttl=1,
                negative_ttl=1,
            ) as squid:
                table = Table("time", "who", "request", "Squid", "decision id / rule (access.log)")
                first_block: tuple[str, str] | None = None
                for hhmm, who, address, url in STEPS:
                    clock.write_text(DAY.format(hhmm), encoding="utf-8")
                    reply = proxy_get(squid.port, url, source=address, timeout=60)
                    blocked = reply.status == 302
                    if blocked and first_block is None:
                        first_block = (reply.headers.get("location", ""), hhmm)
                    shown = "blocked → block page" if blocked else f"{reply.status} from origin"
                    host = url.split("/")[2]
                    line = squid.log_line(address, host, timeout=10)
                    notes = dict(p.split("=", 1) for p in line.split() if "=" in p)
                    decision = f"{notes.get('decision_id', '-')}\n{notes.get('rule', '-')}"
                    table.add_row(hhmm, who, url, shown, decision)
                console.print(table)
                console.print(
                    "Every access.log line carries the decision id, rule and pack revision."
                )
                if first_block is not None:
                    location, hhmm = first_block
                    # Back to when it was blocked: the page's link lasts four hours.
                    clock.write_text(DAY.format(hhmm), encoding="utf-8")
                    show_block_page(location, api_log)
        finally:
            origin.stop()
            api.terminate()
            api.wait(timeout=30)
    except LabError as exc:
        console.print(f"[yellow]Skipping the live chapter:[/yellow] {exc}")
        console.print(
            "Install Squid with `apt-get install squid` to see it; "
            "chapter 3 replayed the day in-process."
        )
    finally:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
