"""Runs of digits, found by regex for short texts and by numpy for long ones."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from boardline.inspection.digit_runs import DigitRuns

_TEXT = st.text(alphabet=st.sampled_from(list("0123456789 -/.ab٣１²\n")), max_size=80)


def _runs(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\d+", text)]


def _clusters(text: str, max_gap: int, min_digits: int) -> list[tuple[int, int]]:
    positions = [i for i, char in enumerate(text) if char.isdecimal()]
    groups: list[list[int]] = []
    for position in positions:
        if groups and position - groups[-1][-1] <= max_gap:
            groups[-1].append(position)
        else:
            groups.append([position])
    return [(g[0], g[-1] + 1) for g in groups if len(g) >= min_digits]


@given(_TEXT, st.integers(1, 4), st.integers(1, 10), st.integers(0, 90), st.integers(0, 90))
def test_runs_clusters_and_ranges_short_and_long(
    text: str, max_gap: int, min_digits: int, start: int, end: int
) -> None:
    # Short texts take the regex path, long ones numpy, and many runs numpy for groups too.
    for prefix in ("", "x" * 4100, "1 x " * 300 + "x" * 4100):
        body = prefix + text
        low, high = start + len(prefix), end + len(prefix)
        digits = DigitRuns(body)
        assert list(zip(digits.starts, digits.ends, strict=True)) == _runs(body)
        firsts, ends = digits.clusters(max_gap, min_digits)
        assert list(zip(firsts, ends, strict=True)) == _clusters(body, max_gap, min_digits)
        assert digits.run_starts(low, high) == [a for a, _ in _runs(body) if low <= a < high]
        assert list(zip(*digits.runs_between(low, high), strict=True)) == [
            (a, b) for a, b in _runs(body) if low <= a < high
        ]
        assert digits.any_between(low, high) == any(c.isdecimal() for c in body[low:high])
