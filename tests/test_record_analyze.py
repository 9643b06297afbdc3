"""Issue 3 acceptance, through the real CLI: `tenant record` from the simulator, then `analyze --tenant DIR` with
the simulator stopped and no socket allowed gives the findings of `analyze --tenant fixture:PATH`; no planted
secret reaches the recording; a pseudonymized recording keeps the analysis and loses the names."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from entra_agents.graph import client as graph_client
from entra_agents.graph.sources import demo_tenant_path
from tests.helpers import cli, cli_json

JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlLXBsYW50ZWQ"
BEARER_JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJncmFwaCJ9.YmVhcmVyLXNpZ25hdHVyZQ"
SP_SECRET = "sp~Q8planted.SecretText-0001"
APP_SECRET = "app~Z3planted.SecretText-0002"
PLANTED = (JWT, BEARER_JWT, SP_SECRET, APP_SECRET, "hN7q", "fake-token")
GUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+")


def analyze(tenant: str) -> dict[str, Any]:
    return cli_json("analyze", "--tenant", tenant)


def record(source: str, out: Path, *flags: str) -> str:
    code, stdout, stderr = cli("tenant", "record", "--from", source, "--out", str(out), *flags)
    assert code == 0, stderr
    assert f"replay with --tenant {out}" in stdout
    return stdout


def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, any socket is a failure: the simulator is stopped and replay must not need one."""
    def no_sockets(*args: object, **kwargs: object) -> None:
        raise AssertionError("replay opened a socket")

    monkeypatch.setattr(socket.socket, "connect", no_sockets)
    monkeypatch.setattr(socket.socket, "bind", no_sockets)


def assert_no_secret(directory: Path, planted: tuple[str, ...] = PLANTED) -> str:
    text = (directory / "cassette.yaml").read_text() + (directory / "tenant.json").read_text()
    assert [secret for secret in planted if secret in text] == []
    assert "eyJ" not in text
    assert set(re.findall(r"Bearer ([\w~.+/=-]+)", text)) == {"REDACTED"}
    assert "127.0.0.1" not in text
    return text


def test_demo_recording_analyzes_like_the_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = analyze("demo")
    recording = tmp_path / "demo"
    record("demo", recording)
    assert_no_secret(recording)
    offline(monkeypatch)
    assert analyze(str(recording)) == expected
    # the issue asks for the size: keep it visible in the test log
    print(f"demo cassette: {(recording / 'cassette.yaml').stat().st_size} bytes")


