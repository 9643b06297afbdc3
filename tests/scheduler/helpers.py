"""A fake clock, a fake executor and a fake audit log: scheduler tests step time instead of sleeping."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from entra_agents.scheduler.activity import ActivityRule
from entra_agents.scheduler.plan import Entry
from entra_agents.scheduler.scheduler import RunReport, Scheduler, Settings
from entra_agents.store import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = 86400


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.t = start
        self._lock = threading.Lock()  # shared by schedulers in several threads

    def now(self) -> datetime:
        with self._lock:
            return self.t

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self.t += timedelta(**delta)
            return self.t

    async def sleep(self, seconds: float) -> None:
        deadline = self.now() + timedelta(seconds=seconds)
        while self.now() < deadline:
            await asyncio.sleep(0.005)


class FakeExecutor:
    """Records when it was asked to run what; creates and finishes a real run row like the runner does."""

    def __init__(self, store: Store, clock: FakeClock, *, seconds: float = 0.0, status: str = "succeeded") -> None:
        self.store, self.clock, self.seconds, self.status = store, clock, seconds, status
        self.calls: list[tuple[str, str, datetime]] = []

    async def __call__(self, entry: Entry, on_created: Any) -> RunReport:
        self.calls.append((entry.agent, entry.tenant, self.clock.now()))
        run_id = self.store.create_run(agent=entry.agent, tenant_id="t", tenant_name="T", tenant_source=entry.tenant,
                                       model="fake")
        on_created(run_id)
        try:
            await asyncio.sleep(self.seconds)  # real time, fractions of a second: lets runs overlap
        except asyncio.CancelledError:
            self.store.finish_run(run_id, status="interrupted", usage={})
            raise
        self.store.finish_run(run_id, status=self.status, usage={})
        return RunReport(self.status, run_id)


class FakeAudits:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.polls: list[datetime] = []

    def change(self, at: datetime, activity: str = "Update conditional access policy", state: str = "enabled") -> None:
        policy = f'{{"id": "p{len(self.events)}", "state": "{state}"}}'
        self.events.append({
            "id": f"a{len(self.events)}", "activityDateTime": at.isoformat().replace("+00:00", "Z"),
            "activityDisplayName": activity, "category": "Policy", "loggedByService": "Conditional Access",
            "result": "success",
            "targetResources": [{"modifiedProperties": [
                {"displayName": "ConditionalAccessPolicy", "oldValue": policy, "newValue": policy}]}]})

    async def changes(self, tenant: str, rule: ActivityRule, since: datetime) -> list[dict[str, Any]]:
        self.polls.append(since)
        return rule.qualifying(self.events, since)


def scheduler(store: Store, plan: list[Entry], clock: FakeClock, executor: Any, audits: FakeAudits | None = None,
              **settings: float) -> Scheduler:
    return Scheduler(store, lambda: list(plan), executor, audits=audits or FakeAudits(), clock=clock,
                     settings=Settings(**settings), log=lambda message: None)


def db_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'schedules.db'}"
