"""`agents summary` over the store, and run warnings in the text output."""

from __future__ import annotations

from tests.helpers import cli, cli_json


def test_summary_counts_the_runs_and_suggestions_of_the_window() -> None:
    run = cli_json("run", "ca-optimizer", "--tenant", "demo")
    summary = cli_json("agents", "summary", "ca-optimizer", "--tenant", "demo")
    assert summary["runs"]["total"] == 1 and summary["days"] == 30
    assert summary["suggestions"]["created"]["total"] == len(run["suggestions"]) > 0
    code, out, _ = cli("agents", "summary", "ca-optimizer")
    assert code == 0 and "ca-optimizer, all tenants, last 30 days" in out
    code, _, err = cli("agents", "summary", "ca-optimizer", "--days", "0")
    assert code == 2 and "--days 0" in err


def test_run_prints_its_warnings() -> None:
    code, _, err = cli("agents", "configure", "ca-optimizer", "--set",
                       'CustomInstructions=Treat group "No Such Group" as high priority')
    assert code == 0, err
    code, out, err = cli("run", "ca-optimizer", "--tenant", "demo")
    assert code == 0, err
    assert "warning: " in out and "No Such Group" in out
