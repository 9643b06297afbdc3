"""`suggestions apply|enable` through the real CLI against a running Graph simulator (`--tenant graph:URL`)."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any

import pytest

from entra_agents.cli import suggestions_apply
from entra_agents.graph import live
from entra_agents.graph.client import make_graph_client
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.store import Store
from entra_agents.suggestions.diff import property_diff
from tests.helpers import FakeCredential, clear_live_env, cli, cli_json
from tests.suggestions.builders import (
    CA001,
    DEMO,
    POLICIES,
    add,
    demo_policy,
    graph_get,
    graph_patch,
    modify_suggestion,
    new_policy_suggestion,
)
from tests.test_cli_auth import APP_TOKEN, USER_TOKEN

REPORT_ONLY = "enabledForReportingButNotEnforced"


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    with GraphSimulator(DEMO) as server:
        yield server


@pytest.fixture
def store() -> Store:
    return Store()


def _writes(sim: GraphSimulator) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in sim.writes]


def _apply(sim: GraphSimulator, sid: str, *extra: str) -> tuple[int, str, str]:
    return cli("suggestions", "apply", sid, "--tenant", f"graph:{sim.base_url}", *extra)


def test_apply_modify_changes_exactly_the_diffed_properties(sim: GraphSimulator, store: Store) -> None:
    suggestion = modify_suggestion(store)
    before = graph_get(sim.base_url, f"{POLICIES}/{CA001}")
    code, out, err = _apply(sim, suggestion["id"][:8], "--yes")
    assert (code, err) == (0, "")
    after = graph_get(sim.base_url, f"{POLICIES}/{CA001}")
    assert property_diff(before, after) == suggestion["changes"]  # modifiedDateTime is ignored by the diff
    assert after["state"] == before["state"] == "enabled"
    assert _writes(sim) == [("PATCH", f"{POLICIES}/{CA001}")]
    assert "+ conditions.users.excludeGroups: 377e9270" in out
    assert "- conditions.clientAppTypes: browser, mobileAppsAndDesktopClients" in out
    assert '~ sessionControls: null -> {"signInFrequency":{"isEnabled":true' in out
    stored = cli_json("suggestions", "show", suggestion["id"])
    assert stored["status"] == "applied" and stored["appliedPolicyId"] == CA001
    entry = stored["history"][-1]
    assert entry["action"] == "apply" and entry["by"].endswith("(local OS user)")
    assert CA001 in entry["detail"] and entry["at"].endswith("Z")


def test_apply_twice_writes_once(sim: GraphSimulator, store: Store) -> None:
    suggestion = modify_suggestion(store)
    assert _apply(sim, suggestion["id"], "--yes")[0] == 0
    code, out, _ = _apply(sim, suggestion["id"], "--yes")
    assert code == 0 and "already applied" in out and "nothing was written" in out
    # the same change stored again (as after a crash between the write and the record): found, not rewritten
    again = modify_suggestion(store)
    code, out, _ = _apply(sim, again["id"], "--yes")
    assert code == 0 and "already holds these changes" in out
    assert len(_writes(sim)) == 1
    assert cli_json("suggestions", "show", again["id"])["status"] == "applied"


def test_drift_is_refused_and_nothing_written(sim: GraphSimulator, store: Store) -> None:
    suggestion = modify_suggestion(store)
    graph_patch(sim.base_url, f"{POLICIES}/{CA001}", {"conditions": {
        **graph_get(sim.base_url, f"{POLICIES}/{CA001}")["conditions"], "clientAppTypes": ["browser"]}})
    code, _, err = _apply(sim, suggestion["id"], "--yes")
    assert code == 2
    assert "conditions.clientAppTypes no longer holds mobileAppsAndDesktopClients" in err
    assert "re-run the agent" in err
    assert "Nothing was written" in err and len(_writes(sim)) == 1  # only the test's own edit
    assert cli_json("suggestions", "show", suggestion["id"])["status"] == "open"


def test_a_state_change_is_never_applied(sim: GraphSimulator, store: Store) -> None:
    suggestion = add(store, {"kind": "modify_policy", "check": "HYG-01", "title": "Turn CA001 off",
                             "targetPolicyId": CA001,
                             "changes": [{"op": "replace", "path": "state", "before": "enabled", "after": "disabled"}]})
    code, _, err = _apply(sim, suggestion["id"], "--yes")
    assert code == 2 and "would change the policy's state" in err and _writes(sim) == []


def test_new_policy_is_created_report_only_and_reused_by_name(sim: GraphSimulator, store: Store) -> None:
    suggestion = new_policy_suggestion(store)
    code, out, err = _apply(sim, suggestion["id"], "--yes")
    assert (code, err) == (0, "")
    stored = cli_json("suggestions", "show", suggestion["id"])
    created = graph_get(sim.base_url, f"{POLICIES}/{stored['createdPolicyId']}")
    assert created["state"] == REPORT_ONLY and created["displayName"] == suggestion["policy"]["displayName"]
    assert "suggestions enable" in out
    # a second suggestion for the same policy (e.g. a retried run) reuses it instead of duplicating it
    twin = new_policy_suggestion(store)
    code, out, _ = _apply(sim, twin["id"], "--yes")
    assert code == 0 and "reused, not created again" in out
    assert cli_json("suggestions", "show", twin["id"])["createdPolicyId"] == created["id"]
    assert [m for m, _ in _writes(sim)] == ["POST"]


def test_without_a_terminal_apply_needs_yes(sim: GraphSimulator, store: Store) -> None:
    suggestion = new_policy_suggestion(store)
    code, out, err = _apply(sim, suggestion["id"])
    assert code == 2 and "run again with --yes" in err and "Nothing was written" in err
    assert "create policy" in out  # the plan was shown
    assert _writes(sim) == [] and cli_json("suggestions", "show", suggestion["id"])["status"] == "open"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code", "writes"), [("y\n", 0, 1), ("\n", 1, 0)])
def test_interactive_confirmation(sim: GraphSimulator, store: Store, monkeypatch: pytest.MonkeyPatch,
                                  answer: str, code: int, writes: int) -> None:
    suggestion = new_policy_suggestion(store)
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    result, out, err = _apply(sim, suggestion["id"])
    assert result == code and "[y/N]" in out and len(_writes(sim)) == writes
    assert ("cancelled; nothing was written" in err) == (code == 1)


def test_another_tenant_is_refused(sim: GraphSimulator, store: Store) -> None:
    suggestion = modify_suggestion(store)
    stranger = add(store, {**{k: suggestion[k] for k in ("kind", "title", "targetPolicyId", "changes")}},
                   tenant_id="0000aaaa-0000-0000-0000-000000000000")
    code, _, err = _apply(sim, stranger["id"], "--yes")
    assert code == 2 and "was made for tenant 0000aaaa" in err and _writes(sim) == []


def test_dismissed_suggestion_is_not_applied(sim: GraphSimulator, store: Store) -> None:
    suggestion = modify_suggestion(store)
    assert cli("suggestions", "dismiss", suggestion["id"], "--reason", "handled by hand")[0] == 0
    code, _, err = _apply(sim, suggestion["id"], "--yes")
    assert code == 2 and _writes(sim) == []
    assert f"suggestion {suggestion['id']} is dismissed; cannot apply it" in err
    assert f"suggestions reopen {suggestion['id'][:8]}" in err


def test_consolidation_creates_the_merged_policy_and_leaves_originals(sim: GraphSimulator, store: Store) -> None:
    suggestion = new_policy_suggestion(store, kind="consolidate_policies", targetPolicyIds=[CA001, "other-id"])
    code, out, _ = _apply(sim, suggestion["id"], "--yes")
    assert code == 0 and "untouched: 7cfe9287" in out
    assert [m for m, _ in _writes(sim)] == ["POST"]


def test_rollout_has_nothing_to_apply(sim: GraphSimulator, store: Store) -> None:
    suggestion = add(store, {"kind": "phased_rollout", "title": "Roll out CA002", "rollout": {"phases": []}})
    code, _, err = _apply(sim, suggestion["id"], "--yes")
    assert code == 2 and "nothing to write" in err and "Follow its phases" in err and _writes(sim) == []


def test_enable_is_separate_and_only_for_report_only(sim: GraphSimulator, store: Store) -> None:
    suggestion = new_policy_suggestion(store)
    enable = ("suggestions", "enable", suggestion["id"], "--tenant", f"graph:{sim.base_url}", "--yes")
    code, _, err = cli(*enable)
    assert code == 2 and "is open; cannot enable it: apply it first" in err
    assert _apply(sim, suggestion["id"], "--yes")[0] == 0
    policy_id = cli_json("suggestions", "show", suggestion["id"])["createdPolicyId"]
    assert graph_get(sim.base_url, f"{POLICIES}/{policy_id}")["state"] == REPORT_ONLY  # apply never turned it on
    graph_patch(sim.base_url, f"{POLICIES}/{policy_id}", {"state": "disabled"})
    code, _, err = cli(*enable)
    assert code == 2 and "is 'disabled', not report-only" in err
    graph_patch(sim.base_url, f"{POLICIES}/{policy_id}", {"state": REPORT_ONLY})
    code, out, err = cli(*enable)
    assert (code, err) == (0, "") and f"state {REPORT_ONLY} -> enabled" in out
    assert graph_get(sim.base_url, f"{POLICIES}/{policy_id}")["state"] == "enabled"
    stored = cli_json("suggestions", "show", suggestion["id"])
    assert stored["status"] == "applied" and [h["action"] for h in stored["history"]] == ["apply", "enable"]


# ----------------------------------------------------------------------------------------- live credentials

@pytest.fixture
def live_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    clear_live_env(monkeypatch)
    seen: dict[str, Any] = {"built": []}

    def credential(settings: Any) -> Any:
        seen["built"].append(settings.auth)
        return live.LiveCredential(seen["fake"], settings)

    monkeypatch.setattr(suggestions_apply, "_credential", credential)
    return seen


def test_app_only_sign_in_is_refused_before_signing_in(live_env: dict[str, Any], store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_cli_auth import APP_ENV

    for var, value in APP_ENV.items():
        monkeypatch.setenv(var, value)
    suggestion = modify_suggestion(store)
    code, _, err = cli("suggestions", "apply", suggestion["id"], "--tenant", "live", "--yes")
    assert code == 2 and "ENTRA_AGENTS_AUTH=client-secret signs in as an application" in err
    assert "administrator's own credential" in err and "device-code" in err
    assert live_env["built"] == []  # refused before any sign-in


def test_azure_cli_as_a_service_principal_is_refused(live_env: dict[str, Any], store: Store,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_AUTH", "azure-cli")
    live_env["fake"] = FakeCredential(APP_TOKEN)
    suggestion = modify_suggestion(store)
    code, _, err = cli("suggestions", "enable", suggestion["id"], "--tenant", "live", "--yes")
    assert code == 2 and "is open; cannot enable it" in err  # status is checked before signing in
    code, _, err = cli("suggestions", "apply", suggestion["id"], "--tenant", "live", "--yes")
    assert code == 2 and 'app-only token (app entra-agents CA' in err and live_env["fake"].closed


def test_delegated_sign_in_applies_and_records_the_upn(live_env: dict[str, Any], store: Store, sim: GraphSimulator,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_AUTH", "azure-cli")
    live_env["fake"] = FakeCredential(USER_TOKEN)
    monkeypatch.setattr(suggestions_apply, "_live_client",
                        lambda settings, credential: make_graph_client(sim.base_url, credential))
    suggestion = modify_suggestion(store)
    code, out, err = cli("suggestions", "apply", suggestion["id"], "--tenant", "live", "--yes")
    assert (code, err) == (0, "")
    assert "recorded for admin@contoso.test" in out
    assert cli_json("suggestions", "show", suggestion["id"])["history"][-1]["by"] == "admin@contoso.test"
    assert [r.headers.get("authorization") for r in sim.writes] == ["Bearer " + USER_TOKEN]


def test_graph_tenant_spec(sim: GraphSimulator) -> None:
    import asyncio

    from entra_agents.errors import UsageError
    from entra_agents.graph.client import get_json
    from entra_agents.graph.sources import open_tenant

    async def org(spec: str) -> str:
        async with open_tenant(spec) as conn:
            assert (conn.kind, conn.writable, conn.simulator) == ("graph", True, None)
            return str((await get_json(conn.client, "/organization"))["value"][0]["displayName"])

    host = sim.base_url.removesuffix("/v1.0")
    assert asyncio.run(org(f"graph:{sim.base_url}")) == asyncio.run(org(f"graph:{host}/")) == "Contoso Demo"
    with pytest.raises(UsageError, match="expected an http"):
        asyncio.run(org("graph:127.0.0.1:8080"))


def test_apply_to_the_demo_tenant_says_the_write_does_not_last(store: Store) -> None:
    suggestion = modify_suggestion(store)
    code, out, _ = cli("suggestions", "apply", suggestion["id"], "--tenant", "demo", "--yes")
    assert code == 0 and "the policy is on: the change takes effect" in out
    assert "in-process simulator for this command only" in out
    assert "the tenant file is unchanged" in cli_json("suggestions", "show", suggestion["id"])["history"][-1]["detail"]


def test_a_new_policy_that_would_lock_out_break_glass_is_refused_at_apply_time(sim: GraphSimulator,
                                                                                store: Store) -> None:
    """Checked again when written: the stored policy no longer excludes the break-glass accounts."""
    suggestion = new_policy_suggestion(store)
    policy = copy.deepcopy(suggestion["policy"])
    policy["conditions"]["users"]["excludeUsers"] = []
    policy["conditions"]["users"]["excludeGroups"] = []
    store.update_suggestion(suggestion["id"], policy=policy)
    code, _, err = _apply(sim, suggestion["id"], "--yes")
    assert code == 2 and "would now lock people out" in err and "break-glass" in err
    assert _writes(sim) == []


def test_a_change_that_drops_the_break_glass_exclusion_is_refused(sim: GraphSimulator, store: Store) -> None:
    before = demo_policy(CA001)
    after = copy.deepcopy(before)
    after["conditions"]["users"]["excludeGroups"] = []  # the break-glass group and Sales-Contractors
    suggestion = add(store, {"kind": "modify_policy", "check": "COV-01", "title": "Stop excluding anyone",
                             "policy": after, "targetPolicyId": CA001, "changes": property_diff(before, after)})
    code, _, err = _apply(sim, suggestion["id"], "--yes")
    assert code == 2 and "would now lock people out" in err
    assert _writes(sim) == []
