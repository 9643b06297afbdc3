"""EXC-05: exclusions without a compensating control (control-aware, evaluated on the effective policy set)."""

from __future__ import annotations

from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import principal_classes
from ..findings import Finding, Severity, Status
from ._common import CheckMetadata, make_finding
from ._policy_checks import (
    DIRECTORY_INPUTS, SAMPLE, affected, excluded_users, prepare_policies, ref, responsible_exclusions, shared_full_grid,
    uncompensated, without_user_exclusions,
)

METADATA = CheckMetadata(
    id="EXC-05",
    title="Exclusions without a compensating control",
    severity=Severity.HIGH,
    rationale=(
        "An exclusion is acceptable when the excluded principals get an equivalent or stronger control from "
        "another enabled policy. Being 'included somewhere else' is not enough: the other policy must demand at "
        "least the same (block, MFA, the same authentication strength or device control) in every sign-in "
        "scenario the excluding policy would have covered. Exclusions are expanded through nested groups and "
        "roles; break-glass and directory synchronisation accounts are excluded by design."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-users-groups",
        "https://learn.microsoft.com/entra/identity/conditional-access/plan-conditional-access",
    ),
    remediation=(
        "Remove the exclusion, or add an enabled policy that applies the same (or a stronger) control to the "
        "excluded principals, e.g. a dedicated policy for a service-account group restricted to trusted "
        "locations and a compliant device."
    ),
    depends_on=(*DIRECTORY_INPUTS, "namedLocations", "authenticationStrengthPolicies"),
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    grid = shared_full_grid(model)
    evidence: list[dict[str, Any]] = []
    users: set[str] = set()
    compensated = 0
    for policy in (p for p in model.policies if p.is_enabled and p.grant is not None):
        excluded = excluded_users(model, policy)
        if not excluded:
            continue
        bypass = uncompensated(model, policy, without_user_exclusions(policy), principal_classes(model, excluded),
                               grid)
        if bypass is None:
            compensated += 1
            continue
        users |= set(bypass.users)
        evidence.append({"kind": "uncompensatedExclusion", **ref(policy), "grant": policy.grant.describe() if policy.grant else None,
                         "exclusions": responsible_exclusions(model, policy, bypass.users),
                         "userCount": len(bypass.users),
                         "sampleUsers": list(bypass.users[:SAMPLE]), "examples": list(bypass.examples)})
    excluded_by_design = model.excluded_by_design()
    if not evidence:
        summary = (f"Every exclusion from an enabled policy ({compensated} policies with exclusions) is compensated "
                   "by an equivalent or stronger control." if compensated else
                   "No enabled policy excludes anyone beyond accounts excluded by design.")
        return make_finding(METADATA, Status.PASS, summary, evidence=excluded_by_design)
    summary = (f"{len(users)} excluded users get no equivalent control elsewhere, across "
               f"{len(evidence)} enabled policies.")
    groups = {g for e in evidence for g in e["exclusions"]["excludeGroups"]}
    roles = {r for e in evidence for r in e["exclusions"]["excludeRoles"]}
    return make_finding(METADATA, Status.FAIL, summary,
                        affected(users=users, groups=groups, roles=roles, policies=[e["policy"] for e in evidence]),
                        evidence + excluded_by_design)
