"""A GraphServiceClient for any base URL, and raw-JSON reads and writes through its request adapter.

We read raw JSON (not kiota models) on purpose: kiota drops fields it does not model (e.g. ``transferMethods``
on Conditional Access policies), and the first typed ``users.get()`` costs about 1.3 s of model imports.
Going through ``send_primitive_async`` still runs kiota's auth, retry and redirect middleware.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
from azure.core.credentials import AccessToken
from kiota_abstractions.api_error import APIError
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.graph_request_adapter import options as GRAPH_DEFAULT_OPTIONS
from msgraph_core import GraphClientFactory

from entra_agents.errors import TenantReadError
from entra_agents.graph.scrub import may_hold_token, redact_tokens

JSON = dict[str, Any]
GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
GRAPH_V1 = "https://graph.microsoft.com/v1.0"
PAGE_SIZE = 999  # Graph's maximum for directory collections: fewest round trips


class StaticTokenCredential:
    """An ``AsyncTokenCredential`` with a fixed fake token, for the simulator and for replays.

    The token provider requires an ``AccessToken`` instance (anything else becomes an empty token).
    """

    def __init__(self, token: str = "fake-token") -> None:
        self.token = token

    async def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                        enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> StaticTokenCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class GraphRequestError(TenantReadError):
    """Graph answered a request with an error status.

    ``str()`` is ``"403 Authorization_RequestDenied: <message> (GET /groups)"``.
    """

    def __init__(self, status: int | None, code: str, message: str, method: str, path: str) -> None:
        self.status, self.code, self.graph_message, self.method, self.path = status, code, message, method, path
        head = f"{status} {code}" if status else code
        super().__init__(f"{head}: {message} ({method} {path})")


class ReplayMissError(TenantReadError):
    """A recorded tenant was asked for a request it has no recording of."""


def make_graph_client(base_url: str, credential: Any = None, *,
                      scopes: list[str] | None = None) -> GraphServiceClient:
    """A GraphServiceClient whose requests go to ``base_url`` (e.g. ``http://127.0.0.1:PORT/v1.0``).

    Without a credential a static fake token is used (simulator and replay). The token is only attached to
    requests for the base URL's host, so a redirect or nextLink elsewhere never carries it. ``scopes`` defaults
    to the global cloud's ``.default``; national clouds pass their own (see ``graph.live``).
    """
    base = base_url.rstrip("/")
    host = urlsplit(base).hostname or ""
    auth = AzureIdentityAuthenticationProvider(
        credential or StaticTokenCredential(), scopes=list(scopes or GRAPH_SCOPES), allowed_hosts=[host])
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(base_url=base, timeout=60, http2=False), options=dict(GRAPH_DEFAULT_OPTIONS))
    adapter = GraphRequestAdapter(auth, client=http)
    # httpx keeps base_url with a trailing "/", which turns every path into "/v1.0//users"
    adapter.base_url = base
    return GraphServiceClient(request_adapter=adapter)


async def close_graph_client(client: GraphServiceClient) -> None:
    """Close the client's HTTP connection pool (kiota exposes no public close)."""
    http = getattr(client.request_adapter, "_http_client", None)
    if not isinstance(http, httpx.AsyncClient):
        return
    wrapped = [getattr(t, "transport", None) for t in (http._transport, *http._mounts.values())]
    await http.aclose()
    # msgraph-core's AsyncGraphTransport does not forward aclose() to the transport it wraps, which
    # would leave the real connection pool's sockets open
    for transport in wrapped:
        if isinstance(transport, httpx.AsyncBaseTransport):
            await transport.aclose()


def base_url_of(client: GraphServiceClient) -> str:
    return str(client.request_adapter.base_url).rstrip("/")


def absolute_url(client: GraphServiceClient, url_or_path: str) -> str:
    if url_or_path.startswith(("https://", "http://")):
        return url_or_path
    return base_url_of(client) + "/" + url_or_path.lstrip("/")


def with_query(path: str, params: Mapping[str, str]) -> str:
    """Add query options to a path, keeping any it already has (the caller's win)."""
    head, _, query = path.partition("?")
    merged = dict(params)
    merged.update(parse_qsl(query, keep_blank_values=True))
    # Graph documents "$select=a,b": keep "$" and "," readable so recordings match the docs and the wire;
    # spaces in $filter go out as %20, which every server reads as a space ("+" is a form-encoding habit)
    return f"{head}?{urlencode(merged, safe='$,', quote_via=quote)}" if merged else head


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None if absent/unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(int(value.strip())))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo or UTC)).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried.

    kiota's RetryHandler retries each GET on 429/503/504 and waits what Retry-After says (``handler_option``
    makes its count explicit instead of kiota's default). We retry what it cannot see: a response whose body
    is cut short or is not JSON, and throttled requests inside a ``$batch`` (the batch itself is a 200).
    Writes are never retried here (see ``post_json``).
    """

    max_retries: int = 5  # kiota accepts at most 10
    backoff: float = 1.0  # seconds; the base of the exponential backoff when Graph sends no Retry-After
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep  # tests replace it to check the wait, not wait it

    def handler_option(self) -> RetryHandlerOption:
        return RetryHandlerOption(delay=self.backoff, max_retries=self.max_retries)

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds before retry number ``attempt`` (1-based): Retry-After if Graph sent one, else backoff."""
        told = parse_retry_after(retry_after)
        if told:
            return told
        # no jitter: batches must be composed the same way on every run, or a recording would not replay
        return min(self.backoff * 2 ** (attempt - 1), 60.0)


