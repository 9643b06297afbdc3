"""Stored schedules: entries (what to run where), state (when it last ran) and leases (who runs it now).

A lease is the right to run one agent on one tenant. It is taken with one conditional UPDATE ("set me as the
owner where nobody holds it or the holder's lease has expired"): the database serialises concurrent UPDATEs
of a row on SQLite (one writer) and on PostgreSQL (the second writer waits for the row lock, then re-checks
the WHERE clause against the committed row), so exactly one scheduler sees ``rowcount == 1``. Every later
write by the holder is conditional on still being the owner, so a holder whose lease was taken over cannot
overwrite what the new holder records.

Times come from the caller (the scheduler's clock), never from this module: tests drive them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from entra_agents.store.db import Store
from entra_agents.store.tables import RunRow, ScheduleRow, ScheduleStateRow


@dataclass(frozen=True)
class StoredEntry:
    agent: str
    tenant: str
    period_seconds: int | None  # None: the manifest's DefaultPeriodSeconds
    activity: str | None  # name of an activity rule (scheduler.activity.RULES)
    added: datetime
    added_by: str


@dataclass(frozen=True)
class ScheduleState:
    agent: str
    tenant: str
    anchor: datetime
    periodic_started: datetime | None
    activity_started: datetime | None
    last_trigger: str | None
    last_status: str | None
    last_started: datetime | None
    last_finished: datetime | None
    last_run_id: str | None
    last_error: str | None
    lease_owner: str | None
    lease_expires: datetime | None
    lease_started: datetime | None
    lease_trigger: str | None
    lease_run_id: str | None

    def leased(self, at: datetime) -> bool:
        return self.lease_owner is not None and self.lease_expires is not None and self.lease_expires > at

    def lease_expired(self, at: datetime) -> bool:
        return self.lease_owner is not None and not self.leased(at)


@dataclass(frozen=True)
class Finished:
    """How a scheduled run ended, as the scheduler records it."""

    trigger: str  # "periodic" | "activity"
    status: str  # a run status: succeeded | partial | failed | interrupted
    started: datetime
    finished: datetime
    run_id: str | None
    error: str | None = None

    @property
    def counts(self) -> bool:
        # An interrupted run did not do its work: its trigger stays due, so the next scheduler runs it again.
        return self.status != "interrupted"


# entries ------------------------------------------------------------------------------------------------------
def add_entry(store: Store, agent: str, tenant: str, *, period_seconds: int | None, activity: str | None,
              actor: str, at: datetime) -> StoredEntry:
    """Add or replace the entry for ``agent`` on ``tenant``; its period is anchored now if it is new."""
    with store._session() as s:
        row = s.scalars(select(ScheduleRow).where(ScheduleRow.agent == agent, ScheduleRow.tenant == tenant)).first()
        if row is None:
            row = ScheduleRow(agent=agent, tenant=tenant, added=at, added_by=actor)
            s.add(row)
        row.period_seconds, row.activity = period_seconds, activity
        entry = _entry(row)
    ensure_state(store, agent, tenant, anchor=at)
    return entry


def remove_entry(store: Store, agent: str, tenant: str) -> bool:
    """Forget the entry (its state and run history stay: re-adding it keeps the anchor)."""
    with store._session() as s:
        row = s.scalars(select(ScheduleRow).where(ScheduleRow.agent == agent, ScheduleRow.tenant == tenant)).first()
        if row is None:
            return False
        s.delete(row)
        return True


def entries(store: Store) -> list[StoredEntry]:
    with store._session() as s:
        return [_entry(r) for r in s.scalars(select(ScheduleRow).order_by(ScheduleRow.agent, ScheduleRow.tenant))]


# state --------------------------------------------------------------------------------------------------------
def ensure_state(store: Store, agent: str, tenant: str, *, anchor: datetime) -> None:
    """Create the state row if it is missing. Two schedulers may race here: the unique constraint lets one win."""
    if get_state(store, agent, tenant) is not None:
        return
    try:
        with store._session() as s:
            s.add(ScheduleStateRow(agent=agent, tenant=tenant, anchor=anchor))
    except IntegrityError:
        pass


def get_state(store: Store, agent: str, tenant: str) -> ScheduleState | None:
    with store._session() as s:
        row = s.scalars(select(ScheduleStateRow).where(ScheduleStateRow.agent == agent,
                                                       ScheduleStateRow.tenant == tenant)).first()
        return _state(row) if row else None


def states(store: Store) -> list[ScheduleState]:
    with store._session() as s:
        query = select(ScheduleStateRow).order_by(ScheduleStateRow.agent, ScheduleStateRow.tenant)
        return [_state(r) for r in s.scalars(query)]


# leases -------------------------------------------------------------------------------------------------------
def acquire(store: Store, agent: str, tenant: str, *, owner: str, trigger: str, at: datetime,
            ttl_seconds: float) -> bool:
    """Take the lease if nobody holds it or its holder's lease has expired. True when we hold it now."""
    with store._session() as s:
        done = s.execute(update(ScheduleStateRow)
                         .where(ScheduleStateRow.agent == agent, ScheduleStateRow.tenant == tenant,
                                or_(ScheduleStateRow.lease_owner.is_(None), ScheduleStateRow.lease_expires <= at))
                         .values(lease_owner=owner, lease_expires=at + timedelta(seconds=ttl_seconds),
                                 lease_started=at, lease_trigger=trigger, lease_run_id=None))
        return _rowcount(done) == 1


