"""Turning what an administrator types (a UPN, a display name, a bundle name) into directory objects for
What-If. An unknown or ambiguous name is a usage error that lists the candidates: guessing which of two
"Alex Smith" accounts was meant would answer a question nobody asked.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UsageError
from .context import (
    ADMIN_PORTALS,
    ALL_RESOURCES,
    AZURE_MANAGEMENT,
    EXCHANGE_ONLINE,
    OFFICE365,
    REGISTER_DEVICE,
    REGISTER_SECURITY_INFO,
    SHAREPOINT_ONLINE,
    TEAMS,
)

# Well-known resources that a tenant snapshot may not list as service principals.
WELL_KNOWN_APPS = {
    "all": ALL_RESOURCES, "office365": OFFICE365, "microsoftadminportals": ADMIN_PORTALS,
    "azuremanagement": AZURE_MANAGEMENT, "windows azure service management api": AZURE_MANAGEMENT,
    "exchangeonline": EXCHANGE_ONLINE, "office 365 exchange online": EXCHANGE_ONLINE,
    "sharepointonline": SHAREPOINT_ONLINE, "office 365 sharepoint online": SHAREPOINT_ONLINE,
    "teams": TEAMS, "microsoft teams services": TEAMS,
}
USER_ACTION_NAMES = {
    "registersecurityinfo": REGISTER_SECURITY_INFO, REGISTER_SECURITY_INFO: REGISTER_SECURITY_INFO,
    "registerdevice": REGISTER_DEVICE, REGISTER_DEVICE: REGISTER_DEVICE,
}


def _low(value: Any) -> str:
    return str(value or "").strip().lower()


def _pick(kind: str, reference: str, matches: list[tuple[str, str]], universe: Iterable[str],
          option: str) -> str:
    """``matches`` are (id, label); exactly one distinct id must remain."""
    ids = sorted({m[0] for m in matches})
    if len(ids) == 1:
        return ids[0]
    if ids:
        listed = "; ".join(sorted({f"{label} ({oid})" for oid, label in matches}))
        raise UsageError(f"{option} {reference!r} matches several {kind}s: {listed}. Pass an object id.")
    close = difflib.get_close_matches(reference, sorted(set(universe)), n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UsageError(f"{option} {reference!r}: no such {kind} in this tenant.{hint}")


def resolve_user(users: Iterable[Mapping[str, Any]], reference: str) -> str:
    """By object id, userPrincipalName or display name (case-insensitive)."""
    ref = _low(reference)
    users = list(users)
    matches = [(_low(u.get("id")), str(u.get("userPrincipalName") or u.get("displayName") or u.get("id")))
               for u in users
               if ref in (_low(u.get("id")), _low(u.get("userPrincipalName")), _low(u.get("displayName")))]
    exact = [m for m in matches if ref in (m[0], m[1].lower())]
    universe = [str(u.get(k)) for u in users for k in ("userPrincipalName", "displayName") if u.get(k)]
    return _pick("user", reference, exact or matches, universe, "--user")


def resolve_service_principal(sps: Iterable[Mapping[str, Any]], reference: str) -> str:
    """By object id, appId or display name."""
    ref = _low(reference)
    sps = list(sps)
    matches = [(_low(sp.get("id")), str(sp.get("displayName") or sp.get("id"))) for sp in sps
               if ref in (_low(sp.get("id")), _low(sp.get("appId")), _low(sp.get("displayName")))]
    universe = [str(sp.get("displayName")) for sp in sps if sp.get("displayName")]
    return _pick("service principal", reference, matches, universe, "--service-principal")


def resolve_app(sps: Iterable[Mapping[str, Any]], apps: Iterable[Mapping[str, Any]], reference: str) -> str:
    """A resource as policies name it: the application (client) id, or a bundle token. Accepts an appId, a
    service principal or application object id, a display name, or a well-known name (All, Office365...)."""
    ref = _low(reference)
    known = WELL_KNOWN_APPS.get(ref) or WELL_KNOWN_APPS.get(ref.replace(" ", ""))
    if known:
        return known
    objects = [*sps, *apps]
    matches = [(_low(o.get("appId")), str(o.get("displayName") or o.get("appId"))) for o in objects
               if o.get("appId") and ref in (_low(o.get("id")), _low(o.get("appId")), _low(o.get("displayName")))]
    if not matches and _looks_like_guid(ref):
        return ref  # an app id the snapshot does not list (first-party apps often are not)
    universe = [str(o.get("displayName")) for o in objects if o.get("displayName")] + ["All", "Office365",
                                                                                        "MicrosoftAdminPortals"]
    return _pick("application", reference, matches, universe, "--app")


def resolve_user_action(reference: str) -> str:
    action = USER_ACTION_NAMES.get(_low(reference))
    if action is None:
        raise UsageError(f"--user-action {reference!r}: expected registersecurityinfo or registerdevice")
    return action


def resolve_named_location(locations: Iterable[Mapping[str, Any]], reference: str) -> str:
    ref = _low(reference)
    locations = list(locations)
    matches = [(_low(n.get("id")), str(n.get("displayName") or n.get("id"))) for n in locations
               if ref in (_low(n.get("id")), _low(n.get("displayName")))]
    universe = [str(n.get("displayName")) for n in locations if n.get("displayName")] + ["trusted", "untrusted"]
    return _pick("named location", reference, matches, universe, "--location")


def _looks_like_guid(text: str) -> bool:
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdef-" for c in text)
