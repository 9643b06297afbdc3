"""A finished run tells the configured webhooks (generic JSON and a Teams card), and says so in its trace."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.helpers import cli, cli_json, http_server


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Receiver.received.append((self.path, body))
        self.send_response(200 if "broken" not in self.path else 500)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def receiver():
    Receiver.received = []
    with http_server(Receiver) as base_url:
        yield base_url


def test_run_notifies_each_webhook_in_its_format(receiver: str) -> None:
    for path, fmt in (("/hooks/teams-secret-path", "teams"), ("/hooks/generic-secret-path", "generic")):
        code, _, err = cli("agents", "configure", "ca-optimizer", "--add-webhook", receiver + path, "--format", fmt)
        assert code == 0, err
    doc = cli_json("run", "ca-optimizer", "--tenant", "demo")
    received = dict(Receiver.received)
    teams, generic = received["/hooks/teams-secret-path"], received["/hooks/generic-secret-path"]
    assert teams["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert generic["event"] == "run.finished" and generic["suggestionsTotal"] == len(doc["suggestions"]) > 0
    assert generic["run"]["id"] == doc["run"]["id"]
    trace = cli_json("runs", "show", doc["run"]["id"])
    events = [e for e in trace["trace"] if e["kind"] == "notification"]
    assert sorted((e["format"], e["ok"]) for e in events) == [("generic", True), ("teams", True)]
    assert "secret-path" not in json.dumps(trace), "a webhook URL is a secret: only its host is recorded"


def test_a_failing_webhook_never_fails_the_run(receiver: str) -> None:
    code, _, err = cli("agents", "configure", "ca-optimizer", "--add-webhook", receiver + "/broken", "--format",
                       "generic")
    assert code == 0, err
    doc = cli_json("run", "ca-optimizer", "--tenant", "demo")
    assert doc["run"]["status"] == "succeeded"
    trace = cli_json("runs", "show", doc["run"]["id"])
    [event] = [e for e in trace["trace"] if e["kind"] == "notification"]
    assert (event["ok"], event["status"], event["attempts"]) == (False, 500, 2)
