"""Turning a vetted change into a ``Candidate``: title, summary, affected objects, impact and evidence.

Summaries are plain facts in one or two sentences (the offline model's rationale starts from them, a real
model reads them through a tool); numbers and names come from the engine's results, never from templates
that assume a shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ...suggestions.diff import property_diff
from ..config import AnalysisConfig
from ..findings import Finding
from ..impact import estimate_impact
from .candidate import Candidate
from .exclusions import Exclusion
from .trial import modify_impact

JSON = dict[str, Any]
PRIORITY = {"critical": "high", "high": "high", "medium": "medium"}
RANK = {"high": 0, "medium": 1, "low": 2}


def priority(findings: Iterable[Finding]) -> str:
    """The engine's default: the most severe finding the change addresses (the model may change it)."""
    return min((PRIORITY.get(f.severity.value, "low") for f in findings), key=RANK.__getitem__, default="low")


def affected(users: Iterable[str] = (), groups: Iterable[str] = (), roles: Iterable[str] = (),
             policies: Iterable[str] = ()) -> dict[str, list[str]]:
    return {"users": sorted(set(users)), "groups": sorted(set(groups)), "roles": sorted(set(roles)), "apps": [],
            "servicePrincipals": [], "policies": sorted(set(policies))}


def why_uncovered(finding: Finding) -> list[str]:
    """The finding's policy-level explanations, one sentence per policy, in evidence order."""
    not_applying: dict[str, list[str]] = {}  # several gap classes may give one policy several reasons
    reasons: dict[str, str] = {}
    for gap in (e for e in finding.evidence if e.get("kind") == "gap"):
        for p in gap.get("policiesNotApplying", []):
            not_applying.setdefault(p["displayName"], []).extend(p.get("details", []))
            reasons[p["displayName"]] = ""
        for p in gap.get("wouldCloseWhenEnabled", []):
            reasons.setdefault(p["displayName"], f'"{p["displayName"]}" would close it but is only report-only')
    for name, details in not_applying.items():
        reasons[name] = f'"{name}" does not apply to them ({"; ".join(dict.fromkeys(details))})'
    # policies that apply with a grant that does not close the gap are in the evidence; as a reason they would
    # only say "the other policies do something else"
    return list(reasons.values()) or ["no enabled policy in the tenant addresses this scenario"]


def modify_for_exclusion(snapshot: TenantSnapshot, config: AnalysisConfig, exclusion: Exclusion, before: JSON,
                         after: JSON, closes: Mapping[str, frozenset[str]], findings: Mapping[str, Finding],
                         large: bool, population: int) -> Candidate:
    """Remove one exclusion entry: ``closes`` says, per check, the users it covers (checks in agent order)."""
    policy = exclusion.policy
    checks = [*closes, *(["EXC-08"] if large else [])]
    users = set().union(*closes.values()) if closes else set(exclusion.members)
    share = 100.0 * len(exclusion.members) / max(1, population)
    titles = "; ".join(f"{c} {findings[c].title}" for c in closes)
    summary = (f'"{policy.display_name}" excludes {exclusion.label}, which exempts {len(exclusion.members)} '
               f"enabled users from it.")
    if closes:
        summary += f" Nothing else covers {len(users)} of them ({titles}); removing the exclusion does."
    if large:
        summary += (f" The exclusion is large: {len(exclusion.members)} users, {share:.1f}% of enabled users "
                    "(EXC-08).")
    summary += " Break-glass and directory synchronisation accounts stay excluded."
    verified = {c: {"uncoveredBefore": len(findings[c].affected.users), "coveredByThisChange": len(u)}
                for c, u in closes.items()}
    return Candidate(
        kind="modify_policy", key=f"{policy.id}:{exclusion.key}",
        title=f'{policy.display_name}: stop excluding {exclusion.label.split(" (")[0]}',
        priority=priority(findings[c] for c in checks), summary=summary, check=checks[0],
        affected=affected(users, groups=exclusion.ids if exclusion.field == "excludeGroups" else (),
                          roles=exclusion.ids if exclusion.field == "excludeRoles" else (), policies=[policy.id]),
        policy=after, target_policy_id=policy.id, changes=tuple(property_diff(before, after)),
        impact=modify_impact(snapshot, config, before, after),
        evidence=(
            {"kind": "closes", "checks": checks},
            {"kind": "rootCause", "policy": policy.id, "displayName": policy.display_name,
             "exclusion": {"field": exclusion.field, "ids": list(exclusion.ids), "label": exclusion.label},
             "exemptedUsers": len(exclusion.members), "sampleUsers": sorted(users)[:10]},
            {"kind": "verified", "method": "the checks re-run on a copy of the tenant with the modified policy; "
                                          "lockout checked with the modified policy enabled",
             "checks": verified},
        ),
    )


def new_policy(snapshot: TenantSnapshot, config: AnalysisConfig, finding: Finding, policy: JSON,
               users: Sequence[str]) -> Candidate:
    summary = (f"{finding.summary} No exclusion from an existing policy causes it, so a new policy "
               f'"{policy["displayName"]}" closes it: created report-only, excluding the break-glass and directory '
               "synchronisation accounts.")
    return Candidate(
        kind="new_policy", key=finding.check, title=str(policy["displayName"]), priority=priority([finding]),
        summary=summary, check=finding.check, affected=affected(users), policy=policy,
        changes=({"op": "create", "state": policy["state"]},),
        impact=estimate_impact(snapshot, config, policy).to_json(),
        evidence=(
            {"kind": "closes", "checks": [finding.check]},
            {"kind": "whyUncovered", "reasons": why_uncovered(finding), "sampleUsers": sorted(users)[:10]},
            {"kind": "verified", "method": f"{finding.check} re-run on a copy of the tenant with the policy "
                                          "enabled; lockout checked", "checks": {finding.check: "pass"}},
        ),
    )


def break_glass(snapshot: TenantSnapshot, config: AnalysisConfig, finding: Finding, before: JSON, after: JSON,
                accounts: Sequence[str]) -> Candidate:
    name, pid = str(before.get("displayName") or ""), str(before["id"])
    state = "enforced now" if before.get("state") == "enabled" else "report-only: enforced once enabled"
    summary = (f'Break-glass accounts {", ".join(accounts)} are in scope of "{name}" ({state}). Emergency access '
               "must not depend on a policy that can block or challenge it: add them to its exclusions.")
    return Candidate(
        kind="modify_policy", key=f"{pid}:breakGlass", title=f"{name}: exclude the break-glass accounts",
        priority=priority([finding]), summary=summary, check=finding.check, affected=affected(policies=[pid]),
        policy=after, target_policy_id=pid, changes=tuple(property_diff(before, after)),
        impact=modify_impact(snapshot, config, before, after),
        evidence=({"kind": "closes", "checks": [finding.check]},
                  {"kind": "breakGlassInScope", "policy": pid, "displayName": name, "accounts": list(accounts)},
                  {"kind": "verified", "method": "EXC-02 re-run on a copy of the tenant with the modified policy; "
                                                "lockout checked", "checks": {finding.check: "policy no longer listed"}}),
    )
