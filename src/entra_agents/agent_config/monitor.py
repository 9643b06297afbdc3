"""Objects to monitor: users, applications/service principals and agent identities new in the last 24 hours.

"New" is relative to the snapshot's as-of time (the moment the loader read the tenant, or a recording's or
tenant file's own time), never the wall clock, so a replayed tenant gives the same answer every day.

Two sources, because neither is complete on its own:
- ``createdDateTime`` on the object (users and applications have it; v1.0 service principals do not, agent
  identities do);
- directory audits "Add user", "Add application", "Add service principal" (successful ones), which also date
  service principals. An audit whose target is no longer in the tenant is skipped: a deleted object needs
  no coverage.

Agent identities (Microsoft Entra Agent ID) are service principals of the derived Graph type
``microsoft.graph.agentIdentity``; listed through ``/servicePrincipals`` they carry
``"@odata.type": "#microsoft.graph.agentIdentity"`` (OData annotates items of a derived type). Agent identity
blueprint principals (``#microsoft.graph.agentIdentityBlueprintPrincipal``) are the blueprint's runtime
principal, not an agent, and count as service principals.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from entra_agents.agent_config.settings import MONITOR_KINDS
from entra_agents.graph.snapshot import JSON, TenantSnapshot
from entra_agents.timestamps import graph_time

ObjectKind = Literal["user", "application", "servicePrincipal", "agentIdentity"]
WINDOW_HOURS = 24
AGENT_IDENTITY_TYPE = "#microsoft.graph.agentIdentity"
# setting value (ObjectsToMonitor) -> the object kinds it covers
KINDS: dict[str, tuple[ObjectKind, ...]] = {
    "users": ("user",), "applications": ("application", "servicePrincipal"), "agentIdentities": ("agentIdentity",)}
_AUDITS: dict[str, ObjectKind] = {
    "add user": "user", "add application": "application", "add service principal": "servicePrincipal"}


@dataclass(frozen=True)
class NewObject:
    kind: ObjectKind
    id: str
    display_name: str
    created: datetime
    sources: tuple[str, ...]  # "createdDateTime" and/or "directoryAudit"
    principal_name: str = ""  # userPrincipalName for users, appId for applications and service principals

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "id": self.id, "displayName": self.display_name,
                "principalName": self.principal_name, "created": _iso(self.created), "sources": list(self.sources)}


@dataclass(frozen=True)
class MonitoredObjects:
    as_of: datetime
    kinds: tuple[str, ...]  # the ObjectsToMonitor values in force
    objects: tuple[NewObject, ...]  # oldest first: the ones closest to leaving the window come first
    deferred: dict[str, int] = field(default_factory=dict)  # "users"/"apps" -> how many a cap left out
    problems: tuple[str, ...] = ()  # sources that could not be read: the list may be incomplete

    def capped(self, max_users: int | None, max_apps: int | None) -> MonitoredObjects:
        """At most ``max_users`` users and ``max_apps`` applications/service principals/agent identities;
        the rest are counted as deferred (None: no cap)."""
        kept: list[NewObject] = []
        left = {"users": max_users, "apps": max_apps}
        deferred = {"users": 0, "apps": 0}
        for obj in self.objects:
            bucket = "users" if obj.kind == "user" else "apps"
            if left[bucket] is None or left[bucket] > 0:  # type: ignore[operator]
                kept.append(obj)
                left[bucket] = None if left[bucket] is None else left[bucket] - 1  # type: ignore[operator]
            else:
                deferred[bucket] += 1
        return replace(self, objects=tuple(kept), deferred={k: v for k, v in deferred.items() if v})

    def to_json(self) -> dict[str, Any]:
        return {"asOf": _iso(self.as_of), "windowHours": WINDOW_HOURS, "kinds": list(self.kinds),
                "objects": [o.to_json() for o in self.objects], "deferred": self.deferred,
                "incomplete": list(self.problems)}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _sp_kind(sp: JSON) -> ObjectKind:
    return "agentIdentity" if str(sp.get("@odata.type", "")).lower() == AGENT_IDENTITY_TYPE.lower() \
        else "servicePrincipal"


def _directory(snapshot: TenantSnapshot) -> dict[str, tuple[ObjectKind, JSON]]:
    out: dict[str, tuple[ObjectKind, JSON]] = {}
    out.update((str(u.get("id")), ("user", u)) for u in snapshot.users)
    out.update((str(a.get("id")), ("application", a)) for a in snapshot.applications)
    out.update((str(sp.get("id")), (_sp_kind(sp), sp)) for sp in snapshot.service_principals)
    return out


def new_objects(snapshot: TenantSnapshot, as_of: datetime, kinds: tuple[str, ...] = MONITOR_KINDS,
                hours: int = WINDOW_HOURS) -> MonitoredObjects:
    """The objects of the monitored ``kinds`` created in the ``hours`` before ``as_of`` (pure: no I/O)."""
    wanted = {k for kind in kinds for k in KINDS[kind]}
    start = as_of - timedelta(hours=hours)
    directory = _directory(snapshot)
    found: dict[str, tuple[datetime, set[str]]] = {}

    def note(object_id: str, when: datetime | None, source: str) -> None:
        if when is None or not start <= when <= as_of or object_id not in directory:
            return
        if directory[object_id][0] not in wanted:
            return
        earliest, sources = found.get(object_id, (when, set()))
        found[object_id] = (min(earliest, when), sources | {source})

    for object_id, (_, obj) in directory.items():
        note(object_id, graph_time(obj.get("createdDateTime")), "createdDateTime")
    for audit in snapshot.directory_audits:
        kind = _AUDITS.get(str(audit.get("activityDisplayName", "")).lower())
        if kind is None or str(audit.get("result", "")).lower() != "success":
            continue
        for target in audit.get("targetResources") or []:
            note(str(target.get("id")), graph_time(audit.get("activityDateTime")), "directoryAudit")
    objects = sorted((_object(object_id, directory[object_id], when, sources)
                      for object_id, (when, sources) in found.items()), key=lambda o: (o.created, o.id))
    problems = tuple(f"{name}: {why}" for name, why in snapshot.failed.items()
                     if name in ("users", "applications", "servicePrincipals", "directoryAudits"))
    return MonitoredObjects(as_of=as_of, kinds=tuple(kinds), objects=tuple(objects), problems=problems)


def _object(object_id: str, entry: tuple[ObjectKind, JSON], when: datetime, sources: set[str]) -> NewObject:
    kind, obj = entry
    principal = obj.get("userPrincipalName") if kind == "user" else obj.get("appId")
    return NewObject(kind=kind, id=object_id, display_name=str(obj.get("displayName") or ""), created=when,
                     sources=tuple(sorted(sources)), principal_name=str(principal or ""))
