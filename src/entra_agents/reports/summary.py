"""An agent's summary over a window (30 days by default), like the "Agent summary" tile of Microsoft's agent.

``agent_summary`` returns a JSON-ready dict (the `agents summary --json` output):

- ``runs``: total, by status, first and last start in the window;
- ``suggestions``: this agent's suggestions, each bucket ``{"total", "byPriority"}``: ``created`` in the window;
  ``applied`` and ``dismissed`` in the window (when their history says the action happened; without a history,
  when they were created) and still in that status; ``open``, ``reviewed`` and ``snoozed``: the backlog as stored
  now, whenever it was created;
- ``unprotected``: distinct users and apps the coverage checks left unprotected, in the first and in the last
  successful run of the window (per tenant, summed), and the change;
- ``signIns``: sign-ins the suggestions would protect, where their ``impact`` estimates it: ``protected`` by
  the suggestions applied in the window, ``wouldProtect`` by the backlog, and how many of those had an estimate;
- ``usage``: model calls and tokens summed over the runs.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from entra_agents.reports.data import PRIORITIES, parse_time, unprotected
from entra_agents.reports.text import one_line

JSON = dict[str, Any]
# The store lists runs newest first with a limit; a summary wants all of them, then filters.
ALL_RUNS = 1_000_000
USAGE_KEYS = ("modelCalls", "promptTokens", "completionTokens")
# Status -> the history action that sets it (suggestions.lifecycle); these count when the action happened.
ACTED = {"applied": "apply", "dismissed": "dismiss"}
BACKLOG = ("open", "reviewed", "snoozed")


class SummaryStore(Protocol):
    def list_runs(self, limit: int = 20) -> list[JSON]: ...
    def findings(self, run_id: str) -> list[JSON]: ...
    def list_suggestions(self, *, tenant_id: str | None = None) -> list[JSON]: ...


def agent_summary(store: SummaryStore, agent: str, tenant_id: str | None, days: int = 30,
                  now: datetime | None = None) -> dict[str, Any]:
    end = now or datetime.now(UTC)
    start = end - timedelta(days=days)
    mine = [r for r in store.list_runs(ALL_RUNS)
            if r["agent"] == agent and (tenant_id is None or r["tenant"]["id"] == tenant_id)]
    runs = sorted((r for r in mine if start <= parse_time(r["started"]) <= end), key=lambda r: r["started"])
    run_ids = {r["id"] for r in mine}  # a suggestion belongs to the agent whose run created it
    suggestions = [s for s in store.list_suggestions(tenant_id=tenant_id) if s.get("runId") in run_ids]
    buckets = _suggestion_buckets(suggestions, start, end)
    return {
        "agent": agent, "tenant": tenant_id, "days": days,
        "from": _iso(start), "to": _iso(end),
        "runs": {"total": len(runs), "byStatus": dict(Counter(r["status"] for r in runs)),
                 "first": runs[0]["started"] if runs else None, "last": runs[-1]["started"] if runs else None},
        "suggestions": {name: _bucket(found) for name, found in buckets.items()},
        "unprotected": _trend(store, runs),
        "signIns": _sign_ins(buckets["applied"], [s for status in BACKLOG for s in buckets[status]]),
        "usage": {key: sum(int((r.get("usage") or {}).get(key) or 0) for r in runs) for key in USAGE_KEYS},
    }


def _suggestion_buckets(suggestions: list[JSON], start: datetime, end: datetime) -> dict[str, list[JSON]]:
    buckets = {"created": [s for s in suggestions if start <= parse_time(s["created"]) <= end]}
    for status, action in ACTED.items():
        buckets[status] = [s for s in suggestions
                           if s.get("status") == status and start <= _acted_at(s, action) <= end]
    for status in BACKLOG:
        buckets[status] = [s for s in suggestions if s.get("status") == status]
    return buckets


def _acted_at(suggestion: JSON, action: str) -> datetime:
    times = [parse_time(e["at"]) for e in suggestion.get("history") or [] if e.get("action") == action]
    return max(times) if times else parse_time(suggestion["created"])


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _bucket(suggestions: list[JSON]) -> JSON:
    counts = Counter(str(s.get("priority")) for s in suggestions)
    order = [p for p in PRIORITIES if p in counts] + sorted(set(counts) - set(PRIORITIES))
    return {"total": len(suggestions), "byPriority": {p: counts[p] for p in order}}


def _trend(store: SummaryStore, runs: list[JSON]) -> JSON:
    # First and last successful run per tenant: a failed run's findings are partial, not a coverage change.
    firsts: dict[str, JSON] = {}
    lasts: dict[str, JSON] = {}
    for run in runs:
        if run["status"] in ("succeeded", "partial"):  # a partial run still scanned everything
            firsts.setdefault(run["tenant"]["id"], run)
            lasts[run["tenant"]["id"]] = run
    first = [_counts(store, r["id"]) for r in firsts.values()]
    last = [_counts(store, r["id"]) for r in lasts.values()]
    trend: JSON = {"runsCompared": {"first": [r["id"] for r in firsts.values()],
                                    "last": [r["id"] for r in lasts.values()]}}
    for index, kind in enumerate(("users", "apps")):
        before, after = sum(c[index] for c in first), sum(c[index] for c in last)
        trend[kind] = {"first": before, "last": after, "change": after - before}
    return trend


def _counts(store: SummaryStore, run_id: str) -> tuple[int, int]:
    users, apps = unprotected(store.findings(run_id))
    return len(users), len(apps)


def _sign_ins(applied: list[JSON], backlog: list[JSON]) -> JSON:
    def affected(suggestions: list[JSON]) -> int:
        return sum(int(s["impact"].get("signInsAffected") or 0) for s in suggestions if _estimated(s))

    return {"protected": affected(applied), "wouldProtect": affected(backlog),
            "estimatedSuggestions": sum(1 for s in applied + backlog if _estimated(s))}


def _estimated(suggestion: JSON) -> bool:
    return isinstance(suggestion.get("impact"), dict)


def render_summary_text(summary: dict[str, Any]) -> str:
    runs, sugg, trend = summary["runs"], summary["suggestions"], summary["unprotected"]
    tenant = one_line(summary["tenant"]) if summary["tenant"] else "all tenants"
    statuses = ", ".join(f"{n} {one_line(s)}" for s, n in sorted(runs["byStatus"].items()))
    usage, sign_ins = summary["usage"], summary["signIns"]
    lines = [
        (f"{one_line(summary['agent'])}, {tenant}, last {summary['days']} days "
         f"({summary['from'][:10]} to {summary['to'][:10]})"),
        f"Runs               {runs['total']}" + (f" ({statuses})" if statuses else ""),
        f"Unprotected users  {_change(trend['users'])}",
        f"Unprotected apps   {_change(trend['apps'])}",
        f"Suggestions        created {_priorities(sugg['created'])}",
        *(f"                   {status:<9} {_priorities(sugg[status])}" for status in (*ACTED, *BACKLOG)),
        (f"Sign-ins           {sign_ins['protected']} protected by applied suggestions, "
         f"{sign_ins['wouldProtect']} more if the open, reviewed and snoozed ones were applied "
         f"(estimates from {sign_ins['estimatedSuggestions']} suggestions)"),
        (f"Model usage        {usage['promptTokens']} prompt + {usage['completionTokens']} completion tokens "
         f"in {usage['modelCalls']} model calls"),
    ]
    if not runs["total"]:
        lines.append(f"No runs in this window: try `entra-agents run {one_line(summary['agent'])} --tenant ...`")
    return "\n".join(lines)


def _change(figures: JSON) -> str:
    change = figures["change"]
    return f"{figures['first']} -> {figures['last']} ({change:+d}) between the first and last successful run"


def _priorities(bucket: JSON) -> str:
    detail = ", ".join(f"{one_line(p)} {n}" for p, n in bucket["byPriority"].items())
    return f"{bucket['total']}" + (f" ({detail})" if detail else "")
