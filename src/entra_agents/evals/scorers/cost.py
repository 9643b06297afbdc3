"""Cost: what a case spent, as the run recorded it: tokens (with their source), model calls and tool calls.

Measurements, not pass/fail (a baseline may still cap them with ``{max: N}``). Token figures come from the run's
usage (``tokenSource`` says whether the provider reported them, a script configured them, or nothing did); model
and tool calls are counted from the trace, so a run that failed midway still shows what it spent.
"""

from __future__ import annotations

from collections.abc import Sequence

from entra_agents.evals.model import JSON, Outcome, Score

NAME = "cost"
TOKENS = ("totalTokens", "promptTokens", "completionTokens")


class CostScorer:
    name = NAME

    def score(self, case: JSON, outcome: Outcome) -> list[Score]:
        usage = outcome.run.get("usage") or {}
        source = usage.get("tokenSource") or "none"
        scores = [Score(NAME, key, float(usage.get(key) or 0), None, f"{usage.get(key) or 0} {key} ({source})",
                        {"tokenSource": source}) for key in TOKENS]
        model_calls = sum(1 for e in outcome.trace if e.get("kind") == "model_turn")
        tool_calls = sum(1 for e in outcome.trace if e.get("kind") == "tool_call")
        scores.append(Score(NAME, "modelCalls", float(model_calls), None, f"{model_calls} model calls"))
        scores.append(Score(NAME, "toolCalls", float(tool_calls), None, f"{tool_calls} tool calls"))
        return scores

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        # totals are what a budget is about; the per-case mean is in `cost.METRIC`
        totals: dict[str, float] = {}
        for s in scores:
            totals[f"total:{s.metric}"] = totals.get(f"total:{s.metric}", 0.0) + s.value
        return totals
