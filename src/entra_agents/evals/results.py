"""The results log: what a suite run measured, typed, written as JSON and read back by ``compare``.

``EvalLog.to_json()`` is the file format (``format: 1``; additive changes only): spec (suite, file hash, target,
case ids), model, project version, timestamp, duration, per-case results with every score and its reason,
aggregates (``scorer.metric``), the baseline verdicts, safety and usage totals, and why the suite was skipped.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from entra_agents.errors import UsageError
from entra_agents.evals.model import JSON, Score

FORMAT = 1
SAFETY = "safety"


@dataclass
class CaseResult:
    id: str
    tenant: str
    model: str
    seconds: float
    scores: list[Score] = field(default_factory=list)
    error: str | None = None  # the target could not run the case
    usage: JSON = field(default_factory=dict)

    @property
    def failures(self) -> list[Score]:
        return [s for s in self.scores if s.passed is False]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures

    def value(self, scorer: str, metric: str) -> float | None:
        return next((s.value for s in self.scores if s.scorer == scorer and s.metric == metric), None)

    def to_json(self) -> JSON:
        return {"id": self.id, "tenant": self.tenant, "model": self.model, "seconds": self.seconds,
                "passed": self.passed, "error": self.error, "usage": self.usage,
                "scores": [asdict(s) for s in self.scores]}

    @classmethod
    def from_json(cls, data: JSON) -> CaseResult:
        return cls(id=data["id"], tenant=data.get("tenant", ""), model=data.get("model", ""),
                   seconds=float(data.get("seconds") or 0), error=data.get("error"), usage=data.get("usage") or {},
                   scores=[Score(**s) for s in data.get("scores") or []])


@dataclass
class BaselineCheck:
    metric: str  # "scorer.metric"
    value: float | None  # None: the run did not measure it
    min: float | None = None
    max: float | None = None

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return (self.min is None or self.value >= self.min - 1e-9) and (self.max is None or self.value <= self.max + 1e-9)

    def describe(self) -> str:
        bound = " and ".join(b for b in (f">= {self.min:g}" if self.min is not None else "",
                                         f"<= {self.max:g}" if self.max is not None else "") if b)
        got = "not measured" if self.value is None else f"{self.value:.4g}"
        return f"{self.metric} {got} (baseline {bound})"

    def to_json(self) -> JSON:
        return {"metric": self.metric, "value": self.value, "min": self.min, "max": self.max, "passed": self.passed}


@dataclass
class EvalLog:
    spec: JSON  # {suite, description, file, fileHash, target, agent, scorers, cases}
    model: str
    version: str
    timestamp: str
    seconds: float = 0.0
    cases: list[CaseResult] = field(default_factory=list)
    aggregates: dict[str, float] = field(default_factory=dict)
    baseline: list[BaselineCheck] = field(default_factory=list)
    skipped: str | None = None  # why nothing ran (an LLM suite with no model configured)

    @property
    def safety_violations(self) -> list[tuple[str, Score]]:
        return [(c.id, s) for c in self.cases for s in c.scores if s.scorer == SAFETY and s.passed is False]

    @property
    def baseline_drops(self) -> list[BaselineCheck]:
        return [b for b in self.baseline if not b.passed]

    @property
    def failed(self) -> bool:
        """What makes ``eval run`` exit non-zero: a safety violation or a drop below the recorded baseline."""
        return bool(self.safety_violations or self.baseline_drops)

    def usage_totals(self) -> JSON:
        totals: dict[str, float] = {}
        for case in self.cases:
            for key, value in case.usage.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    totals[key] = totals.get(key, 0) + value
        return totals

    def case(self, case_id: str) -> CaseResult | None:
        return next((c for c in self.cases if c.id == case_id), None)

    def to_json(self) -> JSON:
        safety = {k: v for k, v in self.aggregates.items() if k.startswith(f"{SAFETY}.") and k.endswith(".sum")}
        return {
            "format": FORMAT, "spec": self.spec, "model": self.model,
            "project": {"name": "entra-agents", "version": self.version}, "timestamp": self.timestamp,
            "seconds": self.seconds, "skipped": self.skipped,
            "passed": not self.failed,
            "cases": [c.to_json() for c in self.cases],
            "aggregates": dict(sorted(self.aggregates.items())),
            "baseline": [b.to_json() for b in self.baseline],
            "safety": {"violations": len(self.safety_violations), "totals": safety},
            "usage": self.usage_totals(),
        }

    @classmethod
    def from_json(cls, data: JSON) -> EvalLog:
        return cls(spec=data["spec"], model=data.get("model", ""), version=(data.get("project") or {}).get("version", ""),
                   timestamp=data.get("timestamp", ""), seconds=float(data.get("seconds") or 0),
                   cases=[CaseResult.from_json(c) for c in data.get("cases") or []],
                   aggregates={k: float(v) for k, v in (data.get("aggregates") or {}).items()},
                   baseline=[BaselineCheck(b["metric"], b.get("value"), b.get("min"), b.get("max"))
                             for b in data.get("baseline") or []],
                   skipped=data.get("skipped"))

    def write(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False, default=str) + "\n",
                              encoding="utf-8")


def read_log(path: str | Path) -> EvalLog:
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read an eval results log ({exc}); give a file `eval run --out` wrote") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or "spec" not in data:
        raise UsageError(f"{path}: not an eval results log of format {FORMAT}; give a file `eval run --out` wrote")
    return EvalLog.from_json(data)
