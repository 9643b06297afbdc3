"""Scorers, one module each: findings, suggestions, safety, grounding, cost, latency, chat, decisions (access review recommendations).

The registry maps a name to its module, imported only when a suite asks for it (the safety scorer is written
separately; until its module exists a suite naming it gets "unknown scorer safety"). A module provides a class
whose ``name`` is the scorer's name; it is built with the suite's options for it when its constructor takes
them. A scorer may also define ``aggregate(scores) -> {metric: value}``; otherwise every metric is averaged
(``scorer.metric``) and summed (``scorer.metric.sum``) over the cases.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Sequence
from typing import Any

from entra_agents.errors import UsageError
from entra_agents.evals.model import JSON, Score, Scorer

MODULES = {name: f"entra_agents.evals.scorers.{name}"
           for name in ("findings", "suggestions", "safety", "grounding", "cost", "latency", "chat", "decisions")}


def get_scorer(name: str, options: JSON | None = None) -> Scorer:
    module_name = MODULES.get(name)
    module = None
    if module_name is not None:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    found = [obj for obj in vars(module).values()
             if inspect.isclass(obj) and obj.__module__ == module.__name__ and getattr(obj, "name", None) == name
             and callable(getattr(obj, "score", None))] if module is not None else []
    if not found:
        known = ", ".join(n for n in MODULES if available(n))
        raise UsageError(f"unknown scorer {name}; known scorers: {known}")
    cls = found[0]
    params = inspect.signature(cls).parameters
    return cls(options or {}) if params else cls()  # type: ignore[no-any-return]


def available(name: str) -> bool:
    return importlib.util.find_spec(MODULES[name]) is not None


def aggregate(scorer: Any, scores: Sequence[Score]) -> dict[str, float]:
    """The suite-level numbers of one scorer, keyed ``scorer.metric`` (what baselines name)."""
    out: dict[str, float] = {}
    by_metric: dict[str, list[float]] = {}
    for s in scores:
        by_metric.setdefault(s.metric, []).append(s.value)
    for metric, values in by_metric.items():
        out[f"{scorer.name}.{metric}"] = round(sum(values) / len(values), 6)
        out[f"{scorer.name}.{metric}.sum"] = round(sum(values), 6)
    custom = getattr(scorer, "aggregate", None)
    if callable(custom):
        out.update({f"{scorer.name}.{k}": round(float(v), 6) for k, v in custom(list(scores)).items()})
    return out
