"""COV-02: phishing-resistant MFA for all users, judged by authentication-strength combinations."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import scenario_grid
from ..findings import Finding, Severity
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording
from ._coverage_checks import phishing_resistant, prepare, requires, run_coverage

METADATA = CheckMetadata(
    id="COV-02",
    title="Phishing-resistant MFA required for all users",
    severity=Severity.MEDIUM,
    rationale=(
        "Passwords plus SMS, voice or app push can be phished in real time. Every enabled user must be required, "
        "on all resources from browser and mobile/desktop clients, to satisfy an authentication strength whose "
        "every allowed combination is phishing-resistant (Windows Hello for Business, FIDO2, certificate-based "
        "multifactor). A strength counts by its combinations, never by its name; an OR with any other control "
        "leaves a weaker path open."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/authentication/concept-authentication-strengths",
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength",
    ),
    remediation=(
        "Create a policy for All users and All resources granting the built-in 'Phishing-resistant MFA' "
        "authentication strength, excluding the break-glass accounts and the Directory Synchronization Accounts "
        "role. Roll it out in report-only after users have registered passkeys or Windows Hello."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))

WORDING = Wording(
    covered="All {total} enabled users are required to use phishing-resistant MFA on all resources.",
    gap="{n} of {total} enabled users can reach some resource without phishing-resistant MFA.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    finding, _ = run_coverage(METADATA, model, SCENARIOS, requires(phishing_resistant(model)), WORDING)
    return finding
