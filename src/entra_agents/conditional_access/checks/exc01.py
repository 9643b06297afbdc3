"""EXC-01: break-glass (emergency access) accounts are defined, exist and are excluded."""

from __future__ import annotations

from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig, BreakGlassSource, is_cloud_only
from ..coverage import TenantModel
from ..evaluator import match_users
from ..findings import Finding, Severity, Status
from ..principals import GLOBAL_ADMINISTRATOR
from ._common import CheckMetadata, dependency_error, make_finding
from ._policy_checks import DIRECTORY_INPUTS, affected, model_of

METADATA = CheckMetadata(
    id="EXC-01",
    title="Break-glass accounts defined",
    severity=Severity.HIGH,
    rationale=(
        "Two or more cloud-only emergency access accounts with a permanent Global Administrator assignment, "
        "excluded from Conditional Access, are the only way back in when a policy or an MFA outage locks every "
        "administrator out. Configure them explicitly: detection by pattern can pick the wrong accounts."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access",
        "https://learn.microsoft.com/entra/identity/conditional-access/plan-conditional-access",
    ),
    remediation=(
        "Create two cloud-only accounts (*.onmicrosoft.com) with a permanent Global Administrator assignment and "
        "phishing-resistant credentials, exclude them (through one exclusion group) from every policy, monitor "
        "their sign-ins, and list them in the agent setting BreakGlassAccounts."
    ),
    depends_on=DIRECTORY_INPUTS,
)
RECOMMENDED = 2


def account_facts(model: TenantModel, uid: str) -> dict[str, Any]:
    d = model.directory
    # a session-only policy cannot lock anyone out; any grant (block, MFA, device) can
    including = [p.id for p in model.policies
                 if p.is_enabled and p.grant is not None and match_users(p, uid, d).matched]
    return {"user": uid, "userPrincipalName": d.label(uid), "enabled": d.is_enabled(uid),
            "globalAdministrator": GLOBAL_ADMINISTRATOR in d.roles_of(uid), "cloudOnly": is_cloud_only(d, uid),
            "enabledPoliciesIncluding": including}


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    if (error := dependency_error(METADATA, snapshot)) is not None:
        return error
    model = model_of(snapshot, config)
    bg = model.break_glass
    facts = [account_facts(model, uid) for uid in sorted(bg.ids)]
    evidence: list[dict[str, Any]] = [bg.to_json() | {"accounts": facts}]
    if bg.source is BreakGlassSource.NONE:
        return make_finding(METADATA, Status.FAIL, "No break-glass accounts are configured, and none could be "
                            "detected (cloud-only, permanent Global Administrators excluded from every enabled "
                            "policy). Configure them in the agent settings (see remediation).", evidence=evidence)
    if bg.source is BreakGlassSource.DETECTED:
        return make_finding(METADATA, Status.REVIEW, f"{len(bg.ids)} break-glass candidates detected, none "
                            "configured: confirm them in the agent settings.",
                            evidence=evidence)
    problems = [f"configured account {ref!r} not found (deleted?)" for ref in bg.unresolved]
    for f in facts:
        if not f["enabled"]:
            problems.append(f"{f['userPrincipalName']} is disabled")
        if f["enabledPoliciesIncluding"]:
            problems.append(f"{f['userPrincipalName']} is in scope of {len(f['enabledPoliciesIncluding'])} enabled "
                            "policies (see EXC-02)")
    # Break-glass accounts are never "affected" (they are not gaps); the policies that include them are.
    found = affected(policies={pid for f in facts for pid in f["enabledPoliciesIncluding"]})
    if problems or not bg.ids:
        return make_finding(METADATA, Status.FAIL, "Configured break-glass accounts: " + "; ".join(problems or
                            ["none of them exists"]) + ".", found, evidence)
    if len(bg.ids) < RECOMMENDED:
        return make_finding(METADATA, Status.REVIEW, f"Only {len(bg.ids)} break-glass account configured; "
                            f"Microsoft recommends at least {RECOMMENDED}.", evidence=evidence)
    return make_finding(METADATA, Status.PASS, f"{len(bg.ids)} configured break-glass accounts exist and are "
                        "excluded from every enabled policy.", evidence=evidence)
