"""HYG-05: references to objects the tenant does not have (deleted users, groups, locations, strengths...)."""

from __future__ import annotations

from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..evaluator import OFFICE365_APPS
from ..findings import Finding, Severity, Status
from ..policy import Policy
from ._common import CheckMetadata, make_finding
from ._policy_checks import DIRECTORY_INPUTS, affected, prepare_policies, ref

METADATA = CheckMetadata(
    id="HYG-05",
    title="Policies reference deleted or unknown objects",
    severity=Severity.MEDIUM,
    rationale=(
        "A deleted group in an exclusion silently excludes nobody, in an inclusion includes nobody; a deleted "
        "break-glass account leaves the real one unprotected by design; a deleted named location or "
        "authentication strength changes what the policy means. Graph keeps the stale ids without complaint."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-users-groups",
        "https://learn.microsoft.com/entra/identity/conditional-access/location-condition",
        "https://learn.microsoft.com/entra/identity/authentication/concept-authentication-strengths",
    ),
    remediation="Remove the stale ids from the policies, replacing them with the intended current objects "
                "(restore a deleted group from the recycle bin within 30 days if it was deleted by mistake).",
    depends_on=(*DIRECTORY_INPUTS, "namedLocations", "authenticationStrengthPolicies"),
)

# Built-in role template ids we know offline. directoryRoles lists only activated roles, so a role that is
# neither activated nor listed here is reported as unverified (review), never as deleted.
KNOWN_ROLE_TEMPLATES = frozenset({
    "62e90394-69f5-4237-9190-012177145e10", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f", "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "158c047a-c907-4556-b7ef-446551a6b5f7", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    "29232cdf-9323-42fd-ade2-1d097af3e4de", "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "966707d0-3269-4727-9be2-8c3a10f19b9d", "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "e8611ab8-c189-46e8-94e1-60213ab1f814", "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "69091246-20e8-4a56-aa4d-066075b2a7a8",
    "fe930be7-5e62-47db-91af-98c3a49a38b1", "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "d29b2b05-8046-44ba-8758-1e26182fcf32",
    "3a2c62db-5318-420d-8d74-23affee5d9d5", "5d6b6bb7-de71-4623-b4af-96380a352509",
})
WELL_KNOWN_APPS = OFFICE365_APPS | {
    "797f4846-ba00-4fd7-ba43-dac1f8f63013", "499b84ac-1321-427f-aa17-267ca6975798",
    "00000002-0000-0000-c000-000000000000", "00000003-0000-0000-c000-000000000000",
}
LEGACY_TRUSTED_IPS = "00000000-0000-0000-0000-000000000000"  # MFA service trusted IPs: no namedLocation object
TOKENS = {"All", "None", "GuestsOrExternalUsers", "Office365", "MicrosoftAdminPortals", "AllTrusted"}


def _missing(policy: Policy, name: str, ids: frozenset[str], known: set[str] | frozenset[str]) -> list[dict[str, Any]]:
    return [{"policy": policy.id, "displayName": policy.display_name, "field": name, "objectId": oid}
            for oid in sorted(ids - TOKENS) if oid not in known]


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    users = {u for u in (str(x.get("id", "")).lower() for x in snapshot.users) if u}
    groups = {g for g in (str(x.get("id", "")).lower() for x in snapshot.groups) if g}
    roles = {str(r.get("roleTemplateId", "")).lower() for r in snapshot.directory_roles} | KNOWN_ROLE_TEMPLATES
    locations = {str(n.get("id", "")).lower() for n in snapshot.named_locations} | {LEGACY_TRUSTED_IPS}
    apps = {str(x.get("appId", "")).lower() for x in (*snapshot.service_principals, *snapshot.applications)}
    verify_apps = bool(snapshot.service_principals) and "servicePrincipals" not in snapshot.failed
    deleted: list[dict[str, Any]] = []
    unverified: list[dict[str, Any]] = []
    for p in model.policies:  # disabled too: enabling a policy with stale ids would bring the stale meaning back
        u, c = p.conditions.users, p.conditions
        deleted += _missing(p, "includeUsers", u.include_users, users)
        deleted += _missing(p, "excludeUsers", u.exclude_users, users)
        deleted += _missing(p, "includeGroups", u.include_groups, groups)
        deleted += _missing(p, "excludeGroups", u.exclude_groups, groups)
        deleted += _missing(p, "includeLocations", c.include_locations or frozenset(), locations)
        deleted += _missing(p, "excludeLocations", c.exclude_locations, locations)
        deleted += [{"policy": p.id, "displayName": p.display_name, "field": "authenticationStrength",
                     "objectId": s.id} for s in p.strengths if not s.resolved]
        unverified += _missing(p, "includeRoles", u.include_roles, roles)
        unverified += _missing(p, "excludeRoles", u.exclude_roles, roles)
        if verify_apps:
            known_apps = apps | WELL_KNOWN_APPS
            unverified += _missing(p, "includeApplications", c.applications.include, known_apps)
            unverified += _missing(p, "excludeApplications", c.applications.exclude, known_apps)
    evidence: list[dict[str, Any]] = []
    if deleted:
        evidence.append({"kind": "deletedReferences", "references": deleted})
    if unverified:
        evidence.append({"kind": "unverifiedReferences", "references": unverified,
                         "detail": "role templates or applications not found in this snapshot; they may be valid "
                                   "objects the snapshot does not list (roles never activated, first-party apps)"})
    policies = sorted({r["policy"] for r in deleted + unverified})
    groups_hit = sorted({r["objectId"] for r in deleted if r["field"].endswith("Groups")})
    found = affected(groups=groups_hit, policies=policies,
                     roles=[r["objectId"] for r in unverified if r["field"].endswith("Roles")])
    if deleted:
        stale = len({r["policy"] for r in deleted})
        return make_finding(METADATA, Status.FAIL, f"{len(deleted)} references in {stale} policies point to objects "
                            "that no longer exist.", found, evidence)
    if unverified:
        return make_finding(METADATA, Status.REVIEW, f"{len(unverified)} role or application references could not be "
                            "verified against this snapshot.", found, evidence)
    return make_finding(METADATA, Status.PASS, "Every object referenced by a policy exists.",
                        evidence=[{"kind": "checked", "policies": [ref(p) for p in model.policies]}])
