"""A small Boardline-shaped Squid helper for the integration tests.

Squid starts it as its own unprivileged user, possibly under the system Python,
so it puts the checkout's ``src`` on ``sys.path`` itself and uses nothing but
:func:`boardline.enforcement.squid.helper.run_helper` and the protocol types.

Policy (a stand-in for the engine): client 127.0.0.2 is staff at school, so
social networking (``*.facebook.com``) and games (``*.miniclip.com``) are denied
to it; 127.0.0.4 is denied social networking only while the file
``school-day`` exists in the state directory (a school-day boundary); everyone
else is allowed. Files in the state directory steer failures:

* ``die``    — exit at once without answering (a crashed or killed helper);
* ``raise``  — the decision raises (a broken pack), so the loop answers ``BH``;
* ``hold``   — wait until the file is gone before answering (a slow helper).

Every lookup is appended to ``seen.log`` (client, method, host, path, extra).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

_SRC = Path(__file__).resolve().parents[2] / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

from boardline.enforcement.squid.helper import run_helper  # noqa: E402
from boardline.enforcement.squid.protocol import HelperRequest, HelperVerdict  # noqa: E402

#: What the block page should show; quotes, angle brackets and non-ASCII on purpose.
MESSAGE = '5460 ¶3: “individual use” of social networking — "not during school" <denied>'
STAFF = "127.0.0.2"
SWITCHED = "127.0.0.4"
CATEGORIES = {"facebook.com": "social_networks", "miniclip.com": "games"}


def category_of(host: str) -> str | None:
    for domain, category in CATEGORIES.items():
        if host == domain or host.endswith("." + domain):
            return category
    return None


class ScriptedDecider:
    """Decides like the policy above; see the module docstring for the state files."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.ids = itertools.count(1)

    def decide(self, request: HelperRequest) -> HelperVerdict:
        with (self.state / "seen.log").open("a", encoding="utf-8") as seen:
            seen.write(
                f"{request.client} {request.method} {request.host} {request.port} "
                f"{request.path or '-'} {' '.join(request.extra)}\n"
            )
        if (self.state / "die").exists():
            os._exit(70)
        if (self.state / "raise").exists():
            msg = "the policy pack failed to load (test trigger)"
            raise RuntimeError(msg)
        while (self.state / "hold").exists():
            time.sleep(0.02)
        category = category_of(request.host)
        denied = category is not None and (
            request.client == STAFF
            or (
                request.client == SWITCHED
                and category == "social_networks"
                and (self.state / "school-day").exists()
            )
        )
        decision_id = f"t{os.getpid()}-{next(self.ids)}"
        rule = "staff-social-school-hours" if denied else "default-allow"
        return HelperVerdict(
            allow=not denied,
            message=MESSAGE if denied else "",
            log=f"decision={decision_id} rule={rule}",
            notes={
                "decision_id": decision_id,
                "rule": rule,
                "category": category or "none",
                "revision": "test-1",
            },
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--fields", required=True)
    parser.add_argument("--concurrent", action="store_true")
    args = parser.parse_args(argv)
    return run_helper(
        ScriptedDecider(args.state_dir),
        sys.stdin.buffer,
        sys.stdout.buffer,
        concurrency=args.concurrent,
        fields=tuple(args.fields.split(",")),
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
