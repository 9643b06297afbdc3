"""Live Microsoft Graph: settings from ``ENTRA_AGENTS_*`` variables, the azure-identity credential, the client.

Everything here is configured by environment variables so that the same command line works on a laptop (Azure CLI
or device code sign-in), in CI (client secret or certificate) and on an Azure host (managed identity):

``ENTRA_AGENTS_AUTH``            client-secret | certificate | managed-identity | azure-cli | device-code | browser
``ENTRA_AGENTS_TENANT_ID``       directory (tenant) id or primary domain
``ENTRA_AGENTS_CLIENT_ID``       the app registration's application (client) id, or a user-assigned identity's
``ENTRA_AGENTS_CLIENT_SECRET``   for client-secret
``ENTRA_AGENTS_CERTIFICATE_PATH`` (+ ``ENTRA_AGENTS_CERTIFICATE_PASSWORD``) for certificate: PEM or PKCS#12
``ENTRA_AGENTS_CLOUD``           global | usgov | usgov-dod | china (authority host and Graph endpoint together)
``ENTRA_AGENTS_TOKEN_CACHE``     persistent cache name for device-code/browser sign-in; ``none`` keeps it in memory
``ENTRA_AGENTS_TOKEN_CACHE_UNENCRYPTED`` true: on Linux without a usable keyring, store that cache as a plain file

Secrets never appear in ``repr()``, logs or error messages.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast, get_args

from azure.core.credentials import AccessToken
from msgraph import GraphServiceClient

from entra_agents.errors import UsageError
from entra_agents.graph.client import make_graph_client

AuthMode = Literal["client-secret", "certificate", "managed-identity", "azure-cli", "device-code", "browser"]
AUTH_MODES: tuple[str, ...] = get_args(AuthMode)
APP_ONLY_MODES = frozenset({"client-secret", "certificate", "managed-identity"})
DELEGATED_MODES = frozenset({"device-code", "browser"})
DEFAULT_TOKEN_CACHE = "entra-agents"
NO_CACHE = frozenset({"none", "off", "memory"})
ENV = {name: f"ENTRA_AGENTS_{name.upper()}" for name in (
    "auth", "tenant_id", "client_id", "client_secret", "certificate_path", "certificate_password", "cloud",
    "token_cache", "token_cache_unencrypted")}
_TRUE, _FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})
_IDENTITY_LOG = logging.getLogger("azure.identity")
_REFRESH_MARGIN = 300  # seconds: renew a cached token this long before it expires, as azure-identity does


@dataclass(frozen=True)
class Cloud:
    """A Microsoft cloud: where tokens come from and where Graph lives. Values match ``AzureAuthorityHosts`` and
    ``msgraph_core.NationalClouds`` (a test keeps them in step; importing those here would slow ``--help``)."""

    name: str
    authority_host: str
    graph_root: str

    @property
    def graph_base_url(self) -> str:
        return f"{self.graph_root}/v1.0"  # no trailing slash: httpx would turn paths into /v1.0//users

    @property
    def scope(self) -> str:
        # a national cloud's token must name that cloud's Graph, or Graph rejects the audience
        return f"{self.graph_root}/.default"


CLOUDS: dict[str, Cloud] = {c.name: c for c in (
    Cloud("global", "login.microsoftonline.com", "https://graph.microsoft.com"),
    Cloud("usgov", "login.microsoftonline.us", "https://graph.microsoft.us"),
    Cloud("usgov-dod", "login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    Cloud("china", "login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
)}


class LiveAuthError(UsageError):
    """No token could be obtained. The message gives the cause and the setting to check, never a secret."""


@dataclass(frozen=True)
class LiveSettings:
    """How to sign in to a live tenant. Validated on construction; :meth:`from_env` reads ``ENTRA_AGENTS_*``."""

    auth: AuthMode = "azure-cli"
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    certificate_path: Path | None = None
    certificate_password: str | None = field(default=None, repr=False)
    cloud: str = "global"
    token_cache: str | None = DEFAULT_TOKEN_CACHE
    """Persistent cache name for delegated sign-in; ``None`` keeps tokens in memory. Ignored by other modes."""
    token_cache_unencrypted: bool = False

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            raise UsageError(problem)

    @property
    def endpoints(self) -> Cloud:
        return CLOUDS[self.cloud]

    @property
    def label(self) -> str:
        """How runs name this tenant source (no secrets, no client id)."""
        return f"live:{self.tenant_id}" if self.tenant_id else "live"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LiveSettings:
        env = os.environ if environ is None else environ
        raw = {name: (env.get(var) or "").strip() or None for name, var in ENV.items()}
        auth = (raw["auth"] or "").lower() or None
        if auth is None:
            if raw["client_id"]:
                raise UsageError(f"{ENV['client_id']} is set but {ENV['auth']} is not; set {ENV['auth']} to "
                                 "client-secret, certificate, managed-identity, device-code or browser")
            auth = "azure-cli"  # nothing configured: reuse an existing `az login`, the least surprising default
        delegated = auth in DELEGATED_MODES
        for name in ("token_cache", "token_cache_unencrypted"):
            if raw[name] is not None and auth in AUTH_MODES and not delegated:
                raise UsageError(f"{ENV[name]} applies to device-code and browser sign-in only, not "
                                 f"{ENV['auth']}={auth}; unset it")
        cache = raw["token_cache"] or DEFAULT_TOKEN_CACHE
        path = raw["certificate_path"]
        return cls(
            auth=cast(AuthMode, auth), tenant_id=raw["tenant_id"], client_id=raw["client_id"],
            client_secret=raw["client_secret"], certificate_path=Path(path).expanduser() if path else None,
            certificate_password=raw["certificate_password"], cloud=(raw["cloud"] or "global").lower(),
            token_cache=None if cache.lower() in NO_CACHE else cache,
            token_cache_unencrypted=_flag(raw["token_cache_unencrypted"], ENV["token_cache_unencrypted"]))


def _flag(value: str | None, var: str) -> bool:
    if value is None or value.lower() in _FALSE:
        return False
    if value.lower() in _TRUE:
        return True
    raise UsageError(f"{var} must be true or false, not {value!r}")


def _problem(s: LiveSettings) -> str | None:
    """The first thing wrong with ``s``, phrased as what to set. Never includes a secret's value."""
    if s.auth not in AUTH_MODES:
        return f"{ENV['auth']}={s.auth!r} is not a sign-in mode; use one of {', '.join(AUTH_MODES)}"
    if s.cloud not in CLOUDS:
        return f"{ENV['cloud']}={s.cloud!r} is not a cloud; use one of {', '.join(CLOUDS)}"
    mode = f"{ENV['auth']}={s.auth}"
    required = {"client-secret": ("tenant_id", "client_id", "client_secret"),
                "certificate": ("tenant_id", "client_id", "certificate_path"),
                # delegated sign-in goes to the tenant's own authority: a single-tenant app cannot use /organizations
                "device-code": ("tenant_id", "client_id"), "browser": ("tenant_id", "client_id")}.get(s.auth, ())
    for name in required:
        if not getattr(s, name):
            return f"{mode} needs {ENV[name]} ({_WHAT[name]})"
    allowed = set(required) | {"tenant_id"} | ({"client_id"} if s.auth == "managed-identity" else set())
    if s.auth == "certificate":
        allowed.add("certificate_password")
    for name in ("client_id", "client_secret", "certificate_path", "certificate_password"):
        if getattr(s, name) and name not in allowed:
            return f"{ENV[name]} is set but {mode} does not use it; unset it or choose the matching {ENV['auth']}"
    if s.tenant_id and not re.fullmatch(r"[A-Za-z0-9.-]+", s.tenant_id):
        return f"{ENV['tenant_id']} must be a tenant id (GUID) or domain, not {s.tenant_id!r}"
    return None


