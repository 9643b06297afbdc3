"""EXC-08: large exclusion blast radius (excluded users after expansion, against enabled users)."""

from __future__ import annotations

from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ._common import CheckMetadata, dependency_error, make_finding
from ._policy_checks import (
    DIRECTORY_INPUTS, SAMPLE, affected, by_design, excluded_users, group_members, model_of, no_policies, ref,
    responsible_exclusions,
)

METADATA = CheckMetadata(
    id="EXC-08",
    title="Large exclusions",
    severity=Severity.MEDIUM,
    rationale=(
        "A policy for 'All users' that excludes a large group is partial coverage dressed up as a baseline: "
        "name- or id-based checks pass it while it exempts a large share of the tenant. Excluded principals are "
        "counted after expanding nested groups and roles, against enabled users (break-glass and sync accounts "
        "not counted). Default threshold: 5% of enabled users or 50 users (settings LargeExclusionPercent, "
        "LargeExclusionUsers)."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-users-groups",
        "https://learn.microsoft.com/entra/identity/conditional-access/plan-conditional-access",
    ),
    remediation="Shrink the exclusion to the accounts that truly need it, put it under access review, and cover the "
                "excluded users with an equivalent policy (see EXC-05).",
    depends_on=DIRECTORY_INPUTS,
)


def _objects(model: Any, policy: Any) -> list[dict[str, Any]]:
    """Each exclusion object with its (transitive) size; dynamic and nested groups are flagged."""
    d, users = model.directory, policy.conditions.users
    raw_groups = {str(g.get("id", "")).lower(): g for g in model.snapshot.groups}
    out = []
    for gid in sorted(users.exclude_groups):
        g = raw_groups.get(gid, {})
        nested = any(str(m).lower() in raw_groups for m in g.get("members") or ())
        out.append({"group": gid, "displayName": d.group_name(gid), "transitiveUsers": len(group_members(model, gid)),
                    "nested": nested, "dynamic": "DynamicMembership" in (g.get("groupTypes") or [])})
    out += [{"role": r, "activeHolders": len(d.role_holders(r))} for r in sorted(users.exclude_roles)]
    return out


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    if (error := dependency_error(METADATA, snapshot)) is not None:
        return error
    cfg = config or AnalysisConfig()
    model = model_of(snapshot, cfg)
    if not model.policies:
        return no_policies(METADATA)
    skip = by_design(model)
    population = [u for u in model.directory.enabled_users() if u not in skip]
    members = frozenset(population)  # one set for every policy's intersection
    if not population:
        return make_finding(METADATA, Status.NOT_APPLICABLE, "No enabled users besides accounts excluded by design.")
    threshold = {"percent": cfg.large_exclusion_percent, "users": cfg.large_exclusion_users,
                 "enabledUsers": len(population)}
    large, users = [], set()
    for policy in (p for p in model.live_policies if p.grant is not None):
        excluded = excluded_users(model, policy, members)
        share = 100.0 * len(excluded) / len(population)
        if excluded and (share >= cfg.large_exclusion_percent or len(excluded) >= cfg.large_exclusion_users):
            if policy.is_enabled:
                users |= set(excluded)
            large.append({"kind": "largeExclusion", **ref(policy), "excludedUsers": len(excluded),
                          "percentOfEnabledUsers": round(share, 1), "sampleUsers": excluded[:SAMPLE],
                          "responsible": responsible_exclusions(model, policy, excluded),
                          "exclusions": _objects(model, policy)})
    evidence = [*large, {"kind": "threshold", **threshold}]
    enabled = [e for e in large if e["state"] == "enabled"]
    groups = {g for e in large for g in e["responsible"]["excludeGroups"]}
    found = affected(users=users, groups=groups, policies=[e["policy"] for e in large])
    if enabled:
        worst = max(enabled, key=lambda e: e["excludedUsers"])
        return make_finding(METADATA, Status.FAIL, f"{len(enabled)} enabled policies exclude a large share of users "
                            f"(largest: {worst['excludedUsers']} users, {worst['percentOfEnabledUsers']}%, "
                            f"from {worst['displayName']!r}).", found, evidence)
    if large:
        return make_finding(METADATA, Status.REVIEW, f"{len(large)} report-only policies have large exclusions that "
                            "would apply once enabled.", found, evidence)
    return make_finding(METADATA, Status.PASS, "No policy excludes more than the threshold "
                        f"({cfg.large_exclusion_percent}% or {cfg.large_exclusion_users} enabled users).",
                        evidence=evidence)
