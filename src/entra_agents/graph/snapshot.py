"""The tenant snapshot: everything an analysis reads, loaded once and explicitly.

Objects are kept as Microsoft Graph v1.0 JSON (camelCase dicts) so fixtures, cassettes and the simulator
all speak one format. A collection that failed to load is recorded in ``failed`` with the reason; checks that
depend on it must report ``error`` rather than ``pass``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Collection names are the tenant-file keys (DESIGN: tenant file contract). ``failed`` uses these names, plus
# "securityDefaults" and "signInActivity" (users were read, but without their last sign-in), and for access
# review insights "employeeLeaveDateTime" and "managers" (users were read without them).
# tenant-file key -> TenantSnapshot attribute
ATTRIBUTES = {
    "users": "users",
    "groups": "groups",
    "directoryRoles": "directory_roles",
    "servicePrincipals": "service_principals",
    "applications": "applications",
    "conditionalAccessPolicies": "conditional_access_policies",
    "namedLocations": "named_locations",
    "authenticationStrengthPolicies": "authentication_strength_policies",
    "signIns": "sign_ins",
    "directoryAudits": "directory_audits",
    "accessReviews": "access_reviews",
    "lifecycleWorkflows": "lifecycle_workflows",
    "accessPackageAssignmentRequests": "access_package_assignment_requests",
}
COLLECTIONS = tuple(ATTRIBUTES)


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
    applications: list[JSON] = field(default_factory=list)
    # raw Graph JSON: kiota's models would drop fields such as transferMethods
    conditional_access_policies: list[JSON] = field(default_factory=list)
    named_locations: list[JSON] = field(default_factory=list)
    authentication_strength_policies: list[JSON] = field(default_factory=list)
    # sign-ins and directory audits of the loader's look-back window only; sign-ins keep only the properties
    # in load_plan.SIGN_IN_PROPERTIES, and share equal values and nested objects (do not edit one in place)
    sign_ins: list[JSON] = field(default_factory=list)
    directory_audits: list[JSON] = field(default_factory=list)
    # access review definitions, each with "instances", each with "decisions", each with "insights"
    access_reviews: list[JSON] = field(default_factory=list)
    # read only for access review insights (graph/load_reviews.py): lifecycle workflows, each with
    # "userProcessingResults", and entitlement management requests with "accessPackage" and "requestor"
    lifecycle_workflows: list[JSON] = field(default_factory=list)
    access_package_assignment_requests: list[JSON] = field(default_factory=list)
    # collection name -> why it could not be read (e.g. "403 Authorization_RequestDenied: ... (needs X)")
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def tenant_id(self) -> str:
        return str(self.organization.get("id", ""))

    @property
    def display_name(self) -> str:
        return str(self.organization.get("displayName", ""))