DEFAULT_RETRY = RetryPolicy()


async def get_json(client: GraphServiceClient, url_or_path: str, retry: RetryPolicy | None = None) -> JSON:
    """GET one Graph resource as a dict. ``url_or_path`` is absolute or relative to the client's base URL."""
    policy = retry or DEFAULT_RETRY
    url = absolute_url(client, url_or_path)
    return await _with_body_retries(
        lambda: _send(client, Method.GET, url, options=[policy.handler_option()]), policy)


async def get_collection(client: GraphServiceClient, path: str, select: list[str] | None = None,
                         top: int | None = PAGE_SIZE, *, params: Mapping[str, str] | None = None,
                         retry: RetryPolicy | None = None, gate: asyncio.Semaphore | None = None,
                         on_page: Callable[[int], None] | None = None,
                         keep: Callable[[JSON], JSON] | None = None) -> list[JSON]:
    """GET every item of a Graph collection, following ``@odata.nextLink``.

    ``top=None`` sends no ``$top``, for endpoints that do not document it (Graph still pages them).
    ``params`` adds other query options (``$filter``, ``$expand``); ``gate`` bounds concurrent requests;
    ``on_page`` is told how many items each page brought (progress display); ``keep`` maps each item as its
    page arrives (a projection for collections Graph cannot ``$select``: only one raw page is held at a time).
    """
    query = dict(params or {})
    if top:
        query["$top"] = str(top)
    if select:
        query["$select"] = ",".join(select)

    async def fetch(url: str) -> JSON:
        if gate is None:
            return await get_json(client, url, retry)
        async with gate:
            return await get_json(client, url, retry)

    def kept(page: JSON) -> list[JSON]:
        found = page.get("value") or []
        if on_page is not None:
            on_page(len(found))
        return [keep(item) for item in found] if keep is not None else list(found)

    page = await fetch(with_query(path, query))
    items = kept(page)
    seen: set[str] = set()
    while next_link := page.get("@odata.nextLink"):
        if next_link in seen:  # a server that repeats a link would otherwise loop for ever
            raise TenantReadError(f"Graph returned the same @odata.nextLink twice while reading {path}")
        seen.add(next_link)
        page = await fetch(next_link)
        items.extend(kept(page))
    return items


async def post_batch(client: GraphServiceClient, requests: list[JSON], retry: RetryPolicy | None = None) -> list[JSON]:
    """POST a JSON batch (at most 20 requests); return Graph's answers (in any order, matched by ``id``).

    The envelope is retried only when every request in it is a GET: resending reads is harmless, resending
    a write is not. Throttled answers inside a 200 batch are the caller's to retry (see ``graph.batch``).
    """
    policy = retry or DEFAULT_RETRY
    reads_only = all(str(r.get("method", "")).upper() == "GET" for r in requests)
    options = [policy.handler_option() if reads_only else RetryHandlerOption(max_retries=0)]
    url = absolute_url(client, "/$batch")

    async def send() -> JSON:
        return await _send(client, Method.POST, url, body={"requests": requests}, options=options)

    data = await (_with_body_retries(send, policy) if reads_only else send())
    responses = data.get("responses")
    if not isinstance(responses, list):
        raise TenantReadError("Graph answered a $batch without a 'responses' list")
    return responses


