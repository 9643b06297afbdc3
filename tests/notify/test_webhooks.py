"""Webhook delivery against a local aiohttp receiver on 127.0.0.1: retries, timeouts, failures, secrecy."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from entra_agents.errors import UsageError
from entra_agents.notify import Delivery, Webhook, deliver_run, send
from entra_agents.store import Store
from tests.reports.sample_run import make_run

SECRET = "sig=SECRET-SIGNATURE-123"
PAYLOADS: dict[str, Any] = {"generic": {"event": "run.finished"}, "teams": {"type": "message"}}


class Receiver:
    """Answers per path: /ok 200, /flaky 500 then 200, /down 503, /slow too late, /bad 400, /moved 302."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Any]] = []
        self.hits: dict[str, int] = {}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        self.received.append((name, await request.json()))
        if name == "flaky" and self.hits[name] == 1 or name == "down":
            return web.Response(status=500 if name == "flaky" else 503)
        if name == "slow":
            await asyncio.sleep(0.6)  # longer than the test's timeout; the server waits for it on cleanup
        if name == "bad":
            return web.Response(status=400)
        if name == "moved":
            raise web.HTTPFound("http://127.0.0.1:1/elsewhere")
        return web.Response(status=200, text="1")


def _serve(test: Callable[[str, Receiver], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        receiver = Receiver()
        app = web.Application()
        app.router.add_post("/hook/{name}", receiver.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            return await test(f"http://127.0.0.1:{port}", receiver)
        finally:
            await runner.cleanup()

    return asyncio.run(go())


def _send(name: str, **kwargs: Any) -> tuple[Delivery, Receiver]:
    async def test(base: str, receiver: Receiver) -> tuple[Delivery, Receiver]:
        (delivery,) = await send([Webhook(f"{base}/hook/{name}?{SECRET}", "generic")], PAYLOADS,
                                 retry_delay=0.01, **kwargs)
        return delivery, receiver

    return _serve(test)


def test_delivered() -> None:
    delivery, receiver = _send("ok")
    assert (delivery.ok, delivery.status, delivery.attempts, delivery.error) == (True, 200, 1, None)
    assert receiver.received == [("ok", PAYLOADS["generic"])]


def test_one_retry_on_5xx() -> None:
    delivery, receiver = _send("flaky")
    assert (delivery.ok, delivery.status, delivery.attempts) == (True, 200, 2)
    down, receiver = _send("down")
    assert (down.ok, down.status, down.attempts, down.error) == (False, 503, 2, "HTTP 503")
    assert receiver.hits == {"down": 2}  # exactly one retry


def test_timeout_is_retried_once_then_reported() -> None:
    delivery, receiver = _send("slow", timeout=0.2)
    assert (delivery.ok, delivery.status, delivery.attempts, delivery.error) == (False, None, 2, "timed out")
    assert receiver.hits == {"slow": 2}


def test_client_errors_and_redirects_are_not_retried() -> None:
    bad, _ = _send("bad")
    assert (bad.ok, bad.status, bad.attempts, bad.error) == (False, 400, 1, "HTTP 400")
    moved, _ = _send("moved")
    assert (moved.ok, moved.status, moved.attempts) == (False, 302, 1)  # the payload never follows a redirect


def test_unreachable_webhook_is_a_result_not_an_exception() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the send: nothing listens there
    (delivery,) = asyncio.run(send([Webhook(f"http://127.0.0.1:{port}/hook?{SECRET}")], PAYLOADS,
                                   retry_delay=0.01))
    assert (delivery.ok, delivery.status, delivery.attempts) == (False, None, 2)
    assert delivery.error and delivery.error.startswith("ClientConnectorError")


def test_webhook_url_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    delivery, _ = _send("down")
    hook = Webhook(f"https://user:pw@hooks.example:8443/workflows/abc/{SECRET}?{SECRET}", "teams")
    shown = [repr(hook), hook.where, repr(delivery), str(delivery.to_event()), caplog.text]
    assert not any("SECRET" in text or "hook/down" in text or "pw@" in text for text in shown)
    assert hook.where == "https://hooks.example:8443"
    assert delivery.webhook.startswith("http://127.0.0.1:") and "WARNING" in caplog.text


def test_invalid_webhooks() -> None:
    with pytest.raises(UsageError, match="expected an http"):
        Webhook(f"ftp://host/{SECRET}")
    with pytest.raises(UsageError, match="format"):
        Webhook("https://host/x", "slack")  # type: ignore[arg-type]


def test_deliver_run_sends_each_format() -> None:
    store = Store()
    run_id = make_run(store)

    async def test(base: str, receiver: Receiver) -> tuple[list[Delivery], list[Any]]:
        hooks = [Webhook(f"{base}/hook/ok", "generic"), Webhook(f"{base}/hook/ok", "teams")]
        deliveries = await deliver_run(store, run_id, hooks)
        return deliveries, [body for _, body in receiver.received]

    deliveries, bodies = _serve(test)
    assert [d.ok for d in deliveries] == [True, True] and [d.format for d in deliveries] == ["generic", "teams"]
    kinds = sorted(body.get("event") or body.get("type") for body in bodies)
    assert kinds == ["message", "run.finished"]
    assert all(d.to_event()["durationMs"] >= 0 for d in deliveries)
