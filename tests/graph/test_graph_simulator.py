"""The Graph simulator, exercised through msgraph-sdk via the raw-JSON client helpers."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from entra_agents.errors import TenantReadError
from entra_agents.graph.client import (
    GraphRequestError,
    RetryPolicy,
    close_graph_client,
    get_collection,
    get_json,
    make_graph_client,
    post_json,
)
from entra_agents.graph.simulator import Faults, GraphSimulator
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def call(sim: GraphSimulator, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one client helper against the simulator with a fresh GraphServiceClient."""

    async def go() -> Any:
        client = make_graph_client(sim.base_url)
        try:
            return await fn(client, *args, **kwargs)
        finally:
            await close_graph_client(client)

    return asyncio.run(go())


@pytest.fixture
def big_doc(tenant_data: dict[str, Any], write_tenant: Callable[..., Path]) -> TenantDocument:
    tenant_data["users"] = [{"id": f"u{i:03}", "displayName": f"User {i}", "department": "IT"} for i in range(250)]
    tenant_data["groups"] = [{"id": "g1", "displayName": "Big", "members": [f"u{i:03}" for i in range(250)]}]
    tenant_data["directoryRoles"] = []
    return load_tenant_file(write_tenant(tenant_data))


def test_default_page_size_and_absolute_next_link(big_doc: TenantDocument) -> None:
    with GraphSimulator(big_doc) as sim:
        page = call(sim, get_json, "/users")
        assert page["@odata.context"] == f"{sim.base_url}/$metadata#users"
        assert len(page["value"]) == 100
        assert page["@odata.nextLink"] == f"{sim.base_url}/users?$skiptoken=100"
        last = call(sim, get_json, f"{sim.base_url}/users?$skiptoken=200")
        assert len(last["value"]) == 50 and "@odata.nextLink" not in last


def test_get_collection_follows_next_links_and_keeps_query(big_doc: TenantDocument) -> None:
    with GraphSimulator(big_doc) as sim:
        users = call(sim, get_collection, "/users?$top=100", ["displayName"])
        assert [u["id"] for u in users] == [f"u{i:03}" for i in range(250)]
        assert all(set(u) == {"id", "displayName"} for u in users)
        pages = [r for r in sim.requests if r.path == "/users"]
        assert [r.query.get("$skiptoken") for r in pages] == [None, "100", "200"]
        assert all(r.query["$top"] == "100" and r.query["$select"] == "displayName" for r in pages)
        sim_requests_before = len(sim.requests)
        assert len(call(sim, get_collection, "/users")) == 250  # $top=999: one round trip
        assert len(sim.requests) == sim_requests_before + 1


def test_page_size_limits(big_doc: TenantDocument) -> None:
    with GraphSimulator(big_doc) as sim:
        with pytest.raises(GraphRequestError, match=r"^400 Request_UnsupportedQuery: Invalid page size"):
            call(sim, get_json, "/users?$top=1000")
        with pytest.raises(GraphRequestError, match=r"400 Request_UnsupportedQuery: .*does not support \$skip"):
            call(sim, get_json, "/users?$skip=10")
        assert call(sim, get_json, "/auditLogs/signIns?$top=1000")["value"] == []  # audit logs allow 1000


def test_select_keeps_id_and_odata_type(sim: GraphSimulator) -> None:
    locations = call(sim, get_collection, "/identity/conditionalAccess/namedLocations", ["displayName"])
    assert locations == [{"@odata.type": "#microsoft.graph.ipNamedLocation", "id": "nl-1", "displayName": "HQ"}]
    policy = call(sim, get_json, "/identity/conditionalAccess/policies/ca-1?$select=state")
    assert set(policy) == {"@odata.context", "id", "state"}


def test_raw_json_keeps_fields_kiota_would_drop(sim: GraphSimulator) -> None:
    policy = call(sim, get_json, "/identity/conditionalAccess/policies/ca-1")
    assert policy["conditions"]["authenticationFlows"] == {"transferMethods": "deviceCodeFlow"}


def test_members_are_served_as_directory_objects(sim: GraphSimulator) -> None:
    groups = call(sim, get_collection, "/groups")
    assert all("members" not in g for g in groups)
    members = call(sim, get_collection, "/groups/g-all/members", ["id"])
    assert members == [
        {"@odata.type": "#microsoft.graph.user", "id": "u-alice"},
        {"@odata.type": "#microsoft.graph.user", "id": "u-bob"},
        {"@odata.type": "#microsoft.graph.group", "id": "g-admins"},
    ]
    admins = call(sim, get_collection, "/directoryRoles/r-ga/members")
    assert [m["userPrincipalName"] for m in admins] == ["alice@contoso.test", "bg@contoso.test"]
    assert call(sim, get_collection, "/groups/g-empty/members") == []


def test_single_resources(sim: GraphSimulator) -> None:
    assert call(sim, get_json, "/policies/identitySecurityDefaultsEnforcementPolicy")["isEnabled"] is False
    assert call(sim, get_collection, "/organization")[0]["displayName"] == "Contoso Test"
    assert call(sim, get_json, "/users/alice@contoso.test")["id"] == "u-alice"
    assert call(sim, get_collection, "/applications")[0]["appId"] == "app-1"


