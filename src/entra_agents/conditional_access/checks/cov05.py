"""COV-05: MFA for Azure management (ARM, Azure portal, CLI and PowerShell) for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import requires_mfa, scenario_grid
from ..findings import Finding, Severity, Status
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording, with_status
from ._coverage_checks import AZURE_MANAGEMENT, prepare, run_coverage

METADATA = CheckMetadata(
    id="COV-05",
    title="MFA required for Azure management",
    severity=Severity.HIGH,
    rationale=(
        "Windows Azure Service Management API (797f4846-ba00-4fd7-ba43-dac1f8f63013) fronts Azure Resource "
        "Manager, the Azure portal and the Azure CLI/PowerShell. Every enabled user must be guaranteed MFA "
        "there, by a policy on that app or on All resources. Azure DevOps is no longer part of it."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-old-require-mfa-azure-mgmt",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps",
    ),
    remediation=(
        "Create a policy for All users targeting 'Windows Azure Service Management API', granting 'Require "
        "multifactor authentication', excluding the break-glass accounts and the Directory Synchronization "
        "Accounts role. Start in report-only, then enable it."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies", "securityDefaults"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP), resources=(AZURE_MANAGEMENT,))

WORDING = Wording(
    covered="All {total} enabled users are guaranteed MFA for Azure management.",
    gap="{n} of {total} enabled users can reach Azure management without MFA.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    finding, _ = run_coverage(METADATA, model, SCENARIOS, requires_mfa, WORDING)
    if snapshot.security_defaults_enabled and finding.status is not Status.PASS:
        # Security defaults always require MFA for Azure management ("protect privileged activities", trap 28).
        note = {"kind": "securityDefaults", "isEnabled": True,
                "detail": "security defaults require MFA for every Azure management sign-in"}
        return with_status(finding, Status.PASS, "Security defaults are on and require MFA for Azure management.",
                           [note])
    return finding
