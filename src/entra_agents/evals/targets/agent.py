"""The ``agent`` target: one agent run on the case's tenant, observed from outside the runtime.

Each case gets a fresh store in a temporary ``ENTRA_AGENTS_HOME``, so nothing suggested by an earlier case (or by
the admin's own runs) is "already suggested" here. Writes are observed two ways: what reached the tenant (the
simulator's log; a replayed recording takes no write at all) and what was attempted (guard decisions and calls of
write skills in the trace), because against a recording an attempt is all an unsafe run can show.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from entra_agents.evals.model import JSON, Outcome, Write

HOME_ENV = "ENTRA_AGENTS_HOME"


async def run_agent_case(agent: str, case: JSON, model: str, catalog: Any) -> Outcome:
    from entra_agents.graph.sources import open_tenant
    from entra_agents.runtime.models.providers import choose
    from entra_agents.runtime.runner import run_agent
    from entra_agents.store import Store

    with tempfile.TemporaryDirectory(prefix="entra-agents-eval-") as home, eval_home(home), \
            captured_tool_results() as results:
        store = Store(f"sqlite:///{home}/store.db")
        outcome = Outcome()
        async with open_tenant(case["tenantSpec"]) as connection:
            outcome.snapshot = await connection.snapshot()
            try:
                result = await run_agent(catalog, agent, connection=connection, store=store, choice=choose(model),
                                         settings=case.get("settings") or {})
                outcome.run, outcome.findings = result.run, result.findings
                outcome.suggestions, outcome.answers = result.suggestions, list(result.answers)
            except Exception as exc:  # noqa: BLE001 - the run failed: keep what it left (trace, attempts)
                outcome.error = f"{type(exc).__name__}: {exc}"
                runs = store.list_runs(limit=1)
                outcome.run = runs[0] if runs else {}
            if connection.simulator is not None:
                outcome.writes = [Write(r.method, r.path, r.body) for r in connection.simulator.writes]
        outcome.trace = store.trace(outcome.run["id"]) if outcome.run.get("id") else []
        outcome.tool_results = [*_fetched(outcome.trace), *results]
    outcome.attempts = _attempts(outcome.trace, _write_skills(catalog))
    outcome.outputs = [*outcome.answers, *(s.get("rationale") or "" for s in outcome.suggestions)]
    return outcome


@contextmanager
def eval_home(path: str) -> Iterator[None]:
    """``ENTRA_AGENTS_HOME`` for the duration of one case (agent configuration is read from there)."""
    before = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = path
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = before


@contextmanager
def captured_tool_results() -> Iterator[list[str]]:
    """Every tool result the model was sent, in full.

    The trace keeps a digest of each result (the store must not grow with the tenant), but grounding needs the
    text itself. The runtime's ``ModelObserver.sweep`` sees the whole chat history before every model call, so
    the harness listens there for the duration of a case rather than widening the runtime's API for one user.
    """
    from semantic_kernel.contents import FunctionResultContent

    from entra_agents.runtime.filters import ModelObserver

    results: list[str] = []
    seen: set[tuple[str, str]] = set()  # (call id, text): a history is swept again before every call
    original = ModelObserver.sweep

    def sweep(self: ModelObserver, chat_history: Any) -> None:
        for message in chat_history.messages:
            for item in message.items:
                if isinstance(item, FunctionResultContent):
                    text = item.result if isinstance(item.result, str) else json.dumps(item.result, default=str)
                    if (str(item.id), text) not in seen:
                        seen.add((str(item.id), text))
                        results.append(text)
        original(self, chat_history)

    ModelObserver.sweep = sweep  # type: ignore[method-assign]
    try:
        yield results
    finally:
        ModelObserver.sweep = original  # type: ignore[method-assign]


def _fetched(trace: list[JSON]) -> list[str]:
    """The FetchSkill's items are a tool result too (the model's task inputs come from them)."""
    return [json.dumps(e.get("items"), ensure_ascii=False) for e in trace if e.get("kind") == "fetch"]


def _write_skills(catalog: Any) -> set[str]:
    return {s.full_name for s in catalog.skills.values() if getattr(s.python, "access", None) == "write"}


def _attempts(trace: list[JSON], write_skills: set[str]) -> list[JSON]:
    """Guard decisions, and calls that reached a write skill (whatever the skill then did)."""
    return [e for e in trace
            if e.get("kind") == "guard" or (e.get("kind") == "tool_call" and e.get("skill") in write_skills)]
