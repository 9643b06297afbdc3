"""Run times with a fake clock: the anchor, a restart, a missed window, a crashed holder."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from entra_agents.scheduler.plan import Entry
from entra_agents.store import Store
from entra_agents.store import schedules as db
from tests.scheduler.helpers import DAY, T0, FakeClock, FakeExecutor, db_url, scheduler

ENTRY = Entry("ca-optimizer", "demo", DAY, None, stored=True)


def _tick(s: Any) -> list[Any]:
    return asyncio.run(s.tick())


def test_a_restart_never_runs_again_before_the_period_is_over(tmp_path: Any) -> None:
    clock = FakeClock()
    first = Store(db_url(tmp_path))
    executor = FakeExecutor(first, clock)
    assert [o.status for o in _tick(scheduler(first, [ENTRY], clock, executor))] == ["succeeded"]

    # the process restarts an hour later: a new scheduler, a new store object, the same database
    clock.advance(hours=1)
    again = Store(db_url(tmp_path))
    restarted = scheduler(again, [ENTRY], clock, FakeExecutor(again, clock))
    assert _tick(restarted) == []
    clock.advance(hours=22, minutes=59)
    assert _tick(restarted) == []
    clock.advance(minutes=1)  # T0 + 24 h: the anchored time, not 24 h after the restart
    assert [o.started for o in _tick(restarted)] == [T0 + timedelta(days=1)]
    assert len(executor.calls) == 1


def test_missed_periods_after_downtime_give_one_catch_up_run_then_the_grid(tmp_path: Any) -> None:
    clock = FakeClock()
    store = Store(db_url(tmp_path))
    executor = FakeExecutor(store, clock)
    s = scheduler(store, [ENTRY], clock, executor)
    _tick(s)
    clock.advance(hours=75)  # three daily runs missed
    assert len(_tick(s)) == 1
    assert _tick(s) == []
    clock.advance(hours=20, minutes=59)  # T0 + 95:59
    assert _tick(s) == []
    clock.advance(minutes=1)  # T0 + 96 h: back on the anchored grid
    assert len(_tick(s)) == 1
    assert [c[2] for c in executor.calls] == [T0, T0 + timedelta(hours=75), T0 + timedelta(hours=96)]


def test_a_failed_run_counts_an_interrupted_one_is_run_again(tmp_path: Any) -> None:
    clock = FakeClock()
    store = Store(db_url(tmp_path))
    s = scheduler(store, [ENTRY], clock, FakeExecutor(store, clock, status="failed"))
    assert [o.status for o in _tick(s)] == ["failed"]
    clock.advance(minutes=5)
    assert _tick(s) == []  # a failure waits for the next period: no hammering a broken tenant

    other = Entry("other-agent", "demo", DAY, None, stored=True)
    db.ensure_state(store, other.agent, other.tenant, anchor=clock.now())
    db.acquire(store, other.agent, other.tenant, owner="x", trigger="periodic", at=clock.now(), ttl_seconds=60)
    db.release(store, other.agent, other.tenant, owner="x", outcome=db.Finished(
        "periodic", "interrupted", clock.now(), clock.now(), None))
    clock.advance(minutes=1)
    assert [o.status for o in _tick(scheduler(store, [other], clock, FakeExecutor(store, clock)))] == ["succeeded"]


def test_a_killed_schedulers_lease_expires_and_its_run_is_marked_interrupted(tmp_path: Any) -> None:
    clock = FakeClock()
    store = Store(db_url(tmp_path))
    # a scheduler took the lease, started the run and was killed (SIGKILL: no chance to record anything)
    db.ensure_state(store, ENTRY.agent, ENTRY.tenant, anchor=T0)
    assert db.acquire(store, ENTRY.agent, ENTRY.tenant, owner="dead:1", trigger="periodic", at=T0, ttl_seconds=600)
    run_id = store.create_run(agent=ENTRY.agent, tenant_id="t", tenant_name="T", tenant_source="demo", model="m")
    db.note_run(store, ENTRY.agent, ENTRY.tenant, owner="dead:1", run_id=run_id)

    executor = FakeExecutor(store, clock)
    survivor = scheduler(store, [ENTRY], clock, executor, lease_seconds=600)
    clock.advance(minutes=5)
    assert _tick(survivor) == []  # the lease still holds: it might be alive
    assert store.get_run(run_id)["status"] == "running"

    clock.advance(minutes=5, seconds=1)
    outcomes = _tick(survivor)
    assert store.get_run(run_id)["status"] == "interrupted"
    assert "stopped renewing its lease" in store.get_run(run_id)["error"]
    # the interrupted run did not do its work, so the periodic run happens now
    assert [o.status for o in outcomes] == ["succeeded"] and len(executor.calls) == 1
