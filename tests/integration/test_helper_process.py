"""The real `boardline squid-helper` process: a broken pack at start-up never kills it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIELDS = "src,user,method,host,port,path,bucket"


def run_helper(config: Path, lines: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("boardline")),
            "squid-helper",
            "--fields",
            FIELDS,
            "--concurrent",
            "--config",
            str(config),
        ],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_broken_pack_at_start_answers_bh_and_keeps_running(tmp_path: Path) -> None:
    pack = tmp_path / "broken.pack.yaml"
    pack.write_text("format: boardline/pack@1\ndistrict: [unclosed\n", encoding="utf-8")
    config = tmp_path / "boardline.toml"
    config.write_text(f'pack = "{pack}"\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    done = run_helper(
        config,
        "0 127.10.1.10 - GET www.facebook.com 443 / 202610061000\n"
        "1 127.30.0.5 - GET opi.mt.gov 443 / 202610061000\n",
    )
    assert done.returncode == 0
    replies = done.stdout.splitlines()
    assert [r.split()[:2] for r in replies] == [["0", "BH"], ["1", "BH"]]
    assert "broken.pack.yaml:3" in done.stderr
    assert "answering BH to every lookup" in done.stderr


def test_bad_lines_get_bh_and_good_ones_are_decided(tmp_path: Path) -> None:
    config = tmp_path / "boardline.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\nclock = "2026-10-06T10:00:00-06:00"\n',
        encoding="utf-8",
    )
    done = run_helper(
        config,
        "0 127.10.1.10 - GET www.facebook.com 443 / 202610061000\n"
        "1 not enough fields\n"
        "2 127.10.1.10 - GET opi.mt.gov 443 / 202610061000\n",
    )
    assert done.returncode == 0
    replies = {r.split()[0]: r.split()[1] for r in done.stdout.splitlines()}
    assert replies == {"0": "ERR", "1": "BH", "2": "OK"}
