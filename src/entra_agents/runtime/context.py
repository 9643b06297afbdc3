"""What a skill receives as its first argument. Dependencies travel here, never through globals."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from entra_agents.agent_config.instructions import ResolvedInstructions
    from entra_agents.agent_config.monitor import MonitoredObjects
    from entra_agents.conditional_access.config import AnalysisConfig
    from entra_agents.graph.snapshot import TenantSnapshot
    from entra_agents.graph.sources import TenantConnection
    from entra_agents.store import Store


@dataclass
class Tracer:
    """Appends typed trace events to a run, in the order they happen."""

    store: Store
    run_id: str

    def event(self, kind: str, /, **data: Any) -> None:
        self.store.add_event(self.run_id, kind, data)


@dataclass
class SkillContext:
    agent: str
    run_id: str
    connection: TenantConnection
    snapshot: TenantSnapshot
    store: Store
    tracer: Tracer
    # the agent's effective settings: manifest default < stored default < stored for tenant < command line
    # (operator values, never tenant data)
    settings: dict[str, str]
    # users/apps/agent identities new in the last 24 h (None: the agent declares no ObjectsToMonitor setting)
    monitored: MonitoredObjects | None = None
    # the CustomInstructions setting with the objects it names resolved (None: none configured)
    instructions: ResolvedInstructions | None = None
    _findings: list[Any] | None = field(default=None, repr=False)

    @cached_property
    def analysis(self) -> AnalysisConfig:
        from entra_agents.conditional_access.config import AnalysisConfig

        return AnalysisConfig.from_settings(self.settings)

    @property
    def tenant_id(self) -> str:
        return self.snapshot.tenant_id

    def setting_enabled(self, name: str) -> bool:
        return str(self.settings.get(name, "")).strip().lower() in {"true", "yes", "1", "on"}

    def findings(self) -> list[Any]:
        """The deterministic scan, computed once per run and recorded with it."""
        if self._findings is None:
            from entra_agents.conditional_access.checks import run_checks

            self._findings = run_checks(self.snapshot, self.analysis)
            self.store.add_findings(self.run_id, [f.to_json() for f in self._findings])
            self.tracer.event("scan", checks=[{"check": f.check, "status": str(f.status.value)}
                                              for f in self._findings])
        return self._findings

    def fingerprint(self, *parts: str) -> str:
        """Stable identity of a gap for this tenant, so runs never re-suggest what is already known."""
        return hashlib.sha256("|".join((self.tenant_id, self.agent, *parts)).encode()).hexdigest()[:32]
