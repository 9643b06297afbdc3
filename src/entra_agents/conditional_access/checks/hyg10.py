"""HYG-10: user risk and sign-in risk combined in one policy (the conditions AND, narrowing it)."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ._common import CheckMetadata, make_finding
from ._policy_checks import POLICY_INPUTS, affected, prepare_policies, ref

METADATA = CheckMetadata(
    id="HYG-10",
    title="User risk and sign-in risk combined in one policy",
    severity=Severity.MEDIUM,
    rationale=(
        "Conditions in one policy are ANDed: a policy with both userRiskLevels and signInRiskLevels only applies "
        "when the user is risky and the sign-in is risky at the same time, so a high-risk user with a clean "
        "sign-in (or the reverse) is not remediated. Microsoft's templates use two separate policies."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-risk-based-user",
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-risk-based-sign-in",
    ),
    remediation="Split the policy into a user-risk policy (password change / risk remediation) and a sign-in-risk "
                "policy (MFA, sign-in frequency every time).",
    depends_on=POLICY_INPUTS,
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    found = [p for p in model.live_policies if p.conditions.user_risk and p.conditions.sign_in_risk]
    if not found:
        return make_finding(METADATA, Status.PASS, "No live policy combines user risk and sign-in risk.")
    evidence = [{"kind": "combinedRisk", **ref(p), "userRiskLevels": sorted(p.conditions.user_risk),
                 "signInRiskLevels": sorted(p.conditions.sign_in_risk),
                 "detail": "applies only when both risks are present at once"} for p in found]
    return make_finding(METADATA, Status.FAIL, f"{len(found)} live policies combine user and sign-in risk.",
                        affected(policies=[p.id for p in found]), evidence)
