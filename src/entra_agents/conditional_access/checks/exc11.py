"""EXC-11: MFA skipped on trusted networks (location exclusions on MFA policies), judged on the effective set.

COV-01 deliberately judges sign-ins from untrusted networks; this check owns the trusted side.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import ALL_PLATFORMS, PrincipalClass, principal_classes, scenario_grid
from ..evaluator import LocationContext
from ..findings import Finding, Severity, Status
from ..policy import ClientApp, Policy
from ._common import CheckMetadata, make_finding
from ._policy_checks import (
    DIRECTORY_INPUTS, SAMPLE, affected, prepare_policies, ref, requires_mfa, scoped_classes, uncompensated,
)

METADATA = CheckMetadata(
    id="EXC-11",
    title="MFA skipped on trusted networks",
    severity=Severity.MEDIUM,
    rationale=(
        "An MFA policy that excludes AllTrusted, the legacy MFA trusted IPs or named IP ranges (or includes only "
        "some locations) lets anyone on those networks, including an attacker with a stolen password on a guest "
        "Wi-Fi, a compromised host or a VPN, sign in with a password alone. A finding is raised only when no "
        "other enabled policy requires MFA (or blocks) there for the same users."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-assignment-network",
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength",
    ),
    remediation="Remove the location exclusion from the MFA policy; use trusted locations to relax sign-in "
                "frequency or registration rules, not to skip MFA.",
    depends_on=(*DIRECTORY_INPUTS, "namedLocations", "authenticationStrengthPolicies"),
)
LEGACY_TRUSTED_IPS = "00000000-0000-0000-0000-000000000000"


def _narrowed(policy: Policy) -> bool:
    c = policy.conditions
    return bool(c.exclude_locations) or (c.include_locations is not None and "All" not in c.include_locations)


def _describe(snapshot: TenantSnapshot, ids: frozenset[str]) -> list[dict[str, Any]]:
    named = {str(n.get("id", "")).lower(): n for n in snapshot.named_locations}
    out = []
    for lid in sorted(ids):
        n = named.get(lid, {})
        kind = ("allTrusted" if lid == "AllTrusted" else "legacyMfaTrustedIps" if lid == LEGACY_TRUSTED_IPS
                else "ipRanges" if "ipRanges" in n else "countries" if "countriesAndRegions" in n else "unknown")
        out.append({"location": lid, "displayName": n.get("displayName", lid), "type": kind,
                    "isTrusted": bool(n.get("isTrusted")) or lid in ("AllTrusted", LEGACY_TRUSTED_IPS)})
    return out


def _locations(snapshot: TenantSnapshot) -> tuple[LocationContext, ...]:
    """Every place an exclusion can point at: an anonymous trusted network, the legacy trusted IPs and each
    named location, so AllTrusted, IP and country exclusions are all exercised."""
    named = tuple(LocationContext(str(n["id"]).lower(), bool(n.get("isTrusted")))
                  for n in snapshot.named_locations if n.get("id"))
    return (LocationContext(None, True), LocationContext(LEGACY_TRUSTED_IPS, True), *named)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    classes: tuple[PrincipalClass, ...] | None = None  # computed once, only if some policy needs it
    grid = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP), platforms=ALL_PLATFORMS,
                         locations=_locations(snapshot))
    evidence, users = [], set()
    for policy in (p for p in model.live_policies if requires_mfa(p.grant) and _narrowed(p)):
        c = policy.conditions
        where = {"excludeLocations": _describe(snapshot, c.exclude_locations),
                 "includeLocations": None if c.include_locations is None else sorted(c.include_locations)}
        if not policy.is_enabled:
            evidence.append({"kind": "locationBypass", **ref(policy), **where,
                             "detail": "report-only: would skip MFA on these networks once enabled"})
            continue
        widened = replace(policy, conditions=replace(c, include_locations=None, exclude_locations=frozenset()))
        classes = classes if classes is not None else principal_classes(model, model.counted_users())
        scoped = scoped_classes(model, policy, classes)
        bypass = uncompensated(model, policy, widened, scoped, grid) if scoped else None
        if bypass is None:
            continue
        users |= set(bypass.users)
        evidence.append({"kind": "locationBypass", **ref(policy), **where, "userCount": len(bypass.users),
                         "sampleUsers": list(bypass.users[:SAMPLE]), "examples": list(bypass.examples),
                         "detail": "MFA skipped on these networks and no other enabled policy requires it there"})
    enabled = [e for e in evidence if e["state"] == "enabled"]
    found = affected(users=users, policies=[e["policy"] for e in evidence])
    if enabled:
        return make_finding(METADATA, Status.FAIL, f"{len(users)} users can sign in without MFA from trusted or "
                            f"excluded networks ({len(enabled)} enabled MFA policies with location exclusions).",
                            found, evidence)
    if evidence:
        return make_finding(METADATA, Status.REVIEW, f"{len(evidence)} report-only MFA policies exclude locations and "
                            "would skip MFA there once enabled.", found, evidence)
    return make_finding(METADATA, Status.PASS, "No enabled MFA policy lets users skip MFA on a trusted or excluded "
                        "network without another policy requiring it there.")
