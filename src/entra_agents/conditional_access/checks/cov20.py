"""COV-20: sign-ins from unknown or unsupported device platforms blocked for every enabled user."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import is_blocked, scenario_grid
from ..findings import Finding, Severity, Status
from ..policy import ClientApp
from ..signins import used_platforms
from ._common import CheckMetadata, Wording, with_status
from ._coverage_checks import add_evidence, prepare, run_coverage

METADATA = CheckMetadata(
    id="COV-20",
    title="Unknown device platforms blocked",
    severity=Severity.MEDIUM,
    rationale=(
        "Device platform is derived from the user agent; a client reporting no known platform escapes every "
        "platform-scoped policy. Every enabled user must be blocked when the platform is unknown: Microsoft's "
        "pattern includes all platforms, excludes the ones the organisation uses and blocks. It does not need "
        "all known platforms excluded; a block that also catches platforms seen in sign-ins is flagged for review."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-device-unknown-unsupported",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-conditions",
    ),
    remediation=(
        "Create a policy for All users and All resources, device platforms: include Any device, exclude the "
        "platforms your users sign in from, granting 'Block access', excluding the break-glass accounts and the "
        "Directory Synchronization Accounts role. Start in report-only and check the sign-in log."
    ),
    depends_on=("users", "groups", "directoryRoles", "conditionalAccessPolicies"),
)

CLIENTS = (ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP)
SCENARIOS = scenario_grid(CLIENTS, platforms=(None,))

WORDING = Wording(
    covered="Sign-ins from unknown device platforms are blocked for all {total} enabled users.",
    gap="{n} of {total} enabled users can sign in from an unknown device platform.",
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    finding, _ = run_coverage(METADATA, model, SCENARIOS, is_blocked, WORDING)
    used = used_platforms(snapshot.sign_ins)
    if finding.status is not Status.PASS or not used:
        return finding
    # The block is right for unknown platforms; it must not also stop the platforms people really use.
    collateral = run_coverage(METADATA, model, scenario_grid(CLIENTS, platforms=used),
                              lambda o, c: not is_blocked(o, c), WORDING)[1]
    if not collateral.gaps:
        return add_evidence(finding, {"kind": "platformsInUse", "platforms": list(used)})
    note = {"kind": "blocksPlatformsInUse", "platforms": list(used), "users": list(collateral.uncovered_users)[:10],
            "detail": "the policies blocking unknown platforms also block platforms seen in the sign-in log"}
    return with_status(finding, Status.REVIEW, "Unknown platforms are blocked, but so are platforms users "
                       "actually sign in from; exclude those platforms from the block.", [note])
