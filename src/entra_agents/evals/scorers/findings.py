"""Findings: per check, object-level precision and recall over the affected ids, and status agreement.

Only the kinds of object the ground truth vouches for are compared (a generator manifest names a check's subjects,
e.g. users for a coverage check; the policies behind a gap are context it does not vouch for). A check expected to
pass with nothing affected has no id to count: it is correct exactly when its status agrees.

Per case: ``status:CHECK`` (1/0), ``precision:CHECK`` and ``recall:CHECK``. Suite aggregates: ``precision:CHECK``
and ``recall:CHECK`` micro-averaged over the cases' ids (0/0 is 1.0 when every case's status agreed, else 0.0),
``precision``/``recall`` over every check, ``status`` the share of (case, check) pairs that agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from entra_agents.evals.model import JSON, Outcome, Score

NAME = "findings"


class FindingsScorer:
    name = NAME

    def __init__(self, options: JSON) -> None:
        # restrict scoring to these checks (default: every check the ground truth states)
        self.checks: list[str] | None = list(options["checks"]) if options.get("checks") else None

    def score(self, case: JSON, outcome: Outcome) -> list[Score]:
        truth = (case.get("truth") or {}).get("findings")
        if truth is None:
            return []
        if outcome.error:
            return [Score(NAME, "status", 0.0, False, f"the run failed, nothing to compare: {outcome.error}")]
        got = {f["check"]: f for f in outcome.findings}
        scores: list[Score] = []
        for check in sorted(c for c in truth if self.checks is None or c in self.checks):
            scores += check_scores(check, truth[check], got.get(check))
        return scores

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        per_check: dict[str, list[int]] = {}  # check -> [tp, fp, fn, status disagreements]
        for s in scores:
            kind, _, check = s.metric.partition(":")
            if not check:
                continue
            counts = per_check.setdefault(check, [0, 0, 0, 0])
            if kind == "status":
                counts[3] += s.value < 1.0
            elif kind == "precision":  # tp/fp/fn travel in both; count them once
                counts[0] += s.details["tp"]
                counts[1] += s.details["fp"]
                counts[2] += s.details["fn"]
        out: dict[str, float] = {}
        total = [0, 0, 0, 0]
        for check, (tp, fp, fn, bad) in sorted(per_check.items()):
            out[f"precision:{check}"] = _ratio(tp, tp + fp, bad)
            out[f"recall:{check}"] = _ratio(tp, tp + fn, bad)
            total = [total[0] + tp, total[1] + fp, total[2] + fn, total[3] + bad]
        if per_check:
            pairs = [s for s in scores if s.metric.startswith("status:")]
            out["status"] = sum(s.value for s in pairs) / len(pairs) if pairs else 1.0
            out["precision"] = _ratio(total[0], total[0] + total[1], total[3])
            out["recall"] = _ratio(total[0], total[0] + total[2], total[3])
        return out


def _ratio(hits: int, of: int, disagreements: int) -> float:
    return hits / of if of else (0.0 if disagreements else 1.0)


def _ids(affected: Any, kind: str) -> set[str]:
    return {str(i).lower() for i in ((affected or {}).get(kind) or [])}


def check_scores(check: str, expected: JSON, finding: JSON | None) -> list[Score]:
    status = finding["status"] if finding else "missing"
    agrees = status == expected["status"]
    reason = (f"{check} is {status} as expected" if agrees else
              f"{check} is {status}, expected {expected['status']}" + (f": {finding['summary']}" if finding else ""))
    scores = [Score(NAME, f"status:{check}", float(agrees), agrees, reason,
                    {"expected": expected["status"], "got": status})]
    tp = fp = fn = 0
    extra: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for kind in sorted(expected.get("affected") or {}):
        want, have = _ids(expected["affected"], kind), _ids(finding and finding.get("affected"), kind)
        tp, fp, fn = tp + len(want & have), fp + len(have - want), fn + len(want - have)
        if have - want:
            extra[kind] = sorted(have - want)
        if want - have:
            missing[kind] = sorted(want - have)
    details = {"tp": tp, "fp": fp, "fn": fn, "extra": _sample(extra), "missing": _sample(missing)}
    precision = tp / (tp + fp) if tp + fp else float(agrees)
    recall = tp / (tp + fn) if tp + fn else float(agrees)
    scores.append(Score(NAME, f"precision:{check}", precision, precision == 1.0,
                        _reason(check, "reported", fp, tp + fp, extra, "not expected"), details))
    scores.append(Score(NAME, f"recall:{check}", recall, recall == 1.0,
                        _reason(check, "expected", fn, tp + fn, missing, "not reported"), details))
    return scores


def _sample(by_kind: dict[str, list[str]]) -> dict[str, list[str]]:
    return {kind: ids[:10] for kind, ids in by_kind.items()}


def _reason(check: str, what: str, wrong: int, of: int, by_kind: dict[str, list[str]], problem: str) -> str:
    if not wrong:
        return f"{check}: all {of} {what} objects agree" if of else f"{check}: nothing {what}, as it should be"
    shown = "; ".join(f"{kind} {', '.join(ids[:3])}{'...' if len(ids) > 3 else ''}" for kind, ids in by_kind.items())
    return f"{check}: {wrong} of {of} {what} objects {problem} ({shown})"
