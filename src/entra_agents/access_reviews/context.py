"""Indexes over a snapshot that the insights read, built once per run (a 5,000-decision review must not
scan the tenant 5,000 times)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.timestamps import graph_time

JSON = dict[str, Any]
INVITE_ACTIVITY = "invite external user"
# A group holding at least this share of the tenant's users (All Employees, licensing groups) says nothing
# about whom a user works with, so co-membership ignores it.
BROAD_GROUP_SHARE = 0.5
_PACKAGE_ID = re.compile(r"accessPackageId\s+eq\s+'([^']+)'", re.IGNORECASE)


parse_time = graph_time  # the name the access review modules import


@dataclass
class ReviewContext:
    snapshot: TenantSnapshot
    as_of: datetime
    users: dict[str, JSON] = field(default_factory=dict)
    manager_of: dict[str, str] = field(default_factory=dict)
    groups_of: dict[str, list[str]] = field(default_factory=dict)  # user id -> ids of non-broad groups
    group_members: dict[str, frozenset[str]] = field(default_factory=dict)
    # (definition id, principal id, resource id) -> decisions of completed instances, newest first
    previous: dict[tuple[str, str, str], list[JSON]] = field(default_factory=dict)
    movers: dict[str, list[JSON]] = field(default_factory=dict)  # user id -> mover processing results
    requests: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)  # (user, package) -> requests
    inviters: dict[str, JSON] = field(default_factory=dict)  # guest id -> initiatedBy.user of the invitation

    @classmethod
    def build(cls, snapshot: TenantSnapshot, as_of: datetime) -> ReviewContext:
        ctx = cls(snapshot, as_of)
        ctx.users = {str(u.get("id", "")).lower(): u for u in snapshot.users}
        ctx.manager_of = {uid: str(u["manager"]["id"]).lower() for uid, u in ctx.users.items()
                          if isinstance(u.get("manager"), dict) and u["manager"].get("id")}
        ctx._index_groups()
        ctx._index_previous()
        ctx._index_movers()
        ctx._index_requests()
        ctx._index_inviters()
        return ctx

    def failed(self, name: str) -> bool:
        return name in self.snapshot.failed

    def user(self, uid: str) -> JSON | None:
        return self.users.get(uid.lower())

    def _index_groups(self) -> None:
        limit = BROAD_GROUP_SHARE * max(1, len(self.users))
        groups_of: dict[str, list[str]] = defaultdict(list)
        for group in self.snapshot.groups:
            members = frozenset(str(m).lower() for m in group.get("members") or [])
            if len(members) >= limit:
                continue
            gid = str(group.get("id", "")).lower()
            self.group_members[gid] = members
            for member in members:
                groups_of[member].append(gid)
        self.groups_of = dict(groups_of)

    def _index_previous(self) -> None:
        found: dict[tuple[str, str, str], list[tuple[str, JSON]]] = defaultdict(list)
        for definition in self.snapshot.access_reviews:
            for instance in definition.get("instances") or []:
                if str(instance.get("status", "")).lower() not in ("completed", "applied"):
                    continue
                decisions = [d for s in instance.get("stages") or [] for d in s.get("decisions") or []] or (
                    instance.get("decisions") or [])
                for d in decisions:
                    key = (str(definition.get("id")), str((d.get("principal") or {}).get("id", "")).lower(),
                           str((d.get("resource") or {}).get("id", "")).lower())
                    found[key].append((str(instance.get("endDateTime") or ""), d))
        self.previous = {k: [d for _, d in sorted(v, key=lambda p: p[0], reverse=True)] for k, v in found.items()}

    def _index_movers(self) -> None:
        for workflow in self.snapshot.lifecycle_workflows:
            for result in workflow.get("userProcessingResults") or []:
                subject = str((result.get("subject") or {}).get("id", "")).lower()
                if subject:
                    self.movers.setdefault(subject, []).append({**result, "workflow": workflow.get("displayName")})

    def _index_requests(self) -> None:
        for request in self.snapshot.access_package_assignment_requests:
            subject = str((request.get("requestor") or {}).get("objectId", "")).lower()
            package = str((request.get("accessPackage") or {}).get("id", "")).lower()
            if subject and package:
                self.requests.setdefault((subject, package), []).append(request)

    def _index_inviters(self) -> None:
        for audit in self.snapshot.directory_audits:
            if str(audit.get("activityDisplayName", "")).lower() != INVITE_ACTIVITY:
                continue
            who = (audit.get("initiatedBy") or {}).get("user") or {}
            for target in audit.get("targetResources") or []:
                if target.get("id") and who.get("id"):
                    self.inviters[str(target["id"]).lower()] = who


def package_of(definition: JSON) -> str | None:
    """The access package an access package review is about (named in its scope's filter)."""
    match = _PACKAGE_ID.search(str((definition.get("scope") or {}).get("query", "")))
    return match.group(1).lower() if match else None
