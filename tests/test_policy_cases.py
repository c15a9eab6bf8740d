"""Every YAML case under tests/policy_cases/ decides as written: one parametrised test."""

from __future__ import annotations

from pathlib import Path

import pytest

from boardline.bootstrap import case_facts_loader
from boardline.engine.cases import Case, load_cases, run_case

CASES_DIR = Path(__file__).parent / "policy_cases"
CASES = load_cases(CASES_DIR)


@pytest.fixture(scope="session")
def loader(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return case_facts_loader(tmp_path_factory.mktemp("policy-cases"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_policy_case(case: Case, loader) -> None:  # type: ignore[no-untyped-def]
    pack, facts = loader(case.facts, Path(case.file).parent)
    result = run_case(case, pack, facts)
    assert result.passed, str(result)
