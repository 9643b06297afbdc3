"""A run starts from layered settings (command line > stored for tenant > stored default > manifest), the
resolved custom instructions and the new objects to monitor; the trace says what was used and from where."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from entra_agents.catalog import load_catalog
from entra_agents.errors import UsageError
from entra_agents.runtime.models.providers import choose
from entra_agents.runtime.runner import RunResult, run_agent
from entra_agents.store import Store
from entra_agents.store import agent_config as stored
from tests.helpers import write_script
from tests.runtime.settings_fixtures import CONTENT, IDS, TENANT_ID, write_tenant

AGENT = "settings-probe"


def _run(tmp_path: Path, settings: dict[str, str] | None = None) -> tuple[RunResult, list[dict[str, Any]]]:
    from entra_agents.graph.sources import open_tenant

    store = Store()
    model = write_script(tmp_path / "model.yaml", [{"tool_calls": [{"tool": "Probe", "arguments": {}}]},
                                                  {"text": "handled"}])

    async def go() -> RunResult:
        async with open_tenant(write_tenant(tmp_path)) as connection:
            return await run_agent(load_catalog([CONTENT]), AGENT, connection=connection, store=store,
                                   choice=choose(model), settings=settings)

    result = asyncio.run(go())
    return result, store.trace(result.run["id"])


def _store(tenant: str, values: dict[str, str], webhooks: list[dict[str, str]] | None = None) -> None:
    stored.save(Store(), stored.StoredConfig(AGENT, tenant, values, webhooks or []), actor="test", changes=[])


def _event(trace: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(e for e in trace if e["kind"] == kind)


def test_precedence_and_sources_are_in_the_trace(tmp_path) -> None:
    _store("", {"LargeExclusionUsers": "40", "BreakGlassAccounts": "bg-default@x", "ApiKey": "sk-secret"},
           [{"url": "https://hooks.example.com/path/SECRET", "format": "generic"}])
    _store(TENANT_ID, {"BreakGlassAccounts": "bg-tenant@x", "AllowReportOnlyPolicyCreation": "true"})
    result, trace = _run(tmp_path, {"AllowReportOnlyPolicyCreation": "no"})
    started = _event(trace, "run_started")
    assert started["settings"]["LargeExclusionUsers"] == "40"
    assert started["settings"]["BreakGlassAccounts"] == "bg-tenant@x"
    assert started["settings"]["AllowReportOnlyPolicyCreation"] == "false"  # command line wins, normalised
    assert started["settingSources"] == {
        "AllowReportOnlyPolicyCreation": "command line", "BreakGlassAccounts": "stored for tenant",
        "LargeExclusionUsers": "stored default", "ApiKey": "stored default", "CustomInstructions": "manifest default",
        "ObjectsToMonitor": "manifest default", "MaxItemsPerRun": "manifest default",
        "MaxUsersPerRun": "manifest default", "MaxAppsPerRun": "manifest default"}
    assert started["webhooks"] == [{"url": "https://hooks.example.com…", "format": "generic"}]
    assert "SECRET" not in str(trace) and "sk-secret" not in str(trace)
    # the skill itself reads the real value (it is the one that needs it)
    assert result.run["status"] == "succeeded"
    task = _event(trace, "task")
    assert task["inputs"]["AllowReportOnlyPolicyCreation"] == "false"


def test_new_objects_from_created_time_and_audits_reach_trace_skills_and_model(tmp_path) -> None:
    _, trace = _run(tmp_path, {"ObjectsToMonitor": "users,applications,agentIdentities"})
    monitored = _event(trace, "monitored_objects")
    assert monitored["asOf"] == "2026-03-10T12:00:00Z" and monitored["windowHours"] == 24
    assert [(o["type"], o["id"], o["sources"]) for o in monitored["objects"]] == [
        ("user", IDS["dave"], ["directoryAudit"]),
        ("servicePrincipal", IDS["finance_sp"], ["directoryAudit"]),
        ("application", IDS["payroll_app"], ["createdDateTime"]),
        ("user", IDS["bob"], ["createdDateTime"]),
        ("agentIdentity", IDS["agent"], ["directoryAudit"]),
    ]  # not: eve (25 h old), jordan1 (failed audit), jordan2 (audit before the window), alice
    probe = next(e for e in trace if e["kind"] == "tool_call" and e["skill"].endswith(".Probe"))
    assert '"newObjects": 5' in probe["result"]["preview"]  # skills read them from the context
    new = _event(trace, "task")["inputs"]["NewObjects"]
    assert new["counts"] == {"user": 2, "servicePrincipal": 1, "application": 1, "agentIdentity": 1}
    assert len(new["sample"]) == 5 and new["kinds"] == ["users", "applications", "agentIdentities"]


def test_only_the_monitored_kinds_are_listed(tmp_path) -> None:
    _, trace = _run(tmp_path, {"ObjectsToMonitor": "agentIdentities"})
    assert [o["displayName"] for o in _event(trace, "monitored_objects")["objects"]] == ["Invoice Agent"]


def test_caps_defer_items_and_new_objects_and_say_so(tmp_path) -> None:
    result, trace = _run(tmp_path, {"MaxItemsPerRun": "2", "MaxUsersPerRun": "1"})
    assert result.run["usage"]["items"] == 2 and result.run["usage"]["deferredItems"] == 1
    cap = _event(trace, "cap")
    assert (cap["setting"], cap["limit"], cap["fetched"], cap["deferred"]) == ("MaxItemsPerRun", 2, 3, 1)
    monitored = _event(trace, "monitored_objects")
    assert [o["id"] for o in monitored["objects"] if o["type"] == "user"] == [IDS["dave"]]  # oldest first
    assert monitored["deferred"] == {"users": 1}
    assert "1 of 3 items deferred to the next run (MaxItemsPerRun=2)" in result.to_json()["warnings"]
    assert "new objects not reviewed in this run (per-run cap): 1 users" in result.warnings
    assert "new objects not reviewed in this run (per-run cap): 1 users" in [
        e["message"] for e in trace if e["kind"] == "warning"]


def test_no_cap_by_default_reviews_everything(tmp_path) -> None:
    result, trace = _run(tmp_path)
    assert result.run["usage"]["items"] == 3 and "deferredItems" not in result.run["usage"]
    assert not [e for e in trace if e["kind"] == "cap"]
    assert _event(trace, "monitored_objects")["deferred"] == {}


def test_custom_instructions_resolved_for_the_model_and_problems_reported(tmp_path) -> None:
    text = 'Exclude group "Break Glass" and role 62e90394-69f5-4237-9190-012177145e10; ignore "Jordan Lee".'
    _store(TENANT_ID, {"CustomInstructions": text})
    result, trace = _run(tmp_path)
    given = _event(trace, "task")["inputs"]["CustomInstructions"]
    assert given["text"] == text and given["status"] == "unresolved"
    assert [(o["mention"], o["type"], o["id"]) for o in given["objects"]] == [
        ("Break Glass", "group", IDS["bg_group"]),
        ("62e90394-69f5-4237-9190-012177145e10", "role", IDS["ga_role"])]
    assert given["unresolved"][0]["mention"] == "Jordan Lee" and given["unresolved"][0]["problem"] == "ambiguous"
    assert {c["id"] for c in given["unresolved"][0]["candidates"]} == {IDS["jordan1"], IDS["jordan2"]}
    assert _event(trace, "custom_instructions")["status"] == "unresolved"
    warning = _event(trace, "warning")["message"]
    assert warning.startswith("custom instructions: 'Jordan Lee': ambiguous")
    assert warning in result.warnings


def test_a_stored_value_the_manifest_no_longer_accepts_is_skipped_with_a_warning(tmp_path) -> None:
    _store("", {"AllowReportOnlyPolicyCreation": "maybe", "Retired": "x"})
    _, trace = _run(tmp_path)
    started = _event(trace, "run_started")
    assert started["settings"]["AllowReportOnlyPolicyCreation"] == "false"
    assert started["settingSources"]["AllowReportOnlyPolicyCreation"] == "manifest default"
    messages = [e["message"] for e in trace if e["kind"] == "warning"]
    assert any("'maybe' is not a boolean" in m for m in messages)
    assert any("Retired ignored" in m for m in messages)


@pytest.mark.parametrize(("settings", "message"), [
    ({"MaxItemPerRun": "2"}, "did you mean MaxItemsPerRun?"),
    ({"AllowReportOnlyPolicyCreation": "sure"}, "is not a boolean"),
    ({"MaxItemsPerRun": "two"}, "is not a whole number"),
])
def test_bad_command_line_settings_fail_before_a_run_is_recorded(tmp_path, settings, message) -> None:
    with pytest.raises(UsageError, match=message):
        _run(tmp_path, settings)
    assert Store().list_runs() == []
