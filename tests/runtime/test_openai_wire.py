"""Recorded Chat Completions responses replayed through the real ``openai`` client (AsyncOpenAI, via Semantic
Kernel's connector) against a local endpoint: what the client sent back, and what the run stored."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from entra_agents.store import Store
from tests.runtime.harness import DATA, RecordedModel, events, run_wire

MODEL = "openai-compatible:gpt-4o-test"


def _replay(name: str, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str] | None = None,
            model: str = MODEL) -> tuple[Any, RecordedModel, Store]:
    store = Store()

    async def go() -> tuple[Any, RecordedModel]:
        async with RecordedModel.from_file(name) as server:
            monkeypatch.setenv("ENTRA_AGENTS_OPENAI_BASE_URL", f"http://127.0.0.1:{server.port}/v1")
            monkeypatch.setenv("ENTRA_AGENTS_OPENAI_API_KEY", "sk-test-not-a-secret")
            monkeypatch.setenv("AZURE_OPENAI_BASE_URL", f"http://127.0.0.1:{server.port}/openai/deployments/dep-1")
            return await run_wire(model, store, settings), server

    result, server = asyncio.run(go())
    assert len(server.requests) == len(server.responses), "every recorded response was used, and no more"
    return result, server, store


@pytest.mark.parametrize("name", sorted(p.name for p in (DATA / "openai").glob("*.json")))
def test_recordings_are_chat_completions(name: str) -> None:
    for response in json.loads((DATA / "openai" / name).read_text()):
        ChatCompletion.model_validate(response, strict=False)
        assert set(response) >= {"id", "object", "created", "model", "choices", "usage"}


def test_single_tool_call_then_answer(monkeypatch) -> None:
    result, server, store = _replay("single_tool_call.json", monkeypatch)
    run_id = result.run["id"]
    assert result.run["status"] == "succeeded" and result.answers == ["Recorded a high-severity finding for alpha."]
    first = server.requests[0]
    assert first["path"] == "/v1/chat/completions" and first["headers"]["Authorization"] == "Bearer sk-test-not-a-secret"
    assert first["body"]["model"] == "gpt-4o-test"
    tools = {t["function"]["name"]: t["function"]["parameters"] for t in first["body"]["tools"]}
    assert tools["Tests_Wire-RecordFinding"]["properties"]["severity"]["enum"] == ["high", "medium", "low"]
    [sent] = server.tool_messages(1)
    assert sent["tool_call_id"] == "call_Q1sNgl3RecordA1" and json.loads(sent["content"]) == {"recorded": "alpha"}
    assert [e["severity"] for e in events(store, run_id, "recorded")] == ["high"]
    turns = events(store, run_id, "model_turn")
    assert [t["usage"]["totalTokens"] for t in turns] == [450, 491]
    assert all(t["usage"]["tokenSource"] == "api" for t in turns)
    assert result.run["usage"]["promptTokens"] == 412 + 480 and result.run["usage"]["completionTokens"] == 38 + 11


def test_parallel_tool_calls_both_run_and_both_results_go_back(monkeypatch) -> None:
    result, server, store = _replay("parallel_tool_calls.json", monkeypatch)
    assert result.run["status"] == "succeeded"
    lookup, record = server.tool_messages(1)
    assert lookup["tool_call_id"] == "call_A7lookupAlpha" and json.loads(lookup["content"])["detail"] == "full"
    assert record["tool_call_id"] == "call_B8recordAlpha" and json.loads(record["content"]) == {"recorded": "alpha"}
    assistant = next(m for m in server.requests[1]["body"]["messages"] if m["role"] == "assistant")
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_A7lookupAlpha", "call_B8recordAlpha"]
    ran = sorted(e["skill"] for e in events(store, result.run["id"], "tool_call"))
    assert ran == ["Tests.Wire.Lookup", "Tests.Wire.RecordFinding"]


def test_refusal_is_recorded_and_nothing_runs(monkeypatch) -> None:
    result, server, store = _replay("refusal.json", monkeypatch, {"AllowWrites": "true"})
    run_id = result.run["id"]
    [refusal] = events(store, run_id, "model_refusal")
    assert refusal["text"] == "I'm sorry, but I can't help with that request."
    [failed] = events(store, run_id, "item_failed")
    assert failed["status"] == "refused" and "can't help" in failed["reason"]
    # A refusal is not argued with: no reminder, no second request, nothing ran or was written.
    assert len(server.requests) == 1 and not events(store, run_id, "reminder")
    assert not events(store, run_id, "tool_call") and not events(store, run_id, "written")
    assert not events(store, run_id, "recorded")
    assert result.run["status"] == "partial" and result.run["usage"]["failedItems"] == 1


def test_malformed_arguments_are_sent_back_once_then_the_corrected_call_runs(monkeypatch) -> None:
    result, server, store = _replay("malformed_then_corrected.json", monkeypatch)
    run_id = result.run["id"]
    assert result.run["status"] == "succeeded" and not events(store, run_id, "item_failed")
    [rejection] = server.tool_messages(1)
    assert rejection["tool_call_id"] == "call_M1truncatedJson"
    text = rejection["content"]
    assert text.startswith("INVALID tool call to Tests_Wire-RecordFinding: the arguments are not valid JSON")
    assert 'severity (one of "high", "medium", "low", required)' in text and "another invalid output stops" in text
    [rejected] = events(store, run_id, "tool_rejected")
    assert rejected["callId"] == "call_M1truncatedJson" and rejected["stopsItem"] is False
    assert [e["note"] for e in events(store, run_id, "recorded")] == ["Alpha has no owner review."]
    assert result.run["usage"]["modelCalls"] == 3


def test_second_invalid_output_fails_the_item_and_the_next_item_runs(monkeypatch) -> None:
    result, server, store = _replay("malformed_twice.json", monkeypatch,
                                    {"Subjects": "alpha,beta", "AllowWrites": "true"})
    run_id = result.run["id"]
    [first_rejection] = server.tool_messages(1)
    assert "not valid JSON" in first_rejection["content"]
    # Item alpha: the second invalid reply stopped the item; its valid sibling (a permitted write) never ran.
    rejected = events(store, run_id, "tool_rejected")
    assert [(e["callId"], e["stopsItem"]) for e in rejected] == [("call_T1badJson", False), ("call_T2badEnum", True)]
    assert "argument `severity` must be one of \"high\", \"medium\", \"low\"; got \"critical\"" in rejected[1]["reason"]
    [failed] = events(store, run_id, "item_failed")
    assert failed["status"] == "failed" and failed["inputs"]["subject"] == "alpha"
    assert "after the one correction" in failed["reason"]
    assert not events(store, run_id, "written")
    # Item beta went on as normal, in a fresh conversation.
    assert [e["subject"] for e in events(store, run_id, "recorded")] == ["beta"]
    beta_messages = server.requests[2]["body"]["messages"]
    assert not any(m["role"] == "tool" for m in beta_messages) and "beta" in beta_messages[-1]["content"]
    # the run finished every item but one failed: partial, with the count in its usage
    assert result.run["status"] == "partial" and result.run["usage"]["items"] == 2
    assert result.run["usage"]["failedItems"] == 1


def test_azure_openai_wire_shape(monkeypatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://contoso-test.openai.azure.com/")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-test-not-a-secret")
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2024-10-21")
    result, server, store = _replay("single_tool_call.json", monkeypatch, model="azure-openai:dep-1")
    assert result.run["status"] == "succeeded"
    first = server.requests[0]
    assert first["path"] == "/openai/deployments/dep-1/chat/completions"
    assert first["query"] == {"api-version": "2024-10-21"}
    assert first["headers"]["api-key"] == "azure-test-not-a-secret" and "Authorization" not in first["headers"]
    assert [e["severity"] for e in events(store, result.run["id"], "recorded")] == ["high"]
