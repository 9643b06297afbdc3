"""Running a scheduled agent for real: the same runner as `entra-agents run`, on a freshly opened tenant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from entra_agents.scheduler.plan import Entry
from entra_agents.scheduler.scheduler import RunReport


class _RunIdObserver:
    """The store, as the runner sees it, except that creating a run also tells the scheduler the run's id.

    The runner creates its run row itself (after loading the tenant); the scheduler needs the id at once so a
    scheduler that later finds this lease expired (we were killed) can mark exactly that run interrupted.
    """

    def __init__(self, store: Any, on_created: Callable[[str], None]) -> None:
        self._store, self._on_created = store, on_created

    def create_run(self, **fields: Any) -> str:
        run_id: str = self._store.create_run(**fields)
        self._on_created(run_id)
        return run_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class AgentExecutor:
    """Runs one entry: opens its tenant for this run only (a scheduled run must read the tenant as it is now,
    not a snapshot cached since the last run) and runs the agent's first trigger with stored settings."""

    def __init__(self, store: Any, catalog: Any, model: str | None = None) -> None:
        from entra_agents.runtime.models.providers import choose

        self.store, self.catalog, self.choice = store, catalog, choose(model)

    async def __call__(self, entry: Entry, on_created: Callable[[str], None]) -> RunReport:
        from entra_agents.graph.sources import open_tenant
        from entra_agents.runtime.runner import run_agent

        # a failure raises: the runner has recorded its run as failed (if it got that far), the scheduler
        # records the outcome with the run id it was told
        async with open_tenant(entry.tenant) as connection:
            result = await run_agent(self.catalog, entry.agent, connection=connection,
                                     store=_RunIdObserver(self.store, on_created), choice=self.choice)
        return RunReport(str(result.run["status"]), str(result.run["id"]))
