"""What the snapshot loader reads: one URL, projection and Graph permission per collection.

Selecting only what the checks and agents read keeps pages small (Graph's cost per page grows with the
properties returned) and makes the loader's needs auditable. Add a property here when a check starts reading
it; a property Graph does not have on that type makes Graph refuse the whole request, so check the v1.0 docs.
"""

from __future__ import annotations

from typing import Any

# Users: identity, account state and sync (every coverage check), guest kind (guest checks), licences,
# department/jobTitle (access review peer insights), createdDateTime (new-user detection).
USER_SELECT = [
    "id", "displayName", "userPrincipalName", "accountEnabled", "userType", "createdDateTime",
    "onPremisesSyncEnabled", "mail", "givenName", "surname", "jobTitle", "department",
    "externalUserState", "creationType", "assignedLicenses",
]
# Last sign-in per user (inactive-user checks, access review insights). Graph answers 403 for the whole
# /users request when the caller lacks AuditLog.Read.All or the tenant has no Entra ID P1, so it is asked
# for separately from the rest (see loader._users). Not selected at all: employeeLeaveDateTime needs
# User-LifeCycleInfo.Read.All, and manager needs $expand, which Graph does not page.
SIGN_IN_ACTIVITY = "signInActivity"

# Groups: names and kind (dynamic, role-assignable, synced). Members are read separately, per group.
GROUP_SELECT = [
    "id", "displayName", "description", "securityEnabled", "mailEnabled", "groupTypes", "membershipRule",
    "membershipRuleProcessingState", "isAssignableToRole", "onPremisesSyncEnabled", "createdDateTime",
]
# Only ids: the CA engine resolves members against users, groups and service principals it already has.
MEMBER_SELECT = ["id"]

# servicePrincipal has no createdDateTime in v1.0 (selecting it is a 400); applications do.
SERVICE_PRINCIPAL_SELECT = [
    "id", "appId", "appDisplayName", "displayName", "servicePrincipalType", "accountEnabled",
    "appOwnerOrganizationId", "signInAudience", "tags",
]
APPLICATION_SELECT = ["id", "appId", "displayName", "createdDateTime", "signInAudience"]

# Collections read whole (no $select): policies are evaluated field by field and read as raw JSON because
# kiota drops fields it does not model (transferMethods); audit logs document no $select in v1.0.

# Sign-ins: Graph refuses $select on /auditLogs/signIns ("Query option 'Select' is not allowed"), so they are
# read whole and projected here, page by page: a full signIn holds ~6 KB in memory (status, risk details,
# device, location, applied policies with their controls...), 200,000 of them over 1 GB. Add a property here
# when code starts reading it. Kept: what a sign-in context reads (conditional_access/signins.py: user, app,
# client, platform, IP and country, risk, flow), the apps in the log (scenario grid, COV-30), what an impact
# estimate shows of a sign-in (id, time, UPN, app name), what Conditional Access did (policy review:
# suggest/review.py) and who signed in as a person reads it (userDisplayName: pseudonymized recordings are
# checked to name the same person there as in the directory).
SIGN_IN_PROPERTIES = [
    "id", "createdDateTime", "userId", "userDisplayName", "userPrincipalName", "appId", "appDisplayName",
    "clientAppUsed", "ipAddress", "riskLevelDuringSignIn", "originalTransferMethod", "authenticationProtocol",
]
SIGN_IN_OBJECT_PROPERTIES = {"deviceDetail": ("operatingSystem",), "location": ("countryOrRegion",)}
SIGN_IN_LIST_PROPERTIES = {"appliedConditionalAccessPolicies": ("id", "displayName", "result")}
_UNIQUE = {"id", "createdDateTime"}  # one per sign-in: nothing to share

PATHS = {
    "organization": "/organization",
    "securityDefaults": "/policies/identitySecurityDefaultsEnforcementPolicy",
    "users": "/users",
    "groups": "/groups",
    "directoryRoles": "/directoryRoles",
    "servicePrincipals": "/servicePrincipals",
    "applications": "/applications",
    "conditionalAccessPolicies": "/identity/conditionalAccess/policies",
    "namedLocations": "/identity/conditionalAccess/namedLocations",
    "authenticationStrengthPolicies": "/policies/authenticationStrengthPolicies",
    "signIns": "/auditLogs/signIns",
    "directoryAudits": "/auditLogs/directoryAudits",
    "accessReviews": "/identityGovernance/accessReviews/definitions",
    "lifecycleWorkflows": "/identityGovernance/lifecycleWorkflows/workflows",
    "accessPackageAssignmentRequests": "/identityGovernance/entitlementManagement/assignmentRequests",
}

