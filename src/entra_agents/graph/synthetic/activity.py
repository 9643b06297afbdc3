"""Activity: each user's ``signInActivity``, a 30-day sign-in log and a directory audit log.

The sign-in log is a sample (a real 100,000-user tenant logs millions of sign-ins a month): one entry per user,
at most 20,000, only from users whose last sign-in falls in the window, never later than that last sign-in. It
includes legacy clients (Exchange ActiveSync, IMAP4, "Other clients"...) and device code flow sign-ins, which
the baseline blocks. Device code sign-ins carry ``authenticationProtocol: deviceCode``: v1.0 has no such
property (beta does), but the tenant-file schema allows it and nothing else in v1.0 tells the flow apart.
Conditional Access results reflect the baseline policy set; mutators that open a gap add sign-ins through it.
"""

from __future__ import annotations

import random
from datetime import timedelta

from .names import BROWSERS, FIRST_PARTY_APPS, LEGACY_CLIENTS, OFFICES, OPERATING_SYSTEMS, OTHER_IPV4_PREFIXES
from .state import (
    CONDITIONAL_ACCESS_ADMINISTRATOR, EPOCH, JSON, Tenant, before_epoch, iso, parse, shift,
)

WINDOW_DAYS = 30
MAX_SIGN_INS = 20_000
MAX_AUDITS = 5_000
BLOCKED = (53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token "
                  "issuance.")
BAD_PASSWORD = (50126, "Error validating credentials due to invalid username or password.")
AZURE_CLI, AUTH_BROKER = FIRST_PARTY_APPS[6], FIRST_PARTY_APPS[7]
RESOURCES = (FIRST_PARTY_APPS[1], FIRST_PARTY_APPS[2], FIRST_PARTY_APPS[3], FIRST_PARTY_APPS[0])
BASELINE_KEYS = ("mfa", "legacy", "deviceCode", "admins", "countries")


def build_activity(t: Tenant) -> None:
    _sign_in_activity(t)
    _sign_ins(t)
    _audits(t)


# ------------------------------------------------------------------------------------- signInActivity


def _last_sign_in(t: Tenant, rng: random.Random, uid: str) -> str | None:
    user = t.user(uid)
    if uid in t.break_glass:
        return before_epoch(rng, 20, 40)  # tested monthly, as emergency access guidance asks
    if uid in t.sync_accounts:
        return before_epoch(rng, 0, 0.05)
    if user.get("externalUserState") == "PendingAcceptance":
        return None
    if not t.is_enabled(uid):
        return None if rng.random() < 0.3 else before_epoch(rng, 60, 400)
    roll = rng.random()
    if user["userType"] == "Guest":
        return None if roll < 0.2 else before_epoch(rng, 0, 30) if roll < 0.6 else before_epoch(rng, 31, 300)
    if user["displayName"].endswith("(admin)"):
        return before_epoch(rng, 0, 7)
    return None if roll < 0.04 else before_epoch(rng, 0, 14) if roll < 0.9 else before_epoch(rng, 31, 200)


def _sign_in_activity(t: Tenant) -> None:
    rng = t.rng("sign-in-activity")
    for user in t.users:
        last = _last_sign_in(t, rng, user["id"])
        if last is not None and last < user["createdDateTime"]:  # same format: text order is time order
            last = shift(user["createdDateTime"], 0.25)
        non_interactive = shift(last, min(0.5, (EPOCH - parse(last)).total_seconds() / 86400)) if last else None
        request = t.new_id("sign-in-requests") if last else None
        user["signInActivity"] = {
            "lastSignInDateTime": last, "lastSignInRequestId": request,
            "lastNonInteractiveSignInDateTime": non_interactive,
            "lastNonInteractiveSignInRequestId": t.new_id("sign-in-requests") if last else None,
            "lastSuccessfulSignInDateTime": last, "lastSuccessfulSignInRequestId": request,
        }


# --------------------------------------------------------------------------------------------- sign-ins


Baseline = list[tuple[str, JSON]]  # (key, policy) of the baseline policies a sign-in reports on


def _applied(baseline: Baseline, results: dict[str, tuple[str, list[str]]]) -> list[JSON]:
    out = []
    for key, policy in baseline:
        result, controls = results.get(key, ("notApplied", []))
        out.append({"id": policy["id"], "displayName": policy["displayName"], "enforcedGrantControls": controls,
                    "enforcedSessionControls": [], "result": result})
    return out


