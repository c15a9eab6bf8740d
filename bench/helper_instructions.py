"""Instructions a Squid helper executes per lookup, counted by valgrind: steady under load.

Run: ``.venv/bin/python bench/helper_instructions.py`` (options: ``--ut1 PATH``,
``--lines 20000``, ``--out bench/results/helper_instructions.md``). Needs Debian's
``valgrind`` and ``squidguard`` (bench-only, not dependencies).

Rates and CPU times on a shared two-core machine move by ±10% between runs
(``bench/helper_bench.py``), too much to tell a 3% change from noise. Instruction
counts do not move: valgrind's ``cachegrind`` tool (cache simulation off) counts every
instruction a process executes, whatever else runs beside it. Each helper is run twice
on the same request stream as ``helper_bench.py`` (its first ``--lines`` lines): once
with every line and once with the first line only; the difference over the lines
between is the cost of a lookup, start-up excluded.

Helpers: Boardline (``boardline squid-helper``, the demo pack, UT1 ``social_networks``
only so that start-up under valgrind stays short; a lookup's cost hardly depends on how
many lists are loaded) with the decision log on and off; squidGuard 1.6 with the same
list and with 16 UT1 lists; the stdlib dict helper of ``helper_bench.py``. The anchor
(squidGuard) is counted in the same run.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helper_bench as hb  # the sibling bench: its stream and set-up

ROOT = hb.ROOT
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(cmd: Sequence[str], stdin: bytes, cwd: Path) -> int:
    """Instructions ``cmd`` executes reading ``stdin`` (valgrind cachegrind, no cache model)."""
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         *cmd],
        input=stdin, capture_output=True, cwd=cwd, timeout=1800, check=False,
    )  # fmt: skip
    found = _REFS.search(done.stderr.decode("utf-8", "replace"))
    if found is None:
        tail = done.stderr.decode("utf-8", "replace")[-2000:]
        msg = f"no instruction count from {cmd[0]}: {tail}"
        raise RuntimeError(msg)
    return int(found.group(1).replace(",", ""))


def per_line(cmd: Sequence[str], lines: Sequence[str], cwd: Path) -> float:
    """Instructions per lookup: all lines minus the first line alone, over the rest."""
    blob = "".join(f"{line}\n" for line in lines).encode()
    first = f"{lines[0]}\n".encode()
    return (instructions(cmd, blob, cwd) - instructions(cmd, first, cwd)) / (len(lines) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ut1", type=Path, default=hb.DEFAULT_UT1)
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "helper_instructions.md"
    )
    args = parser.parse_args()
    for tool in ("valgrind", "squidGuard"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed: apt-get install -y valgrind squidguard")
    root: Path = args.ut1.resolve()
    began = time.perf_counter()
    stream = hb.make_stream(args.lines, root)
    bl_lines = [r.boardline() for r in stream]
    sg_lines = [r.squidguard() for r in stream]
    rows: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="helper-instructions-") as scratch:
        tmp = Path(scratch)
        social = ["social_networks"]
        for name, cats in (("sg1", social), ("sg16", hb.BLOCKED_16)):
            home = hb.build_squidguard(tmp, name, root, cats)
            conf = hb.squidguard_config(tmp, name, home, cats)
            subprocess.run(["squidGuard", "-c", str(conf), "-C", "all"], check=True,
                           capture_output=True)  # fmt: skip
            label = f"{len(cats)} UT1 list{'s' if len(cats) > 1 else ''}"
            cost = per_line(["squidGuard", "-c", str(conf)], sg_lines, tmp)
            rows.append(("squidGuard 1.6 (anchor)", label, cost))
        dict_script = tmp / "dict_helper.py"
        dict_script.write_text(hb.DICT_HELPER, encoding="utf-8")
        cmd = [sys.executable, str(dict_script), str(root / "social_networks" / "domains")]
        rows.append(("dict walk", "1 UT1 list", per_line(cmd, bl_lines, tmp)))
        # The first start generates the demo roster into the state folder: not counted.
        warm = hb.boardline_config(tmp, "bl-warm", root, social)
        subprocess.run(hb.boardline_cmd(warm), input=f"{bl_lines[0]}\n".encode(),
                       capture_output=True, cwd=tmp, check=True, timeout=300)  # fmt: skip
        for log in (True, False):
            name = f"bl-{'log' if log else 'nolog'}"
            config = hb.boardline_config(
                tmp, name, root, social, decision_log=tmp / f"{name}.jsonl" if log else None
            )
            if not log:
                with config.open("a", encoding="utf-8") as handle:
                    handle.write('decision_log = "off"\n')
            cost = per_line(hb.boardline_cmd(config), bl_lines, tmp)
            rows.append(("Boardline", f"1 UT1 list, decision log {'on' if log else 'off'}", cost))
    anchor = rows[1][2]
    out = [
        "# Squid helper: instructions per lookup (valgrind)",
        "",
        f"Command: `.venv/bin/python bench/helper_instructions.py` ({args.lines:,} lines of "
        f"`helper_bench.py`'s stream, seed {hb.SEED}); took {time.perf_counter() - began:.0f} s. "
        "Counts are deterministic: they do not depend on the machine's load.",
        "",
        "| helper | lists | instructions per lookup | vs squidGuard with 16 lists |",
        "|---|---|--:|--:|",
    ]
    for helper, lists, cost in rows:
        out.append(f"| {helper} | {lists} | {cost:,.0f} | {anchor / cost:.2f}× |")
    out += [
        "",
        "Instructions are not time: squidGuard's C retires several per cycle, Python's "
        "interpreter fewer, so compare helpers of one language by instructions and across "
        "languages by the CPU times of `helper_bench.py`. Each figure is (all lines − the "
        "first line alone) / (lines − 1): start-up is excluded.",
    ]
    text = "\n".join(out) + "\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
