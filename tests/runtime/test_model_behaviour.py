"""Model behaviour without a network: the required tool and its one reminder, token usage per model kind,
scripted templates, and the validation messages a model gets back."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from entra_agents.catalog import load_catalog
from entra_agents.errors import ContentError
from entra_agents.graph.sources import open_tenant
from entra_agents.runtime.models.providers import choose
from entra_agents.runtime.runner import run_agent
from entra_agents.runtime.validation import check_call
from entra_agents.store import Store
from tests.helpers import write_script
from tests.runtime.harness import AGENT, CONTENT, events, run_wire

RECORD = {"tool": "RecordFinding", "arguments": {"subject": "{{input.subject}}", "severity": "low",
                                                 "note": "Owner {{result.Lookup.owner}}."}}
LOOKUP = {"tool": "Lookup", "arguments": {"subject": "{{input.subject}}"}}


def _run(model: str, settings: dict[str, str] | None = None) -> tuple[Any, Store]:
    store = Store()
    return asyncio.run(run_wire(model, store, settings)), store


def test_offline_model_reports_no_tokens_and_is_labelled() -> None:
    result, store = _run("offline")
    usage = result.run["usage"]
    assert result.run["status"] == "succeeded" and usage["items"] == 1 and usage["modelCalls"] == 3
    assert usage["promptTokens"] == usage["completionTokens"] == 0
    turns = events(store, result.run["id"], "model_turn")
    assert {t["usage"]["tokenSource"] for t in turns} == {"none"}
    assert result.answers[0].startswith("[offline model: deterministic, not an LLM]")


def test_scripted_arguments_are_templates_and_usage_is_estimated(tmp_path: Path) -> None:
    model = write_script(tmp_path / "m.yaml", [{"tool_calls": [LOOKUP]}, {"tool_calls": [RECORD]}, {"text": "done"}])
    result, store = _run(model, {"Subjects": "alpha,beta"})
    run_id = result.run["id"]
    assert [e["note"] for e in events(store, run_id, "recorded")] == ["Owner owner-of-alpha.", "Owner owner-of-beta."]
    turns = events(store, run_id, "model_turn")
    assert len(turns) == 6 and {t["usage"]["tokenSource"] for t in turns} == {"estimated"}
    # Each request resends the conversation so far: prompts grow turn by turn within an item.
    prompts = [t["usage"]["promptTokens"] for t in turns]
    assert prompts[0] < prompts[1] < prompts[2] and prompts[3] < prompts[4] < prompts[5]
    assert result.run["usage"]["promptTokens"] == sum(prompts)


def test_configured_usage_is_summed_per_run(tmp_path: Path) -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 7}
    model = write_script(tmp_path / "m.yaml", [{"tool_calls": [RECORD], "usage": usage}, {"text": "ok", "usage": usage}])
    result, store = _run(model, {"Subjects": "alpha,beta"})
    assert result.run["usage"]["promptTokens"] == 400 and result.run["usage"]["completionTokens"] == 28
    assert {t["usage"]["tokenSource"] for t in events(store, result.run["id"], "model_turn")} == {"configured"}


def test_ending_without_the_required_tool_gets_one_reminder(tmp_path: Path) -> None:
    model = write_script(tmp_path / "m.yaml", [{"text": "All fine, nothing to record."}, {"tool_calls": [RECORD]},
                                               {"text": "Recorded after the reminder."}])
    result, store = _run(model)
    run_id = result.run["id"]
    assert [e["tool"] for e in events(store, run_id, "reminder")] == ["RecordFinding"]
    assert len(events(store, run_id, "recorded")) == 1 and not events(store, run_id, "item_failed")
    assert result.answers == ["Recorded after the reminder."]


def test_ending_twice_without_the_required_tool_fails_the_item(tmp_path: Path) -> None:
    model = write_script(tmp_path / "m.yaml", [{"text": "I will not record anything."}])
    result, store = _run(model, {"Subjects": "alpha,beta"})
    failed = events(store, result.run["id"], "item_failed")
    assert [e["inputs"]["subject"] for e in failed] == ["alpha", "beta"], "each item failed; neither crashed the run"
    assert all("required tool RecordFinding" in e["reason"] for e in failed)
    assert len(events(store, result.run["id"], "reminder")) == 2 and result.run["usage"]["items"] == 2


def test_one_correction_per_item_is_shared_by_every_kind_of_mistake(tmp_path: Path) -> None:
    bad = {"tool": "RecordFinding", "arguments": {"subject": "alpha", "severity": "urgent", "note": "x"}}
    model = write_script(tmp_path / "m.yaml", [{"tool_calls": [bad]}, {"text": "gave up"}])
    result, store = _run(model)
    run_id = result.run["id"]
    # The invalid call used the item's correction, so ending without the required tool fails it at once.
    assert not events(store, run_id, "reminder")
    [failed] = events(store, run_id, "item_failed")
    assert "required tool RecordFinding" in failed["reason"]


def test_guard_refusal_stays_a_tool_result_and_is_not_a_validation_failure(tmp_path: Path) -> None:
    write = {"tool": "ApplyChange", "arguments": {"subject": "alpha"}}
    model = write_script(tmp_path / "m.yaml", [{"tool_calls": [write]}, {"tool_calls": [RECORD]}, {"text": "ok"}])
    result, store = _run(model)
    run_id = result.run["id"]
    [guard] = events(store, run_id, "guard")
    assert guard["decision"] == "refuse" and "AllowWrites" in guard["reason"]
    assert not events(store, run_id, "written") and not events(store, run_id, "tool_rejected")
    assert not events(store, run_id, "item_failed")


def test_required_tool_must_be_one_of_the_agents_tools(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    prompt = content / "prompts" / "wire_review.yaml"
    prompt.write_text(prompt.read_text().replace("required_tool: RecordFinding", "required_tool: SendEmail"))

    async def go() -> None:
        async with open_tenant("demo") as connection:
            await run_agent(load_catalog([content]), AGENT, connection=connection, store=Store(),
                            choice=choose("offline"))

    with pytest.raises(ContentError, match="SendEmail` is not one of the agent's tools") as err:
        asyncio.run(go())
    assert "wire_review.yaml" in str(err.value) and "RecordFinding" in str(err.value)


SCHEMAS = {"p-Limit": {"type": "object", "required": ["count"], "properties": {
    "count": {"type": "integer", "minimum": 1, "maximum": 50, "description": "How many"},
    "filter": {"type": ["string", "null"]},
    "policy": {"type": "object", "required": ["state"], "properties": {"state": {"enum": ["on", "off"]}}}}}}


@pytest.mark.parametrize(("arguments", "expected"), [
    ('{"count": 0}', 'argument `count` must be integer (>= 1, <= 50); got 0'),
    ('{"count": "3"}', 'argument `count` must be integer (>= 1, <= 50); got "3"'),
    ("{}", "missing required argument `count` (integer (>= 1, <= 50))"),
    ('{"count": 3, "state": "on"}', "unexpected argument `state`"),
    ('{"count": 3, "policy": {"state": "enforced"}}', "argument `policy` is invalid at policy.state:"),
    ('{"count": 3, "policy": {}}', "argument `policy` is invalid: 'state' is a required property"),
    ("[1]", "the arguments must be a JSON object, got list"),
    ('{"count": 3,', "the arguments are not valid JSON"),
])
def test_validation_names_the_argument_and_what_is_allowed(arguments: str, expected: str) -> None:
    problem = check_call("p-Limit", arguments, SCHEMAS)
    assert problem is not None and expected in problem
    assert problem.endswith("Its arguments are: count (integer (>= 1, <= 50), required); "
                            "filter (string or null, optional); policy (object, optional).")


def test_valid_calls_pass_and_unknown_tools_list_the_offered_ones() -> None:
    assert check_call("p-Limit", '{"count": 3, "filter": null}', SCHEMAS) is None
    assert check_call("p-Limit", {"count": 50}, SCHEMAS) is None
    unknown = check_call("p-Delete", "{}", SCHEMAS)
    assert unknown is not None and "not part of the provided tools" in unknown and "p-Limit" in unknown