def _sign_in(t: Tenant, baseline: Baseline, rng: random.Random, uid: str, when: str, kind: str, *,
             trusted: bool = False, app: tuple[str, str] | None = None) -> JSON:
    """One signIn in v1.0's shape. ``kind``: browser, mobile, legacy, deviceCode, badPassword, and the
    ``open*`` variants that succeed through a gap a mutator opened."""
    user = t.user(uid)
    app_id, app_name = rng.choice(RESOURCES) if app is None else app
    client = {"browser": "Browser", "legacy": rng.choice(LEGACY_CLIENTS), "openLegacy": "IMAP4"}.get(
        kind, "Mobile Apps and Desktop clients")
    if kind in ("deviceCode", "openDeviceCode"):
        app_id, app_name = rng.choice((AZURE_CLI, AUTH_BROKER))
    admin = user["displayName"].endswith("(admin)")
    error, ca_status, results = (0, None), "success", {"mfa": ("success", ["Mfa"])}
    if admin:
        results["admins"] = ("success", ["PhishingResistantMfa"])
    if kind == "legacy":
        error, ca_status, results = BLOCKED, "failure", {"legacy": ("failure", ["Block"]), "mfa": ("failure", ["Mfa"])}
    elif kind == "deviceCode":
        error, ca_status, results = BLOCKED, "failure", {"deviceCode": ("failure", ["Block"])}
    elif kind == "badPassword":
        error, ca_status, results = BAD_PASSWORD, "notApplied", {}
    elif kind.startswith("open"):
        ca_status, results = "notApplied", {}
    office, country = rng.choice(OFFICES)
    ip = f"203.0.113.{rng.randint(1, 254)}" if trusted else f"{rng.choice(OTHER_IPV4_PREFIXES)}{rng.randint(1, 254)}"
    system = rng.choice(OPERATING_SYSTEMS)
    record: JSON = {
        "id": t.new_id("sign-ins"), "createdDateTime": when, "userDisplayName": user["displayName"],
        "userPrincipalName": user["userPrincipalName"], "userId": uid, "appId": app_id, "appDisplayName": app_name,
        "ipAddress": ip, "clientAppUsed": client, "correlationId": t.new_id("sign-ins:correlation"),
        "conditionalAccessStatus": ca_status, "isInteractive": True, "riskDetail": "none",
        "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none", "riskEventTypes": [],
        "riskEventTypes_v2": [], "resourceDisplayName": app_name, "resourceId": app_id,
        "status": {"errorCode": error[0], "failureReason": error[1], "additionalDetails": None},
        "deviceDetail": {"deviceId": "", "displayName": None, "operatingSystem": system,
                         "browser": rng.choice(BROWSERS) if kind == "browser" else None,
                         "isCompliant": trusted or None, "isManaged": trusted or None,
                         "trustType": "Azure AD joined" if trusted else None},
        "location": {"city": office, "state": None, "countryOrRegion": country,
                     "geoCoordinates": {"altitude": None, "latitude": None, "longitude": None}},
        "appliedConditionalAccessPolicies": _applied(baseline, results),
    }
    if kind in ("deviceCode", "openDeviceCode"):
        record["authenticationProtocol"] = "deviceCode"
    return record