# The least-privileged application permission Graph documents for each read; a 403 names it.
PERMISSIONS = {
    "organization": "Organization.Read.All",
    "securityDefaults": "Policy.Read.All",
    "users": "User.Read.All",
    "signInActivity": "AuditLog.Read.All and a Microsoft Entra ID P1 licence",
    "groups": "GroupMember.Read.All",
    "directoryRoles": "RoleManagement.Read.Directory",
    "servicePrincipals": "Application.Read.All",
    "applications": "Application.Read.All",
    "conditionalAccessPolicies": "Policy.Read.All",
    "namedLocations": "Policy.Read.All",
    "authenticationStrengthPolicies": "Policy.Read.All",
    "signIns": "AuditLog.Read.All and a Microsoft Entra ID P1 licence",
    "directoryAudits": "AuditLog.Read.All",
    "accessReviews": "AccessReview.Read.All",
    "employeeLeaveDateTime": "User-LifeCycleInfo.Read.All",
    "managers": "User.Read.All",
    "lifecycleWorkflows": "LifecycleWorkflows-Workflow.ReadBasic.All and LifecycleWorkflows-Reports.Read.All",
    "accessPackageAssignmentRequests": "EntitlementManagement.Read.All",
}

# Read only when the tenant has access review definitions (the access review agent's insights), so a
# Conditional Access analysis pays nothing for them; see graph/load_reviews.py. Each has its own permission,
# so each is its own request and a refusal leaves the others readable.
# employeeLeaveDateTime needs User-LifeCycleInfo.Read.All (a 403 on the main /users read would lose every user).
LEAVE_SELECT = ["id", "employeeLeaveDateTime"]
# Graph documents $expand=manager on the users list (direct manager only; $levels only on one user).
MANAGER_QUERY = {"$select": "id", "$expand": "manager"}
# Lifecycle workflows: only movers are a review signal (Microsoft's agent: a mover workflow in the past 30 days).
WORKFLOW_SELECT = ["id", "displayName", "category"]
PROCESSING_RESULT_SELECT = ["id", "processingStatus", "completedDateTime", "scheduledDateTime", "subject"]
# Access package request history, with the package and the subject whose access it is.
REQUEST_EXPAND = "accessPackage,requestor"


class SignInProjection:
    """One load's sign-in projection (``SIGN_IN_*PROPERTIES``). The log repeats a few thousand users, apps,
    IPs, platforms and combinations of policy results, so equal values, nested objects and applied-policy lists
    are shared instead of being held once per sign-in as parsed (the snapshot is read-only)."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._objects: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._lists: dict[tuple[int, ...], list[Any]] = {}

    def __call__(self, record: dict[str, Any]) -> dict[str, Any]:
        kept = {key: record[key] if key in _UNIQUE else self._share(record[key])
                for key in SIGN_IN_PROPERTIES if key in record}
        for key, fields in SIGN_IN_OBJECT_PROPERTIES.items():
            if key in record:
                kept[key] = self._object(fields, record[key])
        for key, fields in SIGN_IN_LIST_PROPERTIES.items():
            if key in record:
                kept[key] = self._list(fields, record[key])
        return kept

    def _share(self, value: Any) -> Any:
        return self._strings.setdefault(value, value) if isinstance(value, str) else value

    def _object(self, fields: tuple[str, ...], value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        cut = tuple((f, self._share(value[f])) for f in fields if f in value)
        if not all(v is None or isinstance(v, str) for _, v in cut):
            return dict(cut)  # not what Graph documents: not worth sharing
        if (found := self._objects.get(cut)) is None:
            found = self._objects[cut] = dict(cut)
        return found

    def _list(self, fields: tuple[str, ...], value: Any) -> Any:
        if not isinstance(value, list):
            return value
        items = [self._object(fields, item) for item in value]
        # Keyed by the items' identities, which are the shared objects' for documented entries. Any other item
        # stays alive in the stored list, so its identity is never reused: a hit means the very same items.
        key = tuple(map(id, items))
        if (found := self._lists.get(key)) is None:
            found = self._lists[key] = items
        return found
