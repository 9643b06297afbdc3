"""COV-30: every application with sign-ins is covered by at least one enforced control for every user."""

from __future__ import annotations

from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import assess, scenario_grid
from ..findings import Affected, Finding, Severity, Status
from ..policy import ClientApp
from ..signins import apps_with_sign_ins
from ._common import COVERAGE_INPUTS, SAMPLE, CheckMetadata, gap_evidence, make_finding
from ._coverage_checks import any_control, prepare

METADATA = CheckMetadata(
    id="COV-30",
    title="Every application with sign-ins is covered",
    severity=Severity.MEDIUM,
    rationale=(
        "An app that people actually sign in to but that no enforced policy touches is an open door, whatever "
        "the baseline looks like. For each application in the sign-in log, every enabled user signing in from "
        "a browser or mobile/desktop client, on any platform, must be subject to at least one enforced grant "
        "or block (a policy on All resources counts, unless it excludes the app)."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps",
        "https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins",
    ),
    remediation=(
        "Bring each listed app under a baseline policy: remove it from resource exclusions, or create a policy "
        "for All users targeting it with 'Require multifactor authentication', excluding the break-glass "
        "accounts and the Directory Synchronization Accounts role."
    ),
    depends_on=(*COVERAGE_INPUTS, "signIns"),
)

CLIENTS = (ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP)


def _names(snapshot: TenantSnapshot) -> dict[str, str]:
    return {str(sp.get("appId", "")).lower(): str(sp.get("displayName", "")) for sp in snapshot.service_principals}


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    apps = apps_with_sign_ins(snapshot.sign_ins)
    if not apps:
        return make_finding(METADATA, Status.NOT_APPLICABLE,
                            "No sign-ins in the look-back window: no application to map.",
                            evidence=model.excluded_by_design())
    names = _names(snapshot)
    uncovered_apps: list[dict[str, Any]] = []
    users: set[str] = set()
    total = 0
    for app_id, usage in sorted(apps.items()):
        report = assess(model, scenario_grid(CLIENTS, resources=(app_id,)), any_control)
        total = len(report.population)
        if not report.gaps:
            continue
        users.update(report.uncovered_users)
        uncovered_apps.append({
            "kind": "appGap", "appId": app_id, "displayName": names.get(app_id) or usage["displayName"],
            "signIns": usage["signIns"], "signedInUsers": len(usage["users"]),
            "uncoveredUsers": len(report.uncovered_users), "sampleUsers": list(report.uncovered_users[:SAMPLE]),
            "gap": gap_evidence(report.gaps[0]),
        })
    if total == 0:
        return make_finding(METADATA, Status.REVIEW, "No enabled users to evaluate after excluding break-glass and "
                            "sync accounts; coverage cannot be established.", evidence=model.excluded_by_design())
    if not uncovered_apps:
        summary = (f"All {len(apps)} applications with sign-ins are covered by an enforced control for all "
                   f"{total} users.")
        return make_finding(METADATA, Status.PASS, summary,
                            evidence=[{"kind": "covered", "applications": sorted(apps), "userCount": total}])
    summary = (f"{len(uncovered_apps)} of {len(apps)} applications with sign-ins can be reached by some of the "
               f"{total} enabled users without any enforced Conditional Access control.")
    affected = Affected(users=tuple(sorted(users)), apps=tuple(a["appId"] for a in uncovered_apps))
    return make_finding(METADATA, Status.FAIL, summary, affected, [*uncovered_apps, *model.excluded_by_design()])
