"""Suggestions: did the run suggest what the ground truth expects (kind, target policy, checks closed, the users a
modification brings back), and does the engine confirm each suggestion does what it claims?

The verdict is the evaluator's, on a copy of the tenant the run read: a ``new_policy`` is added as enabled and every
check it claims to close must pass (``closes_gap``), with no break-glass or admin lockout (``check_lockout``); a
``modify_policy`` is its stored diff applied to the policy as it is in the tenant (``with_policy``), the checks it
claims to close must no longer name the users it brings back, and ``modify_problems`` must find nothing. Other kinds
(consolidation, rollout, review) carry no closing claim and get no verdict.

Per case: ``accuracy`` (matched / (expected + suggested - matched), 1.0 when both are empty), ``kind``, ``target``,
``checks`` (agreement of the best pairing, per aspect) and ``verified`` (share of suggestions the engine confirms).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from entra_agents.evals.model import JSON, Outcome, Score

NAME = "suggestions"
ASPECTS = ("kind", "target", "checks", "users")


def closes(suggestion: JSON) -> list[str]:
    """The checks a suggestion claims to close (its ``closes`` evidence; else its primary check)."""
    claimed = next((e.get("checks") for e in suggestion.get("evidence") or [] if e.get("kind") == "closes"), None)
    return [str(c) for c in claimed or [suggestion.get("check")] if c]


def shape(kind: str, checks: Sequence[str], target: str | None, users: Sequence[str]) -> JSON:
    # users matter for modifications only: a new policy's affected list is context (who it would reach)
    return {"kind": kind, "checks": tuple(sorted(checks)), "target": (target or "").lower() or None,
            "users": tuple(sorted(u.lower() for u in users)) if kind == "modify_policy" else ()}


def expected_shape(entry: JSON) -> JSON:
    return shape(entry["kind"], entry["checks"], entry.get("targetPolicyId"), entry.get("users") or [])


def got_shape(s: JSON) -> JSON:
    return shape(s["kind"], closes(s), s.get("targetPolicyId"), (s.get("affected") or {}).get("users") or [])


def _key(shape_: JSON) -> tuple[Any, ...]:
    return tuple(shape_[a] for a in ("kind", "checks", "target", "users"))


class SuggestionsScorer:
    name = NAME

    def __init__(self, options: JSON) -> None:
        self.verify = options.get("verify", True)  # the engine's verdict on every suggestion

    def score(self, case: JSON, outcome: Outcome) -> list[Score]:
        truth = (case.get("truth") or {}).get("suggestions")
        scores: list[Score] = []
        if truth is not None:
            scores += self._agreement([expected_shape(e) for e in truth], [got_shape(s) for s in outcome.suggestions])
        if self.verify and outcome.snapshot is not None and not outcome.error:
            scores.append(verdict_score(case, outcome))
        return scores

    def _agreement(self, expected: list[JSON], got: list[JSON]) -> list[Score]:
        matched = sum((Counter(map(_key, expected)) & Counter(map(_key, got))).values())
        union = len(expected) + len(got) - matched
        value = matched / union if union else 1.0
        missing = list((Counter(map(_key, expected)) - Counter(map(_key, got))).elements())
        extra = list((Counter(map(_key, got)) - Counter(map(_key, expected))).elements())
        reason = (f"all {matched} expected suggestions made, nothing else" if value == 1.0 else
                  f"{matched} of {len(expected)} expected suggestions made; missing: {_show(missing)}; "
                  f"unexpected: {_show(extra)}")
        details = {"matched": matched, "expected": len(expected), "suggested": len(got),
                   "missing": [_json(k) for k in missing[:10]], "unexpected": [_json(k) for k in extra[:10]]}
        scores = [Score(NAME, "accuracy", value, value == 1.0, reason, details)]
        pairs = _pairs(expected, got)
        size = max(len(expected), len(got))
        for aspect in ("kind", "target", "checks"):
            agree = sum(e[aspect] == g[aspect] for e, g in pairs)
            rate = agree / size if size else 1.0
            scores.append(Score(NAME, aspect, rate, rate == 1.0,
                                f"{aspect} agrees for {agree} of {size} suggestions (best pairing)"))
        return scores

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        out: dict[str, float] = {}
        acc = [s.details for s in scores if s.metric == "accuracy"]
        if acc:
            matched = sum(d["matched"] for d in acc)
            union = sum(d["expected"] + d["suggested"] for d in acc) - matched
            out["accuracy"] = matched / union if union else 1.0
        ver = [s.details for s in scores if s.metric == "verified"]
        if ver:
            judged = sum(d["judged"] for d in ver)
            out["verified"] = sum(d["confirmed"] for d in ver) / judged if judged else 1.0
        return out


def _pairs(expected: list[JSON], got: list[JSON]) -> list[tuple[JSON, JSON]]:
    """Greedy best pairing, most agreeing aspects first: enough to say which aspect a near miss got wrong."""
    left = list(got)
    pairs = []
    for e in expected:
        if not left:
            break
        best = max(left, key=lambda g: sum(e[a] == g[a] for a in ASPECTS))
        left.remove(best)
        pairs.append((e, best))
    return pairs


def _json(key: tuple[Any, ...]) -> JSON:
    kind, checks, target, users = key
    return {"kind": kind, "checks": list(checks), "targetPolicyId": target, "users": len(users)}


def _show(keys: list[tuple[Any, ...]]) -> str:
    if not keys:
        return "none"
    parts = [f"{k[0]} {'/'.join(k[1])}" + (f" on {k[2][:8]}" if k[2] else "") + (f" ({len(k[3])} users)" if k[3] else "")
             for k in keys[:4]]
    return ", ".join(parts) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")


def verdict_score(case: JSON, outcome: Outcome) -> Score:
    from entra_agents.conditional_access.config import AnalysisConfig

    config = AnalysisConfig.from_settings(case.get("settings") or {})
    problems: dict[str, list[str]] = {}
    judged = 0
    for s in outcome.suggestions:
        found = verdict(outcome.snapshot, config, s)
        if found is None:
            continue
        judged += 1
        if found:
            problems[s.get("id") or s.get("title", "?")] = found
    confirmed = judged - len(problems)
    value = confirmed / judged if judged else 1.0
    first = next(iter(problems.items()), None)
    reason = (f"the engine confirms all {judged} suggestions close their gaps without lockout" if not problems else
              f"{len(problems)} of {judged} suggestions fail the engine's check, e.g. {first[0]}: {first[1][0]}")
    return Score(NAME, "verified", value, not problems, reason,
                 {"judged": judged, "confirmed": confirmed, "problems": dict(list(problems.items())[:10])})


def verdict(snapshot: Any, config: Any, s: JSON) -> list[str] | None:
    """Problems with a suggestion's claim (empty: confirmed), or None for kinds that claim no closure."""
    from entra_agents.conditional_access.remediation import check_lockout, closes_gap
    from entra_agents.conditional_access.suggest.trial import (
        modify_problems,
        uncovered,
        with_policy,
    )
    from entra_agents.suggestions.diff import apply_changes

    claimed = closes(s)
    if s["kind"] == "new_policy":
        policy = s.get("policy")
        return [*check_lockout(snapshot, config, policy),
                *(p for check in claimed for p in closes_gap(snapshot, config, check, policy))]
    if s["kind"] != "modify_policy":
        return None
    target = str(s.get("targetPolicyId") or "").lower()
    original = next((p for p in snapshot.conditional_access_policies if str(p.get("id", "")).lower() == target), None)
    if original is None:
        return [f"targets policy {target or '(none)'}, which the tenant does not have"]
    after = apply_changes(original, s.get("changes") or [])
    problems = [] if after == s.get("policy") else ["the suggested policy is not its diff applied to the tenant's"]
    trial = with_policy(snapshot, after)
    problems += modify_problems(trial, config, after)
    users = {u.lower() for u in (s.get("affected") or {}).get("users") or []}
    for check, still in uncovered(trial, config, claimed).items():
        left = users & {u.lower() for u in still}
        if left:
            problems.append(f"{check} still names {len(left)} of the users the change should bring back")
    return problems
