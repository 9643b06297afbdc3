"""The activity trigger: 3 qualifying Conditional Access changes start a run; at most one per 6 hours."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from entra_agents.scheduler.activity import CA_POLICY_CHANGES
from entra_agents.scheduler.plan import Entry
from entra_agents.store import Store
from tests.scheduler.helpers import (
    DAY,
    T0,
    FakeAudits,
    FakeClock,
    FakeExecutor,
    db_url,
    scheduler,
)

ENTRY = Entry("ca-optimizer", "demo", DAY, CA_POLICY_CHANGES, stored=True)


def test_three_changes_start_a_run_and_the_cooldown_holds_the_next(tmp_path: Any) -> None:
    clock, audits = FakeClock(), FakeAudits()
    store = Store(db_url(tmp_path))
    executor = FakeExecutor(store, clock)
    s = scheduler(store, [ENTRY], clock, executor, audits)

    def tick() -> list[str]:
        return [o.trigger for o in asyncio.run(s.tick())]

    assert tick() == ["periodic"]  # first pass: the daily run, anchored now
    audits.change(T0 + timedelta(minutes=3))
    audits.change(T0 + timedelta(minutes=4))
    clock.advance(minutes=5)
    assert tick() == []  # two changes are not enough
    audits.change(T0 + timedelta(minutes=6))
    clock.advance(minutes=2)
    assert tick() == [] and len(audits.polls) == 1  # the third change waits for the next 5-minute poll
    clock.advance(minutes=3)
    assert tick() == ["activity"]
    activity_run = clock.now()

    for minutes in (20, 30, 40):  # three more changes, well within 6 hours
        audits.change(activity_run + timedelta(minutes=minutes))
    polls = len(audits.polls)
    for _ in range(12):
        clock.advance(minutes=25)
        assert tick() == []
    assert len(audits.polls) == polls  # no polling while no run could start anyway
    clock.advance(hours=1)  # 6 h 5 min after the activity run
    assert tick() == ["activity"]  # the cooldown is over and the changes made meanwhile still count
    assert executor.calls[-1][2] >= activity_run + timedelta(hours=6)


def test_changes_before_the_daily_run_do_not_trigger_another(tmp_path: Any) -> None:
    clock, audits = FakeClock(), FakeAudits()
    store = Store(db_url(tmp_path))
    s = scheduler(store, [ENTRY], clock, FakeExecutor(store, clock), audits)
    for minutes in (1, 2, 3):
        audits.change(T0 - timedelta(minutes=minutes))
    assert [o.trigger for o in asyncio.run(s.tick())] == ["periodic"]
    clock.advance(minutes=5)
    assert asyncio.run(s.tick()) == []  # the daily run has seen them


def test_only_changes_to_enabled_policies_by_conditional_access_qualify() -> None:
    audits = FakeAudits()
    audits.change(T0, "Add conditional access policy")
    audits.change(T0, "Delete conditional access policy")
    audits.change(T0, "Update conditional access policy", state="enabledForReportingButNotEnforced")
    audits.change(T0, "Update named location")
    audits.change(T0 - timedelta(hours=1))
    audits.events.append({**audits.events[0], "result": "failure"})
    audits.events.append({**audits.events[0], "category": "UserManagement"})
    unknown = {**audits.events[0], "targetResources": []}  # no policy in the audit: counted, not guessed away
    audits.events.append(unknown)
    found = CA_POLICY_CHANGES.qualifying(audits.events, T0 - timedelta(minutes=1))
    assert [a["activityDisplayName"] for a in found] == ["Add conditional access policy",
                                                         "Delete conditional access policy",
                                                         "Add conditional access policy"]
    assert found[-1] is unknown


def test_the_graph_filter_stays_within_what_graph_documents() -> None:
    assert CA_POLICY_CHANGES.graph_filter(T0) == ("activityDateTime ge 2026-03-02T09:00:00Z and "
                                                   "loggedByService eq 'Conditional Access'")
