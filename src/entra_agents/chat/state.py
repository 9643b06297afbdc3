"""What chat skills share across the turns of one conversation: the name index and the deterministic scan.

A chat turn is a run of its own (its own trace), but the tenant snapshot is loaded once per conversation, and so
is everything derived from it. The session hands its ``ChatState`` to every turn's skill context; a skill called
outside a session (a test, another agent) gets a fresh one built on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from entra_agents.chat.names import NameIndex

ATTRIBUTE = "_entra_chat_state"


@dataclass
class ChatState:
    snapshot: Any
    index: NameIndex
    catalog: Any = None  # the session's content; loaded on demand when a skill runs outside a session
    _findings: list[Any] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, snapshot: Any) -> ChatState:
        return cls(snapshot, NameIndex(snapshot))

    def findings(self, config: Any) -> list[Any]:
        """The check catalogue's findings. Not stored with the turn's run: a question is not a scan."""
        if self._findings is None:
            from entra_agents.conditional_access.checks import run_checks

            self._findings = run_checks(self.snapshot, config)
        return self._findings

    def finding(self, config: Any, check: str) -> Any:
        return next((f for f in self.findings(config) if f.check == check), None)

    def agent_config(self, store: Any, agent_name: str) -> Any:
        """The analysis settings (break-glass accounts...) of the agent that made a suggestion, as stored for this
        tenant: an edited suggestion is vetted as strictly as the agent vetted it."""
        from datetime import UTC, datetime

        from entra_agents.agent_config.run_setup import prepare
        from entra_agents.conditional_access.config import AnalysisConfig

        if self.catalog is None:
            from entra_agents.catalog import load_catalog
            from entra_agents.paths import content_roots

            self.catalog = load_catalog(content_roots())
        setup = prepare(self.catalog.agent(agent_name), store, self.snapshot, datetime.now(UTC), {})
        return AnalysisConfig.from_settings(setup.values)


def chat_state(ctx: Any) -> ChatState:
    state = ctx.__dict__.get(ATTRIBUTE)
    if state is None or state.snapshot is not ctx.snapshot:
        state = ctx.__dict__[ATTRIBUTE] = ChatState.of(ctx.snapshot)
    return state


def attach(ctx: Any, state: ChatState) -> None:
    ctx.__dict__[ATTRIBUTE] = state
