"""The console script: the Squid helper starts without the rest of the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("cv2", "fastapi", "duckdb", "pypdfium2", "resvg_py", "boardline.inspection.image_scanner")

PROBE = """
import sys
sys.argv = ["boardline", *sys.argv[1:]]
from boardline.cli import entry
try:
    entry.main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY", ",".join(heavy), "CODE", code)
"""


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_helper_loads_no_scanner_web_app_or_duckdb(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    done = run(
        "squid-helper", "--fields", "src,user,method,host,port,path", "--config", str(config),
        stdin="127.10.1.10 - GET www.facebook.com 80 /\n",
    )  # fmt: skip
    assert "HEAVY  CODE 0" in done.stdout, done.stdout + done.stderr
    assert done.stdout.startswith(("OK ", "ERR ")), done.stdout


def test_a_field_list_squid_cannot_mean_is_one_line_and_exit_2() -> None:
    done = run("squid-helper", "--fields", "src,host")
    assert "CODE 2" in done.stdout
    assert "--fields src,host: fields must include 'method'" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_other_command_goes_to_the_full_cli() -> None:
    done = run("squid", "--help")
    assert "CODE 0" in done.stdout
    assert "config" in done.stdout
