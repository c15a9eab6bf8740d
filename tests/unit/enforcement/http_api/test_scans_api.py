"""``POST /v1/scans``: multipart and raw uploads, limits, logging, and no roster value out."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from fastapi import FastAPI

from boardline.bootstrap import asset_store, bootstrap, open_decision_log
from boardline.enforcement.http_api import create_app
from boardline.inspection.assets import AssetKind
from boardline.inspection.image_testset import synthetic_photo
from boardline.inspection.logo_art import cut_bank_crest
from boardline.runtime import Runtime
from boardline.settings import Settings
from tests.unit.cli.test_scan_cli import leaked, roster_post
from tests.unit.enforcement.http_api.conftest import SCHOOL_TIME, SECRET, Clock, TestClient
from tests.unit.inspection.documents import document, make_pdf

HANDBOOK = document(5460, 1200)
LIMIT = 2 * 1024 * 1024


def _png(width: int) -> bytes:
    out = io.BytesIO()
    cut_bank_crest(width).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("state")
    settings = Settings(state_dir=str(state))
    store = asset_store(settings)
    at = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    try:
        store.add_picture(AssetKind.LOGO, _png(400), "crest.png", label="Crest", by="jc", at=at)
        store.add_document(HANDBOOK.encode(), "handbook.txt", label="Handbook", by="jc", at=at)
    finally:
        store.close()
    return settings


@pytest.fixture(scope="module")
def inspecting(settings: Settings) -> Runtime:
    return bootstrap(settings, inspect=True)


@pytest.fixture
def api(inspecting: Runtime, settings: Settings, tmp_path: Path) -> tuple[FastAPI, Path]:
    log = tmp_path / "decisions.jsonl"
    logged = settings.model_copy(update={"decision_log": str(log)})
    sink = open_decision_log(logged, inspecting)
    app = create_app(inspecting, secret=SECRET, sink=sink, clock=Clock(SCHOOL_TIME),
                     max_scan_bytes=LIMIT)  # fmt: skip
    return app, log


def test_a_multipart_logo_upload_is_denied_with_the_clause(api: tuple[FastAPI, Path]) -> None:
    app, log = api
    with TestClient(app) as client:
        answer = client.post(
            "/v1/scans",
            params={"user": "mrivera"},
            files={"file": ("poster.png", _png(260), "image/png")},
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["name"] == "poster.png"
    assert body["host"] == "www.facebook.com"
    assert [f["kind"] for f in body["findings"]] == ["district_logo"]
    assert body["findings"][0]["region"] is not None
    decision = body["decision"]
    assert decision["effect"] == "deny"
    assert decision["citations"][0]["clause"] == "5460.p7"
    assert decision["revision"] == decision["citations"][0]["revision"]
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["decision_id"] for line in lines] == [decision["decision_id"]]


def test_a_raw_pdf_and_a_clean_photo(api: tuple[FastAPI, Path]) -> None:
    app, _ = api
    excerpt = make_pdf(" ".join(HANDBOOK.split(" ")[200:280]))
    photo = io.BytesIO()
    synthetic_photo(31, (640, 480)).save(photo, "JPEG", quality=90)
    with TestClient(app) as client:
        pdf = client.post("/v1/scans", params={"name": "notes.pdf", "user": "mrivera"},
                          content=excerpt, headers={"content-type": "application/pdf"})  # fmt: skip
        clean = client.post("/v1/scans", params={"name": "beach.jpg", "user": "mrivera"},
                            content=photo.getvalue())  # fmt: skip
    assert pdf.json()["findings"][0]["kind"] == "district_document"
    assert pdf.json()["decision"]["effect"] == "deny"
    assert clean.json()["findings"] == []
    assert clean.json()["decision"]["effect"] == "allow"


def test_a_student_list_is_denied_and_no_roster_value_comes_back(
    api: tuple[FastAPI, Path], inspecting: Runtime
) -> None:
    app, log = api
    post, values = roster_post(inspecting.facts.directory)
    with TestClient(app) as client:
        answer = client.post(
            "/v1/scans",
            params={"user": "mrivera", "host": "www.instagram.com"},
            files={"file": ("list.txt", post.encode(), "text/plain")},
        )
    body = answer.json()
    assert body["decision"]["effect"] == "deny"
    assert body["findings"][0]["kind"] == "student_record"
    assert body["findings"][0]["people"] == 3
    assert leaked(answer.text, values) == []
    assert leaked(log.read_text(encoding="utf-8"), values) == []


def test_limits_and_bad_requests(api: tuple[FastAPI, Path]) -> None:
    app, _ = api
    with TestClient(app) as client:
        large = client.post("/v1/scans", params={"name": "big.txt"}, content=b"x" * (LIMIT + 1))
        unnamed = client.post("/v1/scans", content=b"hello")
        empty = client.post("/v1/scans", params={"name": "e.txt"}, content=b"")
        broken = client.post("/v1/scans", params={"name": "broken.png"},
                             content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)  # fmt: skip
        no_file = client.post("/v1/scans", files={"other": ("a.txt", b"hi", "text/plain")})
    assert large.status_code == 413
    assert "larger than the 2,097,152 bytes" in large.json()["error"]
    assert unnamed.status_code == 422
    assert unnamed.json()["problems"][0]["field"] == "name"
    assert empty.status_code == 422
    assert broken.status_code == 422
    assert broken.json()["error"].startswith("broken.png")
    assert no_file.status_code == 422
    assert no_file.json()["problems"][0]["field"] == "file"


def test_without_inspection_the_route_says_so(tmp_path: Path) -> None:
    app = create_app(bootstrap(Settings(state_dir=str(tmp_path))), secret=SECRET)
    with TestClient(app) as client:
        answer = client.post("/v1/scans", params={"name": "a.txt"}, content=b"hello")
    assert answer.status_code == 503
    assert "not configured" in answer.json()["error"]
