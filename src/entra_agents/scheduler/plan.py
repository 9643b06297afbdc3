"""What a scheduler runs, and when each trigger is next due.

The plan is the stored entries (``schedule add``) plus, for tenants given on ``schedule run``'s command line,
every scheduled agent not stored for them. Entries from the command line get the manifest's period and no
activity trigger; their state (anchor, last runs, lease) is stored like any other, so restarts and second
schedulers treat them the same.

Periodic runs fall on a grid anchored when the agent was first scheduled on the tenant (as Microsoft's agent
anchors its daily run to the first configuration): the next run is the first grid point after the last
periodic run that counted. After downtime that point is in the past, so one catch-up run happens, and the run
after it is back on the grid: never one run per missed period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from entra_agents.errors import UsageError
from entra_agents.scheduler.activity import ActivityRule, rule
from entra_agents.store.schedules import ScheduleState, StoredEntry


@dataclass(frozen=True)
class Entry:
    agent: str
    tenant: str
    period_seconds: int  # 0: no periodic runs
    activity: ActivityRule | None
    stored: bool  # False: from this scheduler's command line

    @property
    def key(self) -> tuple[str, str]:
        return self.agent, self.tenant

    def describe(self) -> str:
        parts = [f"every {format_period(self.period_seconds)}"] if self.period_seconds else []
        if self.activity:
            parts.append(f"on activity {self.activity.name}")
        return ", ".join(parts) or "nothing (manual only)"


def manifest_period(catalog: Any, agent: str) -> int:
    """The agent's ``DefaultPeriodSeconds`` (``DefaultPollPeriodSeconds``): its first trigger's, as the runner
    runs the first trigger."""
    triggers = catalog.agent(agent).triggers
    return int(triggers[0].period_seconds) if triggers else 0


def build_plan(catalog: Any, stored: Iterable[StoredEntry], *, tenants: list[str], agents: list[str]) -> list[Entry]:
    """Stored entries, narrowed to ``tenants`` and ``agents`` when given, plus each command-line tenant with
    each of ``agents`` (default: every agent with a period) that has no stored entry for it."""
    for name in agents:
        catalog.agent(name)  # an unknown name on the command line is an error, with the closest match
    plan: list[Entry] = []
    for e in stored:
        if (tenants and e.tenant not in tenants) or (agents and e.agent not in agents) or e.agent not in catalog.agents:
            continue
        period = e.period_seconds if e.period_seconds is not None else manifest_period(catalog, e.agent)
        plan.append(Entry(e.agent, e.tenant, period, rule(e.activity) if e.activity else None, stored=True))
    known = {e.key for e in plan}
    periodic = agents or sorted(n for n in catalog.agents if manifest_period(catalog, n) > 0)
    for tenant in tenants:
        for name in periodic:
            if (name, tenant) in known:
                continue
            period = manifest_period(catalog, name)
            if period <= 0:
                raise UsageError(f"agent `{name}` declares no period (DefaultPeriodSeconds 0: manual runs only); "
                                 f"schedule it with `entra-agents schedule add {name} --tenant {tenant} --every ...`")
            plan.append(Entry(name, tenant, period, None, stored=False))
    return plan


def next_periodic(entry: Entry, state: ScheduleState) -> datetime | None:
    """When the next periodic run is due (in the past when it is overdue); None without a period."""
    if entry.period_seconds <= 0:
        return None
    if state.periodic_started is None:
        return state.anchor
    period = timedelta(seconds=entry.period_seconds)
    steps = max(0, (state.periodic_started - state.anchor) // period) + 1
    return state.anchor + steps * period


def activity_since(state: ScheduleState) -> datetime:
    """Changes after this moment count towards an activity run: anything earlier was seen by the last run."""
    return max(t for t in (state.anchor, state.periodic_started, state.activity_started) if t is not None)


def cooldown_until(entry: Entry, state: ScheduleState) -> datetime | None:
    if entry.activity is None or state.activity_started is None:
        return None
    return state.activity_started + timedelta(seconds=entry.activity.cooldown_seconds)


_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def parse_period(text: str) -> int:
    """``3600``, ``90s``, ``30m``, ``6h``, ``1d`` -> seconds (at least 60: a tighter loop is a mistake)."""
    match = re.fullmatch(r"(\d+)([smhd]?)", text.strip().lower())
    if match is None:
        raise UsageError(f"--every {text!r}: expected seconds or a number with s, m, h or d (e.g. 6h)")
    seconds = int(match[1]) * dict(_UNITS).get(match[2], 1)
    if seconds < 60:
        raise UsageError(f"--every {text!r}: at least 60 seconds")
    return seconds


def format_period(seconds: int) -> str:
    for unit, factor in _UNITS:
        if seconds >= factor and seconds % factor == 0:
            return f"{seconds // factor}{unit}"
    return f"{seconds}s"
