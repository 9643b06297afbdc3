"""COV-21: app protection (or a managed device) required on iOS and Android for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import scenario_grid
from ..findings import Finding, Severity
from ..policy import ClientApp
from ._common import CheckMetadata, Wording
from ._coverage_checks import APP_PROTECTION, MANAGED_DEVICE, named, prepare, requires, run_coverage

METADATA = CheckMetadata(
    id="COV-21",
    title="App protection required on mobile devices",
    severity=Severity.MEDIUM,
    rationale=(
        "On personal phones, corporate data is protected by Intune app protection policies, which Conditional "
        "Access enforces with 'Require app protection policy' (or the retiring 'approved client app'). Every "
        "enabled user signing in from iOS or Android must face a requirement whose every option is app "
        "protection, an approved app or a managed device. An OR with MFA alone leaves unprotected apps open."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-approved-app-or-app-protection",
        "https://learn.microsoft.com/intune/intune-service/apps/app-protection-policy",
    ),
    remediation=(
        "Create a policy for All users and All resources, device platforms iOS and Android, granting 'Require "
        "app protection policy' OR 'Require device to be marked as compliant', excluding the break-glass "
        "accounts and the Directory Synchronization Accounts role. Start in report-only."
    ),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP), platforms=("iOS", "android"))

WORDING = Wording(
    covered="All {total} enabled users need app protection or a managed device on iOS and Android.",
    gap="{n} of {total} enabled users can reach corporate data from iOS or Android apps without app protection.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    covered = requires(named(APP_PROTECTION | MANAGED_DEVICE))
    finding, _ = run_coverage(METADATA, model, SCENARIOS, covered, WORDING)
    return finding
