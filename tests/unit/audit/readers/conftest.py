from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from boardline.directory.directory import Directory
from tests.demo_facts import demo_facts

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "logs"
DENVER = ZoneInfo("America/Denver")


@pytest.fixture(scope="session")
def demo_directory(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    _, facts = demo_facts(tmp_path_factory.mktemp("readers"))
    directory = facts.directory
    assert isinstance(directory, Directory)
    return directory


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()
