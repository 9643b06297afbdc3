"""graph.live: settings from the environment, the credential per sign-in mode, national clouds, and the live path
through the real msgraph-sdk client against the Graph simulator (auth header, paging, throttling)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from kiota_http.middleware.retry_handler import RetryHandler

from entra_agents.errors import UsageError
from entra_agents.graph import live, sources
from entra_agents.graph.client import close_graph_client
from entra_agents.graph.live import (
    CLOUDS,
    LiveAuthError,
    LiveCredential,
    LiveSettings,
    build_credential,
    explain_auth_failure,
    live_client,
)
from entra_agents.graph.loader import load_snapshot
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.tenant_file import load_tenant_file
from tests.helpers import FakeCredential, clear_live_env

REAL_DELAY = RetryHandler.get_delay_time  # captured before the graph conftest replaces it with "no wait"
SECRET = "s3cr3t~Value.With-Chars"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_live_env(monkeypatch)


# ------------------------------------------------------------------------------------------------- settings

APP = {"ENTRA_AGENTS_TENANT_ID": "contoso.onmicrosoft.com", "ENTRA_AGENTS_CLIENT_ID": "11111111-2222-3333-4444-5"}


def test_nothing_configured_means_azure_cli_on_the_global_cloud() -> None:
    settings = LiveSettings.from_env({})
    assert (settings.auth, settings.cloud, settings.label) == ("azure-cli", "global", "live")
    assert settings.endpoints.graph_base_url == "https://graph.microsoft.com/v1.0"


@pytest.mark.parametrize(("env", "expected"), [
    ({"ENTRA_AGENTS_CLIENT_ID": "x"}, "ENTRA_AGENTS_CLIENT_ID is set but ENTRA_AGENTS_AUTH is not; set ENTRA_AGENTS_AUTH"),
    ({"ENTRA_AGENTS_AUTH": "password"}, "ENTRA_AGENTS_AUTH='password' is not a sign-in mode; use one of client-secret"),
    ({"ENTRA_AGENTS_CLOUD": "germany"}, "ENTRA_AGENTS_CLOUD='germany' is not a cloud; use one of global, usgov"),
    ({"ENTRA_AGENTS_AUTH": "client-secret"}, "client-secret needs ENTRA_AGENTS_TENANT_ID"),
    ({"ENTRA_AGENTS_AUTH": "client-secret", "ENTRA_AGENTS_TENANT_ID": "t"}, "client-secret needs ENTRA_AGENTS_CLIENT_ID"),
    ({"ENTRA_AGENTS_AUTH": "client-secret", **APP}, "client-secret needs ENTRA_AGENTS_CLIENT_SECRET"),
    ({"ENTRA_AGENTS_AUTH": "client-secret", **APP, "ENTRA_AGENTS_CLIENT_SECRET": SECRET,
      "ENTRA_AGENTS_CERTIFICATE_PATH": "c.pem"}, "ENTRA_AGENTS_CERTIFICATE_PATH is set but ENTRA_AGENTS_AUTH=client-secret"),
    ({"ENTRA_AGENTS_AUTH": "certificate", **APP}, "certificate needs ENTRA_AGENTS_CERTIFICATE_PATH"),
    ({"ENTRA_AGENTS_AUTH": "certificate", **APP, "ENTRA_AGENTS_CERTIFICATE_PATH": "c.pem",
      "ENTRA_AGENTS_CLIENT_SECRET": SECRET}, "ENTRA_AGENTS_CLIENT_SECRET is set but ENTRA_AGENTS_AUTH=certificate"),
    ({"ENTRA_AGENTS_AUTH": "client-secret", **APP, "ENTRA_AGENTS_CLIENT_SECRET": SECRET,
      "ENTRA_AGENTS_CERTIFICATE_PASSWORD": SECRET}, "ENTRA_AGENTS_CERTIFICATE_PASSWORD is set but"),
    ({"ENTRA_AGENTS_AUTH": "managed-identity", "ENTRA_AGENTS_CLIENT_SECRET": SECRET},
     "ENTRA_AGENTS_CLIENT_SECRET is set but ENTRA_AGENTS_AUTH=managed-identity"),
    ({"ENTRA_AGENTS_AUTH": "azure-cli", "ENTRA_AGENTS_CLIENT_ID": "x"},
     "ENTRA_AGENTS_CLIENT_ID is set but ENTRA_AGENTS_AUTH=azure-cli does not use it"),
    ({"ENTRA_AGENTS_AUTH": "device-code", "ENTRA_AGENTS_CLIENT_ID": "x"}, "device-code needs ENTRA_AGENTS_TENANT_ID"),
    ({"ENTRA_AGENTS_AUTH": "browser", "ENTRA_AGENTS_TENANT_ID": "t"}, "browser needs ENTRA_AGENTS_CLIENT_ID"),
    ({"ENTRA_AGENTS_AUTH": "device-code", **APP, "ENTRA_AGENTS_CLIENT_SECRET": SECRET},
     "ENTRA_AGENTS_CLIENT_SECRET is set but ENTRA_AGENTS_AUTH=device-code"),
    ({"ENTRA_AGENTS_AUTH": "client-secret", **APP, "ENTRA_AGENTS_CLIENT_SECRET": SECRET,
      "ENTRA_AGENTS_TOKEN_CACHE": "mine"}, "ENTRA_AGENTS_TOKEN_CACHE applies to device-code and browser sign-in only"),
    ({"ENTRA_AGENTS_TOKEN_CACHE_UNENCRYPTED": "true"}, "ENTRA_AGENTS_TOKEN_CACHE_UNENCRYPTED applies to device-code"),
    ({"ENTRA_AGENTS_AUTH": "device-code", **APP, "ENTRA_AGENTS_TOKEN_CACHE_UNENCRYPTED": "maybe"},
     "ENTRA_AGENTS_TOKEN_CACHE_UNENCRYPTED must be true or false"),
    ({"ENTRA_AGENTS_AUTH": "azure-cli", "ENTRA_AGENTS_TENANT_ID": "contoso.com/evil"},
     "ENTRA_AGENTS_TENANT_ID must be a tenant id"),
])
def test_settings_errors_name_the_variable_and_never_the_secret(env: dict[str, str], expected: str) -> None:
    with pytest.raises(UsageError) as info:
        LiveSettings.from_env(env)
    assert expected in str(info.value)
    assert SECRET not in str(info.value)
    assert info.value.exit_code == 2


def test_valid_settings_per_mode(tmp_path: Path) -> None:
    ok = {
        "client-secret": {**APP, "ENTRA_AGENTS_CLIENT_SECRET": SECRET},
        "certificate": {**APP, "ENTRA_AGENTS_CERTIFICATE_PATH": "~/app.pem", "ENTRA_AGENTS_CERTIFICATE_PASSWORD": SECRET},
        "managed-identity": {"ENTRA_AGENTS_CLIENT_ID": "user-assigned-id"},
        "azure-cli": {"ENTRA_AGENTS_TENANT_ID": "contoso.com"},
        "device-code": {**APP, "ENTRA_AGENTS_TOKEN_CACHE": "none"},
        "browser": {**APP, "ENTRA_AGENTS_TOKEN_CACHE_UNENCRYPTED": "yes", "ENTRA_AGENTS_CLOUD": "USGov"},
    }
    got = {mode: LiveSettings.from_env({"ENTRA_AGENTS_AUTH": mode.upper(), **env}) for mode, env in ok.items()}
    assert got["certificate"].certificate_path == Path.home() / "app.pem"
    assert got["device-code"].token_cache is None  # "none": tokens stay in memory
    assert (got["browser"].token_cache, got["browser"].token_cache_unencrypted) == ("entra-agents", True)
    assert got["browser"].endpoints is CLOUDS["usgov"]
    for settings in got.values():
        assert SECRET not in repr(settings)


# ----------------------------------------------------------------------------------------- clouds and scopes


def test_cloud_endpoints_match_azure_identity_and_msgraph_core() -> None:
    from azure.identity import AzureAuthorityHosts
    from msgraph_core import NationalClouds

    expected = {"global": (AzureAuthorityHosts.AZURE_PUBLIC_CLOUD, NationalClouds.Global),
                "usgov": (AzureAuthorityHosts.AZURE_GOVERNMENT, NationalClouds.US_GOV),
                "usgov-dod": (AzureAuthorityHosts.AZURE_GOVERNMENT, NationalClouds.US_DoD),
                "china": (AzureAuthorityHosts.AZURE_CHINA, NationalClouds.China)}
    assert {n: (c.authority_host, c.graph_root) for n, c in CLOUDS.items()} == {
        n: (a, g.value) for n, (a, g) in expected.items()}
    assert CLOUDS["china"].graph_base_url == "https://microsoftgraph.chinacloudapi.cn/v1.0"
    assert CLOUDS["usgov"].scope == "https://graph.microsoft.us/.default"


@pytest.mark.parametrize("cloud", ["global", "usgov", "china"])
def test_live_client_uses_the_clouds_endpoint_and_scope(cloud: str) -> None:
    settings = LiveSettings(auth="client-secret", tenant_id="t", client_id="c", client_secret=SECRET, cloud=cloud)
    client = live_client(settings, credential=FakeCredential())
    try:
        # exactly the cloud's root + /v1.0: a trailing slash would make every path /v1.0//users
        assert client.request_adapter.base_url == CLOUDS[cloud].graph_base_url
    finally:
        asyncio.run(close_graph_client(client))


def test_national_cloud_token_is_requested_for_that_clouds_graph(sim: GraphSimulator) -> None:
    fake = FakeCredential()
    settings = LiveSettings(auth="azure-cli", cloud="usgov")
    snapshot = asyncio.run(_load(live_client(settings, credential=fake, base_url=sim.base_url)))
    assert snapshot.display_name == "Contoso Test"
    assert set(fake.scopes) == {("https://graph.microsoft.us/.default",)}


# ------------------------------------------------------------------------------------------- credential types


def _pem(tmp_path: Path, password: bytes | None = None) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "entra-agents-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    path = tmp_path / "app.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
                     + cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_app_only_credentials_are_async_and_use_the_clouds_authority(tmp_path: Path) -> None:
    from azure.identity.aio import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential

    secret = build_credential(LiveSettings(auth="client-secret", tenant_id="t", client_id="c",
                                           client_secret=SECRET, cloud="china"))
    assert isinstance(secret.inner, ClientSecretCredential) and not secret.threaded
    assert secret.inner._client._authority == "https://login.chinacloudapi.cn"

    pem = _pem(tmp_path, password=SECRET.encode())
    cert = build_credential(LiveSettings(auth="certificate", tenant_id="t", client_id="c", certificate_path=pem,
                                         certificate_password=SECRET, cloud="usgov"))
    assert isinstance(cert.inner, CertificateCredential)
    assert cert.inner._client._authority == "https://login.microsoftonline.us"

    identity = build_credential(LiveSettings(auth="managed-identity", client_id="user-assigned"))
    assert isinstance(identity.inner, ManagedIdentityCredential)


def test_certificate_problems_are_usage_errors_without_the_password(tmp_path: Path) -> None:
    missing = LiveSettings(auth="certificate", tenant_id="t", client_id="c", certificate_path=tmp_path / "no.pem")
    with pytest.raises(UsageError, match="ENTRA_AGENTS_CERTIFICATE_PATH: .*no.pem does not exist"):
        build_credential(missing)
    wrong = LiveSettings(auth="certificate", tenant_id="t", client_id="c",
                         certificate_path=_pem(tmp_path, password=b"right"), certificate_password=SECRET)
    with pytest.raises(UsageError, match="cannot load the certificate") as info:
        build_credential(wrong)
    assert SECRET not in str(info.value) and "ENTRA_AGENTS_CERTIFICATE_PASSWORD" in str(info.value)


def test_azure_cli_credential_passes_the_tenant() -> None:
    from azure.identity.aio import AzureCliCredential

    cli = build_credential(LiveSettings(auth="azure-cli", tenant_id="contoso.com"))
    assert isinstance(cli.inner, AzureCliCredential) and cli.inner.tenant_id == "contoso.com"


@pytest.mark.parametrize("mode", ["device-code", "browser"])
def test_delegated_credentials_persist_their_cache_and_run_in_a_thread(mode: str) -> None:
    from azure.identity import DeviceCodeCredential, InteractiveBrowserCredential

    settings = LiveSettings(auth=mode, tenant_id="t", client_id="c", cloud="usgov", token_cache="team",
                            token_cache_unencrypted=True)
    cred = build_credential(settings)
    kind = DeviceCodeCredential if mode == "device-code" else InteractiveBrowserCredential
    assert isinstance(cred.inner, kind) and cred.threaded
    assert cred.inner._authority == "https://login.microsoftonline.us"
    options = cred.inner._cache_options
    assert (options.name, options.allow_unencrypted_storage) == ("team", True)
    # the sign-in record (not the tokens) lives in our data directory, one per cloud/tenant/app/mode
    assert cred.record_path is not None and cred.record_path.name.startswith("team-")
    assert cred.record_path.parent == Path(os.environ["ENTRA_AGENTS_HOME"]) / "auth"

    in_memory = build_credential(LiveSettings(auth=mode, tenant_id="t", client_id="c", token_cache=None))
    assert in_memory.inner._cache_options is None and in_memory.record_path is None


@pytest.mark.parametrize("mode", ["device-code", "browser"])
def test_a_saved_sign_in_record_is_used_and_a_corrupt_one_dropped(mode: str) -> None:
    from azure.identity import AuthenticationRecord

    settings = LiveSettings(auth=mode, tenant_id="t", client_id="c")
    path = live.auth_record_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text(AuthenticationRecord("t", "c", "login.microsoftonline.com", "home.id", "admin@contoso.test")
                    .serialize())
    assert build_credential(settings).inner._auth_record.username == "admin@contoso.test"
    path.write_text("[not a record]")
    assert build_credential(settings).inner._auth_record is None and not path.exists()


# ------------------------------------------------------------------------------------- the threaded wrapper


class FakeSyncCredential:
    """A sync interactive credential: ``authenticate`` prompts once and returns a record; ``get_token`` is silent."""

    def __init__(self, error: Exception | None = None) -> None:
        self.authenticated, self.token_calls, self.error = 0, [], error
        self.threads: set[int] = set()

    def authenticate(self, *, scopes: list[str], **kwargs: Any) -> Any:
        self.authenticated += 1
        time.sleep(0.05)  # a slow human: concurrent callers must wait, not prompt again
        return type("Record", (), {"serialize": lambda self: '{"username": "admin@contoso.test"}'})()

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.threads.add(threading.get_ident())
        if self.error is not None:
            raise self.error
        self.token_calls.append(kwargs.get("claims"))
        return AccessToken(f"token-{len(self.token_calls)}", int(time.time()) + 3600)

    def close(self) -> None:
        self.closed = True


def _threaded(fake: FakeSyncCredential, record: Path | None) -> LiveCredential:
    settings = LiveSettings(auth="device-code", tenant_id="t", client_id="c")
    return LiveCredential(fake, settings, threaded=True, record_path=record)


def test_first_sign_in_saves_the_record_once_and_reuses_the_token(tmp_path: Path) -> None:
    fake, record = FakeSyncCredential(), tmp_path / "auth" / "rec.json"
    cred = _threaded(fake, record)

    async def go() -> list[str]:
        tokens = await asyncio.gather(*(cred.get_token("https://graph.microsoft.com/.default") for _ in range(8)))
        return [t.token for t in tokens]

    assert asyncio.run(go()) == ["token-1"] * 8
    assert fake.authenticated == 1 and fake.token_calls == [None]
    assert threading.get_ident() not in fake.threads  # the event loop never blocks on a sign-in
    assert record.read_text() == '{"username": "admin@contoso.test"}'
    assert record.stat().st_mode & 0o077 == 0

    # a claims challenge (revoked token) is never answered from the cache
    again = asyncio.run(cred.get_token("https://graph.microsoft.com/.default", claims='{"access_token":{}}'))
    assert again.token == "token-2" and fake.authenticated == 1


def test_a_saved_record_means_no_new_prompt(tmp_path: Path) -> None:
    record = tmp_path / "rec.json"
    record.write_text("{}")
    fake = FakeSyncCredential()
    asyncio.run(_threaded(fake, record).get_token("scope"))
    assert fake.authenticated == 0 and len(fake.token_calls) == 1


def test_unusable_keyring_explains_the_two_ways_out() -> None:
    error = ValueError("Cache encryption is impossible because libsecret dependencies are not installed or are "
                       "unusable, for example because no display is available (as in an SSH session).")
    cred = _threaded(FakeSyncCredential(error=error), None)
    with pytest.raises(LiveAuthError) as info:
        asyncio.run(cred.get_token("scope"))
    message = str(info.value)
    assert "ENTRA_AGENTS_TOKEN_CACHE_UNENCRYPTED=true" in message and "ENTRA_AGENTS_TOKEN_CACHE=none" in message
    assert info.value.exit_code == 2


def test_identity_provider_errors_become_one_line_with_the_variable_and_no_secret() -> None:
    settings = LiveSettings(auth="client-secret", tenant_id="t", client_id="c", client_secret=SECRET)
    exc = ClientAuthenticationError(
        f"ClientSecretCredential.get_token failed: AADSTS7000215: Invalid client secret provided ({SECRET}).\r\n"
        "Trace ID: 0000 Correlation ID: 1111 Timestamp: 2025-01-01 00:00:00Z")
    message = str(explain_auth_failure(exc, settings))
    assert "\n" not in message and SECRET not in message and "Trace ID" not in message
    assert "AADSTS7000215" in message and "check ENTRA_AGENTS_CLIENT_SECRET" in message

    class Failing(FakeCredential):
        async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            raise exc

    with pytest.raises(LiveAuthError, match="sign-in with ENTRA_AGENTS_AUTH=client-secret"):
        asyncio.run(LiveCredential(Failing(), settings).get_token("scope"))


# ------------------------------------------------------------------------ the live path, against the simulator


@pytest.fixture
def big_sim(tenant_data: dict[str, Any], write_tenant: Callable[..., Path]) -> Iterator[GraphSimulator]:
    # more users than one $top=999 page, so the loader must follow @odata.nextLink
    tenant_data["users"] += [{"id": f"u-{i:04}", "displayName": f"User {i}", "userPrincipalName": f"u{i}@contoso.test",
                              "accountEnabled": True, "userType": "Member"} for i in range(1050)]
    with GraphSimulator(load_tenant_file(write_tenant(tenant_data))) as simulator:
        yield simulator


async def _load(client: Any) -> Any:
    try:
        return await load_snapshot(client)
    finally:
        await close_graph_client(client)


def _live_settings() -> LiveSettings:
    return LiveSettings(auth="client-secret", tenant_id="contoso.test", client_id="c", client_secret=SECRET)


def test_live_client_sends_the_token_on_every_request_and_follows_pages(big_sim: GraphSimulator) -> None:
    fake = FakeCredential("eyJ.live.token")
    snapshot = asyncio.run(_load(live_client(_live_settings(), credential=fake, base_url=big_sim.base_url)))

    assert len(snapshot.users) == 1053 and snapshot.failed == {}
    requests = big_sim.requests
    assert requests and all(r.headers.get("authorization") == "Bearer eyJ.live.token" for r in requests)
    users = [r for r in requests if r.path.lower() == "/users"]
    # the first page, then the @odata.nextLink pages the simulator handed out
    assert len(users) >= 2 and "$skiptoken" not in users[0].query
    assert all("$skiptoken" in r.query for r in users[1:])
    assert {s for s in fake.scopes} == {("https://graph.microsoft.com/.default",)}


def test_throttled_requests_are_retried_after_the_retry_after_delay(big_sim: GraphSimulator,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[tuple[int, float]] = []

    def recorded(self: RetryHandler, retry_count: int, response: Any = None, delay: float = 3.0) -> float:
        # kiota computes a delay for every response; only the throttled ones lead to a wait
        delays.append((response.status_code, REAL_DELAY(self, retry_count, response, delay)))
        return 0.0  # the test checks the computed wait, without waiting it

    monkeypatch.setattr(RetryHandler, "get_delay_time", recorded)
    serve = big_sim.handle

    def with_retry_after(*args: Any, **kwargs: Any) -> Any:
        # Graph sends Retry-After with a 429; add it to the simulator's answer, whichever shape that has
        answer = serve(*args, **kwargs)
        if isinstance(answer, tuple):
            status, body, headers = answer
            return (status, body, {**headers, "Retry-After": "7"}) if status == 429 else answer
        if answer.status == 429:
            answer.headers["Retry-After"] = "7"
        return answer

    monkeypatch.setattr(big_sim, "handle", with_retry_after)
    big_sim.fail("/users", status=429, code="TooManyRequests", message="Too many requests", times=2)

    fake = FakeCredential()
    snapshot = asyncio.run(_load(live_client(_live_settings(), credential=fake, base_url=big_sim.base_url)))

    assert len(snapshot.users) == 1053 and snapshot.failed == {}
    first_page = [r for r in big_sim.requests if r.path == "/users" and "$skiptoken" not in r.query]
    assert [r.headers.get("retry-attempt") for r in first_page] == [None, "1", "2"]
    assert [d for status, d in delays if status == 429] == [7, 7]
    assert all(r.headers.get("authorization") == "Bearer fake.jwt.token" for r in big_sim.requests)


def test_open_tenant_live_uses_the_environment(sim: GraphSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in {"ENTRA_AGENTS_AUTH": "client-secret", "ENTRA_AGENTS_TENANT_ID": "contoso.test",
                       "ENTRA_AGENTS_CLIENT_ID": "c", "ENTRA_AGENTS_CLIENT_SECRET": SECRET}.items():
        monkeypatch.setenv(var, value)
    fake = FakeCredential()
    built: list[LiveSettings] = []

    def credential(settings: LiveSettings) -> LiveCredential:
        built.append(settings)
        return LiveCredential(fake, settings)

    real_client = live.live_client
    monkeypatch.setattr(live, "build_credential", credential)
    monkeypatch.setattr(live, "live_client", lambda settings, credential: real_client(
        settings, credential=credential, base_url=sim.base_url))

    async def go() -> str:
        async with sources.open_tenant("live") as conn:
            assert (conn.kind, conn.label, conn.writable, conn.simulator) == ("live", "live:contoso.test", True, None)
            return (await conn.snapshot()).display_name

    assert asyncio.run(go()) == "Contoso Test"
    assert built[0].auth == "client-secret" and fake.closed
    assert all(r.headers.get("authorization") == "Bearer fake.jwt.token" for r in sim.requests)


def test_open_tenant_live_with_bad_settings_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_AUTH", "client-secret")

    async def go() -> None:
        async with sources.open_tenant("live"):
            pass

    with pytest.raises(UsageError, match="client-secret needs ENTRA_AGENTS_TENANT_ID"):
        asyncio.run(go())
