"""The generator's working state: the Graph objects being built plus what the generator knows about them.

Determinism rules (same seed, same bytes): every random choice comes from a ``random.Random`` seeded with
``"{seed}:{stream}"`` (string seeds hash with SHA-512, stable across runs and platforms), each component has its
own stream so adding a mutator never shifts the users or ids of another component, no set of strings is ever
iterated (hash order changes per process), and every timestamp is an offset from ``EPOCH``, never the clock.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

JSON = dict[str, Any]

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""'Now' for every generated tenant: sign-ins, audits and review instances are dated relative to it."""

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
DIRECTORY_SYNCHRONIZATION_ACCOUNTS = "d29b2b05-8046-44ba-8758-1e26182fcf32"
HELPDESK_ADMINISTRATOR = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
CONDITIONAL_ACCESS_ADMINISTRATOR = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)  # 3.11+ reads the trailing Z; strptime is 20 times slower


def shift(timestamp: str, days: float) -> str:
    return iso(parse(timestamp) + timedelta(days=days))


def before_epoch(rng: random.Random, min_days: float, max_days: float) -> str:
    """A timestamp between ``max_days`` and ``min_days`` before ``EPOCH``, to the second."""
    seconds = rng.randint(int(min_days * 86400), int(max_days * 86400))
    return iso(EPOCH - timedelta(seconds=seconds))


