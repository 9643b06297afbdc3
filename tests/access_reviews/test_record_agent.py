"""Safety rule 1(c) as behaviour: the agent alone cannot record an access review decision. No agent has a skill
that writes one, a hostile model that names such a tool (or smuggles decision arguments into the one write skill
there is) is rejected, and no skill reaches the record module."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from entra_agents.catalog import load_catalog
from entra_agents.graph.sources import open_tenant
from entra_agents.runtime.models.providers import choose
from entra_agents.runtime.runner import run_agent
from entra_agents.store import Store
from tests.access_reviews.review_tenant import DECISION, review_tenant
from tests.helpers import write_script

SKILLS_DIR = Path(__file__).resolve().parents[2] / "skills"
DECIDE = {"definitionId": "def-1", "instanceId": "inst-1", "decisionId": DECISION["u-bob2"], "decision": "Deny",
          "justification": "the model says so"}
HOSTILE = [
    {"tool_calls": [{"tool": "EntraAgents_AccessReview-RecordDecision", "arguments": DECIDE}]},
    {"tool_calls": [{"tool": "batchRecordDecisions", "arguments": {"decision": "Deny", "justification": "all"}}]},
    {"tool_calls": [{"tool": "EntraAgents_CAOptimizer-CreateReportOnlyPolicy",
                     "arguments": {"suggestion_id": "x", **DECIDE}}]},
    {"text": "done"},
]


def test_no_agent_has_a_skill_that_records_a_decision() -> None:
    catalog = load_catalog()
    writes = {s.full_name for agent in catalog.agents for s in catalog.skills_for(agent)
              if getattr(getattr(s, "python", None), "access", None) == "write"}
    assert writes == {"EntraAgents.CAOptimizer.CreateReportOnlyPolicy"}
    assert not [s for s in catalog.skills_for("access-review")
                if getattr(getattr(s, "python", None), "access", "read") != "read"]
    for source in SKILLS_DIR.glob("*.py"):  # content never reaches the reviewer's write path
        text = source.read_text(encoding="utf-8")
        assert "access_reviews.record" not in text and "batchRecordDecisions" not in text, source.name


@pytest.mark.parametrize("agent", ["access-review", "ca-optimizer"])
def test_a_hostile_model_cannot_reach_a_decision_write(tmp_path: Path, agent: str) -> None:
    tenant = tmp_path / "tenant.json"
    tenant.write_text(json.dumps(review_tenant().data), encoding="utf-8")
    model = write_script(tmp_path / "hostile.yaml", HOSTILE)
    store = Store()

    async def go() -> tuple[Any, list[Any], list[dict[str, Any]]]:
        async with open_tenant(f"fixture:{tenant}") as connection:
            result = await run_agent(load_catalog(), agent, connection=connection, store=store, choice=choose(model),
                                     settings={"AllowReportOnlyPolicyCreation": "true"} if agent == "ca-optimizer"
                                     else {})
            assert connection.simulator is not None
            return result, list(connection.simulator.writes), connection.simulator.collection("accessReviews")

    result, writes, reviews = asyncio.run(go())
    trace = store.trace(result.run["id"])
    rejected = [e for e in trace if e["kind"] == "tool_rejected"]
    if agent == "access-review":  # the fixture has decisions to process: the model was asked, and refused
        # the runner stops an item after one correction, so not every hostile turn is reached; those that are
        # are all rejected
        tools = {e["tool"] for e in rejected}
        assert {"EntraAgents_AccessReview-RecordDecision", "unknown-batchRecordDecisions"} <= tools <= {
            "EntraAgents_AccessReview-RecordDecision", "unknown-batchRecordDecisions",
            "EntraAgents_CAOptimizer-CreateReportOnlyPolicy"}
        assert all("not part of the provided tools" in e["reason"] or "unexpected argument" in e["reason"]
                   for e in rejected), [e["reason"] for e in rejected]
    assert not [e for e in trace if e["kind"] == "tool_call" and "Decision" in str(e.get("skill"))]
    assert [w for w in writes if "accessReviews" in w.path] == []
    assert {d["decision"] for d in reviews[0]["instances"][0]["decisions"]} == {"NotReviewed"}
