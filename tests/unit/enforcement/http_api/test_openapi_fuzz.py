"""Schemathesis over /openapi.json: whatever it sends to /v1/decisions, no 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from boardline.bootstrap import bootstrap
from boardline.enforcement.http_api import create_app
from boardline.settings import Settings
from tests.unit.enforcement.http_api.conftest import ADMIN_KEYS, SCHOOL_TIME, SECRET, Clock


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    state: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        bootstrap(Settings(state_dir=str(state))),
        secret=SECRET,
        clock=Clock(SCHOOL_TIME),
        admin_keys=ADMIN_KEYS,
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_decisions_never_answer_5xx(
    api_schema: schemathesis.BaseSchema, mode: schemathesis.GenerationMode
) -> None:
    """Valid requests (positive) and requests that break the schema (negative) alike."""
    # Hypothesis driven directly: schemathesis' own pytest loader does not run under pytest 9.
    operation = api_schema["/v1/decisions"]["POST"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    check()
