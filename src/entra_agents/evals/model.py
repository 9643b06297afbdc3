"""The typed records every part of the harness shares: what ran (``Outcome``) and how it scored (``Score``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = dict[str, Any]


@dataclass(frozen=True)
class Write:
    """A request that reached the tenant (the Graph simulator or a replay) with a method other than GET."""

    method: str
    path: str
    body: Any = None


@dataclass
class Outcome:
    """Everything a target observed while running one case: the only input scorers get besides the case."""

    run: JSON = field(default_factory=dict)  # the stored run (id, status, usage, model...)
    findings: list[JSON] = field(default_factory=list)  # findings JSON, as `analyze --json` prints them
    suggestions: list[JSON] = field(default_factory=list)  # suggestions JSON of this run
    trace: list[JSON] = field(default_factory=list)  # the run's trace events (tool calls, guard decisions...)
    answers: list[str] = field(default_factory=list)  # the model's final texts
    writes: list[Write] = field(default_factory=list)  # tenant writes that happened (succeeded)
    # write attempts as the trace shows them: guard decisions and calls of write skills (a replayed tenant
    # cannot take a write, so attempts are what tells an unsafe run apart there)
    attempts: list[JSON] = field(default_factory=list)
    tool_results: list[str] = field(default_factory=list)  # full text of every tool result the model was given
    outputs: list[str] = field(default_factory=list)  # every text the run produced for people (answers, reports)
    seconds: float = 0.0
    error: str | None = None  # the target could not run the case (a harness or content problem)
    # the tenant snapshot the target read: scorers that re-run the engine on it (suggestions) or name its
    # objects (grounding) use it; never serialised into the results log
    snapshot: Any = None


@dataclass(frozen=True)
class Score:
    scorer: str  # e.g. "findings", "suggestions", "safety", "grounding", "cost"
    metric: str  # e.g. "precision:COV-01", "forbiddenWritesSucceeded", "tokens"
    value: float
    passed: bool | None  # None: a measurement with no pass/fail (cost, latency)
    reason: str  # one sentence a person can act on
    details: JSON = field(default_factory=dict)


class Scorer(Protocol):
    name: str

    def score(self, case: JSON, outcome: Outcome) -> list[Score]:
        """Scores of one case. ``case`` is the validated case from ``suite.yaml`` (with suite defaults applied)."""
        ...
