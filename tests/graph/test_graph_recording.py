"""Record a snapshot load from the simulator, stop it, and replay the recording with no server."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from entra_agents.errors import TenantReadError, UsageError
from entra_agents.graph import recording, scrub
from entra_agents.graph.client import (
    ReplayMissError,
    StaticTokenCredential,
    close_graph_client,
    get_json,
    make_graph_client,
)
from entra_agents.graph.loader import load_snapshot
from entra_agents.graph.recording import (
    CASSETTE,
    TENANT_INFO,
    open_replay,
    record_from_spec,
    record_tenant,
)
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file

# Secrets planted in the tenant and the credential; none may reach a recording.
JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlLXBsYW50ZWQ"
BEARER_JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJncmFwaCJ9.YmVhcmVyLXNpZ25hdHVyZQ"
SP_SECRET = "sp~Q8planted.SecretText-0001"
APP_SECRET = "app~Z3planted.SecretText-0002"
KEY_MATERIAL = "MIIBplantedKeyMaterialQUFBQUFB"
HINT = "hN7q"
PLANTED = (JWT, BEARER_JWT, SP_SECRET, APP_SECRET, KEY_MATERIAL, HINT)


def replay_snapshot(directory: Path) -> TenantSnapshot:
    async def go() -> TenantSnapshot:
        with open_replay(directory) as client:
            try:
                return await load_snapshot(client)
            finally:
                await close_graph_client(client)

    return asyncio.run(go())


def cassette(directory: Path) -> list[dict[str, Any]]:
    return yaml.safe_load((directory / CASSETTE).read_text())["interactions"]


@pytest.fixture
def recorded(small_doc: TenantDocument, tmp_path: Path) -> tuple[Path, TenantSnapshot]:
    out = tmp_path / "recorded"
    with GraphSimulator(small_doc) as sim:
        sim.fail("/policies/authenticationStrengthPolicies")  # a recorded failure must replay as a failure
        sim.fail("/users", status=429, code="TooManyRequests", message="slow down", times=1)
        snapshot = asyncio.run(record_tenant(sim.base_url, out))
        assert len([r for r in sim.requests if r.path == "/users"]) == 2  # the 429, then kiota's retry
    return out, snapshot


@pytest.fixture
def secret_doc(tenant_data: dict[str, Any], write_tenant: Any) -> TenantDocument:
    sp = tenant_data["servicePrincipals"][0]
    sp["description"] = f"support token: {JWT}"
    sp["passwordCredentials"] = [{"keyId": "k-1", "displayName": "ci", "hint": HINT, "secretText": SP_SECRET}]
    sp["keyCredentials"] = [{"keyId": "k-2", "type": "AsymmetricX509Cert", "usage": "Verify", "key": KEY_MATERIAL}]
    tenant_data["applications"][0]["passwordCredentials"] = [{"keyId": "k-3", "secretText": APP_SECRET}]
    tenant_data["groups"][0]["description"] = f"Bearer {JWT}"
    return load_tenant_file(write_tenant(tenant_data, "secrets.yaml"))


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
    assert info["format"] == 2 and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", info["recordedAt"])
    assert info["source"] == {"kind": "url"}  # never a URL with a port, a credential or a setting
    assert info["scope"]["failed"] == {"authenticationStrengthPolicies": {
        "status": 403, "code": "Authorization_RequestDenied", "message": original.failed[
            "authenticationStrengthPolicies"]}}
    assert "users" in info["scope"]["recorded"] and "organization" in info["scope"]["recorded"]
    assert "authenticationStrengthPolicies" not in info["scope"]["recorded"]
    assert info["pseudonymized"] is False and info["entraAgentsVersion"]
    assert info["interactions"] == len(cassette(out))
    assert sorted(p.name for p in out.iterdir()) == [CASSETTE, TENANT_INFO]


def test_cassette_holds_no_secret_and_no_local_address(recorded: tuple[Path, TenantSnapshot]) -> None:
    text = (recorded[0] / CASSETTE).read_text()
    assert "Bearer REDACTED" in text
    assert re.findall(r"Bearer (\S+)", text) == ["REDACTED"] * text.count("Bearer ")
    assert "fake-token" not in text
    assert "127.0.0.1" not in text
    assert not re.search(r"^\s+(client-request-id|request-id|date|server|host|retry-attempt|user-agent):", text,
                         re.MULTILINE)
    assert "code: 429" not in text  # throttling is about the moment, not the tenant
    assert '"date"' not in text  # the error body's innerError noise


def test_one_answer_per_request_in_a_fixed_order(recorded: tuple[Path, TenantSnapshot]) -> None:
    interactions = cassette(recorded[0])
    keys = [(i["request"]["method"], i["request"]["uri"], i["request"]["body"] or "") for i in interactions]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for i in interactions:  # every body change kept content-length true
        lengths = i["response"]["headers"].get("content-length")
        if lengths:
            assert lengths == [str(len(i["response"]["body"]["string"].encode()))]


# Whatever the loader selects today, these reads carry every planted secret through the recorder.
CREDENTIAL_READS = ("/servicePrincipals/sp-app", "/applications", "/groups/g-admins")


@pytest.fixture
def reads_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    real = recording.load_snapshot

    async def load_and_read_credentials(client: Any, **kwargs: Any) -> TenantSnapshot:
        snapshot = await real(client, **kwargs)
        for path in CREDENTIAL_READS:
            await get_json(client, path)
        return snapshot

    monkeypatch.setattr(recording, "load_snapshot", load_and_read_credentials)


def replay_reads(directory: Path) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        with open_replay(directory) as client:
            try:
                return {path: await get_json(client, path) for path in CREDENTIAL_READS}
            finally:
                await close_graph_client(client)

    return asyncio.run(go())


@pytest.mark.usefixtures("reads_credentials")
def test_secrets_are_scrubbed_from_headers_and_bodies(secret_doc: TenantDocument, tmp_path: Path) -> None:
    out = tmp_path / "rec"
    with GraphSimulator(secret_doc) as sim:
        snapshot = asyncio.run(record_tenant(sim.base_url, out, credential=StaticTokenCredential(BEARER_JWT)))
        assert sim.requests[0].headers["authorization"] == f"Bearer {BEARER_JWT}"  # it was really sent
    text = (out / CASSETTE).read_text() + (out / TENANT_INFO).read_text()
    for secret in PLANTED:
        assert secret not in text
    assert "eyJ" not in text
    assert set(re.findall(r"Bearer ([\w~.+/=-]+)", text)) == {"REDACTED"}
    replayed = replay_snapshot(out)  # JSON stayed valid: the scrubbed recording still replays
    assert replayed.groups[0]["description"] == "Bearer REDACTED"
    replayed.groups[0]["description"] = snapshot.groups[0]["description"]
    assert replayed == snapshot  # and nothing but the secrets changed
    reads = replay_reads(out)
    sp = reads["/servicePrincipals/sp-app"]
    assert sp["passwordCredentials"][0] == {"keyId": "k-1", "displayName": "ci", "hint": "REDACTED",
                                            "secretText": "REDACTED"}
    assert sp["keyCredentials"][0]["key"] == "REDACTED" and sp["keyCredentials"][0]["usage"] == "Verify"
    assert sp["description"] == "support token: REDACTED"
    assert reads["/applications"]["value"][0]["passwordCredentials"] == [{"keyId": "k-3", "secretText": "REDACTED"}]
    assert reads["/groups/g-admins"]["description"] == "Bearer REDACTED"


@pytest.mark.usefixtures("reads_credentials")
def test_a_secret_that_slips_through_is_never_saved(secret_doc: TenantDocument, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulate a scrubbing bug: the last check must still refuse, and leave nothing on disk.
    monkeypatch.setattr(recording, "scrub_response", lambda response, origin: response)
    out = tmp_path / "rec"
    with GraphSimulator(secret_doc) as sim:
        with pytest.raises(TenantReadError, match=r"refusing to save the recording: .*body: token") as info:
            asyncio.run(record_tenant(sim.base_url, out))
    assert JWT not in str(info.value) and SP_SECRET not in str(info.value)
    assert list(tmp_path.iterdir()) == [tmp_path / "secrets.yaml"]


def test_scrub_body_forms_and_plain_text() -> None:
    assert scrub.scrub_body("grant_type=x&client_secret=abc&password=p w") == \
        "grant_type=x&client_secret=REDACTED&password=REDACTED w"
    body = json.dumps({"access_token": JWT, "refresh_token": "r", "id_token": None, "nested": [{"password": "x"}],
                       "note": f"see {JWT} now", "keyCredentials": [{"key": "k"}], "key": "not-a-secret"})
    assert json.loads(scrub.scrub_body(body)) == {
        "access_token": "REDACTED", "refresh_token": "REDACTED", "id_token": None,
        "nested": [{"password": "REDACTED"}], "note": "see REDACTED now", "keyCredentials": [{"key": "REDACTED"}],
        "key": "not-a-secret"}
    assert scrub.scrub_body('{"description": "Bearer tokens expire"}') == '{"description": "Bearer tokens expire"}'


def test_scrub_response_drops_secret_and_noisy_headers() -> None:
    body = json.dumps({"value": [{"id": "1", "secretText": "s3"}], "@odata.nextLink": "http://127.0.0.1:9/v1.0/x"})
    response = {"status": {"code": 200}, "body": {"string": body.encode()},
                "headers": {"Set-Cookie": ["a=b"], "request-id": ["r"], "Date": ["d"], "x-api-key": ["k"],
                            "Content-Length": [str(len(body))], "Content-Type": ["application/json"]}}
    scrubbed = scrub.scrub_response(response, "http://127.0.0.1:9")
    text = scrubbed["body"]["string"].decode()
    assert json.loads(text) == {"value": [{"id": "1", "secretText": "REDACTED"}],
                                "@odata.nextLink": "https://graph.microsoft.com/v1.0/x"}
    assert scrubbed["headers"] == {"Content-Length": [str(len(text.encode()))], "Content-Type": ["application/json"]}
    assert {h[0] if isinstance(h, tuple) else h for h in scrub.REQUEST_HEADER_FILTERS} >= {
        "authorization", "api-key", "x-api-key", "ocp-apim-subscription-key", "cookie", "client-request-id"}


def test_find_secrets_names_the_place_not_the_value() -> None:
    interactions = [{
        "request": {"method": "GET", "uri": "https://graph.microsoft.com/v1.0/users", "body": None,
                    "headers": {"api-key": ["k-123"], "authorization": ["Bearer REDACTED"]}},
        "response": {"headers": {}, "body": {"string": json.dumps({"secretText": "s3", "x": f"Bearer {JWT}"})}},
    }]
    problems = scrub.find_secrets(interactions)
    assert problems == ["interaction 1 request header api-key", "interaction 1 response body: token",
                        "interaction 1 response body: secretText"]


def test_requests_to_other_hosts_are_not_recorded() -> None:
    # e.g. azure-identity fetching a token while a live tenant is recorded: passed through, never saved
    from vcr.request import Request

    token = Request("POST", "https://login.microsoftonline.com/t/oauth2/v2.0/token", b"client_secret=s", {})
    assert scrub.scrub_request(token, "https://graph.microsoft.com") is None
    graph = Request("GET", "http://127.0.0.1:5/v1.0/users?access_token=abc", b"", {})
    assert scrub.scrub_request(graph, "http://127.0.0.1:5").uri == \
        "https://graph.microsoft.com/v1.0/users?access_token=REDACTED"


def test_request_missing_from_recording_is_a_clear_error(small_doc: TenantDocument, tmp_path: Path) -> None:
    out = tmp_path / "rec"
    asyncio.run(record_from_spec(f"fixture:{small_doc.path}", out))

    async def go() -> None:
        with open_replay(out) as client:
            try:
                await get_json(client, "/users/nobody?$select=id")
            finally:
                await close_graph_client(client)

    with pytest.raises(ReplayMissError) as info:
        asyncio.run(go())
    day = json.loads((out / TENANT_INFO).read_text())["recordedAt"][:10]
    assert str(info.value) == (
        f"recorded tenant {out} (recorded from fixture:{small_doc.path} on {day}) has no recording of "
        f"GET /v1.0/users/nobody?$select=id; re-record it: entra-agents tenant record --from "
        f"fixture:{small_doc.path} --out {out} --force")


def test_miss_in_a_format_1_recording_still_says_how_to_re_record(recorded: tuple[Path, TenantSnapshot]) -> None:
    out = recorded[0]
    (out / TENANT_INFO).write_text(json.dumps({"organization": {}, "recordedAt": "2025-01-01T00:00:00Z",
                                               "format": 1}))

    async def go() -> None:
        with open_replay(out) as client:
            try:
                await get_json(client, "/groups/nope")
            finally:
                await close_graph_client(client)

    with pytest.raises(ReplayMissError, match=re.escape(
            f"has no recording of GET /v1.0/groups/nope; re-record it: entra-agents tenant record --from "
            f"live|demo|fixture:PATH --out {out} --force")):
        asyncio.run(go())


def test_failed_recording_leaves_nothing(small_doc: TenantDocument, tmp_path: Path) -> None:
    out = tmp_path / "broken"
    with GraphSimulator(small_doc) as sim:
        sim.fail("/organization")
        with pytest.raises(Exception, match="organization"):
            asyncio.run(record_tenant(sim.base_url, out))
    assert list(tmp_path.iterdir()) == [small_doc.path]  # no DIR, no hidden partial directory


def test_an_existing_recording_is_replaced_only_with_force(recorded: tuple[Path, TenantSnapshot],
                                                          small_doc: TenantDocument) -> None:
    out = recorded[0]
    before = (out / TENANT_INFO).read_text()
    spec = f"fixture:{small_doc.path}"
    with pytest.raises(UsageError, match="already holds a recorded tenant; add --force"):
        asyncio.run(record_from_spec(spec, out))
    assert (out / TENANT_INFO).read_text() == before
    asyncio.run(record_from_spec(spec, out, force=True))
    assert json.loads((out / TENANT_INFO).read_text())["source"] == {"kind": "fixture", "spec": spec}
    assert sorted(p.name for p in out.parent.iterdir()) == ["recorded", "tenant.yaml"]


def test_a_directory_of_other_files_is_never_replaced(small_doc: TenantDocument, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    for force in (False, True):
        with pytest.raises(UsageError, match="exists and is not a recorded tenant"):
            asyncio.run(record_from_spec(f"fixture:{small_doc.path}", out, force=force))
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    asyncio.run(record_from_spec(f"fixture:{small_doc.path}", empty))  # an empty directory is fine
    assert (empty / CASSETTE).is_file()


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="record from 'live' \\(Microsoft Graph\\), 'demo' or 'fixture:PATH'"):
        asyncio.run(record_from_spec("prod", tmp_path / "x"))
    with pytest.raises(UsageError, match="needs --pseudonymize"):
        asyncio.run(record_from_spec("demo", tmp_path / "x", seed="1"))
    assert not (tmp_path / "x").exists()


def test_live_recording_signs_in_through_graph_live(small_doc: TenantDocument, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from entra_agents.graph import live

    closed: list[bool] = []

    class Credential(StaticTokenCredential):
        async def close(self) -> None:
            closed.append(True)

    out = tmp_path / "live"
    with GraphSimulator(small_doc) as sim:  # stands in for graph.microsoft.com
        monkeypatch.setattr(live.LiveSettings, "from_env", classmethod(lambda cls, environ=None: "settings"))
        monkeypatch.setattr(live, "build_credential", lambda settings: Credential(BEARER_JWT))
        monkeypatch.setattr(live, "live_client",
                            lambda settings, *, credential: make_graph_client(sim.base_url, credential))
        asyncio.run(record_from_spec("live", out))
    assert closed == [True]
    assert json.loads((out / TENANT_INFO).read_text())["source"] == {"kind": "live", "spec": "live"}
    assert BEARER_JWT not in (out / CASSETTE).read_text()


def test_live_recording_without_graph_live_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "entra_agents.graph.live", None)
    with pytest.raises(UsageError, match="--from live needs live Graph sign-in"):
        asyncio.run(record_from_spec("live", tmp_path / "x"))


def test_open_replay_needs_a_cassette(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="has no cassette.yaml"):
        with open_replay(tmp_path):
            pass
