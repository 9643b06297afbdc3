"""load_snapshot against the simulator: members resolved, failures recorded, never silently empty."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from entra_agents.errors import TenantReadError
from entra_agents.graph import loader
from entra_agents.graph.client import close_graph_client, make_graph_client
from entra_agents.graph.load_plan import SignInProjection
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.graph.tenant_file import load_tenant_file


def load(sim: GraphSimulator, **options: Any) -> TenantSnapshot:
    async def go() -> TenantSnapshot:
        client = make_graph_client(sim.base_url)
        try:
            return await loader.load_snapshot(client, **options)
        finally:
            await close_graph_client(client)

    return asyncio.run(go())


def test_snapshot_looks_like_the_tenant_file(sim: GraphSimulator, tenant_data: dict[str, Any]) -> None:
    snap = load(sim)
    assert snap.failed == {}
    assert snap.tenant_id == tenant_data["organization"]["id"]
    assert snap.display_name == "Contoso Test"
    assert snap.security_defaults_enabled is False
    assert snap.groups == tenant_data["groups"][:2] + [dict(tenant_data["groups"][2], members=[])]
    assert snap.directory_roles == tenant_data["directoryRoles"]
    assert snap.users == tenant_data["users"]
    assert snap.service_principals == tenant_data["servicePrincipals"]
    assert snap.conditional_access_policies == tenant_data["conditionalAccessPolicies"]
    assert snap.named_locations == tenant_data["namedLocations"]
    assert snap.authentication_strength_policies == tenant_data["authenticationStrengthPolicies"]
    assert snap.applications == tenant_data["applications"]
    assert (snap.sign_ins, snap.directory_audits, snap.access_reviews) == ([], [], [])
    users_request = next(r for r in sim.requests if r.path == "/users")
    assert set(users_request.query["$select"].split(",")) >= {
        "id", "displayName", "userPrincipalName", "accountEnabled", "userType", "createdDateTime",
        "onPremisesSyncEnabled", "mail"}
    assert sim.writes == []


def test_forbidden_collection_lands_in_failed(sim: GraphSimulator) -> None:
    sim.fail("/directoryRoles")
    snap = load(sim)
    assert snap.directory_roles == []
    assert snap.failed["directoryRoles"].startswith("403 Authorization_RequestDenied: Insufficient privileges")
    assert snap.failed["directoryRoles"].endswith("(GET /directoryRoles) (needs RoleManagement.Read.Directory)")
    assert set(snap.failed) == {"directoryRoles"}
    assert len(snap.groups) == 3 and len(snap.users) == 3


def test_failed_member_read_fails_the_whole_collection(sim: GraphSimulator) -> None:
    sim.fail("/groups/g-all/members")
    snap = load(sim)
    assert snap.groups == []
    assert snap.failed["groups"].startswith("403 Authorization_RequestDenied")
    assert "/groups/g-all/members" in snap.failed["groups"]


def test_security_defaults_failure_is_recorded(sim: GraphSimulator) -> None:
    sim.fail("/policies/identitySecurityDefaultsEnforcementPolicy")
    snap = load(sim)
    assert snap.security_defaults_enabled is None
    assert snap.failed["securityDefaults"].startswith("403 ")


def test_organization_is_required(sim: GraphSimulator) -> None:
    sim.fail("/organization", status=401, code="InvalidAuthenticationToken", message="Access token is empty.")
    with pytest.raises(TenantReadError, match=r"^cannot read the tenant's organization: 401 "
                                              r"InvalidAuthenticationToken: Access token is empty"):
        load(sim)


def test_requests_are_bounded(tenant_data: dict[str, Any], write_tenant: Callable[..., Path],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    tenant_data["groups"] = [{"id": f"g{i}", "displayName": f"G{i}", "members": ["u-alice"]} for i in range(70)]
    in_flight, peak = 0, 0
    lock = threading.Lock()

    with GraphSimulator(load_tenant_file(write_tenant(tenant_data))) as sim:
        serve = sim.handle

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal in_flight, peak
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            try:
                time.sleep(0.005)
                return serve(*args, **kwargs)
            finally:
                with lock:
                    in_flight -= 1

        monkeypatch.setattr(sim, "handle", counting)
        snap = load(sim, concurrency=3)
    assert [g["members"] for g in snap.groups] == [["u-alice"]] * 70
    assert 1 < peak <= 3


def test_sign_ins_keep_only_what_the_analysis_reads(tenant_data: dict[str, Any],
                                                    write_tenant: Callable[..., Path]) -> None:
    # Graph refuses $select on sign-ins: they are read whole and projected (load_plan.SIGN_IN_PROPERTIES)
    def sign_in(n: int, os_name: str) -> dict[str, Any]:
        return {"id": f"s{n}", "createdDateTime": f"2025-03-0{n + 1}T10:00:00Z", "userId": "u-alice",
                "userDisplayName": "Alice", "userPrincipalName": "alice@contoso.test", "appId": "app-1", "appDisplayName": "App One",
                "clientAppUsed": "Browser", "ipAddress": "192.0.2.1", "riskLevelDuringSignIn": "none",
                "correlationId": f"c{n}", "status": {"errorCode": 0}, "isInteractive": True,
                "deviceDetail": {"operatingSystem": os_name, "browser": "Edge"},
                "location": {"city": "Oslo", "countryOrRegion": "NO"},
                "appliedConditionalAccessPolicies": [{"id": "p1", "displayName": "MFA", "result": "success",
                                                      "enforcedGrantControls": ["Mfa"]}]}

    tenant_data["signIns"] = [sign_in(0, "Windows 11"), sign_in(1, "Windows 11"), sign_in(2, "iOS 18")]
    with GraphSimulator(load_tenant_file(write_tenant(tenant_data))) as simulator:
        snap = load(simulator, now=datetime(2025, 3, 10, tzinfo=UTC))
        request = next(r for r in simulator.requests if r.path == "/auditLogs/signIns")
    assert "$select" not in request.query
    assert snap.sign_ins[0] == {
        "id": "s0", "createdDateTime": "2025-03-01T10:00:00Z", "userId": "u-alice", "userDisplayName": "Alice",
        "userPrincipalName": "alice@contoso.test", "appId": "app-1", "appDisplayName": "App One",
        "clientAppUsed": "Browser", "ipAddress": "192.0.2.1", "riskLevelDuringSignIn": "none",
        "deviceDetail": {"operatingSystem": "Windows 11"}, "location": {"countryOrRegion": "NO"},
        "appliedConditionalAccessPolicies": [{"id": "p1", "displayName": "MFA", "result": "success"}]}
    first, second, third = snap.sign_ins
    assert first["deviceDetail"] is second["deviceDetail"] and first["location"] is third["location"]
    assert first["appliedConditionalAccessPolicies"] is third["appliedConditionalAccessPolicies"]
    assert first["userId"] is third["userId"]
    assert third["deviceDetail"] == {"operatingSystem": "iOS 18"}


def test_sign_in_projection_keeps_odd_shapes_apart() -> None:
    keep = SignInProjection()
    odd = keep({"id": "s1", "deviceDetail": {"operatingSystem": ["Windows"]}, "location": None,
                "appliedConditionalAccessPolicies": [{"id": "p1", "result": "success"}, "junk", 7]})
    assert odd == {"id": "s1", "deviceDetail": {"operatingSystem": ["Windows"]}, "location": None,
                   "appliedConditionalAccessPolicies": [{"id": "p1", "result": "success"}, "junk", 7]}
    lists = [keep({"appliedConditionalAccessPolicies": applied})["appliedConditionalAccessPolicies"] for applied in (
        [{"id": "p1", "result": "success"}], [{"id": "p1", "result": "failure"}], [{"id": "p1", "result": "success"}],
        [{"id": "p1", "result": "success"}, "junk"], [{"id": "p1", "result": "success"}, "other"], None)]
    assert lists == [[{"id": "p1", "result": "success"}], [{"id": "p1", "result": "failure"}],
                     [{"id": "p1", "result": "success"}], [{"id": "p1", "result": "success"}, "junk"],
                     [{"id": "p1", "result": "success"}, "other"], None]
    assert lists[0] is lists[2] and lists[0] is not lists[1]
