"""COV-04: phishing-resistant MFA for every holder of a highly privileged role, reported role by role."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import scenario_grid
from ..findings import Finding, Severity, Status
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording, make_finding
from ._coverage_checks import (
    PRIVILEGED_ROLES, phishing_resistant, prepare, requires, role_holders, run_coverage, with_roles,
)

METADATA = CheckMetadata(
    id="COV-04",
    title="Phishing-resistant MFA required for privileged roles",
    severity=Severity.HIGH,
    rationale=(
        "Highly privileged roles (CISA's eight: Global, Privileged Role, User, SharePoint, Exchange, Hybrid "
        "Identity, Application and Cloud Application Administrator) must be required to use an authentication "
        "strength whose every combination is phishing-resistant, on all resources. Coverage is evaluated per "
        "role and per active holder: a policy naming a subset of the roles covers only that subset."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-admin-phish-resistant-mfa",
        "https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md",
    ),
    remediation=(
        "Create a policy including the eight privileged roles, All resources, granting the built-in "
        "'Phishing-resistant MFA' authentication strength, excluding the break-glass accounts. Start in "
        "report-only, confirm the admins have passkeys or certificates, then enable it."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))

WORDING = Wording(
    covered="All {total} active privileged administrators are required to use phishing-resistant MFA.",
    gap="{n} of {total} active privileged administrators can reach some resource without phishing-resistant MFA.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    holders = role_holders(model, PRIVILEGED_ROLES)
    admins = frozenset().union(*holders.values())
    if not admins:
        return make_finding(METADATA, Status.NOT_APPLICABLE,
                            "No enabled user holds a privileged role actively (break-glass and sync accounts "
                            "excluded by design).", evidence=model.excluded_by_design())
    covered = requires(phishing_resistant(model))
    finding, report = run_coverage(METADATA, model, SCENARIOS, covered, WORDING, population=admins)
    return with_roles(finding, report, holders, PRIVILEGED_ROLES)