def test_generated_tenant_is_read_and_recorded_as_of_its_date(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A generated tenant's sign-ins are dated before its asOf: read now, they would all fall outside the 30-day
    window and the sign-in based checks would have nothing to judge."""
    path = tmp_path / "gen.yaml"
    code, _, stderr = cli("tenant", "generate", "--users", "150", "--mutate", "mfa-narrowed-by-risk", "--out",
                          str(path))
    assert code == 0, stderr
    manifest = json.loads(path.with_suffix(".manifest.json").read_text())
    expected = analyze(f"fixture:{path}")
    statuses = {f["check"]: f["status"] for f in expected["findings"]}
    assert statuses["COV-30"] == manifest["expected"]["COV-30"]["status"] == "fail"
    recording = tmp_path / "rec"
    record(f"fixture:{path}", recording)
    assert json.loads((recording / "tenant.json").read_text())["recordedAt"] == manifest["epoch"]
    offline(monkeypatch)
    assert analyze(str(recording)) == expected


@pytest.fixture
def secret_fixture(tmp_path: Path) -> Path:
    doc = yaml.safe_load(demo_tenant_path().read_text())
    sp = next(s for s in doc["servicePrincipals"] if s["displayName"] == "Contoso Expenses")
    sp["description"] = f"break-glass token, do not share: {JWT}"
    sp["passwordCredentials"] = [{"keyId": "0b6f7c1e-0000-4000-8000-000000000001", "displayName": "ci",
                                  "hint": "hN7q", "secretText": SP_SECRET}]
    doc["applications"] = [{"id": "5d0c6d3e-0000-4000-8000-000000000002", "appId": sp["appId"],
                            "displayName": "Contoso Expenses",
                            "passwordCredentials": [{"keyId": "0b6f7c1e-0000-4000-8000-000000000003",
                                                     "secretText": APP_SECRET}]}]
    doc["groups"][0]["description"] = f"rotated: Bearer {JWT}"
    path = tmp_path / "secrets.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_planted_secrets_never_reach_the_recording(secret_fixture: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the simulator's fake credential now sends a JWT-shaped bearer token, as a real one would
    real_init = graph_client.StaticTokenCredential.__init__
    monkeypatch.setattr(graph_client.StaticTokenCredential, "__init__",
                        lambda self, token=BEARER_JWT: real_init(self, token))
    spec = f"fixture:{secret_fixture}"
    expected = analyze(spec)
    recording = tmp_path / "secrets-recorded"
    record(spec, recording)
    text = assert_no_secret(recording)
    assert "authorization:\n      - Bearer REDACTED" in text
    assert "rotated: Bearer REDACTED" in text  # the group description was recorded, and scrubbed
    # (the loader selects no credential fields today; tests/graph/test_graph_recording.py reads them in full)
    offline(monkeypatch)
    assert analyze(str(recording)) == expected


def same_shape(got: Any, want: Any, where: str = "") -> None:
    """Equal, except that words in free text may differ (names); ids, numbers and structure may not."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for key in want:
            same_shape(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for n, (g, w) in enumerate(zip(got, want, strict=True)):
            same_shape(g, w, f"{where}[{n}]")
    elif isinstance(want, str) and not GUID.match(want):
        assert isinstance(got, str) and WORD.sub("w", got) == WORD.sub("w", want), where
    else:
        assert got == want, where


def test_pseudonymized_recording_keeps_the_findings_and_loses_the_names(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    expected = analyze("demo")
    recording = tmp_path / "shared"
    stdout = record("demo", recording, "--pseudonymize", "--seed", "acceptance")
    assert "Contoso Demo" not in stdout and "pseudonymized" in stdout
    text = assert_no_secret(recording)
    demo = yaml.safe_load(demo_tenant_path().read_text())
    for user in demo["users"]:
        for key in ("displayName", "userPrincipalName", "mail"):
            assert not user.get(key) or user[key] not in text, (key, user[key])
        for key in ("givenName", "surname"):
            assert not user.get(key) or f'"{key}": "{user[key]}"' not in text, (key, user[key])
    assert "contosodemo" not in text.lower() and '"Contoso Demo"' not in text

    offline(monkeypatch)
    got = analyze(str(recording))
    assert got["tenant"]["id"] == expected["tenant"]["id"] and got["tenant"]["displayName"] != "Contoso Demo"
    strict = ("check", "status", "severity", "title", "affected")
    assert [{k: f[k] for k in strict} for f in got["findings"]] == \
        [{k: f[k] for k in strict} for f in expected["findings"]]
    same_shape(got["findings"], expected["findings"])


def test_recordings_are_reproducible(tmp_path: Path) -> None:
    for name, flags in (("a", ()), ("b", ()), ("p1", ("--pseudonymize", "--seed", "7")),
                        ("p2", ("--pseudonymize", "--seed", "7")), ("p3", ("--pseudonymize", "--seed", "8"))):
        record("demo", tmp_path / name, *flags)
    cassette = {name: (tmp_path / name / "cassette.yaml").read_bytes() for name in ("a", "b", "p1", "p2", "p3")}
    assert cassette["a"] == cassette["b"]
    assert cassette["p1"] == cassette["p2"] != cassette["p3"]


def test_force_is_needed_to_replace_a_recording(tmp_path: Path) -> None:
    recording = tmp_path / "rec"
    record("demo", recording)
    before = (recording / "tenant.json").read_text()
    code, _, err = cli("tenant", "record", "--from", "demo", "--out", str(recording))
    assert code == 2 and err == f"error: {recording} already holds a recorded tenant; add --force to replace it, " \
                                "or choose another --out\n"
    assert (recording / "tenant.json").read_text() == before
    record("demo", recording, "--force")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec"]  # nothing half-written or left behind


def test_a_request_missing_from_the_recording_says_how_to_re_record(tmp_path: Path) -> None:
    fixture = tmp_path / "tenant.yaml"
    fixture.write_text(demo_tenant_path().read_text())
    recording = tmp_path / "rec"
    record(f"fixture:{fixture}", recording)
    path = recording / "cassette.yaml"
    data = yaml.safe_load(path.read_text())
    data["interactions"] = [i for i in data["interactions"]
                            if "/organization" not in i["request"]["uri"]]
    path.write_text(yaml.safe_dump(data))
    day = yaml.safe_load((recording / "tenant.json").read_text())["recordedAt"][:10]

    code, _, err = cli("analyze", "--tenant", str(recording))
    assert code == 1 and err.count("\n") == 1
    assert re.fullmatch(
        rf"error: cannot read the tenant's organization: recorded tenant {re.escape(str(recording))} "
        rf"\(recorded from fixture:{re.escape(str(fixture))} on {day}\) has no recording of GET /v1\.0/organization"
        rf"\S*; re-record it: entra-agents tenant record --from fixture:{re.escape(str(fixture))} "
        rf"--out {re.escape(str(recording))} --force\n", err), err
