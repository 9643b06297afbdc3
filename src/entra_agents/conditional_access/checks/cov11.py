"""COV-11: authentication transfer blocked for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import DEFAULT_EXPLAINS, is_blocked, location_grid, scenario_grid
from ..findings import Finding, Severity
from ..policy import AuthFlow, ClientApp
from ._common import CheckMetadata, Wording
from ._coverage_checks import prepare, run_coverage

METADATA = CheckMetadata(
    id="COV-11",
    title="Authentication transfer blocked",
    severity=Severity.MEDIUM,
    rationale=(
        "Authentication transfer moves a signed-in session from a PC to a phone by QR code, carrying the "
        "desktop's authentication state to a device that may be unmanaged. Every enabled user must be blocked "
        "for the 'authenticationTransfer' flow, from every platform and location. transferMethods is one "
        "comma-separated string; a policy listing both flows counts."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-authentication-flows",
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-block-authentication-flows",
    ),
    remediation=(
        "Create a policy for All users and All resources with authentication flows 'Authentication transfer', "
        "granting 'Block access', excluding the break-glass accounts and the Directory Synchronization Accounts "
        "role. Start in report-only, then enable it."
    ),
)

EXPLAINS = (DEFAULT_EXPLAINS - {"clientApps"}) | {"authenticationFlow"}

WORDING = Wording(
    covered="Authentication transfer is blocked for all {total} enabled users.",
    gap="{n} of {total} enabled users can sign in with authentication transfer.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    scenarios = scenario_grid((ClientApp.MOBILE_DESKTOP, ClientApp.BROWSER), locations=location_grid(snapshot),
                              flows=(AuthFlow.AUTHENTICATION_TRANSFER,))
    finding, _ = run_coverage(METADATA, model, scenarios, is_blocked, WORDING, explains=EXPLAINS)
    return finding