@dataclass
class Tenant:
    """Graph objects (tenant-file collections) plus the generator's own bookkeeping about them."""

    seed: int
    size: int
    domain: str = ""
    organization: JSON = field(default_factory=dict)
    users: list[JSON] = field(default_factory=list)
    groups: list[JSON] = field(default_factory=list)
    directory_roles: list[JSON] = field(default_factory=list)
    service_principals: list[JSON] = field(default_factory=list)
    applications: list[JSON] = field(default_factory=list)
    policies: list[JSON] = field(default_factory=list)
    named_locations: list[JSON] = field(default_factory=list)
    strengths: list[JSON] = field(default_factory=list)
    sign_ins: list[JSON] = field(default_factory=list)
    audits: list[JSON] = field(default_factory=list)
    access_reviews: list[JSON] = field(default_factory=list)
    lifecycle_workflows: list[JSON] = field(default_factory=list)  # mover workflows with userProcessingResults
    access_package_requests: list[JSON] = field(default_factory=list)  # entitlement management requests
    # access review ground truth (reviews_truth): what the generator planted per in-scope decision, and the
    # recommendation the documented scoring gives for it
    review_facts: dict[str, JSON] = field(default_factory=dict)
    review_expectations: list[JSON] = field(default_factory=list)

    # who is who (ids, in creation order)
    break_glass: list[str] = field(default_factory=list)
    sync_accounts: list[str] = field(default_factory=list)
    employees: list[str] = field(default_factory=list)
    guests: list[str] = field(default_factory=list)  # userType Guest (internal and B2B collaboration guests)
    external_members: list[str] = field(default_factory=list)  # B2B collaboration members (userType Member)
    role_holders: dict[str, list[str]] = field(default_factory=dict)  # role template id -> user ids
    department_members: dict[str, list[str]] = field(default_factory=dict)
    large_department: str = ""
    cohort_pool: list[str] = field(default_factory=list)  # ordinary staff no mutator shares (see mutators)
    disabled_pool: list[str] = field(default_factory=list)  # disabled staff reserved for nested cohorts
    # well-known objects
    group_ids: dict[str, str] = field(default_factory=dict)  # key -> group id (e.g. "breakGlass")
    policy_ids: dict[str, str] = field(default_factory=dict)  # key -> CA policy id (e.g. "mfa")
    location_ids: dict[str, str] = field(default_factory=dict)  # "trusted", "blockedCountries"
    strength_ids: dict[str, str] = field(default_factory=dict)  # "mfa", "phishingResistant", "custom"
    app_ids: dict[str, str] = field(default_factory=dict)  # LOB app name -> appId
    manager_property: str = ""  # directory extension attribute that carries each user's manager id
    manager_of: dict[str, str] = field(default_factory=dict)  # employee id -> manager id
    # (policy id, "Add"|"Update", when) in the order policies were created or changed, for the audit log;
    # an addition's time is set when the audit log is written
    policy_changes: list[tuple[str, str, str | None]] = field(default_factory=list)
    deleted_groups: list[tuple[str, str]] = field(default_factory=list)  # (id, displayName) of deleted groups
    # policy id -> user ids mutators excluded from it (groups expanded), for the manifest's large exclusions
    exclusions: dict[str, list[str]] = field(default_factory=dict)
    # (kind, user ids) of gaps mutators opened, so the sign-in log shows them being used
    gap_evidence: list[tuple[str, list[str]]] = field(default_factory=list)
    sign_in_target: int | None = None  # size knob (``scale``): sign-ins to log instead of the default sample

    _rngs: dict[str, random.Random] = field(default_factory=dict, repr=False)
    _users_by_id: dict[str, JSON] = field(default_factory=dict, repr=False)
    _groups_by_id: dict[str, JSON] = field(default_factory=dict, repr=False)

    # ---------------------------------------------------------------------------------------- randomness

    def rng(self, stream: str) -> random.Random:
        if stream not in self._rngs:
            self._rngs[stream] = random.Random(f"{self.seed}:{stream}")
        return self._rngs[stream]

    def new_id(self, stream: str) -> str:
        return str(uuid.UUID(int=self.rng(f"ids:{stream}").getrandbits(128), version=4))

    # ------------------------------------------------------------------------------------------- objects

    def add_user(self, user: JSON) -> JSON:
        self.users.append(user)
        self._users_by_id[user["id"]] = user
        return user

    def user(self, user_id: str) -> JSON:
        return self._users_by_id[user_id]

    def is_enabled(self, user_id: str) -> bool:
        return self._users_by_id[user_id].get("accountEnabled") is not False

    def add_group(self, group: JSON) -> JSON:
        self.groups.append(group)
        self._groups_by_id[group["id"]] = group
        return group

    def group(self, group_id: str) -> JSON:
        return self._groups_by_id[group_id]

    def has_group(self, group_id: str) -> bool:
        return group_id in self._groups_by_id

    def policy(self, key: str) -> JSON:
        wanted = self.policy_ids.get(key, key)
        return next(p for p in self.policies if p["id"] == wanted)

    def add_policy(self, policy: JSON, key: str | None = None) -> JSON:
        self.policies.append(policy)
        if key:
            self.policy_ids[key] = policy["id"]
        self.policy_changes.append((policy["id"], "Add", None))
        return policy

    def changed(self, policy: JSON) -> None:
        """Record that a mutator edited an existing policy (it shows up in the audit log)."""
        when = before_epoch(self.rng("policy-edits"), 1, 20)
        policy["modifiedDateTime"] = max(str(policy["modifiedDateTime"]), when)
        self.policy_changes.append((policy["id"], "Update", when))

    def exclude(self, policy: JSON, user_ids: Iterable[str]) -> None:
        """Record that a mutator excluded these users from an existing policy (and that it edited it)."""
        self.exclusions.setdefault(str(policy["id"]), []).extend(user_ids)
        self.changed(policy)

    def transitive_users(self, group_id: str) -> list[str]:
        """User ids in a group directly or through nested groups, in first-seen order."""
        seen_groups: dict[str, None] = {}
        users: dict[str, None] = {}
        frontier = [group_id]
        while frontier:
            gid = frontier.pop(0)
            if gid in seen_groups:
                continue
            seen_groups[gid] = None
            for member in self._groups_by_id[gid].get("members", []):
                if member in self._groups_by_id:
                    frontier.append(member)
                elif member in self._users_by_id:
                    users[member] = None
        return list(users)

    def counted(self, user_ids: Iterable[str]) -> list[str]:
        """The users a coverage check counts: enabled, neither break-glass nor directory-sync accounts."""
        by_design = dict.fromkeys([*self.break_glass, *self.sync_accounts])
        return sorted(dict.fromkeys(u for u in user_ids if u not in by_design and self.is_enabled(u)))

    def take_cohort(self, slot: int, size: int) -> list[str]:
        """Slot ``slot`` of the cohort pool: disjoint from every other slot, the same whichever mutators run.

        ``size`` enabled staff, plus the slot's disabled account when the pool has one: a disabled member must
        never show up as affected, so most cohorts carry one to keep that rule exercised.
        """
        start = slot * size
        cohort = self.cohort_pool[start:start + size]
        if len(cohort) < size:
            raise ValueError(f"the tenant is too small for cohort slot {slot}; generate more users")
        if slot < len(self.disabled_pool):
            cohort = [*cohort, self.disabled_pool[slot]]
        return cohort
