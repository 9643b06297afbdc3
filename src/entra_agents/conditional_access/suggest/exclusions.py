"""The exclusion entries of enabled policies, one by one, and the policy without one of them.

An entry is what an administrator would remove in one edit: one excluded group (nested members included),
one excluded role, the guest and external user types, or the individually excluded users. Entries that only
reach accounts excluded by design (break-glass, directory synchronisation) are never offered for removal,
and the Directory Synchronization Accounts role is never an entry.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..coverage import TenantModel
from ..policy import Policy
from ..principals import DIRECTORY_SYNCHRONIZATION_ACCOUNTS

JSON = dict[str, Any]
GUESTS = "excludeGuestsOrExternalUsers"


@dataclass(frozen=True)
class Exclusion:
    policy: Policy
    field: str  # excludeUsers | excludeGroups | excludeRoles | excludeGuestsOrExternalUsers
    ids: tuple[str, ...]  # lower-case object ids; empty for the guest types
    label: str  # for people: "group 'Sales' (nested groups)"
    members: frozenset[str]  # enabled users it exempts, accounts excluded by design left out

    @property
    def key(self) -> str:
        """Stable within the policy: the field and the sorted ids."""
        return f"{self.field}={'+'.join(self.ids) or 'all'}"


def entries(model: TenantModel, policy: Policy) -> list[Exclusion]:
    """The policy's removable exclusion entries that exempt at least one enabled user."""
    d, users = model.directory, policy.conditions.users
    design = model.break_glass.ids | model.sync_accounts

    def live(ids: frozenset[str] | set[str]) -> frozenset[str]:
        return frozenset(u for u in ids if u not in design and d.is_enabled(u))

    raw_groups = {str(g.get("id", "")).lower(): g for g in model.snapshot.groups}
    role_names = {str(r.get("roleTemplateId", "")).lower(): str(r.get("displayName") or "")
                  for r in model.snapshot.directory_roles}
    found: list[Exclusion] = []
    people = sorted(u for u in users.exclude_users if d.user(u) and u not in design)
    if people and (members := live(set(people))):
        found.append(Exclusion(policy, "excludeUsers", tuple(people), f"{len(people)} individually excluded users",
                               members))
    for gid in sorted(users.exclude_groups):
        nested = any(str(m).lower() in raw_groups for m in raw_groups.get(gid, {}).get("members") or ())
        members = live(d.transitive_members(gid))
        if members:
            found.append(Exclusion(policy, "excludeGroups", (gid,),
                                   f"group '{d.group_name(gid)}' ({gid}){' with nested groups' if nested else ''}",
                                   members))
    for rid in sorted(users.exclude_roles - {DIRECTORY_SYNCHRONIZATION_ACCOUNTS}):
        members = live(d.role_holders(rid))
        if members:
            found.append(Exclusion(policy, "excludeRoles", (rid,), f"role '{role_names.get(rid) or rid}' ({rid})", members))
    if users.exclude_guests is not None:
        members = live({u for u in d.user_ids() if d.is_guest(u)})
        if members:
            types = ", ".join(sorted(users.exclude_guests.types))
            found.append(Exclusion(policy, GUESTS, (), f"guest and external user types ({types})", members))
    return found


def without(raw: JSON, exclusion: Exclusion) -> JSON:
    """A copy of the policy JSON with the entry removed (ids compared case-insensitively, trap 20)."""
    out = copy.deepcopy(raw)
    users = out["conditions"]["users"]
    if exclusion.field == GUESTS:
        users[GUESTS] = None
    else:
        drop = set(exclusion.ids)
        users[exclusion.field] = [v for v in users.get(exclusion.field) or [] if str(v).lower() not in drop]
    return out
