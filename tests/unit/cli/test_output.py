"""The shared CLI consoles print text exactly as given."""

from __future__ import annotations

import pytest

from boardline.cli.output import console, err_console


@pytest.mark.parametrize(
    "text", ["C9:DA:62:37:C0:0A:D6:7D:4B:A8:2B:CD:95:87:AB:99", "host:ok:up", "a :sos: b"]
)
def test_colon_words_are_not_turned_into_emoji(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A certificate fingerprint with ":CD:" in it once printed an optical-disc emoji instead.
    console.print(text, markup=False, soft_wrap=True)
    err_console.print(text, markup=False, soft_wrap=True)
    captured = capsys.readouterr()
    assert captured.out.strip() == text
    assert captured.err.strip() == text
