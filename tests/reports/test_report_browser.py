"""The HTML report in a real browser: headless Chromium, console errors read over the DevTools protocol.

Skipped with a reason when Chromium is missing, except in CI (CI=true), where a missing browser is a failure:
`.ci/run` installs it.
"""

from __future__ import annotations

import asyncio
import os
import struct
from pathlib import Path

import pytest

from entra_agents.reports.html_report import CSP
from entra_agents.reports.run_report import render_html
from entra_agents.store import Store
from tests.reports.chromium import PageLoad, chromium_path, load
from tests.reports.sample_run import make_run


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = "Chromium not installed (apt-get install -y chromium); the HTML report is not checked in a browser"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + ", and CI=true requires it")
        pytest.skip(reason)
    return path


def _open(chromium: str, page: Path) -> PageLoad:
    return asyncio.run(load(chromium, page.as_uri()))


def test_html_report_renders_without_console_errors(chromium: str, tmp_path: Path) -> None:
    store = Store()
    page = tmp_path / "report.html"
    page.write_text(render_html(store, make_run(store)), encoding="utf-8")
    result = _open(chromium, page)
    assert result.console_errors == []  # an unescaped <script> or <img onerror> would also trip the CSP here
    assert result.requests == [page.as_uri()]  # self-contained: nothing else is fetched
    shot = tmp_path / "report.png"
    shot.write_bytes(result.screenshot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", result.screenshot[16:24])  # the IHDR chunk
    assert (width, height) == (1280, 1000)
    assert len(result.screenshot) > 20_000  # a page of tables and text, not a blank viewport


def test_detector_reports_script_errors(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>broken</p><script>console.error('logged'); notDefined();</script>")
    errors = _open(chromium, page).console_errors
    assert any("console.error: logged" in e for e in errors), errors
    assert any("notDefined is not defined" in e for e in errors), errors


def test_detector_reports_what_the_report_csp_blocks(chromium: str, tmp_path: Path) -> None:
    # Should escaping ever fail, the report's own CSP blocks the script, and that shows up as a console error.
    page = tmp_path / "injected.html"
    page.write_text(f'<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="{CSP}">'
                    "<p>name</p><script>document.title = 'ran'</script>")
    errors = _open(chromium, page).console_errors
    assert any("Content Security Policy" in e for e in errors), errors
