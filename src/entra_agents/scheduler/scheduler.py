"""The scheduler: decides what is due, takes the lease, runs the agent, records the outcome.

``tick()`` is one pass over the plan and is what tests step with a fake clock; ``serve()`` repeats it until
``request_stop()``. One scheduler runs one agent at a time; for more parallelism start more schedulers on
one database (PostgreSQL for several hosts): the leases keep them from running the same agent on the same
tenant at once.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from entra_agents.errors import EntraAgentsError
from entra_agents.scheduler.activity import AuditSource
from entra_agents.scheduler.clock import Clock, SystemClock
from entra_agents.scheduler.plan import (
    Entry,
    activity_since,
    cooldown_until,
    next_periodic,
)
from entra_agents.store import schedules as db
from entra_agents.store.schedules import Finished, ScheduleState


@dataclass(frozen=True)
class RunReport:
    """What an executor says about one run it made."""

    status: str
    run_id: str | None
    error: str | None = None


# (entry, on_run_created) -> report; ``on_run_created(run_id)`` is called as soon as the run row exists
Execute = Callable[[Entry, Callable[[str], None]], Awaitable[RunReport]]


@dataclass(frozen=True)
class Settings:
    lease_seconds: float = 600.0
    """A lease not renewed for this long is considered abandoned (its holder died); renewed every third of it."""
    grace_seconds: float = 60.0
    """After SIGTERM the current run may finish for this long, then it is cancelled and recorded interrupted."""
    max_idle_seconds: float = 60.0
    """The longest sleep between passes, so entries added while the scheduler runs are picked up."""


def new_owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduler:
    def __init__(self, store: Any, plan: Callable[[], list[Entry]], execute: Execute, *, audits: AuditSource,
                 clock: Clock | None = None, settings: Settings | None = None, owner: str | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.store, self._plan, self._execute, self._audits = store, plan, execute, audits
        self.clock = clock or SystemClock()
        self.settings = settings or Settings()
        self.owner = owner or new_owner_id()
        self._log = log or _stderr
        self._polled: dict[tuple[str, str], datetime] = {}  # last audit poll per entry (cheap to redo: in memory)
        self._current: asyncio.Task[RunReport] | None = None
        self._stopping = False
        self._stop_event: asyncio.Event | None = None
        self._interrupting = False

    # one pass -------------------------------------------------------------------------------------------------
    async def tick(self) -> list[Finished]:
        """Run everything due now, one run at a time; return how each run ended."""
        done: list[Finished] = []
        for entry in self._plan():
            if self._stopping:
                break
            state = self._state(entry)
            trigger = await self._due(entry, state)
            if trigger is not None:
                outcome = await self._run(entry, trigger, state)
                if outcome is not None:
                    done.append(outcome)
        return done

    def _state(self, entry: Entry) -> ScheduleState:
        now = self.clock.now()
        db.ensure_state(self.store, entry.agent, entry.tenant, anchor=now)
        state = db.get_state(self.store, entry.agent, entry.tenant)
        assert state is not None
        if state.lease_expired(now) and db.recover(self.store, state, at=now):
            self._log(f"{entry.agent} on {entry.tenant}: the lease of {state.lease_owner} expired; its run "
                      f"{state.lease_run_id or '(not started)'} is recorded as interrupted")
            state = db.get_state(self.store, entry.agent, entry.tenant) or state
        return state

    async def _due(self, entry: Entry, state: ScheduleState) -> str | None:
        now = self.clock.now()
        if state.leased(now):
            return None
        due = next_periodic(entry, state)
        if due is not None and due <= now:
            return "periodic"
        if entry.activity is not None and await self._activity(entry, state, now):
            return "activity"
        return None

    async def _activity(self, entry: Entry, state: ScheduleState, now: datetime) -> bool:
        rule = entry.activity
        assert rule is not None
        polled = self._polled.get(entry.key)
        if polled is not None and now < polled + timedelta(seconds=rule.poll_seconds):
            return False
        cooldown = cooldown_until(entry, state)
        if cooldown is not None and now < cooldown:
            return False  # no run possible yet: do not poll; changes made meanwhile are counted when it ends
        self._polled[entry.key] = now
        since = activity_since(state)
        try:
            changes = await self._audits.changes(entry.tenant, rule, since)
        except EntraAgentsError as exc:  # a poll that fails is retried at the next poll, never fatal
            self._log(f"{entry.agent} on {entry.tenant}: cannot read the audit log for {rule.name}: {exc}")
            return False
        if len(changes) >= rule.min_events:
            self._log(f"{entry.agent} on {entry.tenant}: {len(changes)} qualifying changes since "
                      f"{since:%Y-%m-%d %H:%M}Z ({rule.name})")
            return True
        return False

    # one run ----------------------------------------------------------------------------------------------------
    async def _run(self, entry: Entry, trigger: str, seen: ScheduleState) -> Finished | None:
        ttl = self.settings.lease_seconds
        if not db.acquire(self.store, entry.agent, entry.tenant, owner=self.owner, trigger=trigger,
                          at=self.clock.now(), ttl_seconds=ttl):
            return None
        fresh = db.get_state(self.store, entry.agent, entry.tenant)
        if fresh is None or (fresh.periodic_started, fresh.activity_started) != (seen.periodic_started,
                                                                                 seen.activity_started):
            # another scheduler ran it between our read and our lease: what we decided on is stale
            db.abandon(self.store, entry.agent, entry.tenant, owner=self.owner)
            return None
        started = self.clock.now()
        self._log(f"{entry.agent} on {entry.tenant}: {trigger} run starting")
        run_ids: list[str] = []

        def created(run_id: str) -> None:
            run_ids.append(run_id)
            db.note_run(self.store, entry.agent, entry.tenant, owner=self.owner, run_id=run_id)

        task = asyncio.ensure_future(self._execute(entry, created))
        self._current, self._interrupting = task, False
        keeper = asyncio.ensure_future(self._keep_lease(entry, task))
        outer_cancelled = False
        try:
            report = await task
        except asyncio.CancelledError:
            outer_cancelled = not self._interrupting
            report = RunReport("interrupted", None, "interrupted: the scheduler stopped before the run finished")
        except Exception as exc:  # noqa: BLE001 - a failed run is recorded as failed, never lost or fatal
            report = RunReport("failed", None, f"{type(exc).__name__}: {exc}")
        finally:
            keeper.cancel()
            self._current = None
        outcome = self._record(entry, trigger, started, report, run_ids[-1] if run_ids else None)
        if outer_cancelled:
            raise asyncio.CancelledError
        return outcome

    def _record(self, entry: Entry, trigger: str, started: datetime, report: RunReport,
                created: str | None) -> Finished:
        now = self.clock.now()
        run_id = report.run_id or created
        # the runner records its own outcome; this makes sure no path leaves a run "running"
        if run_id and db.interrupt_run(self.store, run_id, reason=report.error or "interrupted", at=now):
            report = RunReport("interrupted", run_id, report.error)
        outcome = Finished(trigger=trigger, status=report.status, started=started, finished=now, run_id=run_id,
                           error=report.error)
        if not db.release(self.store, entry.agent, entry.tenant, owner=self.owner, outcome=outcome):
            self._log(f"{entry.agent} on {entry.tenant}: our lease had been taken over; outcome not recorded")
        self._log(f"{entry.agent} on {entry.tenant}: {trigger} run {report.status}"
                  + (f" (run {run_id[:8]})" if run_id else "") + (f": {report.error}" if report.error else ""))
        return outcome

    async def _keep_lease(self, entry: Entry, task: asyncio.Task[RunReport]) -> None:
        while not task.done():
            await self.clock.sleep(self.settings.lease_seconds / 3)
            if not db.renew(self.store, entry.agent, entry.tenant, owner=self.owner, at=self.clock.now(),
                            ttl_seconds=self.settings.lease_seconds):
                # someone took the lease over (we stalled past its expiry): two runs at once must not happen
                self._log(f"{entry.agent} on {entry.tenant}: lease lost; interrupting the run")
                self._interrupt()
                return

    # the loop ---------------------------------------------------------------------------------------------------
    async def serve(self, *, once: bool = False) -> None:
        """Pass over the plan until stopped (or once). Sleeps until the next due time, at most max_idle."""
        self._stop_event = asyncio.Event()
        if self._stopping:
            self._stop_event.set()
        while not self._stopping:
            await self.tick()
            if once or self._stopping:
                return
            sleeper = asyncio.ensure_future(self.clock.sleep(self._idle_seconds()))
            stopper = asyncio.ensure_future(self._stop_event.wait())
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
            sleeper.cancel()
            stopper.cancel()

    def _idle_seconds(self) -> float:
        now = self.clock.now()
        wake = now + timedelta(seconds=self.settings.max_idle_seconds)
        for entry in self._plan():
            state = db.get_state(self.store, entry.agent, entry.tenant)
            if state is None or state.leased(now):
                continue  # new (the next pass creates it) or running elsewhere: max_idle is soon enough
            due = next_periodic(entry, state)
            if due is not None:
                wake = min(wake, due)
            if entry.activity is not None and entry.key in self._polled:
                poll = self._polled[entry.key] + timedelta(seconds=entry.activity.poll_seconds)
                wake = min(wake, max(poll, cooldown_until(entry, state) or poll))
        # at least a second: a due time that a pass could not act on must not turn this into a busy loop
        return max(1.0, (wake - now).total_seconds())

    def request_stop(self) -> None:
        """SIGTERM / SIGINT: start nothing new; the current run gets the grace period, a second signal ends it."""
        first = not self._stopping
        self._stopping = True
        if self._stop_event is not None:
            self._stop_event.set()
        if self._current is None or self._current.done():
            return
        if first:
            self._log(f"stopping: the current run may finish within {self.settings.grace_seconds:g} s")
            asyncio.get_running_loop().call_later(self.settings.grace_seconds, self._interrupt)
        else:
            self._log("stopping now: interrupting the current run")
            self._interrupt()

    def _interrupt(self) -> None:
        if self._current is not None and not self._current.done():
            self._interrupting = True
            self._current.cancel()


def _stderr(message: str) -> None:
    print(f"{SystemClock().now():%Y-%m-%dT%H:%M:%SZ} {message}", file=sys.stderr, flush=True)
