"""Record a snapshot load from the simulator, stop it, and replay the recording with no server."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from entra_agents.errors import UsageError
from entra_agents.graph.client import ReplayMissError, close_graph_client, get_json
from entra_agents.graph.loader import load_snapshot
from entra_agents.graph.recording import CASSETTE, TENANT_INFO, open_replay, record_tenant
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.graph.tenant_file import TenantDocument


def replay_snapshot(directory: Path) -> TenantSnapshot:
    async def go() -> TenantSnapshot:
        with open_replay(directory) as client:
            try:
                return await load_snapshot(client)
            finally:
                await close_graph_client(client)

    return asyncio.run(go())


@pytest.fixture
def recorded(small_doc: TenantDocument, tmp_path: Path) -> tuple[Path, TenantSnapshot]:
    out = tmp_path / "recorded"
    with GraphSimulator(small_doc) as sim:
        sim.fail("/policies/authenticationStrengthPolicies")  # a recorded failure must replay as a failure
        sim.fail("/users", status=429, code="TooManyRequests", message="slow down", times=1)
        snapshot = asyncio.run(record_tenant(sim.base_url, out))
        assert len([r for r in sim.requests if r.path == "/users"]) == 2  # the 429, then kiota's retry
    return out, snapshot


def test_replay_without_server_gives_identical_snapshot(recorded: tuple[Path, TenantSnapshot]) -> None:
    out, original = recorded
    assert original.users and original.groups[0]["members"] == ["u-alice", "sp-app"]
    assert set(original.failed) == {"authenticationStrengthPolicies"}
    assert replay_snapshot(out) == original
    assert replay_snapshot(out) == original  # a cassette replays any number of times


def test_tenant_info(recorded: tuple[Path, TenantSnapshot]) -> None:
    out, original = recorded
    info = json.loads((out / TENANT_INFO).read_text())
    assert info["organization"] == {"id": original.tenant_id, "displayName": "Contoso Test"}
    assert info["format"] == 1 and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", info["recordedAt"])


def test_cassette_holds_no_secret_and_no_local_address(recorded: tuple[Path, TenantSnapshot]) -> None:
    text = (recorded[0] / CASSETTE).read_text()
    assert "Bearer REDACTED" in text
    assert re.findall(r"Bearer (\S+)", text) == ["REDACTED"] * text.count("Bearer ")
    assert "fake-token" not in text
    assert "127.0.0.1" not in text
    assert not re.search(r"^\s+(client-request-id|request-id|date|server|host):", text, re.MULTILINE)
    assert "code: 429" not in text  # throttling is about the moment, not the tenant


def test_request_missing_from_recording_is_a_clear_error(recorded: tuple[Path, TenantSnapshot]) -> None:
    out = recorded[0]

    async def go() -> None:
        with open_replay(out) as client:
            try:
                await get_json(client, "/users/nobody?$select=id")
            finally:
                await close_graph_client(client)

    with pytest.raises(ReplayMissError) as info:
        asyncio.run(go())
    assert str(info.value) == (f"recorded tenant {out} has no recording of GET /v1.0/users/nobody?$select=id; "
                               "re-record it")


def test_failed_recording_leaves_no_cassette(small_doc: TenantDocument, tmp_path: Path) -> None:
    out = tmp_path / "broken"
    with GraphSimulator(small_doc) as sim:
        sim.fail("/organization")
        with pytest.raises(Exception, match="organization"):
            asyncio.run(record_tenant(sim.base_url, out))
    assert list(out.iterdir()) == []


def test_open_replay_needs_a_cassette(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="has no cassette.yaml"):
        with open_replay(tmp_path):
            pass
