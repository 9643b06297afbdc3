"""Two schedulers on one database never run the same agent on the same tenant at once; SIGTERM's grace."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from entra_agents.scheduler.plan import Entry
from entra_agents.store import Store
from tests.scheduler.helpers import DAY, FakeClock, FakeExecutor, db_url, scheduler

PLAN = [Entry("ca-optimizer", tenant, DAY, None, stored=True) for tenant in ("demo", "contoso", "fabrikam")]


def test_two_schedulers_on_one_database_run_each_entry_once(tmp_path: Any) -> None:
    clock = FakeClock()
    executors: list[FakeExecutor] = []
    start = threading.Barrier(2, timeout=10)
    failures: list[BaseException] = []
    Store(db_url(tmp_path))  # the schema exists before both start, as after `schedule add`

    def worker() -> None:
        try:
            store = Store(db_url(tmp_path))  # its own engine and connections, as another process would have
            executor = FakeExecutor(store, clock, seconds=0.15)
            executors.append(executor)
            s = scheduler(store, PLAN, clock, executor)
            start.wait()
            asyncio.run(s.tick())
        except BaseException as exc:  # noqa: BLE001 - surfaced below: an error in a thread would be lost
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not failures
    ran = sorted(c[1] for e in executors for c in e.calls)
    assert ran == ["contoso", "demo", "fabrikam"]

    clock.advance(hours=1)  # and neither runs anything again within the period
    store = Store(db_url(tmp_path))
    assert asyncio.run(scheduler(store, PLAN, clock, FakeExecutor(store, clock)).tick()) == []


def _serve_and_stop(tmp_path: Any, *, run_seconds: float, grace: float) -> tuple[str, str]:
    clock = FakeClock()
    store = Store(db_url(tmp_path))
    executor = FakeExecutor(store, clock, seconds=run_seconds)
    s = scheduler(store, PLAN[:1], clock, executor, grace_seconds=grace)

    async def main() -> None:
        serving = asyncio.ensure_future(s.serve())
        while not executor.calls:
            await asyncio.sleep(0.01)
        s.request_stop()  # what the SIGTERM handler calls
        await asyncio.wait_for(serving, timeout=10)

    asyncio.run(main())
    run = store.list_runs()[0]
    return run["status"], (store_state(store) or "")


def store_state(store: Store) -> str | None:
    from entra_agents.store import schedules as db

    state = db.get_state(store, "ca-optimizer", "demo")
    assert state is not None and state.lease_owner is None  # the lease is always given back
    return state.last_status


def test_stop_lets_the_current_run_finish_within_the_grace_period(tmp_path: Any) -> None:
    assert _serve_and_stop(tmp_path, run_seconds=0.2, grace=5) == ("succeeded", "succeeded")


def test_stop_interrupts_a_run_that_outlasts_the_grace_period(tmp_path: Any) -> None:
    assert _serve_and_stop(tmp_path, run_seconds=5, grace=0.1) == ("interrupted", "interrupted")


def test_the_lease_is_renewed_while_running_and_a_lost_lease_stops_the_run(tmp_path: Any) -> None:
    from sqlalchemy import update

    from entra_agents.store import schedules as db
    from entra_agents.store.tables import ScheduleStateRow

    clock = FakeClock()
    store = Store(db_url(tmp_path))
    executor = FakeExecutor(store, clock, seconds=10)
    s = scheduler(store, PLAN[:1], clock, executor, lease_seconds=30)

    async def main() -> list[Any]:
        ticking = asyncio.ensure_future(s.tick())
        while not executor.calls:
            await asyncio.sleep(0.01)
        first = db.get_state(store, "ca-optimizer", "demo")
        clock.advance(seconds=11)  # past a third of the lease: the keeper renews it
        await asyncio.sleep(0.1)
        renewed = db.get_state(store, "ca-optimizer", "demo")
        assert first and renewed and renewed.lease_expires > first.lease_expires  # type: ignore[operator]
        with store._session() as session:  # another scheduler took the lease over (we looked dead to it)
            session.execute(update(ScheduleStateRow).values(lease_owner="other:1"))
        clock.advance(seconds=11)
        return await asyncio.wait_for(ticking, timeout=5)

    [outcome] = asyncio.run(main())
    assert outcome.status == "interrupted"  # never two runs of one agent on one tenant at once
    state = db.get_state(store, "ca-optimizer", "demo")
    assert state and state.lease_owner == "other:1"  # and the new holder's lease is left alone
