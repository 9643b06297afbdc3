"""Shared builders for the Conditional Access domain tests (imported by name: a unique module, not conftest).

ScubaGear style: one small base tenant that passes COV-01, COV-08 and COV-10, and tests that patch it to build
each failing case. Tenant documents follow the tenant-file contract (Graph v1.0 camelCase).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from entra_agents.graph.snapshot import TenantSnapshot

JSON = dict[str, Any]

GA = "62e90394-69f5-4237-9190-012177145e10"
DIRSYNC = "d29b2b05-8046-44ba-8758-1e26182fcf32"
SECURITY_ADMIN = "194ae4cb-b126-40b2-bd5b-6091b380977d"

BG1, BG2 = "0b000000-0000-4000-8000-000000000001", "0b000000-0000-4000-8000-000000000002"
ALICE = "0a000000-0000-4000-8000-00000000a11c"
BOB = "0a000000-0000-4000-8000-000000000b0b"
CAROL_GUEST = "0a000000-0000-4000-8000-0000000ca201"
DAVE_DISABLED = "0a000000-0000-4000-8000-00000000da7e"
SYNC = "0a000000-0000-4000-8000-00000000512c"

G_BREAKGLASS = "06000000-0000-4000-8000-0000000000b6"
G_STAFF = "06000000-0000-4000-8000-0000000057af"
G_ENG = "06000000-0000-4000-8000-0000000000e9"

P_MFA = "0c000000-0000-4000-8000-0000000000f1"
P_LEGACY = "0c000000-0000-4000-8000-0000000000f8"
P_DEVICE_CODE = "0c000000-0000-4000-8000-000000000010"

DEMO_TENANT = Path(__file__).resolve().parents[2] / "src" / "entra_agents" / "data" / "demo_tenant.yaml"


def user(uid: str, upn: str, *, guest: bool = False, enabled: bool = True) -> JSON:
    return {"id": uid, "displayName": upn.split("@")[0], "userPrincipalName": upn,
            "userType": "Guest" if guest else "Member", "accountEnabled": enabled}


def ca_policy(pid: str, name: str, *, state: str = "enabled", include_users: list[str] | None = None,
              exclude_groups: list[str] | None = None, client_app_types: list[str] | None = None,
              controls: list[str] | None = None, operator: str = "OR", transfer_methods: str | None = None) -> JSON:
    return {
        "id": pid, "displayName": name, "state": state,
        "conditions": {
            "users": {
                "includeUsers": include_users if include_users is not None else ["All"], "excludeUsers": [],
                "includeGroups": [], "excludeGroups": exclude_groups if exclude_groups is not None else [G_BREAKGLASS],
                "includeRoles": [], "excludeRoles": [DIRSYNC],
                "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None,
            },
            "applications": {"includeApplications": ["All"], "excludeApplications": [], "includeUserActions": []},
            "clientAppTypes": client_app_types if client_app_types is not None else ["all"],
            "platforms": None, "locations": None, "signInRiskLevels": [], "userRiskLevels": [],
            "authenticationFlows": {"transferMethods": transfer_methods} if transfer_methods else None,
        },
        "grantControls": {"operator": operator, "builtInControls": controls or ["mfa"],
                          "customAuthenticationFactors": [], "termsOfUse": [], "authenticationStrength": None},
        "sessionControls": None,
    }


def base_document() -> JSON:
    """Passes COV-01, COV-08 and COV-10: MFA for all client types, legacy block, device code block."""
    return {
        "organization": {"id": "0f000000-0000-4000-8000-000000000001", "displayName": "Base Test Tenant"},
        "securityDefaults": {"isEnabled": False},
        "users": [
            user(BG1, "bg1@base.test"), user(BG2, "bg2@base.test"),
            user(ALICE, "alice@base.test"), user(BOB, "bob@base.test"),
            user(CAROL_GUEST, "carol_partner.test#EXT#@base.test", guest=True),
            user(DAVE_DISABLED, "dave@base.test", enabled=False),
            user(SYNC, "Sync_DC01_abc@base.test"),
        ],
        "groups": [
            {"id": G_BREAKGLASS, "displayName": "CA-Exclude-BreakGlass", "members": [BG1, BG2]},
            {"id": G_STAFF, "displayName": "Staff", "members": [ALICE, G_ENG, DAVE_DISABLED]},
            {"id": G_ENG, "displayName": "Engineering", "members": [BOB]},
        ],
        "directoryRoles": [
            {"id": "0d000000-0000-4000-8000-000000000001", "displayName": "Global Administrator",
             "roleTemplateId": GA, "members": [BG1, BG2]},
            {"id": "0d000000-0000-4000-8000-000000000002", "displayName": "Directory Synchronization Accounts",
             "roleTemplateId": DIRSYNC, "members": [SYNC]},
        ],
        "servicePrincipals": [],
        "conditionalAccessPolicies": [
            ca_policy(P_MFA, "MFA all users"),
            ca_policy(P_LEGACY, "Block legacy", client_app_types=["exchangeActiveSync", "other"], controls=["block"]),
            ca_policy(P_DEVICE_CODE, "Block device code", controls=["block"], transfer_methods="deviceCodeFlow"),
        ],
        "namedLocations": [],
        "authenticationStrengthPolicies": [],
    }


def snapshot_from_document(doc: JSON) -> TenantSnapshot:
    security_defaults = doc.get("securityDefaults")
    return TenantSnapshot(
        organization=doc["organization"],
        security_defaults_enabled=None if security_defaults is None else bool(security_defaults.get("isEnabled")),
        users=doc.get("users", []),
        groups=doc.get("groups", []),
        directory_roles=doc.get("directoryRoles", []),
        service_principals=doc.get("servicePrincipals", []),
        conditional_access_policies=doc.get("conditionalAccessPolicies", []),
        named_locations=doc.get("namedLocations", []),
        authentication_strength_policies=doc.get("authenticationStrengthPolicies", []),
    )


def policy_in(doc: JSON, pid: str) -> JSON:
    return next(p for p in doc["conditionalAccessPolicies"] if p["id"] == pid)
