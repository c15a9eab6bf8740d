"""Primary and complementary small-cell suppression."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from boardline.audit.suppression import suppress


def test_small_counts_are_hidden_and_zeros_shown() -> None:
    assert suppress([0, 3, 12, 7, 2], total=24, below=5) == [0, None, 12, 7, None]


def test_a_lone_hidden_cell_gets_a_complement_when_the_total_is_published() -> None:
    # Alone, 3 = 30 - 12 - 8 - 7 would be given back by the total.
    assert suppress([12, 3, 8, 7], total=30, below=5) == [12, None, 8, None]


def test_no_complement_when_the_cells_do_not_make_up_the_total() -> None:
    # A top-N list that leaves some sites out: the total does not give the hidden one back.
    assert suppress([12, 3, 8], total=40, below=5) == [12, None, 8]


def test_identified_totals_below_the_threshold_hide_everything_anyway() -> None:
    assert suppress([1, 2, 0], total=3, below=5) == [None, None, 0]


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30))
def test_no_hidden_cell_can_be_worked_out_from_the_total(values: list[int]) -> None:
    total = sum(values)
    out = suppress(values, total=total, below=5)
    hidden = [v for v, o in zip(values, out, strict=True) if o is None]
    assert all(o is None for v, o in zip(values, out, strict=True) if 0 < v < 5)
    assert all(o == v for v, o in zip(values, out, strict=True) if o is not None)
    if total >= 5:
        # The total minus what is shown is the sum of two or more hidden cells, or nothing.
        assert len(hidden) != 1
