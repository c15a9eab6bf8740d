"""Small-cell suppression for de-identified reports, primary and complementary.

A board report shows counts, never people; a count of 1 to 4 could still point
at one person in a small building or a rare hour, so it is shown as "<5"
(*primary* suppression). That alone is not enough when the report also shows
the total the cells add up to: with one cell hidden, the total minus the others
gives it back. So when a row of cells adds up to a published total and exactly
one cell is hidden, the smallest other non-zero cell is hidden too
(*complementary* suppression), and neither can be worked out from the rest.
This is the rule statistical agencies apply to one-way tables; the report has
no published sub-totals across rows (the heat map shows no row or column sums),
so one-way is enough.
"""

from __future__ import annotations

from collections.abc import Sequence


def suppress(values: Sequence[int], *, total: int, below: int) -> list[int | None]:
    """``values`` with counts in ``1..below-1`` as None, plus a complement when needed.

    ``total`` is the published total the values may add up to; the complement is
    only needed when they do (a top-N list that leaves sites out does not).
    Zeros stay shown: "none" reveals nobody.
    """
    out: list[int | None] = [None if 0 < v < below else v for v in values]
    hidden = [i for i, v in enumerate(out) if v is None]
    if len(hidden) == 1 and total >= below and sum(values) == total:
        shown = [i for i, v in enumerate(out) if v]
        if shown:
            out[min(shown, key=lambda i: (values[i], i))] = None
    return out
