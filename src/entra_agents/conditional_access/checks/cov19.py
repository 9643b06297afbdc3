"""COV-19: every enabled user needs a compliant device, a hybrid-joined device or MFA (the foundation policy)."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import scenario_grid
from ..findings import Finding, Severity
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording
from ._coverage_checks import MANAGED_DEVICE, mfa_or, prepare, requires, run_coverage

METADATA = CheckMetadata(
    id="COV-19",
    title="Compliant device, hybrid-joined device or MFA required for all users",
    severity=Severity.HIGH,
    rationale=(
        "Microsoft's secure-foundation template: every sign-in must prove something beyond a password, either "
        "MFA or a managed device. Every enabled user must face, on all resources from browser and "
        "mobile/desktop clients on every platform, a requirement whose every option includes MFA (or an MFA "
        "authentication strength), a compliant device or a hybrid-joined device. Terms of use or app controls "
        "OR-ed in leave a password-only path."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-alt-all-users-compliant-hybrid-or-mfa",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-grant",
    ),
    remediation=(
        "Create a policy for All users and All resources granting 'Require multifactor authentication' OR "
        "'Require device to be marked as compliant' OR 'Require Microsoft Entra hybrid joined device', "
        "excluding the break-glass accounts and the Directory Synchronization Accounts role. Start in report-only."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))

WORDING = Wording(
    covered="All {total} enabled users need MFA or a managed device on all resources.",
    gap="{n} of {total} enabled users can reach some resource with neither MFA nor a managed device.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    finding, _ = run_coverage(METADATA, model, SCENARIOS, requires(mfa_or(MANAGED_DEVICE)), WORDING)
    return finding
