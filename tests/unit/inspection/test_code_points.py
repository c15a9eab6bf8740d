"""Folding and digit classes by table look-up agree with the per-character definitions."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from boardline.inspection.code_points import (
    code_points,
    decimal_mask,
    fold_char,
    fold_codes,
    from_codes,
)
from boardline.inspection.roster_match import fold

_ANY = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


def _wide(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@given(_ANY)
def test_table_fold_is_the_per_character_fold(text: str) -> None:
    expected = "".join(fold_char(ord(char)) for char in text)
    assert from_codes(fold_codes(_wide(text))) == expected
    assert fold(text) == expected
    # The long path (array look-up) and the short one (translate) agree.
    long = text * (2048 // max(1, len(text)) + 1) if text else ""
    assert fold(long) == expected * (len(long) // max(1, len(text)))


@given(_ANY)
def test_decimal_mask_is_what_isdecimal_says(text: str) -> None:
    expected = [char.isdecimal() for char in text]
    assert decimal_mask(_wide(text)).tolist() == expected
    assert decimal_mask(code_points(text)).tolist() == expected


def test_examples() -> None:
    assert fold("Élodie O'BRIEN-Young, İz") == "elodie o brien young  iz"
    assert fold("٣١٢ ２3") == "٣١٢ 23"  # Arabic-Indic digits stay; full-width ones fold
    assert decimal_mask(code_points("a٣１²3")).tolist() == [False, True, True, False, True]
    # Every sigma is one letter, whatever its case or place in the word.
    assert fold("ΣΑΣ Σας σας") == "σασ σασ σασ"
    assert code_points("abc").dtype == np.uint8
    assert code_points("a\ud800").dtype == np.uint32
