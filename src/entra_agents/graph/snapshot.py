"""The tenant snapshot: everything an analysis reads, loaded once and explicitly.

Objects are kept as Microsoft Graph v1.0 JSON (camelCase dicts) so fixtures, cassettes and the simulator
all speak one format. A collection that failed to load is recorded in ``failed`` with the reason; checks that
depend on it must report ``error`` rather than ``pass``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Collection names are the tenant-file keys (DESIGN: tenant file contract).
COLLECTIONS = (
    "users",
    "groups",
    "directoryRoles",
    "servicePrincipals",
    "conditionalAccessPolicies",
    "namedLocations",
    "authenticationStrengthPolicies",
)


@dataclass
class TenantSnapshot:
    organization: JSON
    security_defaults_enabled: bool | None = None
    users: list[JSON] = field(default_factory=list)
    # groups carry "members": [ids of direct members], as in the tenant file
    groups: list[JSON] = field(default_factory=list)
    # directoryRoles carry "roleTemplateId" and "members": [ids of active assignees]
    directory_roles: list[JSON] = field(default_factory=list)
    service_principals: list[JSON] = field(default_factory=list)
    conditional_access_policies: list[JSON] = field(default_factory=list)
    named_locations: list[JSON] = field(default_factory=list)
    authentication_strength_policies: list[JSON] = field(default_factory=list)
    # collection name -> why it could not be read (e.g. "403 Authorization_RequestDenied")
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def tenant_id(self) -> str:
        return str(self.organization.get("id", ""))

    @property
    def display_name(self) -> str:
        return str(self.organization.get("displayName", ""))
