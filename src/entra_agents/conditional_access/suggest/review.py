"""Policy review: a live policy whose sign-in results changed sharply between two weeks (Microsoft's "policy
review report" on a spike or dip in a policy's activity, usually a misconfiguration or a change in use).

**Data.** Each sign-in's ``appliedConditionalAccessPolicies`` ({id, displayName, result}) as Graph logged it:
what Conditional Access actually did, not what our evaluator thinks. Every sign-in record must carry the
property (an empty list is fine); when any lacks it there is no review at all, because counting only the
records that have it would fake dips (``unavailable_reason`` says so).

**Windows.** Relative to the newest sign-in in the snapshot, never the wall clock, so a recorded tenant gives
the same answer forever: *recent* is the ``WINDOW_DAYS`` (7) days up to and including the newest sign-in,
*previous* the 7 days before that. The log must reach back at least ``MIN_SPAN_DAYS`` (13) days before the
newest sign-in (the loader starts the window at midnight, so a quiet first day must not void it) and both
windows must hold sign-ins.

**Counts.** Per policy and window: *failure* (``failure``, ``reportOnlyFailure``), *success* (``success``,
``reportOnlySuccess``) and *applied* (those plus ``reportOnlyInterrupted``); ``notApplied``, ``notEnabled``
and the other values count for none. Enforced and report-only results are counted together, so switching a
policy from report-only to On is not a change by itself.

**Sharp.** A count changes sharply when it differs by at least ``MIN_DIFFERENCE`` (20) sign-ins *and* its
share of all sign-ins in the window changes by a factor of at least ``MIN_FACTOR`` (2), or from zero. Shares
rather than raw counts, so a quiet holiday week does not flag every policy. Only policies still live
(enabled or report-only) in the snapshot are reviewed. A rise in failures is ``high`` priority, anything
else ``medium``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from entra_agents.timestamps import graph_time

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ._shared import JSON, live_policy_json, name_of
from .candidate import Candidate

WINDOW_DAYS = 7
MIN_SPAN_DAYS = 13
MIN_DIFFERENCE = 20
MIN_FACTOR = 2.0
_FAILURE = frozenset({"failure", "reportOnlyFailure"})
_SUCCESS = frozenset({"success", "reportOnlySuccess"})
METRICS: dict[str, frozenset[str]] = {
    "failure": _FAILURE, "success": _SUCCESS, "applied": _FAILURE | _SUCCESS | {"reportOnlyInterrupted"},
}
_VERBS = {"failure": "failed", "success": "succeeded", "applied": "applied"}


@dataclass(frozen=True)
class Windows:
    newest: datetime
    boundary: datetime  # the recent window starts after it
    start: datetime  # the previous window starts after it

    def which(self, when: datetime) -> str | None:
        if when > self.boundary:
            return "recent"
        return "previous" if when > self.start else None

    def to_json(self) -> JSON:
        return {"previous": {"after": self.start.isoformat(), "upTo": self.boundary.isoformat()},
                "recent": {"after": self.boundary.isoformat(), "upTo": self.newest.isoformat()}}


def _dated(snapshot: TenantSnapshot) -> list[tuple[datetime, Mapping[str, Any]]]:
    return [(when, s) for s in snapshot.sign_ins if (when := graph_time(s.get("createdDateTime"))) is not None]


def _windows(dated: Sequence[tuple[datetime, Mapping[str, Any]]]) -> Windows:
    newest = max(when for when, _ in dated)
    boundary = newest - timedelta(days=WINDOW_DAYS)
    return Windows(newest, boundary, boundary - timedelta(days=WINDOW_DAYS))


def unavailable_reason(snapshot: TenantSnapshot) -> str | None:
    """Why the sign-ins in ``snapshot`` cannot support a policy review; None when they can."""
    if not snapshot.sign_ins:
        return "the snapshot holds no sign-ins"
    missing = sum(1 for s in snapshot.sign_ins if not isinstance(s.get("appliedConditionalAccessPolicies"), list))
    if missing:
        return (f"{missing} of {len(snapshot.sign_ins)} sign-in records carry no appliedConditionalAccessPolicies, "
                "so what Conditional Access did cannot be counted")
    dated = _dated(snapshot)
    if not dated:
        return "no sign-in record has a readable createdDateTime"
    windows = _windows(dated)
    oldest = min(when for when, _ in dated)
    if oldest > windows.newest - timedelta(days=MIN_SPAN_DAYS):
        days = (windows.newest - oldest).total_seconds() / 86400
        return (f"the sign-in log covers {days:.1f} days; comparing two {WINDOW_DAYS}-day windows needs at least "
                f"{MIN_SPAN_DAYS}")
    totals = Counter(windows.which(when) for when, _ in dated)
    if not totals["recent"] or not totals["previous"]:
        return "one of the two windows holds no sign-ins"
    return None


@dataclass(frozen=True)
class Change:
    metric: str
    previous: int
    recent: int
    previous_share: float
    recent_share: float

    @property
    def rose(self) -> bool:
        return self.recent > self.previous

    def sharp(self) -> bool:
        low, high = sorted((self.previous_share, self.recent_share))
        return abs(self.recent - self.previous) >= MIN_DIFFERENCE and (low == 0 or high / low >= MIN_FACTOR)

    def to_json(self) -> JSON:
        return {"kind": "resultChange", "metric": self.metric, "previous": self.previous, "recent": self.recent,
                "previousPercentOfSignIns": round(100 * self.previous_share, 1),
                "recentPercentOfSignIns": round(100 * self.recent_share, 1)}

    def sentence(self, name: str) -> str:
        return (f"sign-ins where '{name}' {_VERBS[self.metric]} {'rose' if self.rose else 'fell'} from "
                f"{self.previous} ({100 * self.previous_share:.1f}% of sign-ins) in the previous {WINDOW_DAYS} days "
                f"to {self.recent} ({100 * self.recent_share:.1f}%) in the last {WINDOW_DAYS}")


def _counts(dated: Sequence[tuple[datetime, Mapping[str, Any]]], windows: Windows
            ) -> tuple[Counter[str], Counter[tuple[str, str, str]]]:
    """Sign-ins per window, and per (policy id, metric, window)."""
    totals: Counter[str] = Counter()
    counts: Counter[tuple[str, str, str]] = Counter()
    for when, record in dated:
        window = windows.which(when)
        if window is None:
            continue
        totals[window] += 1
        results = {str(a.get("id") or "").lower(): str(a.get("result") or "")
                   for a in record["appliedConditionalAccessPolicies"] if isinstance(a, Mapping)}
        for pid, result in results.items():
            for metric, values in METRICS.items():
                if result in values:
                    counts[pid, metric, window] += 1
    return totals, counts


def candidates(snapshot: TenantSnapshot, analysis: AnalysisConfig | None = None) -> list[Candidate]:
    """A review for every live policy with a sharp change in its sign-in results, ordered by policy id.
    ``analysis`` is accepted for the common signature; nothing here depends on it."""
    if unavailable_reason(snapshot) is not None:
        return []
    dated = _dated(snapshot)
    windows = _windows(dated)
    totals, counts = _counts(dated, windows)
    out = []
    for policy in live_policy_json(snapshot):
        pid, name = str(policy["id"]), name_of(policy)
        changes = [Change(metric, counts[pid.lower(), metric, "previous"], counts[pid.lower(), metric, "recent"],
                          counts[pid.lower(), metric, "previous"] / totals["previous"],
                          counts[pid.lower(), metric, "recent"] / totals["recent"]) for metric in METRICS]
        sharp = [c for c in changes if c.sharp()]
        if not sharp:
            continue
        failures_rose = any(c.metric == "failure" and c.rose for c in sharp)
        facts = "; ".join(c.sentence(name) for c in sharp)
        window = {"kind": "windows", **windows.to_json(),
                  "signIns": {"previous": totals["previous"], "recent": totals["recent"]}}
        out.append(Candidate(
            kind="policy_review", key=pid.lower(), title=f"Review '{name}': its sign-in results changed sharply",
            priority="high" if failures_rose else "medium",
            summary=f"{facts[0].upper()}{facts[1:]}.",
            affected={"policies": [pid]}, target_policy_id=pid,
            evidence=(*(c.to_json() for c in sharp), window),
        ))
    return out
