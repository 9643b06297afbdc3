"""Read many small collections (per-group members, per-instance decisions...) through JSON batching.

A tenant with 10,000 groups would otherwise cost 10,000 round trips; ``$batch`` carries 20 reads per
request. Graph throttles each read inside a batch on its own and answers the batch itself with 200, so
kiota's retry handler never sees those 429s: we retry them here, after the longest Retry-After they name.

Batches are composed in a fixed order (input order, then page order), never by timing, so a recorded load
replays request for request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from msgraph import GraphServiceClient

from entra_agents.errors import TenantReadError
from entra_agents.graph.client import GraphRequestError, RetryPolicy, post_batch

JSON = dict[str, Any]
MAX_BATCH = 20  # Graph's limit per $batch
RETRY_STATUSES = {429, 503, 504}


@dataclass(frozen=True)
class _Read:
    index: int  # which input collection the answer belongs to
    url: str  # relative to the version root, e.g. /groups/ID/members?$select=id
    attempt: int = 0


async def read_collections(client: GraphServiceClient, paths: Sequence[str], retry: RetryPolicy,
                           gate: asyncio.Semaphore | None = None,
                           on_page: Callable[[int], None] | None = None) -> list[list[JSON]]:
    """Every item of each collection in ``paths`` (relative URLs with their query), in the order given.

    Follows each collection's ``@odata.nextLink`` in later batches. A read Graph refuses for good raises
    ``GraphRequestError`` naming that read; a read still throttled after ``retry.max_retries`` does too.
    """
    results: list[list[JSON]] = [[] for _ in paths]
    pending = [_Read(i, _relative(p)) for i, p in enumerate(paths)]
    while pending:
        chunks = [pending[i:i + MAX_BATCH] for i in range(0, len(pending), MAX_BATCH)]
        answers = await asyncio.gather(*(_send(client, chunk, retry, gate) for chunk in chunks))
        later: list[_Read] = []
        waits: list[float] = []
        for chunk, by_id in zip(chunks, answers, strict=True):
            for n, read in enumerate(chunk):
                answer = by_id.get(str(n + 1))
                if answer is None:
                    raise TenantReadError(f"Graph's $batch answer has no response for GET {read.url}")
                status = int(answer.get("status") or 0)
                if 200 <= status < 300:
                    body = answer.get("body") or {}
                    if not isinstance(body, dict):
                        raise TenantReadError(f"Graph answered GET {read.url} in a $batch with a body that is "
                                              "not JSON")
                    items = list(body.get("value") or [])
                    results[read.index].extend(items)
                    if on_page is not None:
                        on_page(len(items))
                    if next_link := body.get("@odata.nextLink"):
                        later.append(_Read(read.index, _relative(str(next_link))))
                elif status in RETRY_STATUSES and read.attempt < retry.max_retries:
                    waits.append(retry.delay(read.attempt + 1, _header(answer, "Retry-After")))
                    later.append(replace(read, attempt=read.attempt + 1))
                else:
                    raise _refused(answer, status, read.url)
        if waits:
            await retry.sleep(max(waits))  # one wait covers the whole next round
        pending = sorted(later, key=lambda r: (r.index, r.url))
    return results


async def _send(client: GraphServiceClient, chunk: list[_Read], retry: RetryPolicy,
                gate: asyncio.Semaphore | None) -> dict[str, JSON]:
    requests = [{"id": str(n + 1), "method": "GET", "url": read.url} for n, read in enumerate(chunk)]
    if gate is None:
        responses = await post_batch(client, requests, retry)
    else:
        async with gate:
            responses = await post_batch(client, requests, retry)
    return {str(r.get("id")): r for r in responses if isinstance(r, dict)}


def _relative(url: str) -> str:
    """A URL as a batch wants it: below the version root (``/v1.0`` or ``/beta``), with its query."""
    if not url.lower().startswith(("http://", "https://")):
        return url if url.startswith("/") else "/" + url
    parts = urlsplit(url)
    path = parts.path
    for root in ("/v1.0", "/beta"):
        if path.lower().startswith(root + "/"):
            path = path[len(root):]
            break
    return path + (f"?{parts.query}" if parts.query else "")


def _header(answer: JSON, name: str) -> str | None:
    for key, value in (answer.get("headers") or {}).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def _refused(answer: JSON, status: int, url: str) -> GraphRequestError:
    body = answer.get("body")
    error = body.get("error") if isinstance(body, dict) else None
    code = str((error or {}).get("code") or "UnknownError")
    message = " ".join(str((error or {}).get("message") or f"status {status}").split())
    return GraphRequestError(status, code, message, "GET", url)
