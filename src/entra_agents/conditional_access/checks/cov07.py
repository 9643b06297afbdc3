"""COV-07: MFA for every enabled guest on all resources."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import requires_mfa, scenario_grid
from ..findings import Finding, Severity, Status
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording, make_finding
from ._coverage_checks import prepare, run_coverage

METADATA = CheckMetadata(
    id="COV-07",
    title="MFA required for guests",
    severity=Severity.MEDIUM,
    rationale=(
        "Guests authenticate in their home tenant, whose MFA you do not control unless you require it. Every "
        "enabled guest must be guaranteed MFA on all resources. A guest policy scoped to enumerated external "
        "tenants covers only those tenants, and an All-users policy excluding guest types is no guest coverage."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-guests-mfa-strength",
        "https://learn.microsoft.com/entra/external-id/authentication-conditional-access",
    ),
    remediation=(
        "Create a policy for guest and external users (all types, all external tenants), All resources, "
        "granting 'Require multifactor authentication', excluding the break-glass accounts. Start in "
        "report-only, then enable it."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))

WORDING = Wording(
    covered="All {total} enabled guests are guaranteed MFA on all resources.",
    gap="{n} of {total} enabled guests can reach some resource without MFA.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    guests = frozenset(u for u in model.counted_users() if model.directory.is_guest(u))
    if not guests:
        return make_finding(METADATA, Status.NOT_APPLICABLE, "The tenant has no enabled guest users.",
                            evidence=model.excluded_by_design())
    finding, _ = run_coverage(METADATA, model, SCENARIOS, requires_mfa, WORDING, population=guests)
    return finding
