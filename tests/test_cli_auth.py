"""`entra-agents auth status`: the real CLI, catalog and permission logic, with only the identity provider faked."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from entra_agents.cli import auth
from entra_agents.graph import live
from tests.helpers import FakeCredential, clear_live_env, cli

SECRET = "zX9~app-secret-value"
APP_ENV = {"ENTRA_AGENTS_AUTH": "client-secret", "ENTRA_AGENTS_TENANT_ID": "contoso.onmicrosoft.com",
           "ENTRA_AGENTS_CLIENT_ID": "11111111-1111-1111-1111-111111111111", "ENTRA_AGENTS_CLIENT_SECRET": SECRET}


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


APP_TOKEN = jwt({"aud": "https://graph.microsoft.com", "tid": "22222222-2222-2222-2222-222222222222",
                 "oid": "sp-object", "appid": "11111111-1111-1111-1111-111111111111",
                 "app_displayname": "entra-agents CA", "idtyp": "app", "roles": ["Policy.Read.All"],
                 "exp": 1900000000})
USER_TOKEN = jwt({"aud": "https://graph.microsoft.com", "tid": "22222222-2222-2222-2222-222222222222",
                  "upn": "admin@contoso.test", "appid": "app-2", "app_displayname": "entra-agents (delegated)",
                  "scp": "AuditLog.Read.All Directory.ReadWrite.All Policy.Read.All "
                         "Policy.ReadWrite.ConditionalAccess"})


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_live_env(monkeypatch)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> FakeCredential:
    fake = FakeCredential(APP_TOKEN)
    built: list[Any] = []

    def credential(settings: Any) -> Any:
        built.append(settings)
        return live.LiveCredential(fake, settings)  # our wrapper, around the fake identity provider

    monkeypatch.setattr(auth, "_credential", credential)
    fake.built = built  # type: ignore[attr-defined]
    return fake


def _env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for var, value in env.items():
        monkeypatch.setenv(var, value)


def test_status_shows_who_and_what_ca_optimizer_is_missing(provider: FakeCredential,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, APP_ENV)
    code, out, err = cli("auth", "status")
    assert (code, err) == (0, "")
    assert 'Signed in as   app "entra-agents CA" (11111111-1111-1111-1111-111111111111)' in out
    assert "Tenant         22222222-2222-2222-2222-222222222222" in out
    assert "Sign-in        client-secret, global cloud (https://graph.microsoft.com/v1.0)" in out
    assert "Permissions    application: Policy.Read.All" in out
    assert "ca-optimizer: 3 of 4 permissions missing" in out
    assert "  ok      Policy.Read.All  needed by ListNewCoverageGaps, GetCoverageGap, CreateReportOnlyPolicy" in out
    assert "  MISSING AuditLog.Read.All  needed by ListNewCoverageGaps\n" in out
    assert "  MISSING Directory.Read.All  needed by ListNewCoverageGaps, GetCoverageGap\n" in out
    assert ("  MISSING Policy.ReadWrite.ConditionalAccess  needed by CreateReportOnlyPolicy; writes only, needed "
            "when AllowReportOnlyPolicyCreation is on") in out
    assert APP_TOKEN not in out and SECRET not in out
    assert provider.scopes == [("https://graph.microsoft.com/.default",)] and provider.closed


def test_status_json_is_a_contract(provider: FakeCredential, monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, {**APP_ENV, "ENTRA_AGENTS_CLOUD": "usgov"})
    code, out, err = cli("auth", "status", "--agent", "ca-optimizer", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["signedInAs"] == {"kind": "app", "user": None, "appId": "11111111-1111-1111-1111-111111111111",
                                 "appDisplayName": "entra-agents CA", "objectId": "sp-object",
                                 "tenantId": "22222222-2222-2222-2222-222222222222"}
    assert (doc["auth"], doc["cloud"], doc["graphEndpoint"], doc["permissionType"]) == (
        "client-secret", "usgov", "https://graph.microsoft.us/v1.0", "application")
    assert doc["granted"] == ["Policy.Read.All"] and doc["expiresOn"] == "2030-03-17T17:46:40Z"
    [agent] = doc["agents"]
    assert agent["name"] == "ca-optimizer"
    assert agent["missing"] == ["Directory.Read.All", "AuditLog.Read.All", "Policy.ReadWrite.ConditionalAccess"]
    write = next(r for r in agent["required"] if r["permission"] == "Policy.ReadWrite.ConditionalAccess")
    assert write == {"permission": "Policy.ReadWrite.ConditionalAccess", "skills": ["CreateReportOnlyPolicy"],
                     "writeOnly": True, "writeSettings": ["AllowReportOnlyPolicyCreation"], "grantedAs": None}
    assert provider.scopes == [("https://graph.microsoft.us/.default",)]


def test_delegated_token_satisfied_by_broader_permissions(provider: FakeCredential,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    provider.token = USER_TOKEN
    _env(monkeypatch, {"ENTRA_AGENTS_TENANT_ID": "contoso.onmicrosoft.com"})  # azure-cli, signed in as a user
    code, out, _ = cli("auth", "status")
    assert code == 0
    assert "Signed in as   admin@contoso.test via app \"entra-agents (delegated)\" (app-2)" in out
    assert "Sign-in        azure-cli, global cloud" in out
    assert ("Permissions    delegated: AuditLog.Read.All, Directory.ReadWrite.All, Policy.Read.All, "
            "Policy.ReadWrite.ConditionalAccess") in out
    assert "ca-optimizer: all 4 permissions granted" in out
    assert "  ok      Directory.Read.All (as Directory.ReadWrite.All)  needed by" in out
    assert "signed-in user's directory role" in out


def test_token_failure_is_one_line_naming_the_variable(provider: FakeCredential,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    provider.error = ClientAuthenticationError(
        "ClientSecretCredential.get_token failed: AADSTS7000215: Invalid client secret provided. Ensure the "
        "secret being sent in the request is the client secret value, not the client secret ID.\r\n"
        "Trace ID: 1 Correlation ID: 2 Timestamp: 2025-01-01 00:00:00Z")
    _env(monkeypatch, APP_ENV)
    code, out, err = cli("auth", "status")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: sign-in with ENTRA_AGENTS_AUTH=client-secret (global cloud) failed: "
                          "ClientAuthenticationError: ClientSecretCredential.get_token failed: AADSTS7000215")
    assert "check ENTRA_AGENTS_CLIENT_SECRET" in err and SECRET not in err and "Trace ID" not in err
    assert provider.closed


def test_any_credential_exception_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            raise RuntimeError("az: command exited with 1")

    monkeypatch.setattr(auth, "_credential", lambda settings: Broken())  # not wrapped: the command still explains
    code, _, err = cli("auth", "status")
    assert code == 2
    assert err.startswith("error: sign-in with ENTRA_AGENTS_AUTH=azure-cli (global cloud) failed: RuntimeError: az:")
    assert "az login" in err


def test_bad_settings_fail_before_any_sign_in(provider: FakeCredential, monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, {"ENTRA_AGENTS_AUTH": "certificate", "ENTRA_AGENTS_TENANT_ID": "t"})
    code, _, err = cli("auth", "status")
    assert code == 2 and "certificate needs ENTRA_AGENTS_CLIENT_ID" in err
    assert provider.built == [] and provider.scopes == []  # type: ignore[attr-defined]


def test_unknown_agent_suggests_the_closest(provider: FakeCredential) -> None:
    code, _, err = cli("auth", "status", "--agent", "ca-optimiser")
    assert code == 2 and "did you mean `ca-optimizer`?" in err
    assert provider.scopes == []


def test_help_loads_no_identity_or_graph_library() -> None:
    probe = ("import sys\nfrom entra_agents.cli.main import main\n"
             "for argv in (['--help'], ['auth', '--help'], ['auth', 'status', '--help']):\n"
             "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
             "print('HEAVY:' + ','.join(sorted({m.split('.')[0] + '.' + m.split('.')[1] if '.' in m else m "
             "for m in sys.modules if m.startswith(('azure.identity', 'msgraph', 'semantic_kernel'))})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    heavy = [line for line in done.stdout.splitlines() if line.startswith("HEAVY:")]
    assert heavy == ["HEAVY:"], done.stderr
