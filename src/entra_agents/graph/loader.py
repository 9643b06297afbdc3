"""Load a ``TenantSnapshot`` from Microsoft Graph (live, recorded or simulated: they all look like Graph).

Every collection is read in full as raw JSON. A collection Graph refuses (403, 404...) is recorded in
``snapshot.failed`` and left empty, so dependent checks report ``error`` instead of passing on missing data.
Only the organization is mandatory: without it we do not know which tenant we are looking at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from msgraph import GraphServiceClient

from entra_agents.errors import TenantReadError
from entra_agents.graph.client import PAGE_SIZE, get_collection, get_json
from entra_agents.graph.snapshot import JSON, TenantSnapshot

MEMBER_CONCURRENCY = 8  # Graph throttles per app and tenant; 8 parallel reads stay well inside the limits

# The default user projection lacks accountEnabled, userType and sync state, which every check needs.
USER_SELECT = [
    "id", "displayName", "userPrincipalName", "accountEnabled", "userType", "createdDateTime",
    "onPremisesSyncEnabled", "mail", "givenName", "surname", "jobTitle", "department",
    "externalUserState", "creationType", "assignedLicenses",
]
# Not selected: employeeLeaveDateTime and signInActivity need extra permissions, and selecting a property
# the caller may not read fails the whole /users request.

PATHS = {
    "organization": "/organization",
    "securityDefaults": "/policies/identitySecurityDefaultsEnforcementPolicy",
    "users": "/users",
    "groups": "/groups",
    "directoryRoles": "/directoryRoles",
    "servicePrincipals": "/servicePrincipals",
    "conditionalAccessPolicies": "/identity/conditionalAccess/policies",
    "namedLocations": "/identity/conditionalAccess/namedLocations",
    "authenticationStrengthPolicies": "/policies/authenticationStrengthPolicies",
}


async def load_snapshot(client: GraphServiceClient) -> TenantSnapshot:
    """Read everything an analysis needs, once. Raises ``TenantReadError`` only if the organization fails."""
    organization = await _organization(client)
    snapshot = TenantSnapshot(organization=organization)
    members_gate = asyncio.Semaphore(MEMBER_CONCURRENCY)

    async def users() -> list[JSON]:
        return await get_collection(client, PATHS["users"], select=USER_SELECT)

    async def groups() -> list[JSON]:
        return await _with_members(client, PATHS["groups"], members_gate, top=PAGE_SIZE, select=["id"])

    async def roles() -> list[JSON]:
        # directoryRoles documents no query options; a tenant has a few dozen active roles at most
        return await _with_members(client, PATHS["directoryRoles"], members_gate, top=None, select=None)

    # $top only where Graph documents it; the policy endpoints page on their own and may reject it
    def plain(name: str, top: int | None = None) -> Callable[[], Awaitable[list[JSON]]]:
        return lambda: get_collection(client, PATHS[name], top=top)

    loaders: dict[str, Callable[[], Awaitable[list[JSON]]]] = {
        "users": users,
        "groups": groups,
        "directoryRoles": roles,
        "servicePrincipals": plain("servicePrincipals", top=PAGE_SIZE),
        "conditionalAccessPolicies": plain("conditionalAccessPolicies"),
        "namedLocations": plain("namedLocations"),
        "authenticationStrengthPolicies": plain("authenticationStrengthPolicies"),
    }
    names = list(loaders)
    results = await asyncio.gather(_security_defaults(client), *(loaders[n]() for n in names),
                                   return_exceptions=True)
    defaults, collections = results[0], dict(zip(names, results[1:], strict=True))

    if isinstance(defaults, TenantReadError):
        snapshot.failed["securityDefaults"] = str(defaults)
    elif isinstance(defaults, BaseException):
        raise defaults
    else:
        snapshot.security_defaults_enabled = defaults

    for name, result in collections.items():
        if isinstance(result, TenantReadError):
            snapshot.failed[name] = str(result)
        elif isinstance(result, BaseException):
            raise result  # a bug, not a Graph answer: let it surface with its traceback
        else:
            setattr(snapshot, _ATTRIBUTE[name], result)
    return snapshot


_ATTRIBUTE = {
    "users": "users",
    "groups": "groups",
    "directoryRoles": "directory_roles",
    "servicePrincipals": "service_principals",
    "conditionalAccessPolicies": "conditional_access_policies",
    "namedLocations": "named_locations",
    "authenticationStrengthPolicies": "authentication_strength_policies",
}


async def _organization(client: GraphServiceClient) -> JSON:
    try:
        orgs = await get_collection(client, PATHS["organization"], top=None)
    except TenantReadError as exc:
        raise TenantReadError(f"cannot read the tenant's organization: {exc}") from None
    if not orgs:
        raise TenantReadError("Graph returned no organization; check that the credential belongs to the tenant")
    return orgs[0]


async def _security_defaults(client: GraphServiceClient) -> bool | None:
    policy = await get_json(client, PATHS["securityDefaults"])
    enabled = policy.get("isEnabled")
    return enabled if isinstance(enabled, bool) else None


async def _with_members(client: GraphServiceClient, path: str, gate: asyncio.Semaphore, top: int | None,
                        select: list[str] | None) -> list[JSON]:
    """Read a collection, then each object's direct members, put back as ``members: [ids]``.

    If any member list cannot be read the whole collection fails: half-known membership would make
    coverage look better or worse than it is.
    """
    objects = await get_collection(client, path, top=top)

    async def members_of(obj: JSON) -> list[str]:
        async with gate:
            found = await get_collection(client, f"{path}/{obj['id']}/members", select=select, top=top)
        return [str(m["id"]) for m in found if "id" in m]

    tasks = [asyncio.ensure_future(members_of(o)) for o in objects]
    try:
        lists: list[Any] = await asyncio.gather(*tasks)
    except TenantReadError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise  # names the failing /{id}/members request
    for obj, ids in zip(objects, lists, strict=True):
        obj["members"] = ids
    return objects
