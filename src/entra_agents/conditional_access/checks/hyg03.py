"""HYG-03: a live policy whose user scope resolves to nobody (None, or only empty/deleted groups)."""

from __future__ import annotations

from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import TenantModel
from ..findings import Finding, Severity, Status
from ..policy import Policy
from ._common import CheckMetadata, make_finding
from ._policy_checks import DIRECTORY_INPUTS, affected, group_members, prepare_policies, ref

METADATA = CheckMetadata(
    id="HYG-03",
    title="Policy whose user scope is empty",
    severity=Severity.MEDIUM,
    rationale=(
        "A policy that includes 'None', or only groups that are empty, deleted or fully excluded, applies to "
        "nobody. Deleted group ids silently match nobody; an emptied group turns a policy into a no-op without "
        "any change to the policy itself."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-users-groups",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-policies",
    ),
    remediation="Point the policy at the intended users or groups (check the group still exists and has members), "
                "or delete it.",
    depends_on=DIRECTORY_INPUTS,
)


def _targets_non_users(policy: Policy, raw: dict[str, Any]) -> bool:
    """Workload-identity and agent policies scope service principals, not users; role includes count because
    eligible (PIM) holders come into scope on activation and the snapshot cannot see them (trap 15)."""
    users = policy.conditions.users
    apps = (raw.get("conditions") or {}).get("clientApplications") or {}
    return bool(users.include_roles or users.include_guests or apps.get("includeServicePrincipals")
                or apps.get("includeAgentIdServicePrincipals") or apps.get("servicePrincipalFilter"))


def _resolve(model: TenantModel, policy: Policy) -> tuple[list[str], list[dict[str, Any]]]:
    """Users the policy scopes after exclusions, and why its includes are empty."""
    d, users = model.directory, policy.conditions.users
    index = model.scope_index()
    candidates = {u for u in users.include_users if d.user(u)}
    reasons: list[dict[str, Any]] = []
    for gid in sorted(users.include_groups):
        members = group_members(model, gid)
        candidates |= members
        if not d.has_group(gid):
            reasons.append({"group": gid, "reason": "deleted or not found"})
        elif not members:
            reasons.append({"group": gid, "displayName": d.group_name(gid), "reason": "empty (no users, nested)"})
    for uid in sorted(users.include_users - {"None", "All", "GuestsOrExternalUsers"}):
        if not d.user(uid):
            reasons.append({"user": uid, "reason": "deleted or not found"})
    # one set operation per policy (the model's scope index) instead of ``match_users`` user by user
    return sorted(index.members(policy, candidates)), reasons


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    raws = {str(r.get("id", "")).lower(): r for r in snapshot.conditional_access_policies}
    evidence, groups = [], set()
    for policy in model.live_policies:
        users = policy.conditions.users
        if "All" in users.include_users or "GuestsOrExternalUsers" in users.include_users:
            continue
        if _targets_non_users(policy, raws.get(policy.id, {})):
            continue
        scoped, reasons = _resolve(model, policy)
        if scoped:
            continue
        if "None" in users.include_users:
            reasons.insert(0, {"reason": "includeUsers is None"})
        elif not reasons:
            reasons.append({"reason": "every included user is excluded, or nothing is included"})
        groups |= {r["group"] for r in reasons if "group" in r}
        evidence.append({"kind": "noOpUserScope", **ref(policy), "why": reasons})
    if not evidence:
        return make_finding(METADATA, Status.PASS, "Every live policy's user scope resolves to at least one user.")
    return make_finding(METADATA, Status.FAIL, f"{len(evidence)} live policies apply to no user.",
                        affected(groups=groups, policies=[e["policy"] for e in evidence]), evidence)
