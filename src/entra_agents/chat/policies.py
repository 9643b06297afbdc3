"""Policy explanations, what-if sign-ins and object look-ups, from the engine's own evaluator and parser.

Names are resolved with the conversation's ``NameIndex``. A name that fits several objects, or none, comes back
as ``{"ambiguous": ...}`` / ``{"notFound": ...}`` results, never as a guess: the answer asks back.
"""

from __future__ import annotations

from typing import Any

from entra_agents.chat.names import DirectoryObject, NameIndex
from entra_agents.errors import UsageError

STATE = {"enabled": "on", "enabledForReportingButNotEnforced": "report-only", "disabled": "off"}
CLIENTS = {"browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"}
PLATFORMS = {"android": "android", "ios": "iOS", "windows": "windows", "macos": "macOS", "linux": "linux",
             "windowsphone": "windowsPhone"}
RISKS = ("none", "low", "medium", "high")


class Unresolved(Exception):
    """A reference that names no object or several; carries the result the answer is built from."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(str(result))
        self.result = result


def resolve_one(index: NameIndex, reference: str, kinds: tuple[str, ...], role: str) -> DirectoryObject:
    found = index.lookup(reference, kinds)
    if len(found) == 1:
        return found[0]
    if found:
        raise Unresolved({"ambiguous": {"role": role, "reference": reference,
                                        "candidates": [o.to_json() for o in found]}})
    raise Unresolved({"notFound": {"role": role, "reference": reference, "kinds": list(kinds),
                                   "closest": [o.to_json() for o in index.near(reference, kinds)]}})


def _names(index: NameIndex, ids: Any) -> list[str]:
    return [index.cite(i) if i not in ("All", "None", "GuestsOrExternalUsers") else i for i in sorted(ids)]


def explain_policy(state: Any, config: Any, reference: str) -> dict[str, Any]:
    from entra_agents.conditional_access.coverage import TenantModel
    from entra_agents.conditional_access.policy import parse_policy, parse_strengths

    index: NameIndex = state.index
    obj = resolve_one(index, reference, ("policy",), "policy")
    raw = next(p for p in state.snapshot.conditional_access_policies if str(p.get("id")).lower() == obj.id)
    policy = parse_policy(raw, parse_strengths(state.snapshot.authentication_strength_policies))
    c = policy.conditions
    model = TenantModel.build(state.snapshot, config)
    in_scope = model.users_in_scope(policy) & model.enabled_users()
    findings = [{"check": f.check, "status": f.status.value, "title": f.title}
                for f in state.findings(config) if obj.id in {p.lower() for p in f.affected.policies}]
    return {
        "id": obj.id, "displayName": obj.name, "state": policy.raw_state,
        "stateMeaning": STATE.get(policy.raw_state, policy.raw_state),
        "users": {"include": _names(index, c.users.include_users | c.users.include_groups | c.users.include_roles),
                  "exclude": _names(index, c.users.exclude_users | c.users.exclude_groups | c.users.exclude_roles),
                  "guests": bool(c.users.include_guests)},
        "enabledUsersInScope": len(in_scope),
        "applications": {"include": _names(index, c.applications.include),
                         "exclude": _names(index, c.applications.exclude),
                         "userActions": sorted(c.applications.user_actions)},
        "conditions": _conditions(c, index),
        "grant": policy.grant.describe() if policy.grant else "none (session controls only)",
        "session": sorted((raw.get("sessionControls") or {}).keys()) if raw.get("sessionControls") else [],
        "findings": findings,
    }


def _conditions(c: Any, index: NameIndex) -> list[str]:
    out = []
    if c.client_app_types and c.client_app_types != {"all"}:
        out.append("client apps " + ", ".join(sorted(c.client_app_types)))
    if c.include_platforms is not None:
        out.append("platforms " + ", ".join(sorted(c.include_platforms))
                   + (f" except {', '.join(sorted(c.exclude_platforms))}" if c.exclude_platforms else ""))
    if c.include_locations is not None:
        out.append("locations " + ", ".join(_names(index, c.include_locations))
                   + (f" except {', '.join(_names(index, c.exclude_locations))}" if c.exclude_locations else ""))
    for label, values in (("sign-in risk", c.sign_in_risk), ("user risk", c.user_risk),
                          ("authentication flows", c.transfer_methods)):
        if values:
            out.append(f"{label} {', '.join(sorted(values))}")
    if c.device_filter:
        out.append("a device filter")
    return out


def what_if(state: Any, *, user: str, app: str = "All", client: str = "browser", platform: str = "",
            location: str = "", sign_in_risk: str = "none", user_risk: str = "none", flow: str = "") -> dict[str, Any]:
    """One sign-in through the exact evaluator: which policies apply, why the others do not, the outcome."""
    from entra_agents.conditional_access.context import SignInContext, resolve_location
    from entra_agents.conditional_access.evaluator import evaluate
    from entra_agents.conditional_access.outcome import evaluation_json
    from entra_agents.conditional_access.policy import (
        AuthFlow,
        ClientApp,
        parse_policies,
    )
    from entra_agents.conditional_access.principals import Directory

    index: NameIndex = state.index
    who = resolve_one(index, user, ("user",), "user")
    target = resolve_one(index, app, ("app",), "app") if app and app.lower() not in ("all", "any") else None
    if client not in CLIENTS:
        raise UsageError(f"client {client!r}: use one of {', '.join(sorted(CLIENTS))}")
    plat = PLATFORMS.get(platform.lower().replace(" ", "")) if platform else None
    if platform and plat is None:
        raise UsageError(f"platform {platform!r}: use one of {', '.join(sorted(set(PLATFORMS.values())))}")
    for name, risk in (("sign_in_risk", sign_in_risk), ("user_risk", user_risk)):
        if risk not in RISKS:
            raise UsageError(f"{name} {risk!r}: use one of {', '.join(RISKS)}")
    named, trusted = [], location.lower() == "trusted"
    if location and location.lower() not in ("trusted", "untrusted"):
        named.append(resolve_one(index, location, ("location",), "location").id)
    snapshot = state.snapshot
    ctx = SignInContext(who.id, application=target.id if target else "All", client_app=ClientApp(client),
                        platform=plat, location=resolve_location(snapshot.named_locations, ip=None, country=None,
                                                                 named=named, trusted=trusted),
                        sign_in_risk=sign_in_risk, user_risk=user_risk, auth_flow=AuthFlow(flow) if flow else None)
    policies = parse_policies(snapshot.conditional_access_policies, snapshot.authentication_strength_policies)
    doc = evaluation_json(evaluate(policies, Directory.from_snapshot(snapshot), ctx))
    return {"user": who.to_json(), "app": target.to_json() if target else {"id": "All", "displayName": "All resources"},
            "signIn": doc["signIn"],
            "policies": [{k: p[k] for k in ("id", "displayName", "state", "status", "details")} for p in doc["policies"]],
            "outcome": doc["outcome"], "notes": doc.get("notes", [])}


def look_up(state: Any, name: str) -> dict[str, Any]:
    """Every object ``name`` fits, with what an administrator asks next (memberships, members, state)."""
    index: NameIndex = state.index
    found = index.lookup(name) or index.near(name)
    if not found:
        return {"reference": name, "matches": []}
    return {"reference": name, "matches": [_details(state, o) for o in found[:10]]}


def _details(state: Any, obj: DirectoryObject) -> dict[str, Any]:
    from entra_agents.conditional_access.principals import Directory

    out: dict[str, Any] = obj.to_json()
    snapshot, index = state.snapshot, state.index
    if obj.kind == "user":
        raw = next(u for u in snapshot.users if str(u.get("id")).lower() == obj.id)
        directory = Directory.from_snapshot(snapshot)
        out |= {"userPrincipalName": raw.get("userPrincipalName"), "accountEnabled": raw.get("accountEnabled"),
                "userType": raw.get("userType"), "department": raw.get("department"),
                "groups": [index.cite(g) for g in sorted(directory.groups_of(obj.id))],
                "roles": [index.cite(r) for r in sorted(directory.roles_of(obj.id))]}
    elif obj.kind == "group":
        raw = next(g for g in snapshot.groups if str(g.get("id")).lower() == obj.id)
        out["directMembers"] = [index.cite(m) for m in raw.get("members", [])[:25]]
        out["directMemberCount"] = len(raw.get("members", []))
    elif obj.kind == "role":
        raw = next(r for r in snapshot.directory_roles if str(r.get("roleTemplateId") or r.get("id")).lower() == obj.id)
        out["members"] = [index.cite(m) for m in raw.get("members", [])[:25]]
    elif obj.kind == "policy":
        out["state"] = obj.detail
    return out
