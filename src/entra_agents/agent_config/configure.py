"""`agents configure`: validate a change against the manifest, apply it to the stored configuration, record it."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from entra_agents.agent_config.settings import SECRET_SHOWN_AS, definition, normalise
from entra_agents.agent_config.webhooks import Webhook, redact
from entra_agents.catalog.models import AgentDefinition, SettingType
from entra_agents.errors import UsageError
from entra_agents.store import Store
from entra_agents.store import agent_config as stored


def actor() -> str:
    """Who is making the change: ``ENTRA_AGENTS_ACTOR`` (set by a console or wrapper that knows the signed-in
    administrator), else the operating-system user running the command."""
    return os.environ.get("ENTRA_AGENTS_ACTOR") or getpass.getuser()


def _shown(agent: AgentDefinition, name: str, value: str | None) -> str | None:
    if value is None:
        return None
    secret = definition(agent, name).setting_type is SettingType.SECRET_STRING
    return SECRET_SHOWN_AS if secret and value else value


def configure(store: Store, agent: AgentDefinition, tenant_id: str, *, set_values: Mapping[str, str],
              unset: Sequence[str] = (), add_webhooks: Sequence[Webhook] = (),
              remove_webhooks: Sequence[int] = ()) -> tuple[stored.StoredConfig, list[dict[str, Any]]]:
    """Apply one change (all of it or, on any invalid part, none of it) and return the new config and changes.

    ``remove_webhooks`` are 1-based positions as `agents show` numbers them, taken before additions.
    """
    current = stored.load(store, agent.name, tenant_id)
    values = dict(current.settings)
    changes: list[dict[str, Any]] = []
    for name, raw in set_values.items():
        value = normalise(agent, name, raw)
        if values.get(name) != value:
            changes.append({"setting": name, "from": _shown(agent, name, values.get(name)),
                            "to": _shown(agent, name, value)})
        values[name] = value
    for name in unset:
        if name not in values:
            definition(agent, name)  # an unknown name is still an error, with its did-you-mean
            raise UsageError(f"agent {agent.name}: setting {name} has no stored value here to unset")
        changes.append({"setting": name, "from": _shown(agent, name, values.pop(name)), "to": None})
    hooks = list(current.webhooks)
    for position in sorted(set(remove_webhooks), reverse=True):
        if not 1 <= position <= len(hooks):
            raise UsageError(f"--remove-webhook {position}: there are {len(hooks)} webhook(s) here; "
                             f"numbers are as `entra-agents agents show {agent.name}` lists them")
        gone = hooks.pop(position - 1)
        changes.append({"webhook": "removed", "url": redact(gone["url"]), "format": gone["format"]})
    for hook in add_webhooks:
        if any(h["url"] == hook.url for h in hooks):
            raise UsageError(f"webhook {redact(hook.url)} is already configured here")
        hooks.append(hook.to_json())
        changes.append({"webhook": "added", **hook.shown()})
    if not changes:
        return current, []
    return stored.save(store, replace(current, settings=values, webhooks=hooks), actor=actor(), changes=changes), changes
