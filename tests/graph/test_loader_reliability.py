"""The snapshot loader on a fuller tenant: every collection, batching, permissions, throttling, faults, deadline."""

from __future__ import annotations

import asyncio
import math
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kiota_http.middleware import retry_handler
from kiota_http.middleware.retry_handler import RetryHandler

from entra_agents.errors import TenantReadError
from entra_agents.graph import load_plan
from entra_agents.graph.client import RetryPolicy, close_graph_client, make_graph_client
from entra_agents.graph.load_progress import LoadProgress, open_progress
from entra_agents.graph.loader import load_snapshot
from entra_agents.graph.simulator import Faults, GraphSimulator
from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.graph.sources import demo_tenant_path
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file
from tests.graph.sim_tenant import NOW, rich_tenant

REAL_KIOTA_DELAY = RetryHandler.get_delay_time  # saved before conftest's autouse fixture replaces it


def load(sim: GraphSimulator, **options: Any) -> TenantSnapshot:
    async def go() -> TenantSnapshot:
        client = make_graph_client(sim.base_url)
        try:
            return await load_snapshot(client, now=NOW, **options)
        finally:
            await close_graph_client(client)

    return asyncio.run(go())


@pytest.fixture
def make_doc(write_tenant: Callable[..., Path]) -> Callable[..., TenantDocument]:
    def make(**sizes: Any) -> TenantDocument:
        return load_tenant_file(write_tenant(rich_tenant(**sizes), "rich.json"))

    return make


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[float]]:
    """Every wait a retry computed, by who computed it; nothing actually waits."""
    seen: dict[str, list[float]] = {"kiota": [], "ours": []}

    async def kiota_sleep(seconds: float) -> None:
        seen["kiota"].append(seconds)

    monkeypatch.setattr(RetryHandler, "get_delay_time", REAL_KIOTA_DELAY)
    monkeypatch.setattr(retry_handler, "asyncio", types.SimpleNamespace(sleep=kiota_sleep))
    return seen


def no_wait(seen: dict[str, list[float]]) -> RetryPolicy:
    async def sleep(seconds: float) -> None:
        seen["ours"].append(seconds)

    return RetryPolicy(sleep=sleep)


def test_every_collection_in_tenant_file_shape(make_doc: Callable[..., TenantDocument]) -> None:
    doc = make_doc(users=12, groups=3)
    with GraphSimulator(doc) as sim:
        snap = load(sim)
    data = doc.data
    assert snap.failed == {}
    assert snap.users == data["users"] and snap.users[0]["signInActivity"]
    assert snap.groups == data["groups"] and snap.directory_roles == data["directoryRoles"]
    assert snap.applications == data["applications"]
    assert snap.conditional_access_policies == data["conditionalAccessPolicies"]
    assert snap.access_reviews == data["accessReviews"]  # definitions > instances > decisions > insights
    # 30 days before 2025-03-15 12:00, from midnight: sign-ins s0..s3 (every 9 days), audits a0..a2 (every 12)
    assert [s["id"] for s in snap.sign_ins] == ["s0", "s1", "s2", "s3"]
    assert [a["id"] for a in snap.directory_audits] == ["a0", "a1", "a2"]
    by_path = {r.path: r.query for r in sim.requests}
    assert by_path["/auditLogs/signIns"] == {"$filter": "createdDateTime ge 2025-02-13T00:00:00Z", "$top": "999"}
    assert by_path["/auditLogs/directoryAudits"]["$filter"] == "activityDateTime ge 2025-02-13T00:00:00Z"
    # the first /users read; the access review context reads leave dates and managers after it
    first_users = next(r.query for r in sim.requests if r.path == "/users")
    assert first_users["$select"].split(",") == [*load_plan.USER_SELECT, "signInActivity"]
    decision_reads = [r for r in sim.sub_requests if r.path.endswith("/decisions")]
    assert len(decision_reads) == 2 and all(r.query == {"$expand": "insights"} for r in decision_reads)
    assert sim.writes == []


