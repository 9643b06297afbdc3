"""What the snapshot loader reads: one URL, projection and Graph permission per collection.

Selecting only what the checks and agents read keeps pages small (Graph's cost per page grows with the
properties returned) and makes the loader's needs auditable. Add a property here when a check starts reading
it; a property Graph does not have on that type makes Graph refuse the whole request, so check the v1.0 docs.
"""

from __future__ import annotations

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
}
