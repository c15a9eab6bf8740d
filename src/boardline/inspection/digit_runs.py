"""Where the decimal digits of one text are, found once.

Every value the pattern scanners look for (an SSN, a date) holds digits, and in
ordinary prose digits are rare: finding the runs of digits first (with numpy for a
long text) and running the patterns only where they are is several times faster
than letting the regex engine walk every character. The callers keep the regexes'
exact matches: they only choose *where* to run them, in places no match can start
or end outside of.
"""

from __future__ import annotations

import bisect
import re

import numpy as np

from boardline.inspection.code_points import Codes, code_points, decimal_mask

#: Below this many characters the regex engine finds the runs faster than numpy's
#: per-call overhead allows.
_NUMPY_FROM = 4096
#: ``\d+`` written so that it starts with a character class, which the regex engine
#: skips ahead to (twice as fast).
#: From this many runs, groups of runs are found with numpy.
_NUMPY_RUNS_FROM = 256
_RUN = re.compile(r"\d\d*")


class DigitRuns:
    """The maximal runs of decimal digits (what ``\\d`` matches) of a text, in order."""

    __slots__ = ("ends", "starts")

    def __init__(self, text: str, codes: Codes | None = None) -> None:
        if len(text) < _NUMPY_FROM:
            bounds = [bound for run in _RUN.finditer(text) for bound in run.span()]
            self.starts: list[int] = bounds[0::2]
            self.ends: list[int] = bounds[1::2]
            return
        mask = np.zeros(len(text) + 2, dtype=bool)
        mask[1:-1] = decimal_mask(code_points(text) if codes is None else codes)
        edges = np.flatnonzero(mask[1:] != mask[:-1])
        self.starts = edges[0::2].tolist()
        self.ends = edges[1::2].tolist()

    def __len__(self) -> int:
        """How many runs there are."""
        return len(self.starts)

    def clusters(self, max_gap: int, min_digits: int) -> tuple[list[int], list[int]]:
        """``(firsts, ends)``: where each group of digits starts and ends (past its last
        digit), a group being digits each at most ``max_gap`` positions after the one
        before, with at least ``min_digits`` digits. Two lists, not a list of pairs: a long
        text has thousands of groups, and pairs would be objects for the collector."""
        if len(self.starts) < _NUMPY_RUNS_FROM:
            return self._few_clusters(max_gap, min_digits)
        starts = np.asarray(self.starts, dtype=np.int64)
        ends = np.asarray(self.ends, dtype=np.int64)
        # A run joins the group before it when its first digit is close to that one's last.
        joins = np.zeros(len(starts), dtype=bool)
        joins[1:] = starts[1:] - ends[:-1] + 1 <= max_gap
        heads = np.flatnonzero(~joins)
        tails = np.append(heads[1:], len(starts)) - 1
        digits = np.add.reduceat(ends - starts, heads)
        big = digits >= min_digits
        return starts[heads[big]].tolist(), ends[tails[big]].tolist()

    def _few_clusters(self, max_gap: int, min_digits: int) -> tuple[list[int], list[int]]:
        firsts: list[int] = []
        lasts: list[int] = []
        starts, ends = self.starts, self.ends
        if not starts:
            return firsts, lasts
        first, last, count = starts[0], ends[0], ends[0] - starts[0]
        for start, end in zip(starts[1:], ends[1:], strict=True):
            if start - last + 1 <= max_gap:
                count += end - start
            else:
                if count >= min_digits:
                    firsts.append(first)
                    lasts.append(last)
                first, count = start, end - start
            last = end
        if count >= min_digits:
            firsts.append(first)
            lasts.append(last)
        return firsts, lasts

    def run_starts(self, start: int, end: int) -> list[int]:
        """Positions in ``[start, end)`` of a digit that does not follow another digit."""
        starts = self.starts
        return starts[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]

    def runs_between(self, start: int, end: int) -> tuple[list[int], list[int]]:
        """Starts and ends of the runs that start in ``[start, end)``."""
        starts = self.starts
        low, high = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        return starts[low:high], self.ends[low:high]

    def any_between(self, start: int, end: int) -> bool:
        """Whether a digit is in ``[start, end)``."""
        after = bisect.bisect_right(self.ends, start)
        return start < end and after < len(self.starts) and self.starts[after] < end
