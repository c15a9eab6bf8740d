"""The audit report in a real browser (Debian's Chromium, headless): it loads, its charts are
there with their titles, and it makes no request beyond the page itself.

Chromium is pointed at a recording proxy for *every* destination (loopback
included), so any fetch the page attempted — a stylesheet, a font, a script,
an image, from anywhere — would show up in the proxy's log. Headless Chromium
156 still opens two tunnels of its own whatever the flags (its updater and
Google sign-in); a blank page loaded the same way shows which, and the report
may add nothing to them but itself. A control page with one external image
shows that the proxy does see a page's fetch.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from boardline.audit.report_data import Audience
from boardline.audit.report_html import write_html
from tests.browser import CHROMIUM_FLAGS, chromium
from tests.unit.audit.report_fixtures import report

pytestmark = pytest.mark.integration


class Recorder:
    """A forward proxy that serves files from one folder for any host and logs every request."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_CONNECT(self) -> None:
                recorder.asked.append(f"CONNECT {self.path}")
                self.send_error(403)

            def do_GET(self) -> None:
                recorder.asked.append(f"GET {self.path}")
                name = self.path.rsplit("/", 1)[-1]
                page = recorder.folder / name
                if not name or not page.is_file():
                    self.send_error(404)
                    return
                body = page.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[Recorder]:
    made = Recorder(tmp_path)
    thread = threading.Thread(target=made.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield made
    finally:
        made.server.shutdown()
        made.server.server_close()
        thread.join(timeout=30)


def browse(recorder: Recorder, page: str) -> str:
    """The page's DOM after load, every request going through the recorder."""
    profile = tempfile.mkdtemp(prefix="boardline-chromium-")
    url = f"http://report.test/{page}"
    try:
        result = subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--proxy-server=http://127.0.0.1:{recorder.port}",
                "--proxy-bypass-list=<-loopback>",
                "--virtual-time-budget=3000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


def test_the_report_loads_with_its_charts_and_fetches_nothing_else(
    recorder: Recorder, state: Path
) -> None:
    (recorder.folder / "blank.html").write_text("<!DOCTYPE html><p>blank</p>", encoding="utf-8")
    browse(recorder, "blank.html")
    browsers_own = {a for a in recorder.asked if "report.test" not in a}
    assert all(a.startswith("CONNECT ") for a in browsers_own), browsers_own
    recorder.asked.clear()
    data, _ = report(state, Audience.HR)
    write_html(data, recorder.folder / "report.html")
    dom = browse(recorder, "report.html")
    assert "Policy 5460 audit: Cut Bank School District" in dom
    for chart, title in (
        ("chart-per-day", "Violating visits per day"),
        ("chart-heat", "Violating visits by weekday and hour"),
        ("chart-buildings", "Violating visits by building"),
        ("chart-categories", "Top categories"),
        ("chart-sites", "Top sites"),
    ):
        assert f'id="{chart}"' in dom
        assert f'<title id="{chart}-title">{title}</title>' in dom
    assert dom.count("<svg") == 5
    assert dom.count("<rect") > 7 * 24
    assert "Maria Rivera" in dom
    assert "5460.p7" in dom
    page = [a for a in recorder.asked if a not in browsers_own]
    assert page == ["GET http://report.test/report.html"]


def test_the_recorder_does_see_a_page_that_fetches(recorder: Recorder) -> None:
    """The control: without our CSP, an external image is fetched, and the proxy logs it."""
    (recorder.folder / "leaky.html").write_text(
        '<!DOCTYPE html><html><body><img src="http://tracker.test/pixel.png" alt=""></body></html>',
        encoding="utf-8",
    )
    browse(recorder, "leaky.html")
    assert "GET http://report.test/leaky.html" in recorder.asked
    assert "GET http://tracker.test/pixel.png" in recorder.asked
