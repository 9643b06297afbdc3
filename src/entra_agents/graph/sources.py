"""Resolve the ``--tenant`` argument into a connection: a Graph client, and the snapshot behind it.

``demo``            the bundled demo tenant file, served by the Graph simulator
``fixture:PATH``    a tenant file (YAML or JSON), served by the Graph simulator
``DIR``             a directory recorded with vcrpy (it holds ``cassette.yaml``), replayed with no network
``live``            Microsoft Graph, signed in with azure-identity as ``ENTRA_AGENTS_*`` says (``graph.live``)
``graph:URL``       a Graph-compatible endpoint that is already running, e.g. ``entra-agents tenant serve`` at
                    ``http://127.0.0.1:8080/v1.0``; writable, and sent no credential (a fixed fake token)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from msgraph import GraphServiceClient

from entra_agents.errors import UsageError
from entra_agents.graph.client import close_graph_client, make_graph_client
from entra_agents.graph.loader import load_snapshot
from entra_agents.graph.recording import is_recording, open_replay, recorded_at
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file

TenantKind = Literal["fixture", "recorded", "live", "graph"]
FIXTURE_PREFIX = "fixture:"
GRAPH_PREFIX = "graph:"


@dataclass
class TenantConnection:
    """An open tenant. Writes go through ``graph.client.post_json(conn.client, ...)`` and only if ``writable``."""

    kind: TenantKind
    label: str
    client: GraphServiceClient
    simulator: GraphSimulator | None = None
    writable: bool = True
    # A recording is read as of the moment it was made, a tenant file as of its asOf (if it has one), so
    # look-back filters (sign-ins, audits) match the data.
    as_of: datetime | None = None
    _snapshot: TenantSnapshot | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def snapshot(self) -> TenantSnapshot:
        """The tenant snapshot, loaded on first use and cached for the connection's lifetime."""
        async with self._lock:
            if self._snapshot is None:
                self._snapshot = await load_snapshot(self.client, now=self.as_of)
            return self._snapshot


def demo_tenant_path() -> Path:
    return Path(str(resources.files("entra_agents") / "data" / "demo_tenant.yaml"))


@asynccontextmanager
async def open_tenant(spec: str) -> AsyncIterator[TenantConnection]:
    """Open the tenant named by ``spec`` (see the module docstring); close everything on exit."""
    spec = spec.strip()
    async with AsyncExitStack() as stack:
        if spec == "demo":
            path = demo_tenant_path()
            if not path.is_file():
                raise UsageError(f"the demo tenant file is missing from this installation ({path}); "
                                 "reinstall entra-agents or use --tenant fixture:PATH")
            conn = _serve(load_tenant_file(path), spec, stack)
        elif spec.startswith(FIXTURE_PREFIX):
            conn = _serve(_fixture_document(spec[len(FIXTURE_PREFIX):]), spec, stack)
        elif spec == "live":
            conn = _live(stack)
        elif spec.startswith(GRAPH_PREFIX):
            client = make_graph_client(_endpoint(spec[len(GRAPH_PREFIX):]))
            stack.push_async_callback(close_graph_client, client)
            conn = TenantConnection(kind="graph", label=spec, client=client, writable=True)
        elif spec and is_recording(spec):
            client = stack.enter_context(open_replay(spec))
            # registered after the cassette, so it runs before the cassette is deactivated
            stack.push_async_callback(close_graph_client, client)
            conn = TenantConnection(kind="recorded", label=spec, client=client, writable=False,
                                    as_of=recorded_at(spec))
        else:
            raise _unknown(spec)
        yield conn


def _fixture_document(raw_path: str) -> TenantDocument:
    if not raw_path:
        raise UsageError("--tenant fixture: needs a path, e.g. --tenant fixture:tenant.yaml")
    path = Path(os.path.expanduser(raw_path))
    if not path.is_file():
        raise UsageError(f"tenant file {raw_path} does not exist; check the path after 'fixture:'")
    return load_tenant_file(path)


def _endpoint(raw_url: str) -> str:
    url = raw_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--tenant graph:{raw_url}: expected an http(s) URL, e.g. "
                         "graph:http://127.0.0.1:8080/v1.0 (the address `entra-agents tenant serve` prints)")
    # `tenant serve` prints the versioned base URL; a bare host:port means the same server
    return url if parts.path not in ("", "/") else f"{url}/v1.0"


def _serve(doc: TenantDocument, label: str, stack: AsyncExitStack) -> TenantConnection:
    sim = stack.enter_context(GraphSimulator(doc))
    client = make_graph_client(sim.base_url)
    stack.push_async_callback(close_graph_client, client)
    return TenantConnection(kind="fixture", label=label, client=client, simulator=sim, writable=True,
                            as_of=doc.as_of)


def _live(stack: AsyncExitStack) -> TenantConnection:
    # imported here so that fixture and replay runs never load azure-identity
    from entra_agents.graph import live

    settings = live.LiveSettings.from_env()
    credential = live.build_credential(settings)
    stack.push_async_callback(credential.close)
    client = live.live_client(settings, credential=credential)
    stack.push_async_callback(close_graph_client, client)  # runs first: close the pool, then the credential
    return TenantConnection(kind="live", label=settings.label, client=client, writable=True)


def _unknown(spec: str) -> UsageError:
    known = ("use 'demo', 'fixture:PATH' (a tenant file), 'live' (Microsoft Graph; check sign-in with "
             "`entra-agents auth status`), 'graph:URL' (a running Graph simulator or Graph-compatible endpoint) "
             "or a directory recorded from a tenant (with cassette.yaml)")
    p = Path(os.path.expanduser(spec)) if spec else None
    if p is not None and p.is_file() and p.suffix.lower() in (".yaml", ".yml", ".json"):
        return UsageError(f"unknown tenant {spec!r}; to serve a tenant file write --tenant fixture:{spec}")
    if p is not None and p.is_dir():
        return UsageError(f"{spec} is not a recorded tenant: it has no cassette.yaml; record one first, or {known}")
    return UsageError(f"unknown tenant {spec!r}; {known}")
