"""open_tenant: demo, fixture:PATH and recorded directories; everything else is a UsageError with a hint."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from entra_agents.errors import UsageError
from entra_agents.graph import sources
from entra_agents.graph.client import get_json, post_json
from entra_agents.graph.recording import record_from_spec, record_tenant
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file


def test_fixture_tenant_serves_and_caches(small_doc: TenantDocument) -> None:
    async def go() -> None:
        async with sources.open_tenant(f"fixture:{small_doc.path}") as conn:
            assert (conn.kind, conn.label, conn.writable) == ("fixture", f"fixture:{small_doc.path}", True)
            assert conn.simulator is not None
            first = await conn.snapshot()
            count = len(conn.simulator.requests)
            assert await conn.snapshot() is first
            assert len(conn.simulator.requests) == count
            assert first.display_name == "Contoso Test" and first.failed == {}
            created = await post_json(conn.client, "/identity/conditionalAccess/policies",
                                      {"displayName": "RO test", "state": "enabledForReportingButNotEnforced"})
            assert (await get_json(conn.client, f"/identity/conditionalAccess/policies/{created['id']}"))["id"]
            assert len(conn.simulator.writes) == 1
            sim = conn.simulator
        with pytest.raises(RuntimeError):  # the simulator stops with the connection
            _ = sim.base_url

    asyncio.run(go())


def test_demo_uses_the_bundled_file(small_doc: TenantDocument, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "demo_tenant_path", lambda: small_doc.path)

    async def go() -> str:
        async with sources.open_tenant("demo") as conn:
            assert conn.kind == "fixture" and conn.label == "demo"
            return (await conn.snapshot()).display_name

    assert asyncio.run(go()) == "Contoso Test"


def test_shipped_demo_tenant_is_valid() -> None:
    path = sources.demo_tenant_path()
    if not path.is_file():
        pytest.skip("the demo tenant file has not been added yet")
    assert load_tenant_file(path).organization["id"]


def test_recorded_directory_replays_read_only(small_doc: TenantDocument, tmp_path: Path) -> None:
    out = tmp_path / "rec"
    with GraphSimulator(small_doc) as sim:
        recorded = asyncio.run(record_tenant(sim.base_url, out))

    async def go() -> None:
        async with sources.open_tenant(str(out)) as conn:
            assert (conn.kind, conn.writable, conn.simulator) == ("recorded", False, None)
            assert await conn.snapshot() == recorded

    asyncio.run(go())


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("prod", "unknown tenant 'prod'; use 'demo', 'fixture:PATH'"),
        ("", "unknown tenant ''"),
        ("fixture:", "needs a path"),
        ("fixture:/no/such/tenant.yaml", "does not exist"),
    ],
)
def test_bad_specs(spec: str, expected: str) -> None:
    async def go() -> None:
        async with sources.open_tenant(spec):
            pass

    with pytest.raises(UsageError, match=expected) as info:
        asyncio.run(go())
    assert info.value.exit_code == 2


def test_hints_for_near_misses(small_doc: TenantDocument, tmp_path: Path) -> None:
    async def go(spec: str) -> None:
        async with sources.open_tenant(spec):
            pass

    with pytest.raises(UsageError, match=f"write --tenant fixture:{small_doc.path}"):
        asyncio.run(go(str(small_doc.path)))
    with pytest.raises(UsageError, match="is not a recorded tenant: it has no cassette.yaml"):
        asyncio.run(go(str(tmp_path)))


def test_record_from_spec_then_replay_opens_no_socket(small_doc: TenantDocument, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "rec"
    recorded = asyncio.run(record_from_spec(f"fixture:{small_doc.path}", out))

    def no_sockets(*args: object, **kwargs: object) -> None:
        raise AssertionError("replay opened a socket")

    monkeypatch.setattr(socket.socket, "connect", no_sockets)
    monkeypatch.setattr(socket.socket, "bind", no_sockets)

    async def go() -> None:
        async with sources.open_tenant(str(out)) as conn:
            assert await conn.snapshot() == recorded

    asyncio.run(go())
    with pytest.raises(UsageError, match="already a recorded tenant"):
        asyncio.run(record_from_spec(str(out), tmp_path / "again"))
