"""The agent summary over a window: runs, suggestions by status and priority, coverage trend, sign-ins, usage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from entra_agents.reports.summary import agent_summary, render_summary_text
from entra_agents.store import Store
from entra_agents.suggestions.lifecycle import transition
from tests.reports.sample_run import make_run


def _store() -> Store:
    store = Store()
    make_run(store, users=["u1", "u2", "u3"], n_suggestions=3, first_suggestion=1)
    make_run(store, status="failed", n_suggestions=0, users=[])  # failed: counted, but not a coverage change
    make_run(store, users=["u1"], n_suggestions=2, first_suggestion=10)
    make_run(store, tenant_id="tenant-2", users=["x1", "x2"], n_suggestions=1, first_suggestion=20)
    other = store.create_run(agent="access-review", tenant_id="tenant-1", tenant_name="t", tenant_source="demo",
                             model="offline")
    store.finish_run(other, status="succeeded", usage={"promptTokens": 99999})
    by_title = {s["title"].split(" Evil")[0]: s for s in store.list_suggestions()}
    store.update_suggestion(by_title["Suggestion 2"]["id"], status="applied")  # high, with an impact estimate
    store.update_suggestion(by_title["Suggestion 10"]["id"], status="dismissed")
    return store


def test_summary_of_one_tenant() -> None:
    store = _store()
    summary = agent_summary(store, "ca-optimizer", "tenant-1", now=datetime.now(UTC) + timedelta(hours=1))
    json.dumps(summary)  # the --json output
    assert summary["runs"]["total"] == 3 and summary["runs"]["byStatus"] == {"succeeded": 2, "failed": 1}
    assert summary["unprotected"]["users"] == {"first": 3, "last": 1, "change": -2}
    assert summary["unprotected"]["apps"] == {"first": 3, "last": 3, "change": 0}
    suggestions = summary["suggestions"]
    assert suggestions["created"] == {"total": 5, "byPriority": {"high": 2, "medium": 1, "low": 2}}
    assert list(suggestions["created"]["byPriority"]) == ["high", "medium", "low"]
    assert suggestions["applied"] == {"total": 1, "byPriority": {"high": 1}}
    assert suggestions["dismissed"] == {"total": 1, "byPriority": {"low": 1}}
    assert suggestions["open"] == {"total": 3, "byPriority": {"high": 1, "medium": 1, "low": 1}}
    assert suggestions["reviewed"]["total"] == suggestions["snoozed"]["total"] == 0
    # Suggestion 2 (applied) and 11 (open, high) carry the sample impact: 40 affected sign-ins each.
    assert summary["signIns"] == {"protected": 40, "wouldProtect": 40, "estimatedSuggestions": 2}
    assert summary["usage"] == {"modelCalls": 9, "promptTokens": 3600, "completionTokens": 900}


def test_summary_of_all_tenants_sums_per_tenant_trends() -> None:
    summary = agent_summary(_store(), "ca-optimizer", None, now=datetime.now(UTC) + timedelta(minutes=5))
    assert summary["runs"]["total"] == 4
    assert summary["unprotected"]["users"] == {"first": 5, "last": 3, "change": -2}
    assert summary["suggestions"]["created"]["total"] == 6


def test_applied_and_dismissed_count_when_the_history_says_it_happened() -> None:
    store = _store()
    open_ones = store.list_suggestions(tenant_id="tenant-1", status="open")
    long_ago = datetime.now(UTC) - timedelta(days=40)
    store.change_suggestion(open_ones[0]["id"], lambda doc, at: transition(doc, "dismiss", by="admin", at=long_ago))
    store.change_suggestion(open_ones[1]["id"], lambda doc, at: transition(doc, "apply", by="admin", at=at))
    summary = agent_summary(store, "ca-optimizer", "tenant-1", now=datetime.now(UTC) + timedelta(hours=1))
    assert summary["suggestions"]["dismissed"]["total"] == 1  # the one dismissed 40 days ago is outside
    assert summary["suggestions"]["applied"]["total"] == 2
    assert summary["suggestions"]["open"]["total"] == 1


def test_window_excludes_older_runs() -> None:
    later = datetime.now(UTC) + timedelta(days=31)
    summary = agent_summary(_store(), "ca-optimizer", "tenant-1", days=30, now=later)
    assert summary["runs"]["total"] == 0 and summary["suggestions"]["created"]["total"] == 0
    assert summary["unprotected"]["users"] == {"first": 0, "last": 0, "change": 0}
    assert "No runs in this window" in render_summary_text(summary)


def test_summary_text() -> None:
    summary = agent_summary(_store(), "ca-optimizer", "tenant-1", days=7, now=datetime.now(UTC) + timedelta(hours=1))
    text = render_summary_text(summary)
    assert text.splitlines()[0].startswith("ca-optimizer, tenant-1, last 7 days (")
    assert "Runs               3 (1 failed, 2 succeeded)" in text
    assert "Unprotected users  3 -> 1 (-2) between the first and last successful run" in text
    assert "applied   1 (high 1)" in text
    assert "40 protected by applied suggestions, 40 more if the open, reviewed and snoozed ones were applied" in text
    assert "3600 prompt + 900 completion tokens in 9 model calls" in text
