"""What `agents show` reports about one agent: every setting with its effective value and source, the
capabilities, webhooks (redacted) and, for a loaded tenant, how its custom instructions resolve."""

from __future__ import annotations

from typing import Any

from entra_agents.agent_config import settings as s
from entra_agents.agent_config.instructions import resolve
from entra_agents.agent_config.webhooks import redact
from entra_agents.catalog.models import AgentDefinition
from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.store import Store
from entra_agents.store import agent_config as stored

HISTORY_SHOWN = 10


def agent_view(agent: AgentDefinition, store: Store, tenant_id: str | None = None,
               snapshot: TenantSnapshot | None = None) -> dict[str, Any]:
    """The `agents show --json` document. ``tenant_id`` None shows the default scope (every tenant)."""
    default = stored.load(store, agent.name)
    tenant = stored.load(store, agent.name, tenant_id) if tenant_id else None
    effective, warnings = s.layer(agent, stored_default=default.settings,
                                  stored_tenant=tenant.settings if tenant else {}, command_line={})
    hooks, hooks_source = default.webhooks, s.Source.STORED_DEFAULT
    if tenant is not None and tenant.webhooks:
        hooks, hooks_source = tenant.webhooks, s.Source.STORED_TENANT
    allow = effective.get(s.ALLOW_REPORT_ONLY)
    return {
        "agent": agent.name, "displayName": agent.display_name,
        "tenant": {"id": tenant_id, "displayName": snapshot.display_name if snapshot else None} if tenant_id else None,
        "capabilities": {"createReportOnlyPolicies": s.is_true(allow.value) if allow else False,
                         "setting": s.ALLOW_REPORT_ONLY if allow else None,
                         "source": allow.source.value if allow else None},
        "settings": [{"name": e.name, "type": agent.setting(e.name).setting_type.value,  # type: ignore[union-attr]
                      "value": e.shown, "source": e.source.value,
                      "required": agent.setting(e.name).required} for e in effective.values()],  # type: ignore[union-attr]
        "webhooks": [{"number": n, "url": redact(h["url"]), "format": h["format"]} for n, h in enumerate(hooks, 1)],
        "webhooksSource": hooks_source.value if hooks else None,
        "customInstructions": _instructions(agent, effective, snapshot),
        "tenantsWithOwnConfiguration": stored.tenants(store, agent.name),
        "warnings": warnings,
        "history": stored.history(store, agent.name, tenant_id if tenant_id else stored.DEFAULT_TENANT,
                                  limit=HISTORY_SHOWN),
    }


def _instructions(agent: AgentDefinition, effective: dict[str, s.Effective],
                  snapshot: TenantSnapshot | None) -> dict[str, Any] | None:
    if agent.setting(s.CUSTOM_INSTRUCTIONS) is None or not effective[s.CUSTOM_INSTRUCTIONS].value:
        return None
    text = effective[s.CUSTOM_INSTRUCTIONS].value
    if snapshot is None:
        return {"text": text, "status": "not checked",
                "note": "names are resolved against a tenant: add --tenant live|demo|fixture:PATH|DIR"}
    return resolve(text, snapshot).to_json()
