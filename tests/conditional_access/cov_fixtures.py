"""Builders for the baseline coverage check tests (COV-02 ... COV-30), on top of ``ca_fixtures``.

``strong_document`` is the base tenant hardened until every one of these checks passes; each test breaks one
thing. Trap tenants (``data/traps/trap_NN_*.yaml``) are small tenant files named after peers §11 traps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from ca_fixtures import (
    ALICE, BOB, CAROL_GUEST, P_DEVICE_CODE, base_document, ca_policy, policy_in, user,
)

from entra_agents.graph.snapshot import ATTRIBUTES, TenantSnapshot

JSON = dict[str, Any]
TRAPS = Path(__file__).resolve().parent / "data" / "traps"

ERIN_GA = "0a000000-0000-4000-8000-0000000e1a01"  # a Global Administrator who is not break-glass
FRANK_HELPDESK = "0a000000-0000-4000-8000-0000000f4a02"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
PR_STRENGTH = "00000000-0000-0000-0000-000000000004"
AZURE_MGMT = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
EXO = "00000002-0000-0ff1-ce00-000000000000"
COUNTED = sorted([ALICE, BOB, CAROL_GUEST, ERIN_GA, FRANK_HELPDESK])

P_PR = "0c000000-0000-4000-8000-0000000000a2"
P_DEVICE = "0c000000-0000-4000-8000-0000000000a3"
P_SECINFO = "0c000000-0000-4000-8000-0000000000a4"
P_USER_RISK = "0c000000-0000-4000-8000-0000000000a5"
P_UNKNOWN = "0c000000-0000-4000-8000-0000000000a6"
P_MOBILE = "0c000000-0000-4000-8000-0000000000a7"


def policy(pid: str, name: str, **kwargs: Any) -> JSON:
    """``ca_fixtures.ca_policy`` plus the conditions it does not take as arguments."""
    extra = {k: kwargs.pop(k) for k in ("platforms", "locations", "signInRiskLevels", "userRiskLevels",
                                         "includeApplications", "includeUserActions", "strength") if k in kwargs}
    out = ca_policy(pid, name, **kwargs)
    cond = out["conditions"]
    for key in ("platforms", "locations", "signInRiskLevels", "userRiskLevels"):
        if key in extra:
            cond[key] = extra[key]
    if "includeApplications" in extra:
        cond["applications"]["includeApplications"] = extra["includeApplications"]
    if "includeUserActions" in extra:
        cond["applications"].update(includeApplications=[], includeUserActions=extra["includeUserActions"])
    if "strength" in extra:
        out["grantControls"].update(builtInControls=[], authenticationStrength={"id": extra["strength"]})
    return out


def strong_document() -> JSON:
    doc = base_document()
    doc["users"] += [user(ERIN_GA, "erin@base.test"), user(FRANK_HELPDESK, "frank@base.test")]
    doc["directoryRoles"][0]["members"].append(ERIN_GA)
    doc["directoryRoles"].append({"id": "0d000000-0000-4000-8000-000000000003", "displayName": "Helpdesk Administrator",
                                  "roleTemplateId": HELPDESK, "members": [FRANK_HELPDESK]})
    policy_in(doc, P_DEVICE_CODE)["conditions"]["authenticationFlows"] = {
        "transferMethods": "deviceCodeFlow,authenticationTransfer"}
    doc["conditionalAccessPolicies"] += [
        policy(P_PR, "Phishing-resistant MFA all users", strength=PR_STRENGTH),
        policy(P_DEVICE, "Compliant or hybrid device", controls=["compliantDevice", "domainJoinedDevice"]),
        policy(P_SECINFO, "Secure security info registration", includeUserActions=["urn:user:registersecurityinfo"],
               locations={"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}),
        policy(P_USER_RISK, "High user risk password change", controls=["mfa", "passwordChange"], operator="AND",
               userRiskLevels=["high"]),
        policy(P_UNKNOWN, "Block unknown platforms", controls=["block"],
               platforms={"includePlatforms": ["all"], "excludePlatforms": ["android", "iOS", "windows", "macOS",
                                                                             "linux"]}),
        policy(P_MOBILE, "App protection on mobile", controls=["compliantApplication"],
               platforms={"includePlatforms": ["android", "iOS"], "excludePlatforms": []}),
    ]
    doc["signIns"] = [
        sign_in("s1", ALICE, EXO, "Browser", "Windows 10"),
        sign_in("s2", BOB, EXO, "Mobile Apps and Desktop clients", "iOS 17"),
    ]
    return doc


def sign_in(sid: str, uid: str, app: str, client: str, os_name: str, **extra: Any) -> JSON:
    return {"id": sid, "createdDateTime": f"2026-11-2{len(sid) % 9}T10:00:00Z", "userId": uid, "appId": app,
            "appDisplayName": "Office 365 Exchange Online" if app == EXO else "App", "clientAppUsed": client,
            "deviceDetail": {"operatingSystem": os_name}, "ipAddress": "203.0.113.7",
            "location": {"countryOrRegion": "NL"}, "riskLevelDuringSignIn": "none", **extra}


def snapshot(doc: JSON) -> TenantSnapshot:
    """Every collection of the tenant-file contract, sign-ins included (``ca_fixtures`` omits them)."""
    defaults = doc.get("securityDefaults")
    return TenantSnapshot(
        organization=doc["organization"],
        security_defaults_enabled=None if defaults is None else bool(defaults.get("isEnabled")),
        failed=dict(doc.get("_failed", {})),
        **{attr: doc.get(key, []) for key, attr in ATTRIBUTES.items()},
    )


def load_trap(name: str) -> JSON:
    return yaml.safe_load((TRAPS / f"{name}.yaml").read_text(encoding="utf-8"))



