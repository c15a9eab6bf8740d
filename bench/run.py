"""`make bench`: every benchmark in turn, each printing its own table.

Each script is reproducible on its own (see its docstring); this runner only
sequences them so one command measures everything on the same machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "engine_bench.py",
    "categories_bench.py",
    "decision_log_bench.py",
    "helper_bench.py",
    "helper_instructions.py",
    "api_bench.py",
    "bulk_eval_bench.py",
    "audit_bench.py",
    "audit_stages.py",
    "image_bench.py",
    "document_bench.py",
    "confidential_bench.py",
    "icap_bench.py",
)


def main() -> int:
    failed = []
    for name in SCRIPTS:
        print(f"\n=== {name}", flush=True)
        result = subprocess.run([sys.executable, str(HERE / name)], check=False)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
