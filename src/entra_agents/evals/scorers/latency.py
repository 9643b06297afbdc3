"""Latency: wall-clock seconds per case, from the target's start to its outcome (tenant replay included)."""

from __future__ import annotations

from collections.abc import Sequence

from entra_agents.evals.model import JSON, Outcome, Score

NAME = "latency"


class LatencyScorer:
    name = NAME

    def score(self, case: JSON, outcome: Outcome) -> list[Score]:
        return [Score(NAME, "seconds", outcome.seconds, None, f"{outcome.seconds:.2f} s")]

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        values = sorted(s.value for s in scores)
        if not values:
            return {}
        return {"total:seconds": sum(values), "max:seconds": values[-1], "p50:seconds": values[len(values) // 2]}
