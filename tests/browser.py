"""Debian's Chromium for the browser tests: where it is, and the flags that keep it quiet.

The flags turn off Chromium's own background traffic (updates, sync, safe browsing,
field trials) so a test that records every request a page makes sees the page's
requests, not the browser's housekeeping.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-features=NetworkTimeServiceQuerying,Translate,OptimizationHints,MediaRouter,"
    "AutofillServerCommunication,CertificateTransparencyComponentUpdater",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--no-pings",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-component-extensions-with-background-pages",
    "--no-service-autorun",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--safebrowsing-disable-auto-update",
    "--disable-field-trial-config",
)


def chromium() -> str:
    """The browser's path; the test fails (never skips) when it is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Debian's chromium is not installed (`apt-get install chromium`; .ci/run does)")
    return found