_WHAT = {
    "tenant_id": "the Directory (tenant) ID on the app registration's Overview page",
    "client_id": "the Application (client) ID of your app registration",
    "client_secret": "a client secret value from Certificates & secrets",
    "certificate_path": "a PEM or PKCS#12 file with the certificate and its private key",
}


# ------------------------------------------------------------------------------------------------- credential


def build_credential(settings: LiveSettings) -> LiveCredential:
    """The async credential for ``settings.auth``. Does no network I/O; reads a certificate file if configured."""
    from azure.identity.aio import (
        AzureCliCredential,
        CertificateCredential,
        ClientSecretCredential,
        ManagedIdentityCredential,
    )

    # azure-identity logs each failure as a warning, which Python prints to stderr when the application has no
    # logging set up; the failure already reaches the user as one LiveAuthError line
    if not _IDENTITY_LOG.handlers:
        _IDENTITY_LOG.addHandler(logging.NullHandler())
    authority = settings.endpoints.authority_host
    tenant, client = settings.tenant_id or "", settings.client_id or ""
    if settings.auth == "client-secret":
        return LiveCredential(ClientSecretCredential(tenant, client, settings.client_secret or "",
                                                     authority=authority), settings)
    if settings.auth == "certificate":
        return LiveCredential(_certificate(CertificateCredential, settings, authority), settings)
    if settings.auth == "managed-identity":
        # the identity endpoint of the host decides the cloud; a client id selects a user-assigned identity
        return LiveCredential(ManagedIdentityCredential(client_id=settings.client_id), settings)
    if settings.auth == "azure-cli":
        # `az` signs in to the cloud chosen with `az cloud set`; only the scope below is ours to choose
        return LiveCredential(AzureCliCredential(tenant_id=tenant), settings)
    return _delegated(settings, authority)


