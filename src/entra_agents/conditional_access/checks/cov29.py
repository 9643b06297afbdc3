"""COV-29: a fallback control on All resources (no resource exclusions) for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import scenario_grid
from ..findings import Finding, Severity
from ..policy import ClientApp
from ._common import CheckMetadata, Wording
from ._coverage_checks import any_control, prepare, run_coverage

METADATA = CheckMetadata(
    id="COV-29",
    title="Fallback policy on All users and All resources",
    severity=Severity.MEDIUM,
    rationale=(
        "Resources nobody thought of (new apps, apps excluded from the baseline) are only protected by a policy "
        "on All resources without resource exclusions. Every enabled user signing in from a browser or a "
        "mobile/desktop client, on any platform, from an untrusted network, must be subject to at least one "
        "enforced grant or block from such policies. Session-only policies demand nothing; a policy excluding "
        "any resource does not count."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps",
        "https://learn.microsoft.com/entra/identity/conditional-access/plan-conditional-access",
    ),
    remediation=(
        "Create a policy for All users and All resources with no resource exclusions, granting 'Require "
        "multifactor authentication', excluding the break-glass accounts and the Directory Synchronization "
        "Accounts role. Start in report-only, then enable it."
    ),
)

# Legacy clients are COV-08's question and trusted-network skips EXC-11's; this one is about resources.
SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))

WORDING = Wording(
    covered="All {total} enabled users are subject to an enforced control on All resources.",
    gap="{n} of {total} enabled users have some sign-in on All resources that no enforced policy controls.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    finding, _ = run_coverage(METADATA, model, SCENARIOS, any_control, WORDING)
    return finding
