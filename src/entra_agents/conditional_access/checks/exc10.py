"""EXC-10: resource exclusions on All-resources policies."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ._common import CheckMetadata, make_finding
from ._policy_checks import (
    LOW_PRIVILEGE_SCOPE_NOTE, POLICY_INPUTS, affected, prepare_policies, ref, requires_mfa, targets_all_resources,
)

METADATA = CheckMetadata(
    id="EXC-10",
    title="Resources excluded from All-resources policies",
    severity=Severity.MEDIUM,
    rationale=(
        "An application excluded from an All-resources block or MFA policy is reachable without that control. "
        "Historically any resource exclusion also left low-privilege scopes unenforced (changing from March "
        "2026). Bundles count: excluding Office365 or MicrosoftAdminPortals exempts many apps at once."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps",
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength",
    ),
    remediation="Remove the resource exclusion from the baseline policy; if an app must be handled differently, "
                "give it its own policy with an equivalent control.",
    depends_on=POLICY_INPUTS,
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    evidence = []
    for policy in model.live_policies:
        apps = policy.conditions.applications
        grant = policy.grant
        if not (targets_all_resources(policy) and grant is not None and (grant.blocks or requires_mfa(grant))):
            continue
        if apps.exclude or apps.has_filter:
            evidence.append({"kind": "resourceExclusion", **ref(policy), "excludeApplications": sorted(apps.exclude),
                             "applicationFilter": apps.has_filter, "note": LOW_PRIVILEGE_SCOPE_NOTE})
    enabled = [e for e in evidence if e["state"] == "enabled"]
    apps_hit = {a for e in enabled for a in e["excludeApplications"]}
    found = affected(apps=apps_hit, policies=[e["policy"] for e in evidence])
    if enabled:
        return make_finding(METADATA, Status.FAIL, f"{len(enabled)} enabled All-resources MFA or block policies "
                            f"exclude resources ({len(apps_hit)} apps or bundles).", found, evidence)
    if evidence:
        return make_finding(METADATA, Status.REVIEW, f"{len(evidence)} report-only All-resources policies exclude "
                            "resources.", found, evidence)
    return make_finding(METADATA, Status.PASS, "No All-resources MFA or block policy excludes a resource.")
