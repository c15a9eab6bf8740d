from __future__ import annotations

import pytest

from boardline.engine.compiled import CompiledPack
from boardline.engine.facts import Facts
from tests.demo_facts import demo_facts


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledPack, Facts]:
    return demo_facts(tmp_path_factory.mktemp("engine"))
