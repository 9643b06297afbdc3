"""HYG-09: deprecated grant controls (approved client app alone; custom controls)."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ._common import CheckMetadata, make_finding
from ._policy_checks import POLICY_INPUTS, affected, prepare_policies, ref

METADATA = CheckMetadata(
    id="HYG-09",
    title="Deprecated grant controls",
    severity=Severity.MEDIUM,
    rationale=(
        "'Require approved client app' (approvedApplication) is retiring in March 2026; a policy using it without "
        "'Require app protection policy' (compliantApplication) stops granting access as intended. Custom "
        "controls (customAuthenticationFactors) still work but are deprecated in favour of external "
        "authentication methods."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-grant",
        "https://learn.microsoft.com/entra/identity/conditional-access/migrate-approved-client-app",
        "https://learn.microsoft.com/entra/identity/authentication/how-to-authentication-external-method-manage",
    ),
    remediation="Replace approvedApplication with compliantApplication (or pair them with OR during migration); "
                "move custom controls to an external authentication method.",
    depends_on=POLICY_INPUTS,
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    retiring, custom = [], []
    for p in model.live_policies:
        controls = p.grant.controls if p.grant else ()
        names = {c.name for c in controls}
        if "approvedApplication" in names and "compliantApplication" not in names:
            retiring.append({"kind": "approvedApplicationAlone", **ref(p),
                             "detail": "approvedApplication without compliantApplication (retiring March 2026)"})
        if "customAuthenticationFactor" in names:
            refs = sorted(c.ref or "" for c in controls if c.name == "customAuthenticationFactor")
            custom.append({"kind": "customControl", **ref(p), "customAuthenticationFactors": refs,
                           "detail": "treated as MFA today; deprecated, migrate to external authentication methods"})
    ids = [e["policy"] for e in retiring + custom]
    if retiring:
        return make_finding(METADATA, Status.FAIL, f"{len(retiring)} live policies rely on approvedApplication alone"
                            f"{f'; {len(custom)} use custom controls' if custom else ''}.",
                            affected(policies=ids), retiring + custom)
    if custom:
        return make_finding(METADATA, Status.REVIEW, f"{len(custom)} live policies use deprecated custom controls.",
                            affected(policies=ids), custom)
    return make_finding(METADATA, Status.PASS, "No live policy uses a deprecated grant control.")