def _certificate(cls: Any, settings: LiveSettings, authority: str) -> Any:
    path = settings.certificate_path
    if path is None or not path.is_file():
        raise UsageError(f"{ENV['certificate_path']}: {path} does not exist; point it at the PEM or PKCS#12 file")
    try:
        return cls(settings.tenant_id, settings.client_id, certificate_path=str(path),
                   password=settings.certificate_password, authority=authority)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{ENV['certificate_path']}: cannot load the certificate at {path} "
                         f"({_scrub(str(exc), settings)}); it must hold the private key, and "
                         f"{ENV['certificate_password']} must be its password if it has one") from None


def _delegated(settings: LiveSettings, authority: str) -> LiveCredential:
    from azure.identity import (
        AuthenticationRecord,
        DeviceCodeCredential,
        InteractiveBrowserCredential,
        TokenCachePersistenceOptions,
    )

    options: dict[str, Any] = {"tenant_id": settings.tenant_id, "authority": authority}
    record_path = None
    if settings.token_cache:
        options["cache_persistence_options"] = TokenCachePersistenceOptions(
            name=settings.token_cache, allow_unencrypted_storage=settings.token_cache_unencrypted)
        record_path = auth_record_path(settings)
        if record_path.is_file():
            # without the record, azure-identity cannot find the account in the persistent cache and prompts again
            try:
                options["authentication_record"] = AuthenticationRecord.deserialize(record_path.read_text("utf-8"))
                # the record names the authority and app itself (its file is keyed by both); passing the
                # authority as well is a TypeError in azure-identity
                del options["authority"]
            except (ValueError, KeyError, AttributeError, TypeError):
                record_path.unlink()  # unreadable: signing in again writes a fresh one
    if settings.auth == "device-code":
        inner: Any = DeviceCodeCredential(settings.client_id, prompt_callback=_device_code_prompt, **options)
    else:
        inner = InteractiveBrowserCredential(client_id=settings.client_id, **options)
    return LiveCredential(inner, settings, threaded=True, record_path=record_path)


def _device_code_prompt(verification_uri: str, user_code: str, expires_on: datetime) -> None:
    # stderr, not stdout: `--json` output must stay parseable while the user signs in
    print(f"To sign in, open {verification_uri} and enter the code {user_code} "
          f"(valid until {expires_on:%H:%M} UTC).", file=sys.stderr, flush=True)


def auth_record_path(settings: LiveSettings) -> Path:
    """Where the non-secret sign-in record for this cloud, tenant, app and mode is kept (tokens stay in the cache)."""
    from entra_agents.store.db import data_home

    key = "|".join((settings.cloud, settings.tenant_id or "", settings.client_id or "", settings.auth))
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return data_home() / "auth" / f"{settings.token_cache or DEFAULT_TOKEN_CACHE}-{digest}.json"


