"""COV-10: device code flow blocked for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import DEFAULT_EXPLAINS, TenantModel, assess, is_blocked, location_grid, scenario_grid
from ..findings import Finding, Severity
from ..policy import AuthFlow, ClientApp
from ._common import CheckMetadata, Wording, coverage_finding, dependency_error

METADATA = CheckMetadata(
    id="COV-10",
    title="Device code flow blocked",
    severity=Severity.MEDIUM,
    rationale=(
        "Device code phishing lets an attacker have a user complete sign-in on the attacker's behalf, including "
        "MFA, so requiring MFA does not stop it. Every enabled user must be blocked for the device code flow: by "
        "a policy targeting authentication flow 'deviceCodeFlow' with Block, or by a device-state grant the flow "
        "cannot satisfy. Security defaults do not block it."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-authentication-flows",
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-block-authentication-flows",
    ),
    remediation=(
        "Create a policy for All users and All resources with authentication flows 'Device code flow', granting "
        "'Block access', excluding the break-glass accounts and the Directory Synchronization Accounts role. "
        "Start it in report-only, list the users who legitimately use device code (meeting-room devices, CLI "
        "tools) and give them a scoped exception, then enable it."
    ),
)

SCENARIOS_CLIENTS = (ClientApp.MOBILE_DESKTOP,)
# A policy blocking another transfer flow is a near miss here; a legacy-client policy is not.
EXPLAINS = (DEFAULT_EXPLAINS - {"clientApps"}) | {"authenticationFlow"}

WORDING = Wording(
    covered="Device code flow is blocked for all {total} enabled users.",
    gap="{n} of {total} enabled users can sign in with the device code flow.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    if (error := dependency_error(METADATA, snapshot)) is not None:
        return error
    model = TenantModel.build(snapshot, config or AnalysisConfig())
    scenarios = scenario_grid(SCENARIOS_CLIENTS, locations=location_grid(snapshot), flows=(AuthFlow.DEVICE_CODE,))
    return coverage_finding(METADATA, model, assess(model, scenarios, is_blocked, EXPLAINS), WORDING)
