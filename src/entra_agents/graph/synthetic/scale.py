"""Size knobs beyond users: more nested groups, Conditional Access policies, service principals and sign-ins,
for benchmarks that need the shape of a large enterprise (issue 4: 5,000 groups, 300 policies, 2,000 service
principals, 200,000 sign-ins at 100,000 users).

Every knob is off by default and then nothing here runs, so a tenant generated without knobs is byte-identical
to one generated before they existed. Each knob draws from its own random streams, so turning one on never
shifts another component's ids.

The extra policies are realistic variants (per-department MFA, per-app device or MFA requirements, narrowed
by platform or location, sign-in risk blocks, guest MFA, admin-portal MFA, report-only pilots, retired
policies). They are added after the mutators and none of them enforces on All resources, so the expectations
mutators compute for COV-01, COV-08 and COV-10 (which judge All resources) still hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from .apps import _service_principal
from .groups import group
from .names import DEPARTMENTS, PARTNER_ORGS
from .policies import REPORT_ONLY, ca_policy, users_condition
from .state import JSON, Tenant

OFFICE365 = "Office365"
ADMIN_PORTALS = "MicrosoftAdminPortals"
PRIVILEGED_ADMIN_ROLES = ("62e90394-69f5-4237-9190-012177145e10", "194ae4cb-b126-40b2-bd5b-6091b380977d",
                          "fe930be7-5e62-47db-91af-98c3a49a38b1", "729827e3-9c14-49f7-bb1b-9608f156bbb8")


@dataclass(frozen=True)
class Scale:
    """Target totals; None keeps the generator's own count for that collection."""

    groups: int | None = None
    policies: int | None = None
    service_principals: int | None = None
    sign_ins: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.groups, self.policies, self.service_principals, self.sign_ins))


def add_groups(t: Tenant, total: int) -> None:
    """Organisational units nested up to four levels: leaf groups of 5-40 employees, each level grouping
    2-8 groups of the level below. A few back-edges make membership cycles, which real tenants do have."""
    rng = t.rng("scale:groups")
    missing = total - len(t.groups)
    if missing <= 0 or not t.employees:
        return
    level: list[str] = []
    leaves = max(1, missing * 3 // 4)
    for k in range(leaves):
        members = rng.sample(t.employees, min(len(t.employees), rng.randint(5, 40)))
        level.append(group(t, "scale", f"Unit {k + 1:05d}", members, description="Organisational unit.")["id"])
    made, depth, nested = leaves, 1, []
    while made < missing and len(level) > 1:
        parents: list[str] = []
        start = 0
        while start < len(level) and made < missing:
            width = rng.randint(2, 8)
            children = level[start:start + width]
            start += width
            name = f"Division L{depth + 1} {len(parents) + 1:05d}"
            parents.append(group(t, "scale", name, children, description="Nested organisational units.")["id"])
            made += 1
        nested += parents
        level, depth = parents, depth + 1
        if depth >= 4:
            break
    while made < missing:  # flat project groups fill whatever nesting did not
        members = rng.sample(t.employees, min(len(t.employees), rng.randint(3, 30)))
        group(t, "scale", f"Workspace {made + 1:05d}", members, description="Collaboration workspace.")
        made += 1
    for parent in nested[: len(nested) // 200 + 1]:
        t.group(t.group(parent)["members"][0])["members"].append(parent)  # a child contains its parent: a cycle


def add_service_principals(t: Tenant, total: int) -> None:
    rng = t.rng("scale:service-principals")
    for k in range(total - len(t.service_principals)):
        org = rng.choice(PARTNER_ORGS)[0]
        sp = _service_principal(t, t.new_id("scale:apps"), f"{org} Connector {k + 1:04d}",
                                t.new_id("scale:owners"), tags=["WindowsAzureActiveDirectoryIntegratedApp"])
        if k % 10 == 0:
            sp["servicePrincipalType"] = "ManagedIdentity"
        t.service_principals.append(sp)


def _apps(t: Tenant) -> list[str]:
    return [app for name, app in t.app_ids.items() if name != "HR Connector"]


def add_policies(t: Tenant, total: int) -> None:
    rng = t.rng("scale:policies")
    apps = _apps(t)
    departments = [name for name, _, _ in DEPARTMENTS]
    teams = [g["id"] for g in t.groups if g["displayName"].endswith(" Teams")]
    projects = [g["id"] for g in t.groups if g["displayName"].startswith("Project ")]
    before = len(t.policy_changes)
    k = 0
    while len(t.policies) < total:
        variant, k = k % 10, k + 1
        app = rng.choice(apps)
        name = f"CA{100 + k:03d}"
        department = departments[(k // 10) % len(departments)]
        dept = t.group_ids[f"department:{department}"]
        everyone = users_condition(t)
        if variant == 0:
            users = users_condition(t, include_users=[], include_groups=[dept])
            _targeting(ca_policy(t, f"{name} - {department}: MFA for Office 365", users), [OFFICE365])
        elif variant == 1:
            _targeting(ca_policy(t, f"{name} - Compliant or joined device for app", everyone,
                                 controls=["compliantDevice", "domainJoinedDevice"]), [app])
        elif variant == 2:
            policy = _targeting(ca_policy(t, f"{name} - MFA on mobile for app", everyone), [app])
            policy["conditions"]["platforms"] = {"includePlatforms": ["android", "iOS"], "excludePlatforms": []}
        elif variant == 3:
            locations = {"includeLocations": [t.location_ids["blockedCountries"]], "excludeLocations": []}
            _targeting(ca_policy(t, f"{name} - Block app from blocked countries", everyone, controls=["block"],
                                 locations=locations), [app])
        elif variant == 4:  # report-only on All resources: may close gaps "once enabled", never enforces
            users = users_condition(t, include_users=[], include_groups=[dept])
            ca_policy(t, f"{name} - {department}: compliant device and MFA (pilot)", users, state=REPORT_ONLY,
                      controls=["compliantDevice", "mfa"], operator="AND")
        elif variant == 5:
            users = users_condition(t, include_users=["GuestsOrExternalUsers"])
            _targeting(ca_policy(t, f"{name} - Guests: MFA for app", users), [app])
        elif variant == 6:
            _targeting(ca_policy(t, f"{name} - Block high-risk sign-ins to app", everyone, controls=["block"],
                                 sign_in_risk=["high"]), [app])
        elif variant == 7:
            _targeting(ca_policy(t, f"{name} - Old app pilot (retired)", everyone, state="disabled"), [app])
        elif variant == 8:
            users = users_condition(t, include_users=[], include_groups=[rng.choice(teams)])
            users["excludeGroups"].append(rng.choice(projects))
            locations = {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
            _targeting(ca_policy(t, f"{name} - Team MFA for app off the trusted network", users,
                                 locations=locations), [app])
        else:
            users = users_condition(t, include_users=[], include_roles=list(PRIVILEGED_ADMIN_ROLES))
            _targeting(ca_policy(t, f"{name} - MFA for admins on admin portals", users), [ADMIN_PORTALS])
    del t.policy_changes[before:]  # set up long ago, like the baseline: not in the recent audit log


def _targeting(policy: JSON, include: list[str]) -> JSON:
    policy["conditions"]["applications"]["includeApplications"] = list(include)
    return policy
