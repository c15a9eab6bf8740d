"""The demo district's real facts, built once per test session (shared by engine tests)."""

from __future__ import annotations

from pathlib import Path

from boardline.bootstrap import case_facts_loader
from boardline.demo.paths import demo_pack_path
from boardline.engine.cases import FactsSpec
from boardline.engine.compiled import CompiledPack, compile_pack
from boardline.engine.facts import Facts
from boardline.policy.pack import Pack
from boardline.policy.pack_loader import parse_pack


def demo_facts(state: Path) -> tuple[CompiledPack, Facts]:
    return case_facts_loader(state)(FactsSpec(), state)


def demo_pack_text() -> str:
    return demo_pack_path().read_text(encoding="utf-8")


def edited_pack(old: str, new: str) -> Pack:
    text = demo_pack_text()
    assert old in text, old
    return parse_pack(text.replace(old, new), "edited.yaml")


def compiled_edit(old: str, new: str) -> CompiledPack:
    return compile_pack(edited_pack(old, new))
