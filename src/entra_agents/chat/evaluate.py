"""One chat eval case -> an ``Outcome`` for the harness's scorers, plus the chat-specific verdict.

A case (evals/chat/suite.yaml) names a recorded tenant, a ``question``, optionally ``agentRun`` (an agent run
first, so there are suggestions to talk about) and ``before`` (earlier questions of the same conversation), and
expects ``tools`` (the skills called for the question, in order) and ``facts`` (strings the answer must hold:
names, ids, counts). Each case runs in a fresh data directory, like the harness's agent target.
"""

from __future__ import annotations

import tempfile
from typing import Any

from entra_agents.evals.model import JSON, Outcome


async def run_chat_case(case: JSON, model: str, catalog: Any) -> Outcome:
    from entra_agents.chat.session import ChatSession
    from entra_agents.evals.targets.agent import captured_tool_results, eval_home
    from entra_agents.graph.sources import open_tenant
    from entra_agents.runtime.models.providers import choose
    from entra_agents.runtime.runner import run_agent
    from entra_agents.store import Store

    outcome = Outcome()
    with tempfile.TemporaryDirectory() as home, eval_home(home):
        store = Store()
        async with open_tenant(case["tenantSpec"]) as connection:
            outcome.snapshot = await connection.snapshot()
            if case.get("agentRun"):
                await run_agent(catalog, case["agentRun"], connection=connection, store=store, choice=choose("offline"))
            session = ChatSession(catalog, connection, store, choose(case.get("model") or model))
            for earlier in case.get("before") or []:
                await session.ask(earlier)
            with captured_tool_results() as results:
                turn = await session.ask(case["question"])
        outcome.run = store.get_run(turn.run_id)
        outcome.trace = store.trace(turn.run_id)
        outcome.tool_results = list(results)
        outcome.answers = [turn.answer]
        outcome.outputs = [turn.answer]
    return outcome


def chat_verdict(case: JSON, outcome: Outcome) -> JSON:
    """Did the question reach the expected skills, and does the answer state the expected facts?"""
    expect = case.get("expect") or {}
    called = [e["skill"].rsplit(".", 1)[-1] for e in outcome.trace if e.get("kind") == "tool_call"]
    answer = "\n".join(outcome.answers)
    missing = [f for f in expect.get("facts") or [] if f.lower() not in answer.lower()]
    tools_ok = called == list(expect.get("tools") or [])
    return {"id": case["id"], "passed": tools_ok and not missing and not outcome.error, "called": called,
            "missingFacts": missing, "error": outcome.error}
