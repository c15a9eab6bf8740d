"""The shared CLI consoles print text exactly as given."""

from __future__ import annotations

import pytest

from boardline.cli.output import console, err_console


@pytest.mark.parametrize("text", ["96:38:AB:99:0A", "host:ok:up", "a :sos: b"])
def test_colon_words_are_not_turned_into_emoji(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A certificate fingerprint with ":AB:" in it once printed a blood-type emoji instead.
    console.print(text, markup=False, soft_wrap=True)
    err_console.print(text, markup=False, soft_wrap=True)
    captured = capsys.readouterr()
    assert captured.out.strip() == text
    assert captured.err.strip() == text
