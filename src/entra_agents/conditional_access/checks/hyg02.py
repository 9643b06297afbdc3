"""HYG-02: a live policy that targets no resource, user action or authentication context applies to nothing."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ..policy import Policy
from ._common import CheckMetadata, make_finding
from ._policy_checks import POLICY_INPUTS, affected, prepare_policies, ref

METADATA = CheckMetadata(
    id="HYG-02",
    title="Policy without target resources",
    severity=Severity.LOW,
    rationale=(
        "A policy with no target resources (only 'None' or nothing), no user actions, no authentication "
        "context and no application filter can be saved and enabled, but applies to no sign-in: it looks like "
        "protection and is none."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-policies",
    ),
    remediation="Set the policy's target resources (for a baseline: All resources), or delete the policy.",
    depends_on=POLICY_INPUTS,
)


def untargeted(policy: Policy) -> bool:
    apps = policy.conditions.applications
    return not (apps.include - {"None"} or apps.user_actions or apps.auth_contexts or apps.has_filter)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    found = [p for p in model.live_policies if untargeted(p)]
    if not found:
        return make_finding(METADATA, Status.PASS,
                            f"All {len(model.live_policies)} enabled or report-only policies target resources.")
    evidence = [{"kind": "untargetedPolicy", **ref(p), "detail": "no resources, user actions or authentication "
                 "context targeted: the policy applies to nothing"} for p in found]
    return make_finding(METADATA, Status.FAIL, f"{len(found)} live policies target no resource and apply to nothing.",
                        affected(policies=[p.id for p in found]), evidence)
