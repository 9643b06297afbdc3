"""Phased rollout plans for report-only policies that target All users (Microsoft's CAP feature).

**Eligible policies.** Report-only, ``includeUsers`` All.

**Groups.** Phases are built from groups Conditional Access already uses: included or excluded by any policy,
whatever its state (Microsoft: groups that "are or were used in CA policies"). A group is left out when the
policy itself excludes it (its members would never be affected), when it is not in the directory, or when no
counted user (enabled, neither break-glass nor sync account) is in the policy's scope through it. At least
``MIN_GROUPS`` (5) groups must remain; with fewer there is no plan (``plan`` says why) rather than a plan with
fewer phases, because a rollout whose first phase already holds a large share of the tenant protects no one.

**Order.** Each group is measured on the look-back window: ``estimate_impact`` of the policy restricted to
that group (affected sign-ins: would be blocked or asked for a control not already demanded). Groups are
sorted by affected sign-ins, then affected users, then users in scope, then name and id, so a tenant without
sign-ins still gets a stable plan from the smallest groups up. Phases 1-4 take the groups in that order in
contiguous runs, the later phases taking any remainder (5 groups: 1, 1, 1, 2); phase 5 is All users, the policy
as it stands. Each phase adds its groups to the previous ones; its figures are what the phase adds.

**Safeguard.** More than ``BLOCKED_PERCENT_ABOVE`` (10) percent of the sign-ins the policy applies to in a
phase's scope being blocked means: revert the policy to report-only and pause (``safeguard_tripped``).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import UsageError
from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import TenantModel
from ..impact import Impact, estimate_impact
from ._shared import JSON, REPORT_ONLY, name_of, parse
from .candidate import Candidate

PHASES = 5
MIN_GROUPS = 5
BLOCKED_PERCENT_ABOVE = 10
SAFEGUARD = {"blockedPercentAbove": BLOCKED_PERCENT_ABOVE,
             "action": "revert the policy to report-only and pause the rollout"}


def ca_groups(snapshot: TenantSnapshot) -> list[str]:
    """Ids of groups any policy includes or excludes, in order of first use."""
    found: dict[str, None] = {}
    for policy in snapshot.conditional_access_policies:
        users = ((policy.get("conditions") or {}).get("users") or {})
        for key in ("includeGroups", "excludeGroups"):
            found.update(dict.fromkeys(str(g).lower() for g in users.get(key) or []))
    return list(found)


def restricted(policy_json: Mapping[str, Any], groups: Sequence[str]) -> JSON:
    """The policy with its users narrowed to ``groups`` (exclusions kept); no groups means unchanged."""
    out = copy.deepcopy(dict(policy_json))
    if groups:
        users = out["conditions"]["users"]
        users.update(includeUsers=[], includeGroups=list(groups), includeRoles=[], includeGuestsOrExternalUsers=None)
    return out


@dataclass(frozen=True)
class _Measured:
    group: str
    name: str
    users: frozenset[str]  # counted users the policy would reach through this group
    impact: Impact

    def order(self) -> tuple[int, int, int, str, str]:
        return (self.impact.affected, len(self.impact.users), len(self.users), self.name.lower(), self.group)


def _scope(model: TenantModel, snapshot: TenantSnapshot, policy_json: Mapping[str, Any]) -> frozenset[str]:
    return model.users_in_scope(parse(snapshot, policy_json)) & frozenset(model.counted_users())


def _measure(snapshot: TenantSnapshot, config: AnalysisConfig, policy_json: JSON) -> tuple[list[_Measured], str]:
    model = TenantModel.build(snapshot, config)
    excluded = {str(g).lower() for g in policy_json["conditions"]["users"].get("excludeGroups") or []}
    used = ca_groups(snapshot)
    measured = []
    for gid in used:
        if gid in excluded or not model.directory.has_group(gid):
            continue
        narrowed = restricted(policy_json, [gid])
        users = _scope(model, snapshot, narrowed)
        if users:
            measured.append(_Measured(gid, model.directory.group_name(gid), users,
                                      estimate_impact(snapshot, config, narrowed)))
    measured.sort(key=_Measured.order)
    why = (f"{len(measured)} of the {len(used)} groups used in Conditional Access can carry a phase of "
           f"'{name_of(policy_json)}' (groups the policy excludes, missing groups and groups with no enabled "
           f"user in its scope cannot); a phased rollout needs at least {MIN_GROUPS}")
    return measured, why


def _chunks(items: Sequence[_Measured]) -> list[list[_Measured]]:
    """Phases 1-4 in contiguous runs; the remainder goes to the later, larger phases."""
    base, extra = divmod(len(items), PHASES - 1)
    sizes = [base + (1 if n >= PHASES - 1 - extra else 0) for n in range(PHASES - 1)]
    out, start = [], 0
    for size in sizes:
        out.append(list(items[start:start + size]))
        start += size
    return out


def _figures(impact: Impact, before: Impact | None) -> JSON:
    """What a phase adds: the scopes grow phase by phase, so the difference of cumulative counts is exact."""
    def less(now: int, then: int | None) -> int:
        return now - (then or 0)
    return {"signIns": less(impact.affected, before.affected if before else None),
            "wouldBlock": less(impact.blocked, before.blocked if before else None),
            "wouldRequireNewControls": less(impact.new_controls, before.new_controls if before else None),
            "affectedUsers": less(len(impact.users), len(before.users) if before else None)}


def plan(snapshot: TenantSnapshot, analysis: AnalysisConfig | None, policy_json: Mapping[str, Any]
         ) -> tuple[JSON | None, str]:
    """The five-phase plan for ``policy_json`` and a sentence on how it was built, or None and why not."""
    config = analysis or AnalysisConfig()
    policy = dict(policy_json)
    if policy.get("state") != REPORT_ONLY or not parse(snapshot, policy).conditions.users.targets_all_users:
        return None, f"'{name_of(policy)}' is not a report-only policy for All users"
    measured, why = _measure(snapshot, config, policy)
    if len(measured) < MIN_GROUPS:
        return None, why
    model = TenantModel.build(snapshot, config)
    phases: list[JSON] = []
    groups: list[str] = []
    previous: tuple[frozenset[str], Impact] | None = None
    for number, chunk in enumerate([*_chunks(measured), []], start=1):
        groups += [m.group for m in chunk]
        scope = restricted(policy, groups if chunk else [])
        users = _scope(model, snapshot, scope)
        impact = estimate_impact(snapshot, config, scope)
        phase: JSON = {"phase": number, "groups": [{"id": m.group, "displayName": m.name} for m in chunk],
                       "allUsers": not chunk, "users": len(users - (previous[0] if previous else frozenset())),
                       "cumulativeUsers": len(users), **_figures(impact, previous[1] if previous else None)}
        phases.append(phase)
        previous = (users, impact)
    window = measured[0].impact.window
    rollout = {"policyId": str(policy.get("id")), "phases": phases, "safeguard": dict(SAFEGUARD),
               "window": {"from": window[0], "to": window[1]}}
    return rollout, (f"{len(measured)} groups used in Conditional Access, ordered by the sign-ins the policy "
                     f"would have affected in the look-back window, fewest first")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _summary(policy_json: Mapping[str, Any], rollout: JSON) -> str:
    first, last = rollout["phases"][0], rollout["phases"][-1]
    names = ", ".join(f"'{g['displayName']}'" for g in first["groups"])
    return (f"'{name_of(policy_json)}' is report-only and targets All users; a five-phase rollout starts with "
            f"{names} ({_count(first['users'], 'user')}, {_count(first['signIns'], 'sign-in')} affected in the "
            f"look-back window) and "
            f"ends with all {last['cumulativeUsers']} users; a phase is rolled back to report-only if more than "
            f"{BLOCKED_PERCENT_ABOVE}% of its sign-ins are blocked.")


def candidates(snapshot: TenantSnapshot, analysis: AnalysisConfig | None = None) -> list[Candidate]:
    """A phased rollout plan for every report-only All-users policy with enough groups, ordered by policy id."""
    out = []
    for policy in sorted((p for p in snapshot.conditional_access_policies if p.get("state") == REPORT_ONLY),
                         key=lambda p: str(p.get("id")).lower()):
        rollout, how = plan(snapshot, analysis, policy)
        if rollout is None:
            continue
        pid = str(policy["id"])
        evidence = [{"kind": "phasePlan", "detail": how}] + [
            {"kind": "phase", "phase": p["phase"], "groups": [g["id"] for g in p["groups"]],
             "users": p["users"], "signIns": p["signIns"], "wouldBlock": p["wouldBlock"]} for p in rollout["phases"]]
        out.append(Candidate(
            kind="phased_rollout", key=pid.lower(), title=f"Roll out '{name_of(policy)}' in five phases",
            priority="medium", summary=_summary(policy, rollout), affected={"policies": [pid]},
            target_policy_id=pid, evidence=tuple(evidence), rollout=rollout,
        ))
    return out


def safeguard_tripped(snapshot: TenantSnapshot, rollout: Mapping[str, Any], phase: int, *,
                      analysis: AnalysisConfig | None = None, enforcing_copy_id: str | None = None
                      ) -> tuple[bool, str]:
    """Whether phase ``phase`` (counting the groups of every earlier phase) blocks more than the safeguard
    allows, measured on ``snapshot``'s sign-ins. ``enforcing_copy_id`` is the enabled copy the rollout created,
    if any: it is left out of the tenant's enabled policies, or its own blocks would count as already enforced."""
    phases = rollout["phases"]
    if not 1 <= phase <= len(phases):
        raise UsageError(f"phase {phase} is not in this plan (1-{len(phases)})")
    pid = str(rollout["policyId"]).lower()
    policy = next((p for p in snapshot.conditional_access_policies if str(p.get("id")).lower() == pid), None)
    if policy is None:
        raise UsageError(f"policy {rollout['policyId']} of this rollout is no longer in the tenant")
    if enforcing_copy_id:
        kept = [p for p in snapshot.conditional_access_policies if str(p.get("id")).lower() != enforcing_copy_id.lower()]
        snapshot = dataclasses.replace(snapshot, conditional_access_policies=kept)
    groups = [g["id"] for p in phases[:phase] for g in p["groups"]]
    impact = estimate_impact(snapshot, analysis, restricted(policy, [] if phases[phase - 1]["allUsers"] else groups))
    applied = impact.blocked + impact.new_controls + impact.already_enforced
    limit = rollout["safeguard"]["blockedPercentAbove"]
    if not applied:
        return False, f"phase {phase}: no sign-in in the window that the policy applies to"
    percent = 100 * impact.blocked / applied
    figures = f"phase {phase}: {impact.blocked} of {applied} sign-ins the policy applies to ({percent:.1f}%) blocked"
    if percent > limit:
        return True, f"{figures}, above {limit}%: {rollout['safeguard']['action']}"
    return False, f"{figures}, within the {limit}% safeguard"
