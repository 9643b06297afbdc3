"""COV-17: a managed (compliant or hybrid-joined) device required for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import scenario_grid
from ..findings import Finding, Severity
from ..policy import ClientApp
from ._common import CheckMetadata, Wording
from ._coverage_checks import MANAGED_DEVICE, named, prepare, requires, run_coverage

METADATA = CheckMetadata(
    id="COV-17",
    title="Managed device required for all users",
    severity=Severity.MEDIUM,
    rationale=(
        "Stolen credentials and tokens are far less useful when access also needs a compliant or Entra hybrid "
        "joined device. Every enabled user must be required, on all resources and every platform including "
        "unknown ones, to use such a device (alone or AND-ed with other controls). An OR with MFA or app "
        "controls offers a path around the device requirement and does not count here (see COV-19)."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-device-compliance",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-grant",
    ),
    remediation=(
        "Create a policy for All users and All resources granting 'Require device to be marked as compliant' "
        "OR 'Require Microsoft Entra hybrid joined device', excluding the break-glass accounts and the "
        "Directory Synchronization Accounts role. Run it in report-only until device enrolment is complete."
    ),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))

WORDING = Wording(
    covered="All {total} enabled users must use a compliant or hybrid-joined device on all resources.",
    gap="{n} of {total} enabled users can reach some resource from an unmanaged device.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    finding, _ = run_coverage(METADATA, model, SCENARIOS, requires(named(MANAGED_DEVICE)), WORDING)
    return finding
