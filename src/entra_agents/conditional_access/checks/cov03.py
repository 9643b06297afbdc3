"""COV-03: MFA for every holder of an admin role, reported role by role."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import requires_mfa, scenario_grid
from ..findings import Finding, Severity, Status
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording, make_finding, with_status
from ._coverage_checks import ADMIN_ROLES, prepare, role_holders, run_coverage, with_roles

METADATA = CheckMetadata(
    id="COV-03",
    title="MFA required for administrators",
    severity=Severity.HIGH,
    rationale=(
        "Administrator accounts are the first target of credential attacks. Every active holder of one of the "
        "15 administrator roles of Microsoft's admin templates must be guaranteed MFA on all resources from "
        "browser and mobile/desktop clients, by role-targeted or All-users policies together. Coverage is "
        "reported per role: a policy naming only some roles leaves the others open."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-old-require-mfa-admin",
        "https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference",
    ),
    remediation=(
        "Create a policy including the 15 administrator roles, All resources, granting 'Require multifactor "
        "authentication', excluding the break-glass accounts. Start in report-only, then enable it."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies", "securityDefaults"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))

WORDING = Wording(
    covered="All {total} active administrators are guaranteed MFA on all resources.",
    gap="{n} of {total} active administrators can reach some resource without MFA.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    holders = role_holders(model, ADMIN_ROLES)
    admins = frozenset().union(*holders.values())
    if not admins:
        return make_finding(METADATA, Status.NOT_APPLICABLE,
                            "No enabled user holds an administrator role actively (break-glass and sync accounts "
                            "excluded by design).", evidence=model.excluded_by_design())
    finding, report = run_coverage(METADATA, model, SCENARIOS, requires_mfa, WORDING, population=admins)
    finding = with_roles(finding, report, holders, ADMIN_ROLES)
    if snapshot.security_defaults_enabled and finding.status is Status.FAIL:
        # Security defaults prompt 14 of these roles (not Teams Administrator) on every sign-in (trap 28).
        note = {"kind": "securityDefaults", "isEnabled": True,
                "detail": "security defaults require MFA for 14 administrator roles; Teams Administrator is not one"}
        return with_status(finding, Status.REVIEW, "Security defaults are on and require MFA for most administrator "
                           "roles; review the roles they do not cover.", [note])
    return finding
