"""Activity triggers: run an agent when the directory audit log shows changes it should look at.

A rule is declared here, by name, and attached to a schedule entry (``schedule add AGENT --tenant T
--activity RULE``), so any agent can use any rule; nothing is tied to one agent's name. The one shipped rule
mirrors the Conditional Access optimization agent's activity-based runs: a poll every 5 minutes, a run once 3
qualifying Conditional Access changes have accumulated, at most one activity run per 6 hours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from entra_agents.errors import UsageError
from entra_agents.timestamps import graph_time

AUDITS_PATH = "/auditLogs/directoryAudits"


@dataclass(frozen=True)
class ActivityRule:
    name: str
    description: str
    poll_seconds: int
    min_events: int
    """Qualifying events since the agent's last run (periodic or activity) needed to start an activity run."""
    cooldown_seconds: int
    """At least this long between two activity runs; events in the meantime count towards the next one."""
    logged_by_service: str
    """``loggedByService`` of the audits to read (Graph filters on it server-side)."""
    category: str
    activities: frozenset[str]
    """``activityDisplayName`` values that qualify, lower case."""
    watched_property: str
    """The audit's modified property holding the object as JSON (old and new), read for its ``state``."""

    def graph_filter(self, since: datetime) -> str:
        # activityDateTime supports ge and loggedByService eq (Graph's directoryAudit reference); category and
        # activityDisplayName are matched here, so the server-side filter stays within what Graph documents.
        return f"activityDateTime ge {_graph_time(since)} and loggedByService eq '{self.logged_by_service}'"

    def qualifying(self, audits: Iterable[dict[str, Any]], since: datetime) -> list[dict[str, Any]]:
        return [a for a in audits if self._qualifies(a, since)]

    def _qualifies(self, audit: dict[str, Any], since: datetime) -> bool:
        when = graph_time(audit.get("activityDateTime"))
        return (when is not None and when > since
                and str(audit.get("category", "")).lower() == self.category.lower()
                and str(audit.get("activityDisplayName", "")).lower() in self.activities
                and str(audit.get("result", "success")).lower() == "success"
                and self._touches_enabled(audit))

    def _touches_enabled(self, audit: dict[str, Any]) -> bool:
        """A change to a policy that was or became enabled: switching report-only or off policies among
        themselves changes no enforcement. When the audit does not carry the policy, count it (a missed change
        is worse than an extra run)."""
        states = [s for s in _states(audit, self.watched_property) if s is not None]
        return not states or "enabled" in states


CA_POLICY_CHANGES = ActivityRule(
    name="ca-policy-changes",
    description="Conditional Access policies added, changed or deleted where the policy was or became enabled",
    poll_seconds=5 * 60,
    min_events=3,
    cooldown_seconds=6 * 3600,
    logged_by_service="Conditional Access",
    category="Policy",
    activities=frozenset({"add conditional access policy", "update conditional access policy",
                          "delete conditional access policy"}),
    watched_property="ConditionalAccessPolicy",
)

RULES: dict[str, ActivityRule] = {r.name: r for r in (CA_POLICY_CHANGES,)}


def rule(name: str) -> ActivityRule:
    if name in RULES:
        return RULES[name]
    raise UsageError(f"unknown activity rule {name!r}; known: {', '.join(sorted(RULES))}")


class AuditSource(Protocol):
    async def changes(self, tenant: str, rule: ActivityRule, since: datetime) -> list[dict[str, Any]]:
        """The audits after ``since`` on ``tenant`` that qualify under ``rule``."""
        ...


class GraphAuditSource:
    """Reads the directory audit log through Graph: one filtered request (and its pages) per poll, on a
    connection opened for the poll, since a poll every few minutes must not keep a tenant open in between."""

    def __init__(self, page_size: int = 100) -> None:
        self.page_size = page_size

    async def changes(self, tenant: str, rule: ActivityRule, since: datetime) -> list[dict[str, Any]]:
        from entra_agents.graph.client import get_collection
        from entra_agents.graph.sources import open_tenant

        async with open_tenant(tenant) as connection:
            audits = await get_collection(connection.client, AUDITS_PATH, top=self.page_size,
                                          params={"$filter": rule.graph_filter(since)})
        return rule.qualifying(audits, since)


def _states(audit: dict[str, Any], watched: str) -> Iterator[str | None]:
    for target in audit.get("targetResources") or []:
        for prop in (target or {}).get("modifiedProperties") or []:
            if str((prop or {}).get("displayName", "")).lower() == watched.lower():
                yield _state_of(prop.get("oldValue"))
                yield _state_of(prop.get("newValue"))


def _state_of(raw: Any) -> str | None:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    # Graph sometimes wraps the JSON value in a one-element list
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    state = value.get("state") if isinstance(value, dict) else None
    return state.lower() if isinstance(state, str) else None


def _graph_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")

