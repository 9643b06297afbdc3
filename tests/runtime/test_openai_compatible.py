"""The OpenAI-compatible provider speaks the real wire format through Semantic Kernel's connector.

The only fake is the model endpoint itself (a stdlib server on 127.0.0.1 that plays a tool-calling model).
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.helpers import cli_json, http_server


class FakeModel(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeModel.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        messages = body["messages"]
        task = next(m["content"] for m in messages if m["role"] == "user")
        check = re.search(r'"check": "([A-Z]+-\d+)"', task).group(1)
        fingerprint = re.search(r'"fingerprint": "([0-9a-f]+)"', task).group(1)
        tools = {t["function"]["name"] for t in body.get("tools", [])}
        submit = next((t for t in tools if t.endswith("-SubmitSuggestion")), None)
        if submit and not any(m["role"] == "tool" for m in messages):
            arguments = {"fingerprint": fingerprint, "priority": "high",
                         "rationale": f"LLM rationale for {check}, written from the tool results."}
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{check}", "type": "function",
                 "function": {"name": submit, "arguments": json.dumps(arguments)}}]}
            finish = "tool_calls"
        else:
            message, finish = {"role": "assistant", "content": f"Suggested a policy for {check}."}, "stop"
        reply = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                 "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def model_server():
    FakeModel.seen = []
    with http_server(FakeModel) as base_url:
        yield f"{base_url}/v1"


def test_openai_compatible_model_drives_the_agent(model_server, monkeypatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_OPENAI_BASE_URL", model_server)
    monkeypatch.setenv("ENTRA_AGENTS_OPENAI_API_KEY", "sk-test-key")
    doc = cli_json("run", "ca-optimizer", "--tenant", "demo", "--model", "openai-compatible:local-model")
    assert doc["run"]["model"] == "openai-compatible:local-model" and doc["run"]["status"] == "succeeded"
    checks = [s["check"] for s in doc["suggestions"]]
    assert {"COV-01", "COV-08", "COV-10"} <= set(checks)
    assert sorted(s["rationale"] for s in doc["suggestions"]) == sorted(
        f"LLM rationale for {check}, written from the tool results." for check in checks)
    usage = doc["run"]["usage"]  # two model calls per item: the tool call, then the closing note
    assert usage["promptTokens"] == 2 * len(checks) * 100 and usage["completionTokens"] == 2 * len(checks) * 10

    first = FakeModel.seen[0]
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer sk-test-key"
    assert first["body"]["model"] == "local-model"
    offered = sorted(t["function"]["name"].split("-", 1)[1] for t in first["body"]["tools"])
    assert offered == ["CreateReportOnlyPolicy", "GetCoverageGap", "SubmitSuggestion"]
    system = first["body"]["messages"][0]
    assert system["role"] == "system" and "Mission" in system["content"]


def test_missing_base_url_is_a_usage_error(monkeypatch) -> None:
    from tests.helpers import cli

    monkeypatch.delenv("ENTRA_AGENTS_OPENAI_BASE_URL", raising=False)
    code, _, err = cli("run", "ca-optimizer", "--tenant", "demo", "--model", "openai-compatible:m")
    assert code == 2 and "ENTRA_AGENTS_OPENAI_BASE_URL" in err
