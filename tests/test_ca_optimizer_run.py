"""End to end: the CA optimization agent on the demo tenant, offline, through the real CLI and store."""

from __future__ import annotations

from tests.helpers import cli, cli_json

PLANTED = {"COV-01", "COV-08", "COV-10"}
SUGGESTION_KEYS = {"id", "fingerprint", "kind", "check", "title", "priority", "status", "rationale", "affected",
                   "policy", "targetPolicyId", "changes", "runId", "created"}
FINDING_KEYS = {"check", "status", "severity", "title", "summary", "affected", "evidence"}
AFFECTED_KEYS = {"users", "groups", "roles", "apps", "servicePrincipals", "policies"}


def test_run_json_contract_and_one_suggestion_per_planted_gap() -> None:
    doc = cli_json("run", "ca-optimizer", "--tenant", "demo")
    run = doc["run"]
    assert set(run) == {"id", "agent", "tenant", "model", "status", "started", "finished", "usage"}
    assert run["agent"] == "ca-optimizer" and run["model"] == "offline" and run["status"] == "succeeded"
    assert run["usage"]["items"] == len(PLANTED)

    # the demo also fails baseline checks beyond the agent's scope (phishing resistance, devices...): scanned and
    # stored, never suggested by this agent (skills/ca_optimizer.AGENT_CHECKS)
    assert {f["check"] for f in doc["findings"] if f["status"] == "fail"} >= PLANTED
    for finding in doc["findings"]:
        assert set(finding) == FINDING_KEYS and set(finding["affected"]) == AFFECTED_KEYS

    suggestions = doc["suggestions"]
    assert sorted(s["check"] for s in suggestions) == sorted(PLANTED)
    for s in suggestions:
        assert set(s) == SUGGESTION_KEYS
        assert s["kind"] == "new_policy" and s["status"] == "open" and s["runId"] == run["id"]
        assert s["policy"]["state"] == "enabledForReportingButNotEnforced"
        assert s["policy"]["conditions"]["users"]["excludeUsers"], "break-glass accounts must be excluded"
        assert len(s["rationale"]) > 40


def test_second_run_suggests_nothing_new() -> None:
    first = cli_json("run", "ca-optimizer", "--tenant", "demo")
    second = cli_json("run", "ca-optimizer", "--tenant", "demo")
    assert len(first["suggestions"]) == len(PLANTED)
    assert second["suggestions"] == [] and second["run"]["status"] == "succeeded"
    assert len(cli_json("suggestions", "list", "--tenant", "demo")) == len(PLANTED)


def test_analyze_json_contract() -> None:
    doc = cli_json("analyze", "--tenant", "demo")
    assert set(doc) == {"tenant", "findings"} and set(doc["tenant"]) == {"id", "displayName"}
    assert {f["check"] for f in doc["findings"]} >= PLANTED


def test_runs_show_tells_the_chain_of_reasoning_in_order() -> None:
    run_id = cli_json("run", "ca-optimizer", "--tenant", "demo")["run"]["id"]
    code, out, _ = cli("runs", "show", run_id[:8])
    assert code == 0
    order = [out.index(marker) for marker in ("scan ", "fetch ", "task ", "model   asks for", "tool    ", "suggest ")]
    assert order == sorted(order)
    trace = cli_json("runs", "show", run_id)["trace"]
    kinds = [e["kind"] for e in trace]
    assert kinds.count("suggestion") == len(PLANTED)
    calls = [e for e in trace if e["kind"] == "tool_call"]
    assert all({"arguments", "result", "durationMs"} <= set(e) for e in calls)


def test_human_output_shows_suggestions_with_rationale() -> None:
    code, out, _ = cli("run", "ca-optimizer", "--tenant", "demo")
    assert code == 0
    assert "Suggestions from this run: 3" in out and out.count("Why: ") == 3
    # A repeated run (a second `make demo`) still shows what is open, with rationale, without re-suggesting.
    code, out, _ = cli("run", "ca-optimizer", "--tenant", "demo")
    assert "Suggestions from this run: 0" in out and "Still open from earlier runs" in out
    assert out.count("Why: ") == 3
    code, out, _ = cli("suggestions", "list", "--tenant", "demo")
    assert code == 0 and out.count("new_policy") == len(PLANTED)


def test_unknown_agent_and_model_are_usage_errors() -> None:
    code, _, err = cli("run", "nope", "--tenant", "demo")
    assert code == 2 and "nope" in err and "ca-optimizer" in err
    code, _, err = cli("run", "ca-optimizer", "--tenant", "demo", "--model", "gpt5")
    assert code == 2 and "unknown model kind" in err


def test_suggestions_show_prints_the_policy_json() -> None:
    suggestion = cli_json("run", "ca-optimizer", "--tenant", "demo")["suggestions"][0]
    code, out, _ = cli("suggestions", "show", suggestion["id"][:8])
    assert code == 0
    assert '"state": "enabledForReportingButNotEnforced"' in out and suggestion["rationale"][:40] in out
    assert cli_json("suggestions", "show", suggestion["id"])["policy"] == suggestion["policy"]
