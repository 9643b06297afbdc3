"""`schedule status`: the plan as stored, with next runs, last outcomes and who is running what now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from entra_agents.scheduler.activity import rule
from entra_agents.scheduler.plan import (
    Entry,
    activity_since,
    cooldown_until,
    manifest_period,
    next_periodic,
)
from entra_agents.store.db import iso
from entra_agents.store.schedules import ScheduleState, StoredEntry


def status_rows(catalog: Any, stored: list[StoredEntry], states: list[ScheduleState], now: datetime
                ) -> list[dict[str, Any]]:
    """One row per agent and tenant that is stored or has been scheduled from a command line."""
    by_key = {(s.agent, s.tenant): s for s in states}
    rows = []
    entries = [_entry(catalog, e.agent, e.tenant, e) for e in stored]
    known = {(e.agent, e.tenant) for e in stored}
    entries += [_entry(catalog, s.agent, s.tenant, None) for s in states if (s.agent, s.tenant) not in known]
    for entry in entries:
        state = by_key.get(entry.key)
        rows.append(_row(entry, state, now))
    return sorted(rows, key=lambda r: (r["agent"], r["tenant"]))


def _entry(catalog: Any, agent: str, tenant: str, stored: StoredEntry | None) -> Entry:
    known = agent in catalog.agents
    period = stored.period_seconds if stored and stored.period_seconds is not None else (
        manifest_period(catalog, agent) if known else 0)
    activity = rule(stored.activity) if stored and stored.activity else None
    return Entry(agent, tenant, period, activity, stored=stored is not None)


def _row(entry: Entry, state: ScheduleState | None, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {
        "agent": entry.agent, "tenant": entry.tenant, "source": "stored" if entry.stored else "command line",
        "triggers": entry.describe(), "everySeconds": entry.period_seconds or None,
        "activity": None, "nextRun": None, "last": None, "lease": None}
    if state is None:
        return row
    due = next_periodic(entry, state)
    row["nextRun"] = iso(max(due, now)) if due else None
    if entry.activity is not None:
        row["activity"] = {"rule": entry.activity.name, "countingSince": iso(activity_since(state)),
                           "cooldownUntil": iso(cooldown_until(entry, state))}
    if state.last_status is not None:
        row["last"] = {"status": state.last_status, "trigger": state.last_trigger, "started": iso(state.last_started),
                       "finished": iso(state.last_finished), "runId": state.last_run_id, "error": state.last_error}
    if state.lease_owner is not None:
        row["lease"] = {"owner": state.lease_owner, "trigger": state.lease_trigger, "since": iso(state.lease_started),
                        "expires": iso(state.lease_expires), "runId": state.lease_run_id,
                        "expired": not state.leased(now)}
    return row


def render(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["nothing scheduled: `entra-agents schedule add AGENT --tenant T`, or `schedule run --tenant T`"]
    lines = []
    for r in rows:
        lines.append(f"{r['agent']} on {r['tenant']}  ({r['source']}: {r['triggers']})")
        lease = r["lease"]
        if lease and not lease["expired"]:
            run = f", run {lease['runId'][:8]}" if lease["runId"] else ""
            lines.append(f"    running    {lease['trigger']} since {_t(lease['since'])} on {lease['owner']}{run}")
        elif lease:
            lines.append(f"    stale      lease of {lease['owner']} expired {_t(lease['expires'])}: the next "
                         "scheduler records its run as interrupted")
        lines.append(f"    next run   {_t(r['nextRun']) or ('on activity only' if r['activity'] else '-')}")
        if r["activity"]:
            cooldown = r["activity"]["cooldownUntil"]
            lines.append(f"    activity   {r['activity']['rule']}: changes since {_t(r['activity']['countingSince'])}"
                         + (f"; no activity run before {_t(cooldown)}" if cooldown else ""))
        last = r["last"]
        if last:
            run = f", run {last['runId'][:8]}" if last["runId"] else ""
            error = f": {last['error']}" if last["error"] and last["status"] != "succeeded" else ""
            lines.append(f"    last       {last['status']} ({last['trigger']}{run}) {_t(last['started'])} -> "
                         f"{_t(last['finished'])}{error}")
        else:
            lines.append("    last       never run")
    return lines


def _t(value: str | None) -> str | None:
    """A stored time to the second, for reading (JSON keeps the full value)."""
    return f"{value[:19]}Z" if value else None
