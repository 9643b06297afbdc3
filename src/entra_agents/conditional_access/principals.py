"""Who a policy's user condition can see: transitive groups, active roles, guests, account state.

Conditional Access applies to nested group members and to actively assigned built-in roles (peers §1.3), so
every membership question here is transitive. Group graphs from real tenants can contain cycles; traversal
is visited-set based and never recurses. Ids are compared lower-cased because Graph GUID case varies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .policy import Policy

JSON = dict[str, Any]

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
DIRECTORY_SYNCHRONIZATION_ACCOUNTS = "d29b2b05-8046-44ba-8758-1e26182fcf32"


@dataclass(frozen=True)
class UnresolvedReference:
    """A policy names an object the directory does not have (deleted, or outside the snapshot)."""

    policy_id: str
    policy_name: str
    field: str
    object_id: str

    def to_json(self) -> JSON:
        return {"policy": self.policy_id, "displayName": self.policy_name, "field": self.field,
                "objectId": self.object_id}


def _lower(value: Any) -> str:
    return str(value or "").lower()


class Directory:
    """Indexes over users, groups and directory roles. Pure: built from lists, does no I/O."""

    def __init__(
        self,
        users: Iterable[Mapping[str, Any]] = (),
        groups: Iterable[Mapping[str, Any]] = (),
        directory_roles: Iterable[Mapping[str, Any]] = (),
        service_principals: Iterable[Mapping[str, Any]] = (),
        tenant_id: str = "",
    ) -> None:
        self._users: dict[str, Mapping[str, Any]] = {_lower(u.get("id")): u for u in users if u.get("id")}
        self._groups: dict[str, Mapping[str, Any]] = {_lower(g.get("id")): g for g in groups if g.get("id")}
        self._upns = {
            _lower(u["userPrincipalName"]): uid for uid, u in self._users.items() if u.get("userPrincipalName")
        }
        self._parents: dict[str, set[str]] = defaultdict(set)
        for gid, group in self._groups.items():
            for member in group.get("members") or ():
                self._parents[_lower(member)].add(gid)
        self._roles_by_user: dict[str, set[str]] = defaultdict(set)
        self._holders: dict[str, set[str]] = defaultdict(set)
        for role in directory_roles:
            template = _lower(role.get("roleTemplateId"))
            for member in role.get("members") or ():
                self._roles_by_user[_lower(member)].add(template)
                self._holders[template].add(_lower(member))
        self._ancestors: dict[str, frozenset[str]] = {}
        self._service_principals: dict[str, Mapping[str, Any]] = {
            _lower(sp.get("id")): sp for sp in service_principals if sp.get("id")
        }
        self.tenant_id = _lower(tenant_id)

    @classmethod
    def from_snapshot(cls, snapshot: Any) -> Directory:
        return cls(snapshot.users, snapshot.groups, snapshot.directory_roles,
                   getattr(snapshot, "service_principals", ()), str(getattr(snapshot, "tenant_id", "") or ""))

    # users -----------------------------------------------------------------------------------------------

    def user(self, user_id: str) -> Mapping[str, Any] | None:
        return self._users.get(_lower(user_id))

    def user_ids(self) -> list[str]:
        return list(self._users)

    def find_user(self, reference: str) -> str | None:
        """Resolve a user by object id or userPrincipalName."""
        ref = _lower(reference).strip()
        if ref in self._users:
            return ref
        return self._upns.get(ref)

    def is_enabled(self, user_id: str) -> bool:
        user = self.user(user_id)
        # accountEnabled missing (not selected) counts as enabled: only an explicit False disables.
        return user is not None and user.get("accountEnabled") is not False

    def is_guest(self, user_id: str) -> bool:
        user = self.user(user_id)
        return user is not None and str(user.get("userType", "")).lower() == "guest"

    def enabled_users(self) -> list[str]:
        return [uid for uid in self._users if self.is_enabled(uid)]

    def label(self, user_id: str) -> str:
        user = self.user(user_id) or {}
        return str(user.get("userPrincipalName") or user.get("displayName") or user_id)

    def users(self) -> list[Mapping[str, Any]]:
        return list(self._users.values())

    # service principals ----------------------------------------------------------------------------------

    def service_principal(self, sp_id: str) -> Mapping[str, Any] | None:
        return self._service_principals.get(_lower(sp_id))

    def service_principals(self) -> list[Mapping[str, Any]]:
        return list(self._service_principals.values())

    def is_managed_identity(self, sp_id: str) -> bool:
        sp = self.service_principal(sp_id) or {}
        return str(sp.get("servicePrincipalType", "")).lower() == "managedidentity"

    def is_tenant_owned(self, sp_id: str) -> bool:
        """Whether ``ServicePrincipalsInMyTenant`` can cover the SP: an application registered in this
        tenant. An unknown owner (not selected, or no tenant id) counts as owned rather than hide coverage."""
        sp = self.service_principal(sp_id)
        if sp is None:
            return False
        owner = _lower(sp.get("appOwnerOrganizationId"))
        return not owner or not self.tenant_id or owner == self.tenant_id

    # groups ----------------------------------------------------------------------------------------------

    def has_group(self, group_id: str) -> bool:
        return _lower(group_id) in self._groups

    def group_name(self, group_id: str) -> str:
        return str((self._groups.get(_lower(group_id)) or {}).get("displayName") or group_id)

    def _ancestors_of(self, object_id: str) -> frozenset[str]:
        """Groups containing ``object_id`` directly or through nesting (cycle-safe)."""
        key = _lower(object_id)
        cached = self._ancestors.get(key)
        if cached is not None:
            return cached
        seen: set[str] = set()
        frontier = list(self._parents.get(key, ()))
        while frontier:
            gid = frontier.pop()
            if gid in seen:
                continue
            seen.add(gid)
            frontier.extend(self._parents.get(gid, set()) - seen)
        result = frozenset(seen)
        self._ancestors[key] = result
        return result

    def groups_of(self, object_id: str) -> frozenset[str]:
        return self._ancestors_of(object_id)

    def transitive_members(self, group_id: str) -> frozenset[str]:
        """User ids that are members of ``group_id`` directly or through nested groups."""
        seen: set[str] = set()
        users: set[str] = set()
        frontier = [_lower(group_id)]
        while frontier:
            gid = frontier.pop()
            if gid in seen:
                continue
            seen.add(gid)
            for member in (self._groups.get(gid) or {}).get("members") or ():
                mid = _lower(member)
                if mid in self._groups:
                    frontier.append(mid)
                elif mid in self._users:
                    users.add(mid)
        return frozenset(users)

    # roles -----------------------------------------------------------------------------------------------

    def roles_of(self, user_id: str) -> frozenset[str]:
        """Role template ids actively assigned to the user (eligible assignments are not in the snapshot)."""
        return frozenset(self._roles_by_user.get(_lower(user_id), ()))

    def role_holders(self, template_id: str) -> frozenset[str]:
        return frozenset(h for h in self._holders.get(_lower(template_id), ()) if h in self._users)

    # references ------------------------------------------------------------------------------------------

    def unresolved_references(self, policies: Iterable[Policy]) -> list[UnresolvedReference]:
        """User and group ids in policies that the directory does not know (often deleted objects:
        an excluded deleted group silently excludes nobody, an included one includes nobody)."""
        found: list[UnresolvedReference] = []
        for policy in policies:
            users = policy.conditions.users
            fields = {
                "includeUsers": (users.include_users, self._users),
                "excludeUsers": (users.exclude_users, self._users),
                "includeGroups": (users.include_groups, self._groups),
                "excludeGroups": (users.exclude_groups, self._groups),
            }
            for name, (ids, index) in fields.items():
                for object_id in sorted(ids):
                    if object_id not in index and not _is_token(object_id):
                        found.append(UnresolvedReference(policy.id, policy.display_name, name, object_id))
        return found


def _is_token(value: str) -> bool:
    return value in {"All", "None", "GuestsOrExternalUsers"}