def renew(store: Store, agent: str, tenant: str, *, owner: str, at: datetime, ttl_seconds: float) -> bool:
    """Push our lease's expiry out. False when it is no longer ours (it expired and was taken over)."""
    with store._session() as s:
        done = s.execute(update(ScheduleStateRow)
                         .where(*_held_by(agent, tenant, owner))
                         .values(lease_expires=at + timedelta(seconds=ttl_seconds)))
        return _rowcount(done) == 1


def note_run(store: Store, agent: str, tenant: str, *, owner: str, run_id: str) -> None:
    """Record which run the lease covers, so whoever finds the lease expired can mark that run interrupted."""
    with store._session() as s:
        s.execute(update(ScheduleStateRow).where(*_held_by(agent, tenant, owner)).values(lease_run_id=run_id))


def release(store: Store, agent: str, tenant: str, *, owner: str, outcome: Finished) -> bool:
    """Record how the run ended and give the lease up, in one statement. False when the lease was not ours."""
    values: dict[str, Any] = {
        "last_trigger": outcome.trigger, "last_status": outcome.status, "last_started": outcome.started,
        "last_finished": outcome.finished, "last_run_id": outcome.run_id, "last_error": outcome.error,
        "lease_owner": None, "lease_expires": None, "lease_started": None, "lease_trigger": None,
        "lease_run_id": None}
    if outcome.counts:
        values[f"{outcome.trigger}_started"] = outcome.started
    with store._session() as s:
        done = s.execute(update(ScheduleStateRow).where(*_held_by(agent, tenant, owner)).values(**values))
        return _rowcount(done) == 1


def abandon(store: Store, agent: str, tenant: str, *, owner: str) -> None:
    """Give the lease up without having run (another scheduler ran the agent while we were deciding)."""
    with store._session() as s:
        s.execute(update(ScheduleStateRow).where(*_held_by(agent, tenant, owner))
                  .values(lease_owner=None, lease_expires=None, lease_started=None, lease_trigger=None,
                          lease_run_id=None))


def recover(store: Store, state: ScheduleState, *, at: datetime) -> bool:
    """Clear a lease its holder let expire (killed, or hung past its expiry) and mark its run interrupted.

    Conditional on the lease being exactly the one read, so of several schedulers finding it only one
    records the recovery. True when we did.
    """
    reason = f"interrupted: the scheduler {state.lease_owner} holding this run stopped renewing its lease"
    with store._session() as s:
        done = s.execute(update(ScheduleStateRow)
                         .where(ScheduleStateRow.agent == state.agent, ScheduleStateRow.tenant == state.tenant,
                                ScheduleStateRow.lease_owner == state.lease_owner,
                                ScheduleStateRow.lease_expires == state.lease_expires,
                                ScheduleStateRow.lease_expires <= at)
                         .values(last_trigger=state.lease_trigger, last_status="interrupted",
                                 last_started=state.lease_started, last_finished=at, last_run_id=state.lease_run_id,
                                 last_error=reason, lease_owner=None, lease_expires=None, lease_started=None,
                                 lease_trigger=None, lease_run_id=None))
        if _rowcount(done) != 1:
            return False
    if state.lease_run_id:
        interrupt_run(store, state.lease_run_id, reason=reason, at=at)
    return True


def interrupt_run(store: Store, run_id: str, *, reason: str, at: datetime) -> bool:
    """Mark a run interrupted if it still says "running" (a finished run keeps its own outcome)."""
    with store._session() as s:
        done = s.execute(update(RunRow).where(RunRow.id == run_id, RunRow.status == "running")
                         .values(status="interrupted", finished=at, error=reason))
        return _rowcount(done) == 1


def run_status(store: Store, run_id: str) -> str | None:
    with store._session() as s:
        return s.scalars(select(RunRow.status).where(RunRow.id == run_id)).first()


# helpers ------------------------------------------------------------------------------------------------------
def _held_by(agent: str, tenant: str, owner: str) -> tuple[Any, ...]:
    return (ScheduleStateRow.agent == agent, ScheduleStateRow.tenant == tenant, ScheduleStateRow.lease_owner == owner)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; everything written here is UTC
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _entry(row: ScheduleRow) -> StoredEntry:
    added = _utc(row.added)
    assert added is not None
    return StoredEntry(row.agent, row.tenant, row.period_seconds, row.activity, added, row.added_by)


def _state(row: ScheduleStateRow) -> ScheduleState:
    anchor = _utc(row.anchor)
    assert anchor is not None
    return ScheduleState(
        agent=row.agent, tenant=row.tenant, anchor=anchor, periodic_started=_utc(row.periodic_started),
        activity_started=_utc(row.activity_started), last_trigger=row.last_trigger, last_status=row.last_status,
        last_started=_utc(row.last_started), last_finished=_utc(row.last_finished), last_run_id=row.last_run_id,
        last_error=row.last_error, lease_owner=row.lease_owner, lease_expires=_utc(row.lease_expires),
        lease_started=_utc(row.lease_started), lease_trigger=row.lease_trigger, lease_run_id=row.lease_run_id)
