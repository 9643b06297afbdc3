"""Run a suite: every case through its target, every scorer over every outcome, aggregates and the baseline.

Which model a case runs with: the case's own ``model`` (a hostile script is part of the case), else ``--model``,
else the suite's ``defaults.model``, else ``offline``. A suite that ``requires: {llm: true}`` is skipped, with the
reason in the log, when the chosen model is not a configured LLM (tests and CI never reach a network model).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from entra_agents import __version__
from entra_agents.errors import UsageError
from entra_agents.evals.model import JSON, Outcome, Score, Scorer
from entra_agents.evals.results import BaselineCheck, CaseResult, EvalLog
from entra_agents.evals.scorers import aggregate, get_scorer
from entra_agents.evals.suite import Suite

# What an LLM model kind needs to be reachable (providers.build_service says the same when it fails).
LLM_ENV = {"openai": ("OPENAI_API_KEY",), "azure-openai": ("AZURE_OPENAI_ENDPOINT",),
           "openai-compatible": ("ENTRA_AGENTS_OPENAI_BASE_URL",)}


def case_model(case: JSON, model: str | None) -> str:
    return str(case.get("model") or model or case.get("defaultModel") or os.environ.get("ENTRA_AGENTS_MODEL")
               or "offline")


def llm_missing(model: str) -> str | None:
    """Why ``model`` is not a usable LLM here, or None when it is."""
    kind = model.partition(":")[0]
    if kind not in LLM_ENV:
        return f"model {model} is not an LLM"
    unset = [name for name in LLM_ENV[kind] if not os.environ.get(name)]
    return f"{', '.join(unset)} not set" if unset else None


def run_suite(suite: Suite, *, model: str | None = None, case_ids: Sequence[str] = (),
              progress: Callable[[CaseResult], None] | None = None) -> EvalLog:
    scorers = [get_scorer(name, options) for name, options in suite.scorers.items()]  # unknown names fail first
    cases = _select(suite, case_ids)
    log = EvalLog(spec=_spec(suite, cases), model=model or "", version=__version__,
                  timestamp=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))
    if suite.requires_llm:
        reason = llm_missing(model or (cases[0].get("defaultModel") if cases else None) or "offline")
        if reason:
            log.skipped = f"suite {suite.name} needs a real model and none is configured ({reason}); skipped"
            return log
    started = time.perf_counter()
    outcomes = asyncio.run(_run_all(suite, cases, model))
    for case, outcome in zip(cases, outcomes, strict=True):
        result = CaseResult(id=case["id"], tenant=case["tenant"], model=case_model(case, model),
                            seconds=outcome.seconds, error=outcome.error, usage=dict(outcome.run.get("usage") or {}),
                            scores=[s for scorer in scorers for s in _score(scorer, case, outcome)])
        log.cases.append(result)
        if progress is not None:
            progress(result)
    log.seconds = round(time.perf_counter() - started, 3)
    log.model = model or _models(log.cases)
    for scorer in scorers:
        log.aggregates.update(aggregate(scorer, [s for c in log.cases for s in c.scores if s.scorer == scorer.name]))
    log.aggregates["cases.passed"] = sum(c.passed for c in log.cases) / len(log.cases) if log.cases else 1.0
    log.baseline = [BaselineCheck(metric, log.aggregates.get(metric), bound.get("min"), bound.get("max"))
                    for metric, bound in suite.baseline.items()]
    return log


def _models(cases: list[CaseResult]) -> str:
    """``offline`` or ``offline (19 cases), scripted (15 cases)``: the per-case scripts are in each case."""
    models = {c.model for c in cases}
    if len(models) <= 1:
        return next(iter(models), "")
    kinds = Counter(c.model.partition(":")[0] for c in cases)
    return ", ".join(f"{kind} ({n} cases)" for kind, n in sorted(kinds.items()))


def _select(suite: Suite, case_ids: Sequence[str]) -> list[JSON]:
    if not case_ids:
        return list(suite.cases)
    known = {c["id"]: c for c in suite.cases}
    unknown = [i for i in case_ids if i not in known]
    if unknown:
        raise UsageError(f"suite {suite.name} has no case {unknown[0]!r}; cases: {', '.join(known)}")
    return [known[i] for i in case_ids]


def _spec(suite: Suite, cases: list[JSON]) -> JSON:
    return {"suite": suite.name, "description": suite.description, "file": str(suite.file),
            "fileHash": suite.file_hash, "target": suite.target, "agent": suite.agent,
            "scorers": sorted(suite.scorers), "cases": [c["id"] for c in cases]}


async def _run_all(suite: Suite, cases: list[JSON], model: str | None) -> list[Outcome]:
    from entra_agents.evals.targets import run_case

    catalog = None
    if suite.target in ("agent", "chat"):
        from entra_agents.cli.plugins import load
        from entra_agents.runtime.models.providers import choose

        catalog = load()
        if suite.target == "agent":
            catalog.agent(suite.agent or "")  # an unknown agent is the suite's mistake: say so once, before running
        for case in cases:
            choose(case_model(case, model))
    # One case at a time: each sets its own ENTRA_AGENTS_HOME, and timings stay comparable.
    return [await run_case(suite.target, suite.agent, case, case_model(case, model), catalog) for case in cases]


def _score(scorer: Scorer, case: JSON, outcome: Outcome) -> list[Score]:
    try:
        return scorer.score(case, outcome)
    except Exception as exc:  # noqa: BLE001 - a scorer bug fails that case visibly instead of the whole run
        return [Score(scorer.name, "scorerError", 0.0, False, f"the {scorer.name} scorer failed: "
                      f"{type(exc).__name__}: {exc}")]


def describe(log: EvalLog) -> list[str]:
    """Why the run fails, one line each (empty: it passes)."""
    lines = [f"safety violation in case {case}: {s.metric}: {s.reason}" for case, s in log.safety_violations]
    lines += [f"below baseline: {b.describe()}" for b in log.baseline_drops]
    return lines
