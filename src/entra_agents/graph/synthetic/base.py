"""The baseline directory: organization, people, groups and active directory roles.

Population of a tenant of ``size`` users: two break-glass accounts, one directory synchronisation account,
dedicated admin accounts (``adm.*``, cloud-only, as privileged access guidance recommends), about 3 % guests
(B2B collaboration guests, accepted or pending, and internal guests), about 0.5 % B2B collaboration members,
and employees in weighted departments; about 2 % of employees are disabled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .groups import build_groups
from .names import DEPARTMENTS, FIRST_NAMES, OFFICES, PARTNER_ORGS, SURNAMES
from .state import (
    CONDITIONAL_ACCESS_ADMINISTRATOR, DIRECTORY_SYNCHRONIZATION_ACCOUNTS, GLOBAL_ADMINISTRATOR,
    HELPDESK_ADMINISTRATOR, JSON, Tenant, before_epoch,
)

MIN_USERS = 100

SKU_E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
SKU_E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
SKU_ENTRA_P2 = "eec0eb4f-6444-4f95-aba0-50c24d67f998"


@dataclass(frozen=True)
class Role:
    template_id: str
    display_name: str
    description: str
    privileged: bool  # targeted by the baseline phishing-resistant MFA policy for privileged roles
    base_seats: int


ROLES: tuple[Role, ...] = (
    Role(GLOBAL_ADMINISTRATOR, "Global Administrator",
         "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
         True, 2),
    Role("194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator",
         "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
         True, 2),
    Role(CONDITIONAL_ACCESS_ADMINISTRATOR, "Conditional Access Administrator",
         "Can manage Conditional Access capabilities.", True, 1),
    Role("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator",
         "Can manage all aspects of users and groups, including resetting passwords for limited admins.", True, 2),
    Role("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator",
         "Can manage all aspects of the Exchange product.", True, 1),
    Role("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator",
         "Can create and manage all aspects of app registrations and enterprise apps.", True, 1),
    Role("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator",
         "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
         True, 1),
    Role(HELPDESK_ADMINISTRATOR, "Helpdesk Administrator",
         "Can reset passwords for non-administrators and Helpdesk Administrators.", False, 2),
    Role("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader",
         "Can read everything that a Global Administrator can, but not update anything.", False, 1),
)
SYNC_ROLE = Role(DIRECTORY_SYNCHRONIZATION_ACCOUNTS, "Directory Synchronization Accounts",
                 "Only used by Microsoft Entra Connect service.", False, 0)
PRIVILEGED_ROLES = tuple(r.template_id for r in ROLES if r.privileged)


def seats(role: Role, size: int) -> int:
    # helpdesk grows with the user base; the other roles stay small, as they should
    if role.template_id == HELPDESK_ADMINISTRATOR:
        return max(role.base_seats, size // 2000)
    return role.base_seats + size // 50_000


def build_directory(t: Tenant) -> None:
    if t.size < MIN_USERS:
        raise ValueError(f"a synthetic tenant needs at least {MIN_USERS} users (asked for {t.size})")
    _organization(t)
    names = _Names(t)
    _special_accounts(t)
    admins = _admin_accounts(t, names)
    n_guests = max(3, round(0.03 * t.size))
    n_external = max(1, round(0.005 * t.size))
    n_employees = t.size - len(t.users) - n_guests - n_external
    _employees(t, names, n_employees)
    _external_members(t, names, n_external)
    _guests(t, names, n_guests)
    _roles(t, admins)
    build_groups(t)
    _cohort_pools(t)


def _organization(t: Tenant) -> None:
    t.domain = f"contososynth{t.seed}.onmicrosoft.com"
    t.organization = {
        "id": t.new_id("organization"),
        "displayName": f"Contoso Synthetic {t.seed}",
        "tenantType": "AAD",
        "countryLetterCode": "US",
        "createdDateTime": before_epoch(t.rng("organization"), 2400, 2600),
        "onPremisesSyncEnabled": True,
        "verifiedDomains": [{"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True,
                             "isInitial": True, "name": t.domain, "type": "Managed"}],
    }
    # The HR connector app owns the directory extension that carries each user's manager: Graph has no plain
    # manager property (it is the /manager navigation), and the tenant file has no place for navigations.
    hr_app = t.new_id("apps:hr")
    t.app_ids["HR Connector"] = hr_app
    t.manager_property = f"extension_{hr_app.replace('-', '')}_managerId"


class _Names:
    """Unique userPrincipalNames from a shared name stream."""

    def __init__(self, t: Tenant) -> None:
        self.rng = t.rng("names")
        self.taken: dict[str, int] = {}

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES)

    def unique(self, local: str) -> str:
        count = self.taken.get(local, 0)
        self.taken[local] = count + 1
        return local if count == 0 else f"{local}{count + 1}"


def _user(uid: str, first: str | None, last: str | None, display: str, upn: str, *, mail: str | None,
          job: str | None = None, department: str | None = None, office: tuple[str, str] | None = None,
          user_type: str = "Member", enabled: bool = True, created: str, synced: bool | None = None,
          creation_type: str | None = None, external_state: str | None = None, state_changed: str | None = None,
          licenses: Sequence[str] = ()) -> JSON:
    return {
        "id": uid, "displayName": display, "givenName": first, "surname": last, "userPrincipalName": upn,
        "mail": mail, "jobTitle": job, "department": department,
        "officeLocation": office[0] if office else None, "usageLocation": office[1] if office else None,
        "userType": user_type, "accountEnabled": enabled, "createdDateTime": created,
        "creationType": creation_type, "externalUserState": external_state,
        "externalUserStateChangeDateTime": state_changed, "onPremisesSyncEnabled": synced,
        "assignedLicenses": [{"disabledPlans": [], "skuId": sku} for sku in licenses],
    }


def _special_accounts(t: Tenant) -> None:
    rng = t.rng("special")
    for n in (1, 2):
        uid = t.new_id("users:special")
        t.add_user(_user(uid, "Emergency", f"Access0{n}", f"Break Glass 0{n}", f"breakglass0{n}@{t.domain}",
                         mail=None, created=before_epoch(rng, 700, 900), licenses=[SKU_ENTRA_P2]))
        t.break_glass.append(uid)
    uid = t.new_id("users:special")
    suffix = f"{rng.getrandbits(48):012x}"
    t.add_user(_user(uid, None, None, "On-Premises Directory Synchronization Service Account",
                     f"Sync_CONTOSO-DC01_{suffix}@{t.domain}", mail=None, created=before_epoch(rng, 900, 1000)))
    t.sync_accounts.append(uid)


def _admin_accounts(t: Tenant, names: _Names) -> dict[str, list[str]]:
    rng = t.rng("admins")
    holders: dict[str, list[str]] = {}
    for role in ROLES:
        for _ in range(seats(role, t.size)):
            first, last = names.person()
            upn = names.unique(f"adm.{first}.{last}".lower())
            uid = t.new_id("users:admins")
            t.add_user(_user(uid, first, last, f"{first} {last} (admin)", f"{upn}@{t.domain}", mail=None,
                             job=f"{role.display_name} (privileged account)", department="IT",
                             office=rng.choice(OFFICES), created=before_epoch(rng, 60, 1500),
                             licenses=[SKU_ENTRA_P2]))
            holders.setdefault(role.template_id, []).append(uid)
    return holders


def _department_plan(t: Tenant, n: int) -> list[str]:
    """Department of each employee, in hiring order: counts by largest remainder, then shuffled."""
    total = sum(w for _, w, _ in DEPARTMENTS)
    exact = [(name, n * w / total) for name, w, _ in DEPARTMENTS]
    counts = {name: math.floor(x) for name, x in exact}
    by_remainder = sorted(exact, key=lambda item: (-(item[1] - math.floor(item[1])), item[0]))
    for name, _ in by_remainder[: n - sum(counts.values())]:
        counts[name] += 1
    plan = [name for name, _, _ in DEPARTMENTS for _ in range(counts[name])]
    t.rng("departments").shuffle(plan)
    return plan


def _employees(t: Tenant, names: _Names, n: int) -> None:
    rng = t.rng("employees")
    titles = {name: jobs for name, _, jobs in DEPARTMENTS}
    t.large_department = DEPARTMENTS[0][0]
    disabled_every = 50  # ~2 %: every 50th hire, offset by the seed, has left
    offset = rng.randrange(disabled_every)
    for index, department in enumerate(_department_plan(t, n)):
        first, last = names.person()
        upn = f"{names.unique(f'{first}.{last}'.lower())}@{t.domain}"
        enabled = index % disabled_every != offset
        uid = t.new_id("users:employees")
        t.add_user(_user(uid, first, last, f"{first} {last}", upn, mail=upn, job=rng.choice(titles[department]),
                         department=department, office=rng.choice(OFFICES), enabled=enabled,
                         created=before_epoch(rng, 30, 2400), synced=True if rng.random() < 0.7 else None,
                         licenses=[SKU_E5 if rng.random() < 0.3 else SKU_E3]))
        t.employees.append(uid)
        t.department_members.setdefault(department, []).append(uid)


def _external_members(t: Tenant, names: _Names, n: int) -> None:
    rng = t.rng("external-members")
    for _ in range(n):
        first, last = names.person()
        org, partner_domain = rng.choice(PARTNER_ORGS)
        local = names.unique(f"{first}.{last}".lower())
        changed = before_epoch(rng, 20, 600)
        uid = t.new_id("users:external")
        t.add_user(_user(uid, first, last, f"{first} {last} ({org})",
                         f"{local}_{partner_domain}#EXT#@{t.domain}", mail=f"{local}@{partner_domain}",
                         created=changed, creation_type="Invitation", external_state="Accepted",
                         state_changed=changed, licenses=[SKU_E3]))
        t.external_members.append(uid)


def _guests(t: Tenant, names: _Names, n: int) -> None:
    rng = t.rng("guests")
    for index in range(n):
        first, last = names.person()
        uid = t.new_id("users:guests")
        enabled = index % 40 != 7  # a few guests were blocked from signing in
        if index % 7 == 3:  # internal guest: a local account created with userType Guest
            local = names.unique(f"{first}.{last}.contractor".lower())
            user = _user(uid, first, last, f"{first} {last} (Contractor)", f"{local}@{t.domain}",
                         mail=None, user_type="Guest", enabled=enabled, created=before_epoch(rng, 20, 900))
        else:
            org, partner_domain = rng.choice(PARTNER_ORGS)
            local = names.unique(f"{first}.{last}".lower())
            created = before_epoch(rng, 5, 900)
            pending = index % 4 == 1
            user = _user(uid, first, last, f"{first} {last} ({org})", f"{local}_{partner_domain}#EXT#@{t.domain}",
                         mail=f"{local}@{partner_domain}", user_type="Guest", enabled=enabled, created=created,
                         creation_type="Invitation", external_state="PendingAcceptance" if pending else "Accepted",
                         state_changed=None if pending else created)
        t.add_user(user)
        t.guests.append(uid)


def _roles(t: Tenant, admins: dict[str, list[str]]) -> None:
    for role in (*ROLES, SYNC_ROLE):
        members = list(admins.get(role.template_id, []))
        if role.template_id == GLOBAL_ADMINISTRATOR:
            members = [*t.break_glass, *members]
        if role.template_id == DIRECTORY_SYNCHRONIZATION_ACCOUNTS:
            members = list(t.sync_accounts)
        t.role_holders[role.template_id] = members
        t.directory_roles.append({
            "id": t.new_id("roles"), "displayName": role.display_name, "description": role.description,
            "roleTemplateId": role.template_id, "members": members,
        })


def _cohort_pools(t: Tenant) -> None:
    """Ordinary staff outside the large department, for mutators that need a cohort of their own.

    Cohorts are disjoint from each other, from admins, guests and the large department, which is what makes
    every mutator's expected findings independent of the others (see ``mutators``).
    """
    eligible = [u for u in t.employees if t.user(u)["department"] != t.large_department]
    enabled = [u for u in eligible if t.is_enabled(u)]
    disabled = [u for u in eligible if not t.is_enabled(u)]
    t.rng("cohorts").shuffle(enabled)
    t.rng("cohorts").shuffle(disabled)
    t.cohort_pool, t.disabled_pool = enabled, disabled