async def post_json(client: GraphServiceClient, path: str, body: Mapping[str, Any]) -> JSON:
    """POST a JSON body and return the created object.

    Retries are off: kiota retries POST on 503/504, which could create a second policy. Callers that want
    to retry must first check whether the first attempt landed (safety rule 7).
    """
    return await _send(client, Method.POST, absolute_url(client, path), body=body,
                       options=[RetryHandlerOption(max_retries=0)])


async def patch_json(client: GraphServiceClient, path: str, body: Mapping[str, Any]) -> JSON:
    """PATCH a resource (Graph usually answers 204, giving ``{}``). Not retried, like every write."""
    return await _send(client, Method.PATCH, absolute_url(client, path), body=body,
                       options=[RetryHandlerOption(max_retries=0)])


async def delete_resource(client: GraphServiceClient, path: str) -> None:
    """DELETE a resource. Not retried: a retried DELETE that had landed would answer 404."""
    await _send(client, Method.DELETE, absolute_url(client, path), options=[RetryHandlerOption(max_retries=0)])


class BrokenResponseError(TenantReadError):
    """Graph's answer arrived cut short or was not JSON; a read that got one may simply be sent again."""


async def _with_body_retries(send: Callable[[], Awaitable[JSON]], policy: RetryPolicy) -> JSON:
    attempt = 0
    while True:
        try:
            return await send()
        except BrokenResponseError:
            attempt += 1
            if attempt > policy.max_retries:
                raise
            await policy.sleep(policy.delay(attempt))


async def _send(client: GraphServiceClient, method: Method, url: str, body: Mapping[str, Any] | None = None,
                options: list[Any] | None = None) -> JSON:
    ri = RequestInformation(method=method)
    ri.url = url
    ri.headers.try_add("Accept", "application/json")
    if body is not None:
        ri.set_stream_content(json.dumps(body).encode("utf-8"), "application/json")
    if options:
        ri.add_request_options(options)
    shown = _display_path(client, url)
    try:
        raw = await client.request_adapter.send_primitive_async(ri, "bytes", {"XXX": ODataError})
    except ODataError as exc:
        err = exc.error
        raise GraphRequestError(exc.response_status_code, (err.code if err else None) or "UnknownError",
                                _one_line((err.message if err else None) or str(exc)), method.value,
                                shown) from None
    except APIError as exc:
        raise GraphRequestError(exc.response_status_code, "UnknownError", _one_line(str(exc.message or exc)),
                                method.value, shown) from None
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        # the connection dropped mid-answer: nothing was lost that sending the request again cannot fetch
        raise BrokenResponseError(f"Graph's answer to {method.value} {shown} was cut short "
                                  f"({type(exc).__name__}: {_one_line(str(exc))})") from None
    except httpx.HTTPError as exc:
        raise TenantReadError(f"could not reach Microsoft Graph at {base_url_of(client)} ({type(exc).__name__}: "
                              f"{_one_line(str(exc))}); check the network or the tenant source") from None
    except Exception as exc:
        miss = _replay_miss(exc, method.value, url)
        if miss is not None:
            raise miss from None
        raise
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    if may_hold_token(text):
        # Tenant data is untrusted: a token pasted into a display name must not ride into answers,
        # suggestions, traces or reports (safety rule 5). Tokens hold no JSON-escaped characters, so the raw
        # text can be redacted before parsing, at C speed, instead of walking millions of parsed strings.
        text = redact_tokens(text)
    try:
        data = json.loads(text)
    except ValueError:
        raise BrokenResponseError(f"Graph returned a body that is not JSON for {method.value} {shown}") from None
    if not isinstance(data, dict):
        raise TenantReadError(f"Graph returned {type(data).__name__} instead of an object for {method.value} {shown}")
    return data


def _replay_miss(exc: Exception, method: str, url: str) -> ReplayMissError | None:
    # vcrpy is imported only by recording.py; a miss is raised from below kiota's middleware
    if type(exc).__name__ != "CannotOverwriteExistingCassetteException":
        return None
    cassette = getattr(exc, "cassette", None)
    cassette_path = str(getattr(cassette, "_path", "") or "")
    where = cassette_path.removesuffix("/cassette.yaml") or "(unknown)"
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return ReplayMissError(f"recorded tenant {where} has no recording of {method} {target}; re-record it")


def _display_path(client: GraphServiceClient, url: str) -> str:
    base = base_url_of(client)
    return url[len(base):] or "/" if url.startswith(base) else url


def _one_line(text: str) -> str:
    return " ".join(text.split())
