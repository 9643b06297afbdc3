"""An agent's summary over a window (30 days by default), like the "Agent summary" tile of Microsoft's agent.

``agent_summary`` returns a JSON-ready dict (the `agents summary --json` output):

- ``runs``: total, by status, first and last start in the window;
- ``suggestions``: the suggestions this agent created in the window, each bucket ``{"total", "byPriority"}``:
  ``created`` (all of them), and by their current status ``open``, ``applied``, ``dismissed``;
- ``unprotected``: distinct users and apps the coverage checks left unprotected, in the first and in the last
  successful run of the window (per tenant, summed), and the change;
- ``signIns``: sign-ins the suggestions would protect, where their ``impact`` estimates it: ``protected`` by
  applied suggestions, ``wouldProtect`` by open ones, and how many suggestions had an estimate;
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
STATUSES = ("open", "applied", "dismissed")


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
    suggestions = [s for s in store.list_suggestions(tenant_id=tenant_id)
                   if s.get("runId") in run_ids and start <= parse_time(s["created"]) <= end]
    return {
        "agent": agent, "tenant": tenant_id, "days": days,
        "from": _iso(start), "to": _iso(end),
        "runs": {"total": len(runs), "byStatus": dict(Counter(r["status"] for r in runs)),
                 "first": runs[0]["started"] if runs else None, "last": runs[-1]["started"] if runs else None},
        "suggestions": {"created": _bucket(suggestions),
                        **{status: _bucket([s for s in suggestions if s.get("status") == status])
                           for status in STATUSES}},
        "unprotected": _trend(store, runs),
        "signIns": _sign_ins(suggestions),
        "usage": {key: sum(int((r.get("usage") or {}).get(key) or 0) for r in runs) for key in USAGE_KEYS},
    }


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
        if run["status"] == "succeeded":
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


def _sign_ins(suggestions: list[JSON]) -> JSON:
    estimated = [s for s in suggestions if isinstance(s.get("impact"), dict)]

    def affected(status: str) -> int:
        return sum(int(s["impact"].get("signInsAffected") or 0) for s in estimated if s.get("status") == status)

    return {"protected": affected("applied"), "wouldProtect": affected("open"), "estimatedSuggestions": len(estimated)}


def render_summary_text(summary: dict[str, Any]) -> str:
    runs, sugg, trend = summary["runs"], summary["suggestions"], summary["unprotected"]
    tenant = one_line(summary["tenant"]) if summary["tenant"] else "all tenants"
    statuses = ", ".join(f"{n} {one_line(s)}" for s, n in sorted(runs["byStatus"].items()))
    usage, sign_ins = summary["usage"], summary["signIns"]
    lines = [
        f"{one_line(summary['agent'])}, {tenant}, last {summary['days']} days "
        f"({summary['from'][:10]} to {summary['to'][:10]})",
        f"Runs               {runs['total']}" + (f" ({statuses})" if statuses else ""),
        f"Unprotected users  {_change(trend['users'])}",
        f"Unprotected apps   {_change(trend['apps'])}",
        f"Suggestions        created {_priorities(sugg['created'])}",
        *(f"                   {status:<9} {_priorities(sugg[status])}" for status in STATUSES),
        f"Sign-ins           {sign_ins['protected']} protected by applied suggestions, "
        f"{sign_ins['wouldProtect']} more if the open ones were applied "
        f"(estimates from {sign_ins['estimatedSuggestions']} suggestions)",
        f"Model usage        {usage['promptTokens']} prompt + {usage['completionTokens']} completion tokens "
        f"in {usage['modelCalls']} model calls",
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
