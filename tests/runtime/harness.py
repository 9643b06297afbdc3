"""Shared by the model-behaviour tests: the test-only agent content, a run of it, and a recorded model endpoint.

``RecordedModel`` is a local aiohttp server (127.0.0.1) that answers Chat Completions requests with hand-written
responses in the exact wire format, in order, and keeps every request it received, so tests can assert on
what the real ``openai`` client sent (tool results, validation errors) as well as on the stored run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from entra_agents.catalog import load_catalog
from entra_agents.graph.sources import open_tenant
from entra_agents.runtime.models.providers import choose
from entra_agents.runtime.runner import RunResult, run_agent
from entra_agents.store import Store

DATA = Path(__file__).parent / "data"
CONTENT = DATA / "content"
AGENT = "wire-test"


@dataclass
class RecordedModel:
    responses: list[dict[str, Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @classmethod
    def from_file(cls, name: str) -> RecordedModel:
        return cls(json.loads((DATA / "openai" / name).read_text(encoding="utf-8")))

    async def __aenter__(self) -> RecordedModel:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append({"path": request.path, "query": dict(request.query), "headers": dict(request.headers),
                              "body": await request.json()})
        if len(self.requests) > len(self.responses):
            # 400 is not retried by the openai client, so a test that asks for more than it recorded fails at once.
            return web.json_response({"error": {"message": "no recorded response left", "type": "invalid_request_error",
                                                "param": None, "code": None}}, status=400)
        return web.json_response(self.responses[len(self.requests) - 1])

    def tool_messages(self, index: int) -> list[dict[str, Any]]:
        """The tool results the client sent in request ``index``, by call id (SK appends them in completion order)."""
        messages = self.requests[index]["body"]["messages"]
        return sorted((m for m in messages if m["role"] == "tool"), key=lambda m: m["tool_call_id"])


async def run_wire(model: str, store: Store, settings: dict[str, str] | None = None) -> RunResult:
    async with open_tenant("demo") as connection:
        return await run_agent(load_catalog([CONTENT]), AGENT, connection=connection, store=store,
                               choice=choose(model), settings=settings or {})


def events(store: Store, run_id: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in store.trace(run_id) if e["kind"] == kind]
