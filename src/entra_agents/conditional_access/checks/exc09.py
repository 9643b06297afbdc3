"""EXC-09: guest and external user types excluded from MFA or baseline policies."""

from __future__ import annotations

from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ._common import CheckMetadata, make_finding
from ._policy_checks import (
    DIRECTORY_INPUTS, SAMPLE, affected, excluded_users, is_baseline, prepare_policies, ref, requires_mfa,
)

METADATA = CheckMetadata(
    id="EXC-09",
    title="Guests excluded from MFA or baseline policies",
    severity=Severity.MEDIUM,
    rationale=(
        "'All users' includes B2B guests. excludeGuestsOrExternalUsers (a comma-separated set of guest types, "
        "optionally limited to some tenants) or excluding GuestsOrExternalUsers takes them out of an MFA or "
        "baseline policy, usually unnoticed because most tools ignore these fields."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-guests-mfa-strength",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-users-groups",
    ),
    remediation="Remove the guest-type exclusion, or cover guests with a dedicated policy requiring MFA (an "
                "authentication strength suited to guests) for all resources.",
    depends_on=DIRECTORY_INPUTS,
)


def _guest_exclusion(policy: Any) -> dict[str, Any] | None:
    users = policy.conditions.users
    if users.exclude_guests is not None:
        g = users.exclude_guests
        return {"guestOrExternalUserTypes": sorted(g.types), "externalTenants": g.tenant_kind,
                "tenants": sorted(g.tenants)}
    if "GuestsOrExternalUsers" in users.exclude_users:
        return {"excludeUsers": "GuestsOrExternalUsers"}
    return None


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    d = model.directory
    guests = [u for u in d.enabled_users() if d.is_guest(u)]
    evidence, users = [], set()
    for policy in (p for p in model.live_policies if is_baseline(p) or requires_mfa(p.grant)):
        if (what := _guest_exclusion(policy)) is None:
            continue
        exempt = excluded_users(model, policy, guests)
        if policy.is_enabled:
            users |= set(exempt)
        evidence.append({"kind": "guestExclusion", **ref(policy), **what, "guestsExempt": len(exempt),
                         "sampleUsers": exempt[:SAMPLE], "note": None if what.get("externalTenants") != "enumerated"
                         else "limited to listed tenants: guests' home tenants are not in the snapshot"})
    enabled = [e for e in evidence if e["state"] == "enabled"]
    found = affected(users=users, policies=[e["policy"] for e in evidence])
    if enabled:
        return make_finding(METADATA, Status.FAIL, f"{len(enabled)} enabled MFA or baseline policies exclude guest or "
                            f"external user types ({len(users)} guests in the tenant exempt).", found, evidence)
    if evidence:
        return make_finding(METADATA, Status.REVIEW, f"{len(evidence)} report-only MFA or baseline policies exclude "
                            "guest types and would exempt them once enabled.", found, evidence)
    return make_finding(METADATA, Status.PASS, "No MFA or baseline policy excludes guest or external user types.")
