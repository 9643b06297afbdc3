"""`entra-agents tenant serve`: a standalone simulator that prints its URL and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from entra_agents.cli.main import main
from entra_agents.graph.tenant_file import TenantDocument
from tests.helpers import cli


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Authorization": "Bearer fake"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_serve_prints_the_url_answers_and_stops_on_sigterm(small_doc: TenantDocument) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "entra_agents", "tenant", "serve", str(small_doc.path), "--port", "0",
         "--fault-429-every", "2", "--retry-after", "7", "--fault-503-once"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("serving Contoso Test"), first + (proc.stderr.read() if proc.poll() else "")
        base = first.rsplit(" at ", 1)[1].strip()
        assert base.startswith("http://127.0.0.1:") and base.endswith("/v1.0")
        assert proc.stdout.readline().strip() == ("fault injection on: 429 every 2 requests (Retry-After 7 s); "
                                                  "503 on request 1")
        status, _, body = _get(f"{base}/organization")
        assert status == 503 and json.loads(body)["error"]["code"] == "ServiceNotAvailable"
        status, headers, body = _get(f"{base}/organization")
        assert status == 429 and headers["Retry-After"] == "7"
        assert json.loads(body)["error"]["code"] == "TooManyRequests"
        status, _, body = _get(f"{base}/organization")
        assert status == 200 and json.loads(body)["value"][0]["displayName"] == "Contoso Test"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped after 3 requests" in out


def test_serve_refuses_a_missing_file_and_documents_the_switches(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli("tenant", "serve", str(tmp_path / "nope.yaml"))
    assert code == 2 and "tenant file" in err and "does not exist" in err
    with pytest.raises(SystemExit):
        main(["tenant", "serve", "--help"])
    out = capsys.readouterr().out
    for flag in ("--port", "--fault-429-every", "--retry-after", "--fault-503-once", "--fault-503-at", "--slow-ms",
                 "--broken-page", "--broken-mode"):
        assert flag in out
    with pytest.raises(SystemExit):
        main(["tenant", "serve", "x.yaml", "--slow-ms", "-5"])
    assert "must not be negative" in capsys.readouterr().err
