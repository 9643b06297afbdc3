"""Open a page in headless Chromium and report what a user's DevTools console would show, plus a screenshot.

Talks the Chrome DevTools Protocol over the browser's --remote-debugging-port with aiohttp's websocket client:
console errors arrive as Runtime.consoleAPICalled (type error), Runtime.exceptionThrown and Log.entryAdded
(level error; CSP violations and failed loads land here). Network.requestWillBeSent lists every request, so a
test can prove a page loads nothing but itself.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0")  # 0: the browser picks a free port and writes it to DevToolsActivePort


def chromium_path() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@dataclass
class PageLoad:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""


class DevTools:
    """One CDP websocket session: numbered commands, events collected as they arrive."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.ids, self.pending = ws, itertools.count(1), {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = message.json()
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            elif "method" in data:
                self.events.put_nowait(data)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        self.pending[call_id] = asyncio.get_running_loop().create_future()
        await self.ws.send_json({"id": call_id, "method": method, "params": params})
        reply = await asyncio.wait_for(self.pending[call_id], 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})


@contextlib.asynccontextmanager
async def browser(binary: str) -> AsyncIterator[str]:
    """Start Chromium with a fresh profile; yield its DevTools HTTP endpoint."""
    # ignore_cleanup_errors: a crashed browser may leave files it still held; the test's verdict is elsewhere.
    with tempfile.TemporaryDirectory(prefix="chromium-profile-", ignore_cleanup_errors=True) as profile:
        process = await asyncio.create_subprocess_exec(
            binary, *FLAGS, f"--user-data-dir={profile}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            port_file, deadline = Path(profile) / "DevToolsActivePort", time.monotonic() + 30
            while not (port_file.exists() and port_file.read_text().strip()):
                if process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chromium did not start (exit code {process.returncode})")
                await asyncio.sleep(0.05)
            yield f"http://127.0.0.1:{port_file.read_text().splitlines()[0]}"
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()


def _console_error(event: dict[str, Any]) -> str | None:
    method, params = event["method"], event.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") == "error":
        return "console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
    if method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        return "exception: " + str(details.get("exception", {}).get("description") or details.get("text"))
    if method == "Log.entryAdded" and params["entry"].get("level") == "error":
        return f"log ({params['entry'].get('source')}): {params['entry'].get('text')}"
    return None


async def load(binary: str, url: str, *, settle: float = 0.5) -> PageLoad:
    """Navigate to ``url``, wait for load plus ``settle`` seconds for late errors, then take a screenshot."""
    result = PageLoad()
    async with browser(binary) as endpoint, aiohttp.ClientSession() as http:
        async with http.get(f"{endpoint}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t.get("type") == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tools = DevTools(ws)
            for domain in ("Runtime", "Log", "Network", "Page"):
                await tools.call(f"{domain}.enable")
            await tools.call("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1,
                             mobile=False)
            await tools.call("Page.navigate", url=url)
            loaded, deadline = False, time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    event = await asyncio.wait_for(tools.events.get(), settle)
                except TimeoutError:
                    if loaded:
                        break  # quiet for `settle` seconds after the load event
                    continue
                loaded = loaded or event["method"] == "Page.loadEventFired"
                if event["method"] == "Network.requestWillBeSent":
                    result.requests.append(event["params"]["request"]["url"])
                elif (error := _console_error(event)) is not None:
                    result.console_errors.append(error)
            shot = await tools.call("Page.captureScreenshot", format="png")
            result.screenshot = base64.b64decode(shot["data"])
            tools.reader.cancel()
    return result