def _kind(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return "browser"
    if roll < 0.92:
        return "mobile"
    if roll < 0.96:
        return "legacy"
    return "deviceCode" if roll < 0.975 else "badPassword"


def _sign_ins(t: Tenant) -> None:
    rng = t.rng("sign-ins")
    window_start = EPOCH - timedelta(days=WINDOW_DAYS)
    active = [(u["id"], parse(last)) for u in t.users
              if (last := u["signInActivity"]["lastSignInDateTime"]) and parse(last) >= window_start]
    baseline = [(key, t.policy(key)) for key in BASELINE_KEYS]
    recent_users = {uid for uid, _ in active}
    count = min(max(100, t.size), MAX_SIGN_INS) if t.sign_in_target is None else t.sign_in_target
    # with the size knob, about a third of sign-ins go to in-house apps (own stream: the default log is unchanged)
    app_rng = t.rng("scale:sign-in-apps")
    in_house = [(app, name) for name, app in t.app_ids.items() if name != "HR Connector"]
    entries = []
    for _ in range(count):
        uid, last = rng.choice(active)
        # never later than the user's last sign-in, never before the window
        when = iso(last - timedelta(seconds=rng.randint(0, int((last - window_start).total_seconds()))))
        app = app_rng.choice(in_house) if t.sign_in_target is not None and app_rng.random() < 0.3 else None
        entries.append(_sign_in(t, baseline, rng, uid, when, _kind(rng), trusted=rng.random() < 0.4, app=app))
    evidence_rng = t.rng("sign-ins:evidence")
    for kind, members in t.gap_evidence:
        recent = [u for u in t.counted(members) if u in recent_users][:10]
        for uid in recent:
            when = t.user(uid)["signInActivity"]["lastSignInDateTime"]  # the gap was their latest sign-in
            if kind == "legacy":
                entries.append(_sign_in(t, baseline, evidence_rng, uid, when, "openLegacy"))
            else:
                entries.append(_sign_in(t, baseline, evidence_rng, uid, when, "openDeviceCode",
                                        trusted=kind == "deviceCodeTrusted"))
    entries.sort(key=lambda e: (e["createdDateTime"], e["id"]), reverse=True)  # Graph lists newest first
    t.sign_ins = entries


# --------------------------------------------------------------------------------------- directory audits


def _actor(t: Tenant, uid: str) -> JSON:
    user = t.user(uid)
    return {"app": None, "user": {"id": uid, "displayName": user["displayName"],
                                  "userPrincipalName": user["userPrincipalName"], "ipAddress": "203.0.113.10"}}


def _audit(t: Tenant, when: str, activity: str, category: str, operation: str, actor: JSON,
           targets: list[JSON], service: str = "Core Directory") -> JSON:
    return {
        "id": f"Directory_{t.new_id('audits').upper().replace('-', '')[:20]}", "category": category,
        "correlationId": t.new_id("audits:correlation"), "result": "success", "resultReason": "",
        "activityDisplayName": activity, "activityDateTime": when, "loggedByService": service,
        "operationType": operation, "initiatedBy": actor, "targetResources": targets, "additionalDetails": [],
    }


def _target(object_id: str, name: str, kind: str, upn: str | None = None) -> JSON:
    return {"id": object_id, "displayName": name, "type": kind, "userPrincipalName": upn, "groupType": None,
            "modifiedProperties": []}


def _audits(t: Tenant) -> None:
    rng = t.rng("audits")
    window_start = EPOCH - timedelta(days=WINDOW_DAYS)
    ca_admins = t.role_holders[CONDITIONAL_ACCESS_ADMINISTRATOR]
    user_admins = [u for ids in t.role_holders.values() for u in ids if u not in t.break_glass + t.sync_accounts]
    entries: list[JSON] = []
    for uid in t.employees:
        user = t.user(uid)
        if parse(user["createdDateTime"]) >= window_start and len(entries) < MAX_AUDITS // 2:
            entries.append(_audit(t, user["createdDateTime"], "Add user", "UserManagement", "Add",
                                  _actor(t, rng.choice(user_admins)),
                                  [_target(uid, user["displayName"], "User", user["userPrincipalName"])]))
    for policy_id, change, changed_at in t.policy_changes:
        policy = t.policy(policy_id)
        when = changed_at or before_epoch(rng, 20, 29)
        if change == "Add":  # created by a mutator within the window (mutators never edit their own additions)
            policy["createdDateTime"] = policy["modifiedDateTime"] = when
        entries.append(_audit(t, when, f"{change} conditional access policy", "Policy", change,
                              _actor(t, rng.choice(ca_admins)),
                              [_target(policy_id, policy["displayName"], "Policy")], service="Conditional Access"))
    for group_id, name in t.deleted_groups:
        entries.append(_audit(t, before_epoch(rng, 25, 29), "Delete group", "GroupManagement", "Delete",
                              _actor(t, rng.choice(user_admins)), [_target(group_id, name, "Group")]))
    static = [g for g in t.groups if "DynamicMembership" not in g["groupTypes"]]
    routine = (("Add member to group", "GroupManagement", "Assign"), ("Update user", "UserManagement", "Update"),
               ("Reset user password", "UserManagement", "Update"))
    for _ in range(max(100, min(t.size // 4, MAX_AUDITS)) - len(entries)):
        activity, category, operation = rng.choice(routine)
        uid = rng.choice(t.employees)
        user = t.user(uid)
        targets = [_target(uid, user["displayName"], "User", user["userPrincipalName"])]
        if activity == "Add member to group":
            g = rng.choice(static)
            targets.append(_target(g["id"], g["displayName"], "Group"))
        entries.append(_audit(t, before_epoch(rng, 0, WINDOW_DAYS), activity, category, operation,
                              _actor(t, rng.choice(user_admins)), targets))
    entries.sort(key=lambda e: (e["activityDateTime"], e["id"]), reverse=True)
    t.audits = entries
