from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from boardline.audit.readers.detect import detect_format
from boardline.model.errors import InputError
from tests.unit.audit.readers.conftest import FIXTURES

EXPECTED = {
    "squid_native.log": "squid",
    "boardline.log": "boardline",
    "common.log": "common",
    "combined.log": "combined",
    "dnsmasq.log": "dnsmasq",
    "bind.log": "bind",
    "unbound.log": "unbound",
    "decision_log.jsonl": "decision_log",
    "m365.csv": "m365",
    "google.csv": "google",
}


def test_each_fixture_is_recognised() -> None:
    assert {p.name: detect_format(p) for p in FIXTURES.iterdir()} == EXPECTED


def test_gzip_content_is_detected_whatever_the_name(tmp_path: Path) -> None:
    path = tmp_path / "access.log.2"
    path.write_bytes(gzip.compress((FIXTURES / "boardline.log").read_bytes()))

    assert detect_format(path) == "boardline"


def test_an_empty_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_text("\n\n")

    with pytest.raises(InputError, match="empty"):
        detect_format(path)
