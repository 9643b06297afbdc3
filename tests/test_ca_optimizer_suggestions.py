"""End to end on a generated tenant served by the simulator: `run ca-optimizer --json` suggests exactly one
change per planted gap, of the kind the generator's manifest expects, never twice, and never again once
dismissed; the engine confirms every suggested policy or diff closes its gap without admin lockout."""

from __future__ import annotations

from typing import Any

import pytest

from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.remediation import check_lockout, closes_gap
from entra_agents.conditional_access.suggest.trial import (
    modify_problems,
    uncovered,
    with_policy,
)
from entra_agents.graph.synthetic import generate, write
from entra_agents.store import Store
from entra_agents.suggestions.diff import apply_changes
from tests.conditional_access.test_suggest_gaps import snapshot_of
from tests.helpers import cli_json

SIZE, SEED = 400, 23


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    generated = generate(SIZE, SEED, ["all"])
    path, _ = write(generated, tmp_path_factory.mktemp("tenant") / "tenant.json")
    return f"fixture:{path}", generated


def closes(suggestion: dict[str, Any]) -> tuple[str, ...]:
    return tuple(next(e["checks"] for e in suggestion["evidence"] if e["kind"] == "closes"))


def shape(suggestion: dict[str, Any]) -> tuple[Any, ...]:
    users = tuple(suggestion["affected"]["users"]) if suggestion["kind"] == "modify_policy" else ()
    return suggestion["kind"], closes(suggestion), suggestion["targetPolicyId"], users


def expected(manifest: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((e["kind"], tuple(e["checks"]), e["targetPolicyId"], tuple(e.get("users", ())))
                  for e in manifest["expectedSuggestions"])


def test_one_suggestion_per_planted_gap_vetted_by_the_engine(tenant: tuple[str, Any]) -> None:
    spec, generated = tenant
    doc = cli_json("run", "ca-optimizer", "--tenant", spec)
    assert doc["run"]["status"] == "succeeded"
    suggestions = doc["suggestions"]
    assert sorted(shape(s) for s in suggestions) == expected(generated.manifest)
    assert len({s["fingerprint"] for s in suggestions}) == len(suggestions)

    snapshot, config = snapshot_of(generated.document), AnalysisConfig()
    raw = {p["id"]: p for p in snapshot.conditional_access_policies}
    for s in suggestions:
        assert s["check"] == closes(s)[0] and len(s["rationale"]) >= 40
        if s["kind"] == "new_policy":
            assert s["policy"]["state"] == "enabledForReportingButNotEnforced"
            assert check_lockout(snapshot, config, s["policy"]) == []
            assert closes_gap(snapshot, config, s["check"], s["policy"]) == []
            continue
        # the stored diff, applied to the policy as it is in the tenant, is the suggested policy
        after = apply_changes(raw[s["targetPolicyId"]], s["changes"])
        assert after == s["policy"]
        trial = with_policy(snapshot, after)
        assert modify_problems(trial, config, after) == []
        coverage = [c for c in closes(s) if c.startswith("COV-")]
        assert all(not set(s["affected"]["users"]) & users for users in uncovered(trial, config, coverage).values())
        assert s["impact"]["usersNewlyInScope"] == len(s["affected"]["users"])


def test_second_run_and_dismissed_suggestions_are_not_suggested_again(tenant: tuple[str, Any]) -> None:
    spec, _ = tenant
    first = cli_json("run", "ca-optimizer", "--tenant", spec)["suggestions"]
    assert cli_json("run", "ca-optimizer", "--tenant", spec)["suggestions"] == []

    store = Store()
    dismissed = first[0]
    store.update_suggestion(dismissed["id"], status="dismissed")
    again = cli_json("run", "ca-optimizer", "--tenant", spec)
    assert again["suggestions"] == []
    trace = cli_json("runs", "show", again["run"]["id"])["trace"]
    skipped = [e for e in trace if e["kind"] == "skip" and "already suggested" in e["reason"]]
    assert len(skipped) == len(first)
    assert any(dismissed["id"] in e["reason"] and "dismissed" in e["reason"] for e in skipped)


def test_creation_is_for_new_policies_only_report_only_and_idempotent() -> None:
    import asyncio

    from entra_agents.catalog import load_catalog
    from entra_agents.graph.sources import open_tenant
    from entra_agents.runtime.context import SkillContext, Tracer
    from entra_agents.runtime.models.providers import choose
    from entra_agents.runtime.runner import run_agent
    from skills.ca_optimizer import _creation_problems

    store, catalog, settings = Store(), load_catalog(), {"AllowReportOnlyPolicyCreation": "true"}

    async def go() -> tuple[Any, Any, list[Any], dict[str, Any], list[str]]:
        async with open_tenant("demo") as connection:
            first = await run_agent(catalog, "ca-optimizer", connection=connection, store=store,
                                    choice=choose("offline"), settings=settings)
            again = await run_agent(catalog, "ca-optimizer", connection=connection, store=store,
                                    choice=choose("offline"), settings=settings)
            suggestions = store.list_suggestions(run_id=first.run["id"])
            created = next(s for s in suggestions if s["kind"] == "new_policy")
            modify = next(s for s in suggestions if s["kind"] == "modify_policy")
            store.update_suggestion(created["id"], createdPolicyId=None)  # a retried write
            skill = catalog.skill("EntraAgents.CAOptimizer.CreateReportOnlyPolicy").python.callable
            ctx = SkillContext(agent="ca-optimizer", run_id=first.run["id"], connection=connection,
                               snapshot=await connection.snapshot(), store=store,
                               tracer=Tracer(store, first.run["id"]), settings=settings)
            retried = await skill(ctx, suggestion_id=created["id"])
            refused = _creation_problems(ctx, {"suggestion_id": modify["id"]})
            return first, again, list(connection.simulator.writes), retried, refused

    first, again, writes, retried, refused = asyncio.run(go())
    posts = [w for w in writes if w.method == "POST"]
    new_policies = [s for s in first.suggestions if s["kind"] == "new_policy"]
    assert len(posts) == len(new_policies) and not [w for w in writes if w.method == "PATCH"]
    assert all(w.body["state"] == "enabledForReportingButNotEnforced" for w in posts)
    assert all(s.get("createdPolicyId") for s in store.list_suggestions(run_id=first.run["id"])
               if s["kind"] == "new_policy")
    assert again.suggestions == [] and retried["created"] is False
    assert refused and "only new_policy suggestions create a policy" in refused[0]
