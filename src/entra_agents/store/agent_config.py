"""Stored agent configuration: one row per agent and tenant ("" = the default for every tenant), and history.

Values arrive here already validated and normalised (``agent_config.configure``); this module only persists.
It works on a ``Store`` through its session factory so the store class itself needs no new methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from entra_agents.store.db import Store, iso, now
from entra_agents.store.tables import AgentConfigChangeRow, AgentConfigRow

DEFAULT_TENANT = ""  # the row that applies to every tenant without its own value


@dataclass(frozen=True)
class StoredConfig:
    agent: str
    tenant_id: str
    settings: dict[str, str] = field(default_factory=dict)
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # [{url, format}], full URLs: never print
    updated: str | None = None
    updated_by: str | None = None


def load(store: Store, agent: str, tenant_id: str = DEFAULT_TENANT) -> StoredConfig:
    """The stored configuration (empty when nothing was ever stored)."""
    with store._session() as s:
        row = s.scalars(select(AgentConfigRow).where(AgentConfigRow.agent == agent,
                                                     AgentConfigRow.tenant_id == tenant_id)).first()
        if row is None:
            return StoredConfig(agent, tenant_id)
        return StoredConfig(agent, tenant_id, dict(row.settings or {}), list(row.webhooks or []), iso(row.updated),
                            row.updated_by)


def save(store: Store, config: StoredConfig, *, actor: str, changes: list[dict[str, Any]]) -> StoredConfig:
    """Replace the stored configuration and record the change, in one transaction."""
    at = now()
    with store._session() as s:
        row = s.scalars(select(AgentConfigRow).where(AgentConfigRow.agent == config.agent,
                                                     AgentConfigRow.tenant_id == config.tenant_id)).first()
        if row is None:
            row = AgentConfigRow(agent=config.agent, tenant_id=config.tenant_id)
            s.add(row)
        row.settings, row.webhooks, row.updated, row.updated_by = dict(config.settings), list(config.webhooks), at, actor
        s.add(AgentConfigChangeRow(agent=config.agent, tenant_id=config.tenant_id, at=at, actor=actor,
                                   changes=changes))
    return StoredConfig(config.agent, config.tenant_id, dict(config.settings), list(config.webhooks), iso(at), actor)


def history(store: Store, agent: str, tenant_id: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Recent changes, newest first; ``tenant_id`` None means every scope of the agent."""
    query = select(AgentConfigChangeRow).where(AgentConfigChangeRow.agent == agent)
    if tenant_id is not None:
        query = query.where(AgentConfigChangeRow.tenant_id == tenant_id)
    query = query.order_by(AgentConfigChangeRow.at.desc(), AgentConfigChangeRow.id.desc()).limit(limit)
    with store._session() as s:
        return [{"at": iso(r.at), "by": r.actor, "tenant": r.tenant_id or None, "changes": r.changes}
                for r in s.scalars(query).all()]


def tenants(store: Store, agent: str) -> list[str]:
    """Tenant ids with their own stored configuration for ``agent``."""
    with store._session() as s:
        return sorted(t for t in s.scalars(select(AgentConfigRow.tenant_id).where(AgentConfigRow.agent == agent))
                      if t != DEFAULT_TENANT)

