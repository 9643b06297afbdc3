"""COV-01: MFA for all users on all resources, evaluated on the effective policy set."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import TenantModel, assess, requires_mfa, scenario_grid
from ..findings import Finding, Severity, Status
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording, coverage_finding, dependency_error, with_status

METADATA = CheckMetadata(
    id="COV-01",
    title="MFA required for all users on all resources",
    severity=Severity.HIGH,
    rationale=(
        "Every enabled member and guest must be unable to reach any resource from a browser or a mobile/desktop "
        "client without multifactor authentication, whatever the platform, from an untrusted location. Policies "
        "are combined as Entra combines them: exclusions (including nested groups), client-app and platform "
        "narrowing, OR-ed grants and report-only state are all taken into account."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-grant",
    ),
    remediation=(
        "Create a policy for All users and All resources, all client app types, granting 'Require multifactor "
        "authentication' (or an MFA authentication strength), excluding only the break-glass accounts and the "
        "Directory Synchronization Accounts role. Start it in report-only and enable it after review."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies", "securityDefaults"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))

WORDING = Wording(
    covered="All {total} enabled users are guaranteed MFA for all resources from browser and mobile/desktop clients.",
    gap="{n} of {total} enabled users can reach some resource without MFA from a browser or mobile/desktop client.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    if (error := dependency_error(METADATA, snapshot)) is not None:
        return error
    model = TenantModel.build(snapshot, config or AnalysisConfig())
    finding = coverage_finding(METADATA, model, assess(model, SCENARIOS, requires_mfa), WORDING)
    if snapshot.security_defaults_enabled and finding.status is not Status.PASS:
        note = {"kind": "securityDefaults", "isEnabled": True,
                "detail": "security defaults require MFA only when Microsoft deems it necessary; not a guarantee"}
        return with_status(finding, Status.REVIEW,
                           "Security defaults are on: MFA is prompted when Microsoft deems it necessary, "
                           "not on every sign-in. Review whether Conditional Access should enforce it.", [note])
    return finding
