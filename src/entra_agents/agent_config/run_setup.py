"""What a run starts from: effective settings with their sources, resolved custom instructions, the new
objects to monitor, and per-run caps. Computed once per run from the manifest, the store and the snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from entra_agents.agent_config import settings as s
from entra_agents.agent_config.instructions import (
    ResolvedInstructions,
    describe,
    resolve,
)
from entra_agents.agent_config.monitor import MonitoredObjects, new_objects
from entra_agents.agent_config.webhooks import redact
from entra_agents.catalog.models import AgentDefinition
from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.store import Store
from entra_agents.store import agent_config as stored

# New objects shown to the model per task; the full list stays in the trace and on the skill context, so the
# token cost of a run does not grow with how many accounts were created yesterday.
MODEL_SAMPLE = 25
# Process-skill inputs the runner fills from what it computed (declare them in the skill's Inputs to get them).
INPUT_INSTRUCTIONS = s.CUSTOM_INSTRUCTIONS
INPUT_NEW_OBJECTS = "NewObjects"


@dataclass
class RunSetup:
    settings: dict[str, s.Effective]
    warnings: list[str] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # full URLs: for notifiers only
    instructions: ResolvedInstructions | None = None
    monitored: MonitoredObjects | None = None

    @property
    def values(self) -> dict[str, str]:
        return {name: e.value for name, e in self.settings.items()}

    def item_cap(self) -> int | None:
        return s.cap(self.settings, s.MAX_ITEMS_PER_RUN)

    def trace_settings(self) -> dict[str, Any]:
        """For the run trace: values (secrets hidden), their sources, and webhooks redacted."""
        return {"settings": {n: e.shown for n, e in self.settings.items()},
                "settingSources": {n: e.source.value for n, e in self.settings.items()},
                "webhooks": [{"url": redact(h["url"]), "format": h["format"]} for h in self.webhooks]}

    def model_inputs(self) -> dict[str, Any]:
        """Values for the process skill's inputs beyond plain settings, as data for the model."""
        out: dict[str, Any] = {}
        if self.instructions is not None:
            out[INPUT_INSTRUCTIONS] = self.instructions.to_json()
        if self.monitored is not None:
            full = self.monitored.to_json()
            counts: dict[str, int] = {}
            for obj in self.monitored.objects:
                counts[obj.kind] = counts.get(obj.kind, 0) + 1
            # names are tenant data: they reach the model through tool results, never in the task itself
            sample = [{k: o[k] for k in ("type", "id", "created", "sources")} for o in full["objects"][:MODEL_SAMPLE]]
            out[INPUT_NEW_OBJECTS] = {**{k: v for k, v in full.items() if k != "objects"}, "counts": counts,
                                      "sample": sample}
        return out


def check_overrides(agent: AgentDefinition, overrides: Mapping[str, str]) -> None:
    """Fail fast on a bad ``--setting``, before the tenant is loaded."""
    for name, value in overrides.items():
        s.normalise(agent, name, value)


def prepare(agent: AgentDefinition, store: Store, snapshot: TenantSnapshot, as_of: datetime,
            overrides: Mapping[str, str]) -> RunSetup:
    default = stored.load(store, agent.name)
    tenant = stored.load(store, agent.name, snapshot.tenant_id)
    effective, warnings = s.layer(agent, stored_default=default.settings, stored_tenant=tenant.settings,
                                  command_line=overrides)
    s.require(agent, effective)
    # A tenant's own webhooks replace the default ones (a tenant may need to reach a different team).
    setup = RunSetup(effective, warnings, list(tenant.webhooks or default.webhooks))
    if agent.setting(s.CUSTOM_INSTRUCTIONS) is not None and effective[s.CUSTOM_INSTRUCTIONS].value:
        setup.instructions = resolve(effective[s.CUSTOM_INSTRUCTIONS].value, snapshot)
        setup.warnings += [f"custom instructions: {line}" for line in describe(setup.instructions)]
    if agent.setting(s.OBJECTS_TO_MONITOR) is not None:
        kinds = tuple(k for k in effective[s.OBJECTS_TO_MONITOR].value.split(",") if k)
        monitored = new_objects(snapshot, as_of, kinds)
        setup.monitored = monitored.capped(s.cap(effective, s.MAX_USERS_PER_RUN), s.cap(effective, s.MAX_APPS_PER_RUN))
        if setup.monitored.deferred:
            setup.warnings.append("new objects not reviewed in this run (per-run cap): " + ", ".join(
                f"{count} {kind}" for kind, count in setup.monitored.deferred.items()))
    return setup
