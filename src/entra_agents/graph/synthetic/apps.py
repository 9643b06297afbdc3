"""Service principals and applications: Microsoft first-party apps, in-house line-of-business registrations
(application + service principal), consented multi-tenant SaaS apps and managed identities."""

from __future__ import annotations

from .groups import group
from .names import FIRST_PARTY_APPS, LOB_APPS, MICROSOFT_TENANT, SAAS_APPS
from .state import JSON, Tenant, before_epoch, shift

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
USER_READ_SCOPE = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"  # Microsoft Graph delegated User.Read
DIRECTORY_READ_ALL_ROLE = "7ab1d382-f21e-4acd-a863-ba3e13f7da61"  # Microsoft Graph application Directory.Read.All


def build_apps(t: Tenant) -> None:
    for app_id, name in FIRST_PARTY_APPS:
        t.service_principals.append(_service_principal(t, app_id, name, MICROSOFT_TENANT, tags=[]))
    _registration(t, "HR Connector", t.app_ids["HR Connector"], app_role=True)
    # tenants grow more in-house apps with size; the named ones come first
    count = max(len(LOB_APPS), t.size // 1000)
    for k in range(count):
        name = LOB_APPS[k] if k < len(LOB_APPS) else f"Internal Tool {k - len(LOB_APPS) + 1:03d}"
        app_id = t.new_id("apps:lob")
        t.app_ids[name] = app_id
        _registration(t, name, app_id, app_role=k % 4 == 0)
    for name in SAAS_APPS:
        owner = t.new_id("apps:saas-owner")
        t.service_principals.append(_service_principal(
            t, t.new_id("apps:saas"), name, owner, tags=["WindowsAzureActiveDirectoryIntegratedApp"]))
    for k in range(3 + t.size // 20_000):
        sp = _service_principal(t, t.new_id("apps:mi"), f"mi-automation-{k + 1:02d}", None, tags=[])
        sp["servicePrincipalType"] = "ManagedIdentity"
        sp["servicePrincipalNames"] = [sp["appId"], f"https://identity.azure.net/{sp['appId']}"]
        t.service_principals.append(sp)
    _assignment_groups(t)


def _service_principal(t: Tenant, app_id: str, name: str, owner: str | None, tags: list[str]) -> JSON:
    return {
        "id": t.new_id("service-principals"),
        "appId": app_id,
        "displayName": name,
        "servicePrincipalType": "Application",
        "accountEnabled": True,
        "appOwnerOrganizationId": owner,
        "appRoleAssignmentRequired": False,
        "servicePrincipalNames": [app_id],
        "signInAudience": "AzureADMultipleOrgs" if owner != t.organization["id"] else "AzureADMyOrg",
        "tags": tags,
    }


def _registration(t: Tenant, name: str, app_id: str, *, app_role: bool) -> None:
    """An app registration in this tenant and its service principal; some hold a client secret."""
    rng = t.rng("apps:registrations")
    created = before_epoch(rng, 60, 1500)
    access = [{"id": USER_READ_SCOPE, "type": "Scope"}]
    if app_role:
        access.append({"id": DIRECTORY_READ_ALL_ROLE, "type": "Role"})
    secrets = []
    if rng.random() < 0.6:
        start = before_epoch(rng, 30, 400)
        secrets.append({
            "customKeyIdentifier": None, "displayName": f"{name} secret", "endDateTime": shift(start, 730),
            "hint": f"{rng.getrandbits(12):03x}", "keyId": t.new_id("apps:secrets"), "secretText": None,
            "startDateTime": start,
        })
    slug = "".join(ch for ch in name.lower() if ch.isalnum())
    t.applications.append({
        "id": t.new_id("applications"),
        "appId": app_id,
        "displayName": name,
        "createdDateTime": created,
        "signInAudience": "AzureADMyOrg",
        "publisherDomain": t.domain,
        "identifierUris": [f"api://{app_id}"],
        "passwordCredentials": secrets,
        "keyCredentials": [],
        "requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": access}],
        "web": {"homePageUrl": f"https://{slug}.contoso.example", "logoutUrl": None,
                "redirectUris": [f"https://{slug}.contoso.example/signin-oidc"]},
    })
    sp = _service_principal(t, app_id, name, t.organization["id"], tags=["WindowsAzureActiveDirectoryIntegratedApp"])
    sp["servicePrincipalNames"] = [app_id, f"api://{app_id}"]
    t.service_principals.append(sp)


def _assignment_groups(t: Tenant) -> None:
    """'App - NAME Users' groups for the named line-of-business apps (1-4 % of employees each)."""
    rng = t.rng("apps:assignments")
    for name in LOB_APPS:
        share = rng.uniform(0.01, 0.04)
        k = max(3, min(len(t.employees), round(share * len(t.employees)), 2000))
        members = rng.sample(t.employees, k)
        g = group(t, "app-assignments", f"App - {name} Users", members, description=f"Users assigned to {name}.")
        t.group_ids[f"app:{name}"] = g["id"]
