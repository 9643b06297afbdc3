"""POST payloads to webhooks: a timeout, one retry on 5xx/429/timeouts/connection failures, never an exception.

A notification must never fail a run: every outcome comes back as a :class:`Delivery`, which the caller records
as a trace event. A webhook URL is a secret (Teams and Slack URLs carry their signature in the path or query),
so nothing here logs, stores or returns more of it than scheme and host (DESIGN safety rule 5).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from entra_agents.errors import UsageError
from entra_agents.notify.payloads import FORMATS, Format

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
RETRY_DELAY_SECONDS = 1.0


@dataclass(frozen=True)
class Webhook:
    url: str = field(repr=False)
    format: Format = "generic"

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise UsageError(f"webhook format {self.format!r}: expected one of {', '.join(FORMATS)}")
        parts = urlsplit(self.url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise UsageError(f"webhook {self.where}: expected an http(s) URL")

    @property
    def where(self) -> str:
        """What may be shown of the URL: scheme and host (and port), never path, query or credentials."""
        parts = urlsplit(self.url)
        host = parts.hostname or "?"
        return f"{parts.scheme or '?'}://{host}" + (f":{parts.port}" if parts.port else "")

    def __repr__(self) -> str:
        return f"Webhook({self.where!r}, format={self.format!r})"


@dataclass(frozen=True)
class Delivery:
    webhook: str  # Webhook.where: scheme and host only
    format: Format
    ok: bool
    status: int | None  # the last HTTP status, None when no response came back
    attempts: int
    error: str | None
    duration_ms: float

    def to_event(self) -> dict[str, Any]:
        """The trace event data for this delivery (kind ``notification``)."""
        data = asdict(self)
        data["durationMs"] = data.pop("duration_ms")
        return data


class _Retryable(Exception):
    """A failed attempt worth one more try (a 5xx, 429, timeout or connection failure)."""


def _describe(exc: BaseException) -> str:
    # Exception texts may quote the URL (aiohttp's InvalidURL does): keep the type and the OS reason only.
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "timed out"
    reason = getattr(exc, "strerror", None)
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


async def _attempt(session: aiohttp.ClientSession, hook: Webhook, body: Mapping[str, Any]) -> int:
    # Redirects are not followed: the payload goes to the configured host or nowhere.
    async with session.post(hook.url, json=body, allow_redirects=False) as response:
        await response.read()
        if response.status >= 500 or response.status == 429:
            raise _Retryable(response.status)
        return response.status


async def _deliver(session: aiohttp.ClientSession, hook: Webhook, body: Mapping[str, Any],
                   retry_delay: float) -> Delivery:
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    attempts = 0
    for attempts in (1, 2):
        error = None
        try:
            status = await _attempt(session, hook, body)
            break
        except _Retryable as exc:
            status, error = exc.args[0], f"HTTP {exc.args[0]}"
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            status, error = None, _describe(exc)
        except Exception as exc:  # noqa: BLE001 - a notification never fails the run
            status, error = None, _describe(exc)
            break
        if attempts == 1:
            await asyncio.sleep(retry_delay)
    ok = error is None and status is not None and 200 <= status < 300
    if error is None and not ok:
        error = f"HTTP {status}"
    delivery = Delivery(webhook=hook.where, format=hook.format, ok=ok, status=status, attempts=attempts,
                        error=error, duration_ms=round((time.perf_counter() - started) * 1000, 1))
    log.log(logging.INFO if ok else logging.WARNING, "webhook %s (%s): %s after %d attempt(s)", hook.where,
            hook.format, "delivered" if ok else error, attempts)
    return delivery


async def send(webhooks: Sequence[Webhook], payloads: Mapping[Format, Mapping[str, Any]], *,
               timeout: float = TIMEOUT_SECONDS, retry_delay: float = RETRY_DELAY_SECONDS) -> list[Delivery]:
    """POST to every webhook concurrently the payload of its format (``payloads[webhook.format]``).

    Never raises for a delivery problem: each webhook gets a :class:`Delivery`, in the order given.
    """
    if not webhooks:
        return []
    missing = {hook.format for hook in webhooks} - set(payloads)
    if missing:
        raise UsageError(f"no payload for webhook format(s) {', '.join(sorted(missing))}")
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout) as session:
        return list(await asyncio.gather(*(_deliver(session, hook, payloads[hook.format], retry_delay)
                                           for hook in webhooks)))
