"""Where the shared data beside the checkout is: the seed policy and the UT1 lists.

CI clones the repository into a fresh folder with a copy of ``shared/`` beside
it, so paths are found relative to the checkout, never as absolute paths.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED_5460 = SHARED / "seed" / "5460-electronic-resources-and-social-networking.txt"
UT1 = SHARED / "datasets" / "ut1"
