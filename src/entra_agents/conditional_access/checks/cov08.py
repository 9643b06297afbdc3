"""COV-08: legacy authentication blocked for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import TenantModel, assess, is_blocked, location_grid, scenario_grid
from ..findings import Finding, Severity, Status
from ..policy import ClientApp
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording, coverage_finding, dependency_error, make_finding

METADATA = CheckMetadata(
    id="COV-08",
    title="Legacy authentication blocked",
    severity=Severity.HIGH,
    rationale=(
        "Exchange ActiveSync and other legacy protocols cannot perform MFA, so they bypass it. Every enabled "
        "user must be effectively blocked on these client types, from every platform and location: by a block "
        "policy, or by a grant (MFA, compliant device...) that legacy clients cannot satisfy. A policy scoped to "
        "browser and mobile/desktop clients leaves legacy authentication open."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-block-legacy-authentication",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-conditions",
    ),
    remediation=(
        "Create a policy for All users and All resources with client app types Exchange ActiveSync and Other "
        "clients, granting 'Block access', excluding the break-glass accounts and the Directory Synchronization "
        "Accounts role. Start it in report-only, check sign-in logs for legacy clients, then enable it."
    ),
    depends_on=(*COVERAGE_INPUTS, "securityDefaults"),
)

LEGACY_CLIENT_APPS = (ClientApp.EXCHANGE_ACTIVE_SYNC, ClientApp.OTHER)

WORDING = Wording(
    covered="Legacy authentication is blocked for all {total} enabled users.",
    gap="{n} of {total} enabled users can sign in with legacy authentication (Exchange ActiveSync or other clients).",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    if (error := dependency_error(METADATA, snapshot)) is not None:
        return error
    if snapshot.security_defaults_enabled:
        note = {"kind": "securityDefaults", "isEnabled": True,
                "detail": "security defaults block legacy authentication for all users"}
        summary = "Security defaults are on and block legacy authentication."
        return make_finding(METADATA, Status.PASS, summary, evidence=[note])
    model = TenantModel.build(snapshot, config or AnalysisConfig())
    scenarios = scenario_grid(LEGACY_CLIENT_APPS, locations=location_grid(snapshot))
    return coverage_finding(METADATA, model, assess(model, scenarios, is_blocked), WORDING)
