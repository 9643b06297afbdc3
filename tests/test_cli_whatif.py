"""`entra-agents whatif` end to end over the What-If table's tenant, served by the Graph simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cli, cli_json

TENANT = f"fixture:{Path(__file__).parent / 'conditional_access' / 'data' / 'whatif_tenant.yaml'}"
P01, P02, P07 = (f"c0000000-0000-4000-8000-0000000000{n:02d}" for n in (1, 2, 7))
P14, P19, P20 = (f"c0000000-0000-4000-8000-0000000000{n:02d}" for n in (14, 19, 20))


def _policy(doc: dict, pid: str) -> dict:
    return next(p for p in doc["policies"] if p["id"] == pid)


def test_json_has_what_if_shape_and_outcomes() -> None:
    doc = cli_json("whatif", "--tenant", TENANT, "--user", "bob@contoso.test", "--app", "Contoso HR",
                   "--platform", "windows", "--country", "KP")
    assert doc["tenant"]["displayName"] == "Contoso What-If"
    assert doc["signIn"]["user"] == "0a000000-0000-4000-8000-000000000002"
    assert len(doc["policies"]) == 27
    for entry in doc["policies"]:
        assert {"id", "displayName", "state", "policyApplies", "analysisReasons"} <= set(entry)
    assert _policy(doc, P07)["policyApplies"] is True
    assert _policy(doc, P20)["analysisReasons"] == ["policyNotEnabled"]
    enforced = doc["outcome"]["enforced"]
    assert enforced["verdict"] == "block" and P07 in enforced["blockedBy"]
    assert doc["outcome"]["reportOnly"]["policies"] == [P19]
    assert doc["outcome"]["reportOnly"]["verdict"] == ["compliantDevice"]


def test_text_lists_every_policy_with_reasons_then_outcomes() -> None:
    code, out, err = cli("whatif", "--tenant", TENANT, "--user", "Bob", "--app", "All", "--platform", "windows")
    assert code == 0, err
    assert "APPLIES   enabled     P01 Baseline MFA" in out
    assert "P20 Block everyone (disabled)" in out and "reasons: policyNotEnabled" in out
    assert "Outcome (enforced policies):" in out and "requires mfa" in out
    assert "Report-only policies would add:" in out and "requires compliantDevice" in out


def test_legacy_client_is_said_to_be_effectively_blocked() -> None:
    doc = cli_json("whatif", "--tenant", TENANT, "--user", "scanner@contoso.test", "--app", "All",
                   "--client", "other", "--platform", "windows", "--user-risk", "high")
    enforced = doc["outcome"]["enforced"]
    assert not enforced["blocked"] and enforced["effectivelyBlocked"]
    assert "legacy authentication client" in enforced["effectivelyBlockedBecause"][0]
    code, out, _ = cli("whatif", "--tenant", TENANT, "--user", "scanner@contoso.test", "--app", "All",
                       "--client", "other", "--platform", "windows", "--user-risk", "high")
    assert code == 0 and "EFFECTIVELY BLOCKED" in out


def test_device_flags_locations_and_session_controls() -> None:
    doc = cli_json("whatif", "--tenant", TENANT, "--user", "alice@contoso.test", "--app", "Office365",
                   "--platform", "windows", "--device-unregistered", "--location", "HQ")
    assert _policy(doc, P14)["policyApplies"] is True
    assert _policy(doc, P01)["analysisReasons"] == ["location"]
    session = doc["outcome"]["enforced"]["sessionControls"]
    assert session["persistentBrowser"]["mode"] == "never" and session["applicationEnforcedRestrictions"]
    unknown = cli_json("whatif", "--tenant", TENANT, "--user", "alice@contoso.test", "--app", "Office365",
                       "--platform", "windows")
    assert _policy(unknown, P14)["analysisReasons"] == ["notEnoughInformation", "devices"]
    assert unknown["outcome"]["enforced"]["verdict"] == "notEnoughInformation"
    compliant = cli_json("whatif", "--tenant", TENANT, "--user", "alice@contoso.test", "--app", "Office365",
                         "--platform", "windows", "--device-compliant", "true")
    assert _policy(compliant, P14)["analysisReasons"] == ["devices"]


def test_service_principal_user_action_and_auth_context() -> None:
    sp = cli_json("whatif", "--tenant", TENANT, "--service-principal", "Payroll Sync", "--app", "All")
    assert sp["outcome"]["enforced"]["verdict"] == "block"
    assert _policy(sp, P01)["analysisReasons"] == ["workloadIdentities"]
    action = cli_json("whatif", "--tenant", TENANT, "--user", "alice@contoso.test", "--user-action",
                      "registersecurityinfo", "--platform", "windows")
    assert action["outcome"]["enforced"]["verdict"] == "block"
    context = cli_json("whatif", "--tenant", TENANT, "--user", "alice@contoso.test", "--app", "Contoso HR",
                       "--auth-context", "c1", "--platform", "windows", "--location", "trusted")
    assert context["outcome"]["enforced"]["verdict"] == ["compliantDevice", "compliantDevice OR domainJoinedDevice"]


@pytest.mark.parametrize(("argv", "message"), [
    (["--user", "Alex Smith", "--app", "All"], "matches several users"),
    (["--user", "alise", "--app", "All"], "Did you mean: Alice"),
    (["--user", "alice", "--app", "Contoso Wiki"], "matches several applications"),
    (["--user", "alice", "--app", "Payrol"], "no such application"),
    (["--user", "alice", "--app", "All", "--location", "Moon base"], "no such named location"),
    (["--service-principal", "Nobody", "--app", "All"], "no such service principal"),
    (["--user", "alice"], "--app, --user-action or --auth-context"),
    (["--user", "alice", "--user-action", "dance"], "registersecurityinfo or registerdevice"),
])
def test_name_resolution_errors_are_usage_errors(argv: list[str], message: str) -> None:
    code, out, err = cli("whatif", "--tenant", TENANT, *argv)
    assert code == 2 and message in err and out == ""


def test_whatif_help_imports_neither_semantic_kernel_nor_msgraph() -> None:
    from tests.test_cli_help import _loaded

    assert _loaded(["whatif", "--help"]) == ""


def test_known_device_state_is_reported_as_refused() -> None:
    argv = ["whatif", "--tenant", TENANT, "--user", "alice@contoso.test", "--app", "Contoso HR", "--platform",
            "windows", "--location", "HQ", "--device-compliant", "false", "--device-trust-type", "AzureAD"]
    code, out, err = cli(*argv)
    assert code == 0, err
    assert "REFUSED ON THIS DEVICE" in out and "the device is not compliant" in out
    assert cli_json(*argv)["outcome"]["enforced"]["blockedOnThisDevice"] is True