def test_sign_in_activity_refused_is_recorded_and_users_still_load(make_doc: Callable[..., TenantDocument]) -> None:
    with GraphSimulator(make_doc()) as sim:
        sim.fail("/users", code="Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                 message="Neither tenant is B2C or tenant doesn't have premium license", select="signInActivity")
        snap = load(sim)
    assert len(snap.users) == 12 and all("signInActivity" not in u for u in snap.users)
    assert set(snap.failed) == {"signInActivity"}
    assert snap.failed["signInActivity"].startswith("403 Authentication_RequestFromNonPremiumTenantOrB2CTenant: ")
    assert snap.failed["signInActivity"].endswith("(needs AuditLog.Read.All and a Microsoft Entra ID P1 licence)")


@pytest.mark.parametrize(("path", "name", "permission"), [
    ("/auditLogs/signIns", "signIns", "AuditLog.Read.All and a Microsoft Entra ID P1 licence"),
    ("/auditLogs/directoryAudits", "directoryAudits", "AuditLog.Read.All"),
    ("/identityGovernance/accessReviews", "accessReviews", "AccessReview.Read.All"),
    ("/applications", "applications", "Application.Read.All"),
    ("/identity/conditionalAccess/policies", "conditionalAccessPolicies", "Policy.Read.All"),
    ("/groups/g0001/members", "groups", "GroupMember.Read.All"),
])
def test_forbidden_collection_names_the_permission(make_doc: Callable[..., TenantDocument], path: str, name: str,
                                                   permission: str) -> None:
    with GraphSimulator(make_doc()) as sim:
        sim.fail(path)
        snap = load(sim)
    assert set(snap.failed) == {name}
    assert snap.failed[name].startswith("403 Authorization_RequestDenied: Insufficient privileges")
    assert snap.failed[name].endswith(f" (needs {permission})")
    assert getattr(snap, {"signIns": "sign_ins", "directoryAudits": "directory_audits",
                          "accessReviews": "access_reviews", "conditionalAccessPolicies": "conditional_access_policies"
                          }.get(name, name)) == []
    assert len(snap.users) == 12


def test_member_reads_are_batched(make_doc: Callable[..., TenantDocument]) -> None:
    with GraphSimulator(make_doc(users=30, groups=50, members_per_group=3)) as sim:
        snap = load(sim)
    assert len(snap.groups) == 50 and all(len(g["members"]) == 3 for g in snap.groups)
    batches = [r.body["requests"] for r in sim.requests if r.path == "/$batch"]
    group_batches = [b for b in batches if b[0]["url"].startswith("/groups/")]
    assert sorted(len(b) for b in group_batches) == [10, 20, 20]  # 50 member reads, 20 per $batch
    assert len(batches) == 3 + 1 + 2  # groups, the role, access review instances and decisions
    assert not [r for r in sim.requests if r.path.endswith("/members")]  # none sent on its own
    assert {r.query["$select"] for r in sim.sub_requests if r.path.startswith("/groups/")} == {"id"}


def test_member_pages_are_followed_inside_batches(make_doc: Callable[..., TenantDocument]) -> None:
    with GraphSimulator(make_doc(users=30, groups=2, members_per_group=25)) as sim:
        snap = load(sim, page_size=10)
    assert snap.groups[0]["members"] == [f"u{i:04}" for i in range(25)]
    assert snap.groups[1]["members"] == [f"u{i:04}" for i in range(1, 26)]
    pages = [r.query.get("$skiptoken") for r in sim.sub_requests if r.path == "/groups/g0000/members"]
    assert pages == [None, "10", "20"]


def test_throttled_reads_inside_a_batch_wait_their_retry_after(make_doc: Callable[..., TenantDocument],
                                                              waits: dict[str, list[float]]) -> None:
    with GraphSimulator(make_doc(groups=4)) as sim:
        clean = load(sim)
        # every 3rd: with one read per batch, every 2nd would always hit the read (envelope + read = 2)
        sim.faults = Faults(throttle_every=3, retry_after=4)
        throttled = load(sim, retry=no_wait(waits), concurrency=1)
    assert throttled == clean
    assert waits["ours"] and set(waits["ours"]) == {4.0}
    assert waits["kiota"] and set(waits["kiota"]) == {4.0}


@pytest.mark.parametrize("mode", ["malformed", "truncated"])
def test_faults_on_give_identical_data(make_doc: Callable[..., TenantDocument], waits: dict[str, list[float]],
                                       mode: str) -> None:
    doc = make_doc(users=23, groups=6, members_per_group=7)
    with GraphSimulator(doc) as sim:
        clean = load(sim, page_size=5)
        clean_requests = len(sim.requests)
        sim.faults = Faults(throttle_every=5, retry_after=3, unavailable_once_at=2, broken_page=2, broken_mode=mode)
        faulty = load(sim, page_size=5, retry=no_wait(waits))
        injected = sim.injected
        assert sim._faults.page_broken
        assert len(sim.requests) > clean_requests
    assert faulty == clean and clean.failed == {}
    assert [status for _, status in injected].count(503) == 1 and [s for _, s in injected].count(429) >= 5
    # kiota waits Retry-After as sent for a 429, and backs off 0.25 s + jitter (< 1 s) + 1 s for the 503
    assert 3 in waits["kiota"] and all(w == 3 or 1.25 <= w <= 2.25 for w in waits["kiota"])
    # we wait Retry-After for throttled reads inside batches, and 1 s before re-reading the broken page
    assert 1.0 in waits["ours"] and set(waits["ours"]) <= {1.0, 3.0}


def test_deadline_names_what_is_still_loading(make_doc: Callable[..., TenantDocument]) -> None:
    with GraphSimulator(make_doc(), faults=Faults(slow_ms=150)) as sim:
        with pytest.raises(TenantReadError, match=r"^reading the tenant did not finish within the 0.05 s deadline; "
                                                  r"still loading: organization\. Raise the deadline"):
            load(sim, deadline=0.05)
        with pytest.raises(TenantReadError) as info:
            load(sim, deadline=0.25)
    message = str(info.value)
    assert "0.25 s deadline; still loading: " in message
    assert "users" in message and "groups" in message and "organization" not in message


def test_demo_tenant_request_count() -> None:
    doc = load_tenant_file(demo_tenant_path())
    with GraphSimulator(doc) as sim:
        snap = load(sim)
    assert snap.failed == {}
    groups, roles = len(doc.collection("groups")), len(doc.collection("directoryRoles"))
    # one GET per collection (13, all single pages) + member reads batched 20 at a time
    assert len(sim.requests) == 13 + math.ceil(groups / 20) + math.ceil(roles / 20) == 15
    assert len(sim.sub_requests) == groups + roles


def test_progress_display_only_on_a_terminal(make_doc: Callable[..., TenantDocument],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert type(open_progress(None)) is LoadProgress  # pytest's stderr is not a terminal
    with GraphSimulator(make_doc()) as sim:
        assert load(sim, progress=True).failed == {}  # the rich display runs, and is transient
    assert capsys.readouterr().out == ""
