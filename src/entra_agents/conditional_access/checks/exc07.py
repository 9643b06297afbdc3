"""EXC-07: role exclusions on baseline policies (every holder of the role is exempt)."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ..principals import DIRECTORY_SYNCHRONIZATION_ACCOUNTS
from ._common import CheckMetadata, make_finding
from ._policy_checks import DIRECTORY_INPUTS, SAMPLE, affected, by_design, is_baseline, prepare_policies, ref

METADATA = CheckMetadata(
    id="EXC-07",
    title="Directory roles excluded from baseline policies",
    severity=Severity.HIGH,
    rationale=(
        "excludeRoles on a policy for All users and All resources exempts every active holder of the role, and "
        "everyone who activates it through PIM later: usually exactly the privileged accounts that most need "
        "the control. Excluding the Directory Synchronization Accounts role is expected and not reported."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-users-groups",
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength",
    ),
    remediation="Remove the role exclusion; exclude named service accounts or the break-glass group instead, and "
                "compensate any remaining exclusion with an equivalent policy.",
    depends_on=DIRECTORY_INPUTS,
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    d, skip = model.directory, by_design(model)
    evidence, users, roles = [], set(), set()
    for policy in (p for p in model.live_policies if is_baseline(p)):
        excluded = sorted(policy.conditions.users.exclude_roles - {DIRECTORY_SYNCHRONIZATION_ACCOUNTS})
        if not excluded:
            continue
        holders = sorted({u for r in excluded for u in d.role_holders(r) if d.is_enabled(u) and u not in skip})
        if policy.is_enabled:
            users |= set(holders)
        roles |= set(excluded)
        evidence.append({"kind": "roleExclusion", **ref(policy), "excludeRoles": excluded,
                         "activeHolders": len(holders), "sampleUsers": holders[:SAMPLE],
                         "detail": ("enforced: every holder, and every future PIM activation, is exempt"
                                    if policy.is_enabled else "report-only: would exempt them once enabled")})
    enabled = [e for e in evidence if e["state"] == "enabled"]
    found = affected(users=users, roles=roles, policies=[e["policy"] for e in evidence])
    if enabled:
        return make_finding(METADATA, Status.FAIL, f"{len(enabled)} enabled baseline policies exclude directory roles "
                            f"({len(users)} active holders exempt).", found, evidence)
    if evidence:
        return make_finding(METADATA, Status.REVIEW, f"{len(evidence)} report-only baseline policies exclude "
                            "directory roles and would exempt their holders once enabled.", found, evidence)
    return make_finding(METADATA, Status.PASS, "No baseline policy excludes a directory role (other than Directory "
                        "Synchronization Accounts).")
