"""COV-15: high user risk remediated (secure password change or risk remediation) or blocked."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import DEFAULT_EXPLAINS, scenario_grid
from ..findings import Finding, Severity
from ..policy import ClientApp
from ._common import CheckMetadata, Wording
from ._coverage_checks import RISK_REMEDIATION, licence_gate, named, prepare, requires, run_coverage, with_user_risk

METADATA = CheckMetadata(
    id="COV-15",
    title="High-risk users must remediate or are blocked",
    severity=Severity.HIGH,
    rationale=(
        "A high user risk means the credentials are probably known to an attacker; MFA alone does not fix "
        "that. Every enabled user at high user risk must be required to change the password securely (password "
        "change, usually AND MFA), to remediate risk, or be blocked. Risk conditions need Entra ID P2."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-risk-based-user",
        "https://learn.microsoft.com/entra/id-protection/concept-identity-protection-policies",
    ),
    remediation=(
        "Create a policy for All users and All resources with user risk 'high', granting 'Require password "
        "change' AND 'Require multifactor authentication' with sign-in frequency 'every time', excluding the "
        "break-glass accounts and the Directory Synchronization Accounts role. Start in report-only."
    ),
)

SCENARIOS = with_user_risk(scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP)), "high")
EXPLAINS = DEFAULT_EXPLAINS | {"userRisk"}

WORDING = Wording(
    covered="All {total} enabled users at high user risk must remediate (secure password change) or are blocked.",
    gap="{n} of {total} enabled users can keep signing in at high user risk without remediating.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    covered = requires(named(RISK_REMEDIATION))
    finding, _ = run_coverage(METADATA, model, SCENARIOS, covered, WORDING, explains=EXPLAINS)
    return licence_gate(finding, snapshot)
