"""COV-14: risky sign-ins (medium and high) challenged with MFA or blocked for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import DEFAULT_EXPLAINS, requires_mfa, scenario_grid
from ..findings import Finding, Severity
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording
from ._coverage_checks import licence_gate, prepare, run_coverage

METADATA = CheckMetadata(
    id="COV-14",
    title="Risky sign-ins require MFA or are blocked",
    severity=Severity.HIGH,
    rationale=(
        "Identity Protection flags sign-ins that look like an attacker's. Every enabled user signing in with "
        "medium or high sign-in risk must be required to pass MFA or be blocked, on all resources. An All-users "
        "MFA policy covers risky sign-ins too; a risk policy scoped to 'high' only leaves medium risk open. "
        "Risk conditions need Entra ID P2."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-risk-based-sign-in",
        "https://learn.microsoft.com/entra/id-protection/concept-identity-protection-policies",
    ),
    remediation=(
        "Create a policy for All users and All resources with sign-in risk 'medium' and 'high', granting "
        "'Require multifactor authentication' with sign-in frequency 'every time', excluding the break-glass "
        "accounts and the Directory Synchronization Accounts role. Start in report-only, then enable it."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP), sign_in_risks=("medium", "high"))
EXPLAINS = DEFAULT_EXPLAINS | {"signInRisk"}

WORDING = Wording(
    covered="Risky sign-ins of all {total} enabled users require MFA or are blocked.",
    gap="{n} of {total} enabled users can complete a medium- or high-risk sign-in without MFA.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    finding, _ = run_coverage(METADATA, model, SCENARIOS, requires_mfa, WORDING, explains=EXPLAINS)
    return licence_gate(finding, snapshot)