class LiveCredential:
    """The ``AsyncTokenCredential`` kiota calls before every request.

    It turns azure-identity failures into one :class:`LiveAuthError` naming the setting to check. For device
    code and browser sign-in (azure-identity has no async versions of those) it runs the sync credential in a
    thread, one sign-in at a time, and reuses the token until shortly before it expires: kiota asks for a token
    per request, and eight parallel reads must not start eight device code prompts.
    """

    def __init__(self, inner: Any, settings: LiveSettings, *, threaded: bool = False,
                 record_path: Path | None = None) -> None:
        self.inner, self.settings, self.threaded, self.record_path = inner, settings, threaded, record_path
        self._tokens: dict[tuple[Any, ...], AccessToken] = {}
        self._lock = asyncio.Lock()

    async def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                        enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        try:
            if self.threaded:
                return await self._threaded_token(scopes, claims, tenant_id, enable_cae)
            return cast(AccessToken, await self.inner.get_token(*scopes, claims=claims, tenant_id=tenant_id,
                                                                enable_cae=enable_cae, **kwargs))
        except LiveAuthError:
            raise
        except Exception as exc:
            raise explain_auth_failure(exc, self.settings) from exc

    async def _threaded_token(self, scopes: tuple[str, ...], claims: str | None, tenant_id: str | None,
                              enable_cae: bool) -> AccessToken:
        key = (scopes, tenant_id, enable_cae)
        async with self._lock:
            cached = self._tokens.get(key)
            # a claims challenge (CAE) means the cached token was revoked: never answer it from the cache
            if cached is not None and not claims and cached.expires_on - _REFRESH_MARGIN > time.time():
                return cached
            token = await asyncio.to_thread(self._sync_token, scopes, claims, tenant_id, enable_cae)
            self._tokens[key] = token
            return token

    def _sync_token(self, scopes: tuple[str, ...], claims: str | None, tenant_id: str | None,
                    enable_cae: bool) -> AccessToken:
        options = {"claims": claims, "tenant_id": tenant_id, "enable_cae": enable_cae}
        if self.record_path is not None and not self.record_path.is_file():
            record = self.inner.authenticate(scopes=list(scopes), **options)
            _save_record(self.record_path, record.serialize())
        return cast(AccessToken, self.inner.get_token(*scopes, **options))

    async def close(self) -> None:
        result = getattr(self.inner, "close", lambda: None)()
        if asyncio.iscoroutine(result):
            await result

    async def __aenter__(self) -> LiveCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _save_record(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # names the user: keep it private
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


# --------------------------------------------------------------------------------------------- error messages

_AADSTS_HINTS = {
    "AADSTS7000215": f"the client secret is wrong: check {ENV['client_secret']} (use the secret's value, not its id)",
    "AADSTS7000222": f"the client secret has expired: create a new one and update {ENV['client_secret']}",
    "AADSTS700016": f"no such app in this tenant: check {ENV['client_id']}, {ENV['tenant_id']} and {ENV['cloud']}",
    "AADSTS90002": f"no such tenant: check {ENV['tenant_id']} and {ENV['cloud']}",
    "AADSTS700027": f"the certificate is not on the app registration: upload it, or check {ENV['certificate_path']}",
    "AADSTS7000218": "the app registration does not allow public client flows: turn on 'Allow public client flows' "
                     "(Authentication) for device code sign-in",
}
_MODE_HINTS = {
    "client-secret": f"check {ENV['tenant_id']}, {ENV['client_id']} and {ENV['client_secret']}",
    "certificate": f"check {ENV['tenant_id']}, {ENV['client_id']} and that the certificate at "
                   f"{ENV['certificate_path']} is uploaded to the app registration",
    "managed-identity": f"run on an Azure host with a managed identity; for a user-assigned one set "
                        f"{ENV['client_id']} to its client id",
    "azure-cli": f"run `az login` (for another tenant `az login --tenant ID`; for national clouds `az cloud set` "
                 f"first), or set {ENV['auth']} to another sign-in mode",
    "device-code": f"check {ENV['tenant_id']} and {ENV['client_id']} (a public client app registration)",
    "browser": f"check {ENV['tenant_id']} and {ENV['client_id']} (redirect URI http://localhost under "
               "'Mobile and desktop applications')",
}


def explain_auth_failure(exc: BaseException, settings: LiveSettings) -> LiveAuthError:
    """One line: which sign-in failed, why, and which variable to check. Secrets are scrubbed from the cause."""
    text = _scrub(" ".join(str(getattr(exc, "message", None) or exc).split()), settings)
    if isinstance(exc, ValueError) and ("libsecret" in text or "Cache encryption" in text):
        return LiveAuthError(
            f"cannot encrypt the token cache {settings.token_cache!r}: no usable keyring (libsecret) here, e.g. over "
            f"SSH or in a container. Set {ENV['token_cache_unencrypted']}=true to keep it as a plain file readable "
            f"only by you (~/.IdentityService/), or {ENV['token_cache']}=none to sign in on every run")
    code = re.search(r"AADSTS\d+", text)
    hint = _AADSTS_HINTS.get(code.group(0)) if code else None
    if type(exc).__name__ in ("ServiceRequestError", "ServiceResponseError"):  # azure-core: never reached Entra ID
        hint = f"check the network (or HTTPS_PROXY) to {settings.endpoints.authority_host} and {ENV['cloud']}"
    cause = text.split(" Trace ID:")[0]  # drop azure-identity's trace/correlation ids and timestamps
    if len(cause) > 300:
        cause = cause[:297] + "..."
    return LiveAuthError(f"sign-in with {ENV['auth']}={settings.auth} ({settings.cloud} cloud) failed: "
                         f"{type(exc).__name__}: {cause or 'no details'}; {hint or _MODE_HINTS[settings.auth]}")


def _scrub(text: str, settings: LiveSettings) -> str:
    for secret in (settings.client_secret, settings.certificate_password):
        if secret:
            text = text.replace(secret, "***")
    return text


# ------------------------------------------------------------------------------------------------------ client


def live_client(settings: LiveSettings | None = None, *, credential: Any = None,
                base_url: str | None = None) -> GraphServiceClient:
    """A GraphServiceClient for the live tenant described by ``settings`` (default: from the environment).

    ``credential`` replaces the one ``settings`` would build (the caller then owns closing it); ``base_url``
    replaces the cloud's Graph endpoint, e.g. with the Graph simulator's. The token is sent to that host only.
    """
    settings = settings or LiveSettings.from_env()
    cloud = settings.endpoints
    return make_graph_client(base_url or cloud.graph_base_url, credential or build_credential(settings),
                             scopes=[cloud.scope])
