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


def _items(store: Store, run_id: str) -> int:
    return sum(len(e["items"]) for e in store.trace(run_id) if e["kind"] == "fetch")


SUBMIT_THEN_CREATE = [
    {"tool_calls": [{"tool": "SubmitSuggestion", "arguments": {
        "fingerprint": "{{input.fingerprint}}", "priority": "high",
        "rationale": "A scripted model records the engine's candidate and then asks to create it."}}]},
    {"tool_calls": [{"tool": "CreateReportOnlyPolicy",
                     "arguments": {"suggestion_id": "{{result.SubmitSuggestion.id}}"}}]},
    {"text": "done"},
]


@pytest.mark.parametrize("allow", ["true", "false"])
def test_creation_is_guarded_per_suggestion_and_the_run_continues(tmp_path, allow: str) -> None:
    """The model names a suggestion, never a policy: only a new_policy suggestion's engine-made, report-only
    policy can be created, only with the capability on; a modification is left to an administrator."""
    model = write_script(tmp_path / "create.yaml", SUBMIT_THEN_CREATE)
    result, writes, store = _run(model, {"AllowReportOnlyPolicyCreation": allow})
    run_id = result.run["id"]
    assert result.run["status"] == "succeeded"
    assert result.run["usage"]["items"] == _items(store, run_id) >= 3, "every item was processed"
    kinds = {s["id"]: s["kind"] for s in store.list_suggestions(run_id=run_id)}
    decisions = [e for e in _guard_events(store, run_id) if e["skill"].endswith("CreateReportOnlyPolicy")]
    assert len(decisions) == len(kinds) and "modify_policy" in kinds.values()
    refused = [e for e in decisions if e["decision"] == "refuse"]
    if allow == "false":
        assert len(refused) == len(kinds) and all("AllowReportOnlyPolicyCreation" in e["reason"] for e in refused)
        assert writes == [], "the simulator must not see any write"
    else:
        assert len(refused) == list(kinds.values()).count("modify_policy")
        assert all("only new_policy suggestions create a policy" in e["reason"] for e in refused)
        posts = [w for w in writes if w.method == "POST"]
        assert len(posts) == list(kinds.values()).count("new_policy") and len(writes) == len(posts)
        assert all(w.body["state"] == "enabledForReportingButNotEnforced" for w in posts)


def test_unknown_suggestion_is_refused(tmp_path) -> None:
    model = write_script(tmp_path / "unknown.yaml", [
        {"tool_calls": [{"tool": "CreateReportOnlyPolicy", "arguments": {"suggestion_id": "not-a-suggestion"}}]},
        {"text": "done"},
    ])
    result, writes, store = _run(model, {"AllowReportOnlyPolicyCreation": "true"})
    refusals = [e for e in _guard_events(store, result.run["id"]) if e["decision"] == "refuse"]
    assert len(refusals) == _items(store, result.run["id"])
    assert all("suggestion not-a-suggestion: not found" in e["reason"] for e in refusals)
    assert writes == []


def test_smuggled_policy_argument_is_rejected(tmp_path) -> None:
    """A model cannot hand the write skill a policy of its own, enforced or not: there is no such argument."""
    model = write_script(tmp_path / "smuggle.yaml", [
        {"tool_calls": [{"tool": "CreateReportOnlyPolicy",
                         "arguments": {"policy": ENFORCED_POLICY, "suggestion_id": "x", "state": "enabled"}}]},
        {"text": "done"},
    ])
    result, writes, store = _run(model, {"AllowReportOnlyPolicyCreation": "true"})
    rejected = [e for e in store.trace(result.run["id"]) if e["kind"] == "tool_rejected"]
    assert len(rejected) == _items(store, result.run["id"])
    assert all("unexpected argument" in e["reason"] for e in rejected)
    assert writes == []
    assert not [e for e in store.trace(result.run["id"]) if e["kind"] == "tool_call"
                and e["skill"].endswith("CreateReportOnlyPolicy")], "the rejected skill never ran"


def test_tool_outside_child_skills_is_not_callable(tmp_path) -> None:
    model = write_script(tmp_path / "other.yaml", [
        {"tool_calls": [{"tool": "EntraAgents_CAOptimizer-ListNewCoverageGaps", "arguments": {}}]},
        {"text": "done"},
    ])
    result, writes, store = _run(model)
    assert result.run["status"] == "succeeded"
    rejected = [e for e in store.trace(result.run["id"]) if e["kind"] == "tool_rejected"]
    assert len(rejected) == _items(store, result.run["id"])
    assert all("not part of the provided tools" in e["reason"] for e in rejected)
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
            suggestion = next(s for s in store.list_suggestions(run_id=first.run["id"]) if s["kind"] == "new_policy")
            store.update_suggestion(suggestion["id"], createdPolicyId=None)
            skill = catalog.skill("EntraAgents.CAOptimizer.CreateReportOnlyPolicy")
            ctx = SkillContext(agent="ca-optimizer", run_id=first.run["id"], connection=connection,
                               snapshot=await connection.snapshot(), store=store,
                               tracer=Tracer(store, first.run["id"]), settings=settings)
            retried = await skill.python.callable(ctx, suggestion_id=suggestion["id"])
            return first, again, list(connection.simulator.writes), retried

    first, again, writes, retried = asyncio.run(go())
    created = [s for s in store.list_suggestions(run_id=first.run["id"]) if s["kind"] == "new_policy"]
    posts = [w for w in writes if w.method == "POST"]
    assert len(posts) == len(created) >= 3 and len(writes) == len(posts), "one POST per new policy, nothing else"
    assert all(w.body["state"] == "enabledForReportingButNotEnforced" for w in posts)
    assert all(w.body["conditions"]["users"]["excludeUsers"] for w in posts)
    assert all(s.get("createdPolicyId") for s in created)
    assert len([e for e in _guard_events(store, first.run["id"]) if e["decision"] == "allow"]) == len(created)
    assert again.suggestions == [] and retried["created"] is False
