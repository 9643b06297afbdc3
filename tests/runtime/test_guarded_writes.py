"""Safety rules 1, 2 and 7 as behaviour: hostile or careless models cannot write what the guard forbids."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from entra_agents.catalog import load_catalog
from entra_agents.graph.sources import open_tenant
from entra_agents.runtime.context import SkillContext, Tracer
from entra_agents.runtime.models.providers import choose
from entra_agents.runtime.runner import run_agent
from entra_agents.store import Store
from tests.helpers import write_script

ENFORCED_POLICY = {
    "displayName": "Require MFA now",
    "state": "enabled",
    "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                   "clientAppTypes": ["all"]},
    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
}


def _run(model: str, settings: dict[str, str] | None = None, tenant: str = "demo") -> tuple[Any, Any, Store]:
    store = Store()

    async def go() -> tuple[Any, Any]:
        async with open_tenant(tenant) as connection:
            result = await run_agent(load_catalog(), "ca-optimizer", connection=connection, store=store,
                                     choice=choose(model), settings=settings or {})
            return result, list(connection.simulator.writes) if connection.simulator else []

    result, writes = asyncio.run(go())
    return result, writes, store


def _guard_events(store: Store, run_id: str) -> list[dict[str, Any]]:
    return [e for e in store.trace(run_id) if e["kind"] == "guard"]


@pytest.mark.parametrize("allow", ["true", "false"])
def test_enabled_policy_is_refused_and_the_run_continues(tmp_path, allow: str) -> None:
    model = write_script(tmp_path / "enable.yaml", [
        {"tool_calls": [{"tool": "CreateReportOnlyPolicy",
                         "arguments": {"policy": ENFORCED_POLICY, "suggestion_id": "x"}}]},
        {"text": "I tried to enforce MFA."},
    ])
    result, writes, store = _run(model, {"AllowReportOnlyPolicyCreation": allow})
    assert result.run["status"] == "succeeded"
    assert result.run["usage"]["items"] == 3, "every gap was still processed after the refusal"
    refusals = [e for e in _guard_events(store, result.run["id"]) if e["decision"] == "refuse"]
    assert len(refusals) == 3 and all(e["skill"].endswith("CreateReportOnlyPolicy") for e in refusals)
    expected = "report-only" if allow == "true" else "AllowReportOnlyPolicyCreation"
    assert all(expected in e["reason"] for e in refusals)
    assert writes == [], "the simulator must not see any write"
    assert not [e for e in store.trace(result.run["id"]) if e["kind"] == "tool_call"
                and e["skill"].endswith("CreateReportOnlyPolicy")], "the refused skill never ran"


def test_smuggled_argument_is_refused(tmp_path) -> None:
    policy = copy.deepcopy(ENFORCED_POLICY) | {"state": "enabledForReportingButNotEnforced"}
    model = write_script(tmp_path / "smuggle.yaml", [
        {"tool_calls": [{"tool": "CreateReportOnlyPolicy",
                         "arguments": {"policy": policy, "suggestion_id": "x", "state": "enabled"}}]},
        {"text": "done"},
    ])
    result, writes, store = _run(model, {"AllowReportOnlyPolicyCreation": "true"})
    # Semantic Kernel itself rejects undeclared arguments before our guard; the attempt is still traced.
    rejected = [e for e in store.trace(result.run["id"]) if e["kind"] == "tool_rejected"]
    assert len(rejected) == 3 and all("unexpected argument" in e["reason"] for e in rejected)
    assert writes == []


def test_policy_without_break_glass_exclusion_is_refused(tmp_path) -> None:
    policy = copy.deepcopy(ENFORCED_POLICY) | {"state": "enabledForReportingButNotEnforced"}
    model = write_script(tmp_path / "lockout.yaml", [
        {"tool_calls": [{"tool": "CreateReportOnlyPolicy", "arguments": {"policy": policy, "suggestion_id": "x"}}]},
        {"text": "done"},
    ])
    result, writes, store = _run(model, {"AllowReportOnlyPolicyCreation": "true"})
    assert all(e["decision"] == "refuse" for e in _guard_events(store, result.run["id"]))
    assert writes == []


def test_tool_outside_child_skills_is_not_callable(tmp_path) -> None:
    model = write_script(tmp_path / "other.yaml", [
        {"tool_calls": [{"tool": "EntraAgents_CAOptimizer-ListNewCoverageGaps", "arguments": {}}]},
        {"text": "done"},
    ])
    result, writes, store = _run(model)
    assert result.run["status"] == "succeeded"
    rejected = [e for e in store.trace(result.run["id"]) if e["kind"] == "tool_rejected"]
    assert len(rejected) == 3 and all("not part of the provided tools" in e["reason"] for e in rejected)
    assert not [e for e in store.trace(result.run["id"])
                if e["kind"] == "tool_call" and e["skill"].endswith("ListNewCoverageGaps")]


def test_allowed_creation_is_report_only_and_idempotent() -> None:
    store = Store()
    catalog = load_catalog()
    settings = {"AllowReportOnlyPolicyCreation": "true"}

    async def go() -> tuple[Any, Any, list[Any], dict[str, Any]]:
        async with open_tenant("demo") as connection:
            first = await run_agent(catalog, "ca-optimizer", connection=connection, store=store,
                                    choice=choose("offline"), settings=settings)
            again = await run_agent(catalog, "ca-optimizer", connection=connection, store=store,
                                    choice=choose("offline"), settings=settings)
            # A retried write for a suggestion whose policy already exists must not POST again.
            suggestion = store.list_suggestions(run_id=first.run["id"])[0]
            store.update_suggestion(suggestion["id"], createdPolicyId=None)
            skill = catalog.skill("EntraAgents.CAOptimizer.CreateReportOnlyPolicy")
            ctx = SkillContext(agent="ca-optimizer", run_id=first.run["id"], connection=connection,
                               snapshot=await connection.snapshot(), store=store,
                               tracer=Tracer(store, first.run["id"]), settings=settings)
            retried = await skill.python.callable(ctx, policy=suggestion["policy"], suggestion_id=suggestion["id"])
            return first, again, list(connection.simulator.writes), retried

    first, again, writes, retried = asyncio.run(go())
    posts = [w for w in writes if w.method == "POST"]
    assert len(posts) == 3
    assert all(w.body["state"] == "enabledForReportingButNotEnforced" for w in posts)
    assert all(w.body["conditions"]["users"]["excludeUsers"] for w in posts)
    assert all(s.get("createdPolicyId") for s in store.list_suggestions(run_id=first.run["id"]))
    assert len([e for e in _guard_events(store, first.run["id"]) if e["decision"] == "allow"]) == 3
    assert again.suggestions == [] and retried["created"] is False