def test_unknown_path_is_graph_404(sim: GraphSimulator) -> None:
    with pytest.raises(GraphRequestError) as info:
        call(sim, get_json, "/identity/conditionalAccess/nothingHere")
    assert (info.value.status, info.value.code, info.value.method) == (404, "Request_ResourceNotFound", "GET")
    assert isinstance(info.value, TenantReadError)
    with pytest.raises(GraphRequestError, match="404 Request_ResourceNotFound: Resource 'nobody' does not exist"):
        call(sim, get_json, "/users/nobody")


def test_post_creates_policy_in_memory_only(sim: GraphSimulator, small_doc: TenantDocument) -> None:
    before = small_doc.path.read_bytes()
    body = {"displayName": "RO: MFA all users", "state": "enabledForReportingButNotEnforced",
            "conditions": {"users": {"includeUsers": ["All"]}}}
    created = call(sim, post_json, "/identity/conditionalAccess/policies", body)
    assert GUID.match(created["id"]) and created["createdDateTime"].endswith("Z")
    assert created["state"] == "enabledForReportingButNotEnforced"
    again = call(sim, get_json, f"/identity/conditionalAccess/policies/{created['id']}")
    assert again["displayName"] == "RO: MFA all users"
    assert [p["id"] for p in sim.collection("conditionalAccessPolicies")] == ["ca-1", created["id"]]
    assert [(w.method, w.path, w.body) for w in sim.writes] == [
        ("POST", "/identity/conditionalAccess/policies", body)]
    assert small_doc.path.read_bytes() == before
    assert len(small_doc.data["conditionalAccessPolicies"]) == 1


def test_post_is_refused_where_graph_would(sim: GraphSimulator) -> None:
    with pytest.raises(GraphRequestError, match="^405 "):
        call(sim, post_json, "/users", {"displayName": "x"})
    with pytest.raises(GraphRequestError, match="^400 BadRequest: displayName is required"):
        call(sim, post_json, "/identity/conditionalAccess/policies", {"state": "enabled"})
    assert len(sim.writes) == 2


def test_fail_switch(sim: GraphSimulator) -> None:
    sim.fail("/groups")
    with pytest.raises(GraphRequestError, match=r"^403 Authorization_RequestDenied: .*\(GET /groups/g-all/members"):
        call(sim, get_collection, "/groups/g-all/members")
    assert call(sim, get_collection, "/users")  # other paths unaffected
    sim.clear_faults()
    assert len(call(sim, get_collection, "/groups")) == 3


def test_fail_times_and_retry(sim: GraphSimulator) -> None:
    sim.fail("/v1.0/users", status=429, code="TooManyRequests", message="slow down", times=2)
    assert len(call(sim, get_collection, "/users")) == 3  # kiota retried past both 429s
    assert len([r for r in sim.requests if r.path == "/users"]) == 3


def test_unreachable_graph_is_tenant_read_error(small_doc: TenantDocument) -> None:
    with GraphSimulator(small_doc) as sim:
        base = sim.base_url

    async def go() -> None:
        client = make_graph_client(base)
        try:
            await get_json(client, "/users")
        finally:
            await close_graph_client(client)

    with pytest.raises(TenantReadError, match="could not reach Microsoft Graph"):
        asyncio.run(go())
    with pytest.raises(RuntimeError, match="not running"):
        _ = sim.base_url


def test_injected_faults_reach_the_client(big_doc: TenantDocument) -> None:
    with GraphSimulator(big_doc, faults=Faults(unavailable_once_at=1, throttle_every=3, retry_after=2)) as sim:
        assert len(call(sim, get_collection, "/users?$top=100")) == 250  # kiota retried the 503 and the 429s
        assert sim.injected == [(1, 503), (3, 429)]
        assert [r.headers.get("retry-attempt") for r in sim.requests] == [None, "1", None, "1", None]
        sim.faults = Faults(broken_page=2, broken_mode="truncated")
        fast = RetryPolicy(backoff=0.0)
        assert len(call(sim, get_collection, "/users?$top=100", retry=fast)) == 250  # the cut page was read again
        pages = [r.query.get("$skiptoken") for r in sim.requests[5:]]
        assert pages == [None, "100", "100", "200"]
        sim.faults = Faults(broken_page=1)
        before = len(sim.requests)
        assert call(sim, get_json, "/users", fast)["value"]  # malformed JSON once, then whole again
        assert len(sim.requests) == before + 2
        sim.clear_faults()
        assert sim.faults == Faults()


def test_slow_responses(small_doc: TenantDocument) -> None:
    with GraphSimulator(small_doc, faults=Faults(slow_ms=60)) as sim:
        started = time.perf_counter()
        call(sim, get_json, "/organization")
        assert time.perf_counter() - started >= 0.06


def test_fault_config_is_checked() -> None:
    with pytest.raises(ValueError, match="throttle_every must not be negative"):
        Faults(throttle_every=-1)
    with pytest.raises(ValueError, match="broken_mode"):
        Faults(broken_mode="garbled")  # type: ignore[arg-type]
