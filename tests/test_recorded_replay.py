"""A recorded tenant replays with no simulator running and yields the same suggestions as the live fixture."""

from __future__ import annotations

import socket

import pytest

from tests.helpers import cli, cli_json


def _comparable(suggestions: list[dict]) -> list[tuple]:
    return sorted((s["check"], s["kind"], s["title"], s["priority"], repr(s["policy"]), repr(s["affected"]))
                  for s in suggestions)


def test_replay_gives_the_same_suggestions(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    recording = tmp_path / "demo-recorded"
    code, out, err = cli("tenant", "record", "--from", "demo", "--out", str(recording))
    assert code == 0, err
    assert (recording / "cassette.yaml").exists()
    cassette = (recording / "cassette.yaml").read_text()
    assert "Bearer " not in cassette.replace("Bearer REDACTED", "")

    from_fixture = cli_json("run", "ca-optimizer", "--tenant", "demo")["suggestions"]

    # Replay must not start a server or open any socket at all.
    def no_sockets(*args, **kwargs):
        raise AssertionError("replay opened a socket")

    monkeypatch.setenv("ENTRA_AGENTS_HOME", str(tmp_path / "other-home"))
    monkeypatch.setattr(socket.socket, "connect", no_sockets)
    monkeypatch.setattr(socket.socket, "bind", no_sockets)
    replayed = cli_json("run", "ca-optimizer", "--tenant", str(recording))
    assert replayed["run"]["status"] == "succeeded"
    assert _comparable(replayed["suggestions"]) == _comparable(from_fixture)


def test_replay_on_a_later_day_reads_as_of_the_recording(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    import entra_agents.graph.loader as loader
    from entra_agents.graph.sources import open_tenant

    recording = tmp_path / "rec"
    assert cli("tenant", "record", "--from", "demo", "--out", str(recording))[0] == 0

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # the clock a week after the recording
            return datetime.now(tz or UTC) + timedelta(days=7)

    async def load(spec: str):
        async with open_tenant(spec) as connection:
            return await connection.snapshot()

    expected = asyncio.run(load("demo"))
    monkeypatch.setattr(loader, "datetime", Later)
    replayed = asyncio.run(load(str(recording)))
    # sign-ins and audits are read with a look-back filter; a week later it must still be the recorded one
    assert replayed.failed == {} and replayed.sign_ins == expected.sign_ins
    assert replayed.directory_audits == expected.directory_audits
