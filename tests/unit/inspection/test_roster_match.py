"""The roster automaton: folded keys, word boundaries and offsets back into the original."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from boardline.inspection.roster_match import (
    Field,
    FoldedText,
    RosterAutomaton,
    RosterRecord,
    fold,
    fold_key,
)

ROSTER = RosterAutomaton(
    [
        RosterRecord("s1", "Lily", "Baker", "200001"),
        RosterRecord("s2", "Élodie", "O'Brien-Young", "S-4471"),
    ]
)


def test_fold_keeps_one_character_per_character() -> None:
    for text in ("Ünïcode, İstanbul ß", "a\ud800b", "ＡＢＣ", "plain ascii!"):
        assert len(fold(text)) == len(text)
    assert fold_key("  O'Brien-YOUNG ") == "o brien young"
    assert fold_key("Élodie") == "elodie"


def test_keys_match_in_any_case_spacing_and_punctuation() -> None:
    text = "elodie  o'brien young, student s 4471; ELODIE O BRIEN-YOUNG"
    hits = ROSTER.hits(FoldedText(text))
    assert [(h.field, h.people) for h in hits] == [
        (Field.NAME, (1,)),
        (Field.IDENTIFIER, (1,)),
        (Field.NAME, (1,)),
    ]
    assert [text[h.start : h.end] for h in hits] == [
        "elodie  o'brien young",
        "s 4471",
        "ELODIE O BRIEN-YOUNG",
    ]


_noise = st.text(alphabet=st.sampled_from(list(" ,.;:\n\t-_()éÉxyz019İ")), max_size=30)


@given(_noise, _noise, st.sampled_from(["Lily Baker", "BAKER,  lily", "200001", "L. Baker"]))
def test_offsets_point_at_the_value_wherever_it_is(before: str, after: str, value: str) -> None:
    text = f"{before} {value} {after}"
    hits = ROSTER.hits(FoldedText(text))
    spans = [text[h.start : h.end] for h in hits]
    assert value in spans


def test_greek_names_match_whatever_the_case_and_final_sigma() -> None:
    roster = RosterAutomaton([RosterRecord("g1", "Νίκος", "Παπάς", "G-1234")])
    for text in ("ΝΙΚΟΣ ΠΑΠΑΣ", "νίκος παπάς", "Παπάς, Νίκος"):
        hits = roster.hits(FoldedText(text))
        assert [(h.field, h.people) for h in hits] == [(Field.NAME, (0,))], text
