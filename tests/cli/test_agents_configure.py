"""`agents configure` and `agents show`: stored settings, sources, capabilities, webhooks, history, bad input."""

from __future__ import annotations

import json

import pytest

from tests.helpers import cli, cli_json
from tests.runtime.settings_fixtures import TENANT_ID, use_probe_content, write_tenant

TEAMS = "https://contoso.webhook.office.com/webhookb2/0a1b2c3d@tenant/IncomingWebhook/SECRETPART/more"


def _setting(view: dict, name: str) -> dict:
    return next(s for s in view["settings"] if s["name"] == name)


def test_fresh_agent_shows_manifest_defaults_and_no_capability() -> None:
    view = cli_json("agents", "show", "ca-optimizer")
    assert view["capabilities"] == {"createReportOnlyPolicies": False, "setting": "AllowReportOnlyPolicyCreation",
                                    "source": "manifest default"}
    assert _setting(view, "LargeExclusionPercent") == {"name": "LargeExclusionPercent", "type": "String",
                                                       "value": "5", "source": "manifest default", "required": False}
    code, out, _ = cli("agents", "show", "ca-optimizer")
    assert code == 0 and "may create report-only policies: no" in out


def test_stored_default_then_tenant_value_each_shown_with_its_source(monkeypatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_ACTOR", "alice@contoso.example")
    code, out, err = cli("agents", "configure", "ca-optimizer", "--set", "AllowReportOnlyPolicyCreation=Yes",
                         "--set", "LargeExclusionUsers=40")
    assert code == 0, err
    assert 'AllowReportOnlyPolicyCreation (not stored) -> "true"' in out  # normalised spelling
    assert cli("agents", "configure", "ca-optimizer", "--tenant", TENANT_ID, "--set", "LargeExclusionUsers=10")[0] == 0

    default = cli_json("agents", "show", "ca-optimizer")
    assert default["capabilities"]["createReportOnlyPolicies"] is True
    assert _setting(default, "LargeExclusionUsers")["value"] == "40"
    assert default["tenantsWithOwnConfiguration"] == [TENANT_ID]
    tenant = cli_json("agents", "show", "ca-optimizer", "--tenant", TENANT_ID)
    assert (_setting(tenant, "LargeExclusionUsers")["value"], _setting(tenant, "LargeExclusionUsers")["source"]) == \
        ("10", "stored for tenant")
    assert _setting(tenant, "AllowReportOnlyPolicyCreation")["source"] == "stored default"
    assert _setting(tenant, "BreakGlassAccounts")["source"] == "manifest default"
    assert tenant["history"][0]["by"] == "alice@contoso.example"

    # --unset goes back to the next source
    cli("agents", "configure", "ca-optimizer", "--tenant", TENANT_ID, "--unset", "LargeExclusionUsers")
    tenant = cli_json("agents", "show", "ca-optimizer", "--tenant", TENANT_ID)
    assert _setting(tenant, "LargeExclusionUsers")["source"] == "stored default"
    code, out, _ = cli("agents", "show", "ca-optimizer", "--tenant", TENANT_ID)
    assert "LargeExclusionUsers -> (not stored)" not in out and '"10" -> (not stored)' in out


def test_webhooks_are_stored_but_never_printed_in_full() -> None:
    code, out, err = cli("agents", "configure", "ca-optimizer", "--add-webhook", TEAMS, "--format", "teams")
    assert code == 0, err
    code, shown, _ = cli("agents", "show", "ca-optimizer")
    view = cli_json("agents", "show", "ca-optimizer")
    for text in (out, shown, json.dumps(view)):
        assert "SECRETPART" not in text and "webhookb2" not in text
    assert view["webhooks"] == [{"number": 1, "url": "https://contoso.webhook.office.com…", "format": "teams"}]
    assert "1. https://contoso.webhook.office.com…  teams" in shown
    assert cli("agents", "configure", "ca-optimizer", "--add-webhook", "http://127.0.0.1:8765/hook")[0] == 0
    assert cli("agents", "configure", "ca-optimizer", "--remove-webhook", "1")[0] == 0
    assert [h["url"] for h in cli_json("agents", "show", "ca-optimizer")["webhooks"]] == ["http://127.0.0.1…"]


@pytest.mark.parametrize(("argv", "message"), [
    (["--set", "AllowReportOnlyPolicyCreaton=true"],
     "unknown setting 'AllowReportOnlyPolicyCreaton'; did you mean AllowReportOnlyPolicyCreation?"),
    (["--set", "breakglassaccounts=x"], "did you mean BreakGlassAccounts?"),
    (["--set", "AllowReportOnlyPolicyCreation=maybe"], "'maybe' is not a boolean; use true or false"),
    (["--set", "NoEquals"], "expected NAME=VALUE"),
    (["--unset", "BreakGlassAccounts"], "has no stored value here to unset"),
    (["--add-webhook", "http://hooks.example.com/secret-path"], "plain http is only accepted for loopback"),
    (["--add-webhook", "ftp://hooks.example.com/x"], "is not supported; use https"),
    (["--add-webhook", "not a url"], "not an absolute URL"),
    (["--remove-webhook", "3"], "there are 0 webhook(s) here"),
    ([], "nothing to change"),
])
def test_bad_input_changes_nothing_and_says_why(argv: list[str], message: str) -> None:
    code, out, err = cli("agents", "configure", "ca-optimizer", *argv)
    assert code == 2 and message in err and out == ""
    assert "secret-path" not in err
    assert cli_json("agents", "show", "ca-optimizer")["history"] == []


def test_unknown_agent_names_the_closest() -> None:
    code, _, err = cli("agents", "show", "ca-optimiser")
    assert code == 2 and "ca-optimizer" in err
    code, _, err = cli("agents", "configure", "ca-optimiser", "--set", "X=1")
    assert code == 2 and "unknown agent" in err


def test_show_for_a_tenant_source_reports_custom_instructions(tmp_path, monkeypatch) -> None:
    use_probe_content(monkeypatch)
    spec = write_tenant(tmp_path)
    code, out, err = cli("agents", "configure", "settings-probe", "--tenant", spec, "--set",
                         'CustomInstructions=Never target group "Break Glass"; exclude "Jordan Lee" and "Nobody".')
    assert code == 0, err
    assert "warning: custom instructions: 'Jordan Lee': ambiguous" in out
    view = cli_json("agents", "show", "settings-probe", "--tenant", spec)
    assert view["tenant"] == {"id": TENANT_ID, "displayName": "Fabrikam Probe"}
    resolved = view["customInstructions"]
    assert resolved["status"] == "unresolved"
    assert [o["displayName"] for o in resolved["objects"]] == ["Break Glass"]
    assert [(u["mention"], u["problem"]) for u in resolved["unresolved"]] == [("Jordan Lee", "ambiguous"),
                                                                              ("Nobody", "not found")]
    code, out, _ = cli("agents", "show", "settings-probe", "--tenant", spec)
    assert "'Jordan Lee': AMBIGUOUS: could be user Jordan Lee" in out
    # by tenant id alone the instructions cannot be checked, and show says so rather than guessing
    by_id = cli_json("agents", "show", "settings-probe", "--tenant", TENANT_ID)
    assert by_id["customInstructions"]["status"] == "not checked"


def test_secret_settings_are_never_shown(tmp_path, monkeypatch) -> None:
    use_probe_content(monkeypatch)
    code, out, _ = cli("agents", "configure", "settings-probe", "--set", "ApiKey=sk-verysecret")
    view = cli_json("agents", "show", "settings-probe")
    assert code == 0 and "verysecret" not in out + json.dumps(view)
    assert _setting(view, "ApiKey")["value"] == "(secret, set)"


def test_integer_and_array_values_are_normalised(monkeypatch) -> None:
    use_probe_content(monkeypatch)
    cli("agents", "configure", "settings-probe", "--set", "LargeExclusionUsers= 07",
        "--set", "ObjectsToMonitor=Users; agentidentities ,users")
    view = cli_json("agents", "show", "settings-probe")
    assert _setting(view, "LargeExclusionUsers")["value"] == "7"
    assert _setting(view, "ObjectsToMonitor")["value"] == "users,agentIdentities"
    code, _, err = cli("agents", "configure", "settings-probe", "--set", "ObjectsToMonitor=users,devices")
    assert code == 2 and "unknown object kind 'devices'" in err
    code, _, err = cli("agents", "configure", "settings-probe", "--set", "MaxUsersPerRun=0")
    assert code == 2 and "at least 1" in err
