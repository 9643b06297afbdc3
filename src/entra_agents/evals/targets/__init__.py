"""Targets: what an eval runs for one case and observes as an ``Outcome``.

``agent``     the suite's agent through ``runtime.runner.run_agent`` on the case's tenant (fresh store per case)
``analysis``  the deterministic checks alone (``run_checks``), no model
``chat``      declared by the suite format, built with the chat agent (issue 8)
"""

from __future__ import annotations

import time
from typing import Any

from entra_agents.errors import UsageError
from entra_agents.evals.model import JSON, Outcome

TARGETS = ("agent", "analysis", "chat")


async def run_case(target: str, agent: str | None, case: JSON, model: str, catalog: Any = None) -> Outcome:
    """Run one case; a failure of the run itself is an ``Outcome`` with ``error`` (scored, never raised)."""
    started = time.perf_counter()
    try:
        if target == "chat":
            from entra_agents.chat.evaluate import run_chat_case

            outcome = await run_chat_case(case, model, catalog)
        elif target == "agent":
            from entra_agents.evals.targets.agent import run_agent_case

            outcome = await run_agent_case(agent or "", case, model, catalog)
        else:
            from entra_agents.evals.targets.analysis import run_analysis_case

            outcome = await run_analysis_case(case)
    except Exception as exc:  # noqa: BLE001 - a case that cannot run is a scored failure, not a crash
        outcome = Outcome(error=f"{type(exc).__name__}: {exc}")
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome
