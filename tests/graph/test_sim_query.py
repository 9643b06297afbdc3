"""$filter, $count, $orderby and ConsistencyLevel in the simulator, through msgraph-sdk's request adapter."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from entra_agents.graph.client import GraphRequestError, get_collection, get_json, with_query
from entra_agents.graph.sim_odata import GraphError, parse_filter
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.tenant_file import load_tenant_file
from tests.graph.sim_tenant import E5, call, rich_tenant


@pytest.fixture
def rich(write_tenant: Callable[..., Path]) -> Iterator[GraphSimulator]:
    with GraphSimulator(load_tenant_file(write_tenant(rich_tenant(users=12), "rich.json"))) as sim:
        yield sim


def ids(sim: GraphSimulator, path: str, **query: str) -> list[str]:
    params = {f"${k}": v for k, v in query.items()}
    return [o["id"] for o in call(sim, get_collection, with_query(path, params), ["id"], None)]


def eventual(sim: GraphSimulator, path: str) -> Any:
    """GET with ConsistencyLevel: eventual, the way skills send advanced queries."""

    async def go(client: Any) -> Any:
        from kiota_abstractions.method import Method
        from kiota_abstractions.request_information import RequestInformation
        from msgraph.generated.models.o_data_errors.o_data_error import ODataError

        ri = RequestInformation(method=Method.GET)
        ri.url = sim.base_url + path
        ri.headers.try_add("ConsistencyLevel", "eventual")
        return await client.request_adapter.send_primitive_async(ri, "bytes", {"XXX": ODataError})

    return call(sim, go)


# Users i = 0..11: createdDateTime NOW - 10i days, last sign-in NOW - 3i days, department by i % 3
# (Sales, IT, Finance), guests where i % 5 == 4, disabled where i % 7 == 3, E5 licence on odd i.
@pytest.mark.parametrize(("flt", "expected"), [
    ("userType eq 'Guest'", [4, 9]),
    ("userType eq 'guest'", [4, 9]),  # directory strings compare case-insensitively
    ("startswith(userPrincipalName,'user1')", [1, 10, 11]),
    ("createdDateTime ge 2025-01-01T00:00:00Z", [0, 1, 2, 3, 4, 5, 6, 7]),
    ("createdDateTime lt 2024-12-10T00:00:00Z and department eq 'IT'", [10]),
    ("createdDateTime gt 2025-03-14T00:00:00Z or id in ('u0011', 'u0003')", [0, 3, 11]),
    ("id in ('u0001','u0002')", [1, 2]),
    (f"assignedLicenses/any(x:x/skuId eq {E5})", [1, 3, 5, 7, 9, 11]),
    ("accountEnabled eq false", [3, 10]),
    ("(department eq 'IT' or department eq 'Sales') and userType eq 'Guest'", [4, 9]),
    ("signInActivity/lastSignInDateTime ge 2025-03-03T00:00:00Z", [0, 1, 2, 3, 4]),
    ("signInActivity/lastSignInDateTime le 2025-02-20T00:00:00Z", [8, 9, 10, 11]),
])
def test_filter_forms(rich: GraphSimulator, flt: str, expected: list[int]) -> None:
    assert ids(rich, "/users", filter=flt) == [f"u{i:04}" for i in expected]
    assert rich.requests[-1].query["$filter"] == flt  # what went over the wire is what we wrote


def test_filters_on_other_collections(rich: GraphSimulator) -> None:
    assert ids(rich, "/auditLogs/signIns", filter="createdDateTime ge 2025-02-20T00:00:00Z") == ["s0", "s1", "s2"]
    assert ids(rich, "/auditLogs/directoryAudits", filter="activityDateTime ge 2025-03-01T00:00:00Z") == ["a0", "a1"]
    assert ids(rich, "/groups", filter="groupTypes/any(c:c eq 'Unified')") == []
    assert ids(rich, "/identity/conditionalAccess/policies", filter="state eq 'enabled'") == ["ca-1"]


def test_sdk_built_query_and_paging(rich: GraphSimulator) -> None:
    async def go(client: Any) -> list[str]:
        from msgraph.generated.models.o_data_errors.o_data_error import ODataError

        # the URL as msgraph-sdk's request builder writes it (kiota's encoding of $filter and $orderby); the
        # answer is read raw, as the loader does, to skip the 1 s import of kiota's User model
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            filter="department eq 'Finance'", select=["id", "department"], top=2, orderby=["displayName desc"])
        request = client.users.to_get_request_information(RequestConfiguration(query_parameters=query))
        page = json.loads(await client.request_adapter.send_primitive_async(request, "bytes", {"XXX": ODataError}))
        found = [u["id"] for u in page["value"]]
        while page.get("@odata.nextLink"):
            page = await get_json(client, page["@odata.nextLink"])
            found += [u["id"] for u in page["value"]]
        return found

    # "User 8" > "User 5" > "User 2" > "User 11" as strings; the nextLink carries $filter and $orderby
    assert call(rich, go) == ["u0008", "u0005", "u0002", "u0011"]
    assert [r.query.get("$skiptoken") for r in rich.requests] == [None, "2"]
    assert rich.requests[0].query["$filter"] == "department eq 'Finance'"


def test_advanced_queries_need_consistency_level_and_count(rich: GraphSimulator) -> None:
    with pytest.raises(GraphRequestError, match=r"^400 Request_UnsupportedQuery: .*'ne' is an advanced query"):
        call(rich, get_json, "/users?$filter=userType ne 'Member'")
    with pytest.raises(GraphRequestError, match=r"^400 Request_BadRequest: Count is not currently supported"):
        call(rich, get_json, "/users?$count=true")
    page = eventual(rich, "/users?$filter=userType%20ne%20'Member'&$count=true&$select=id")
    assert b'"@odata.count": 2' in page and b'"u0004"' in page and b'"u0009"' in page
    # not directory objects: sign-ins count without the header
    assert call(rich, get_json, "/auditLogs/signIns?$count=true&$top=2")["@odata.count"] == 6


def test_count_segment(rich: GraphSimulator) -> None:
    async def count(client: Any, header: bool) -> int:
        config: RequestConfiguration[Any] = RequestConfiguration()
        if header:
            config.headers.add("ConsistencyLevel", "eventual")
        return await client.users.count.get(config)

    assert call(rich, count, True) == 12
    with pytest.raises(Exception) as info:
        call(rich, count, False)
    assert getattr(info.value, "response_status_code", None) == 400
    assert eventual(rich, "/users/$count?$filter=userType eq 'Guest'".replace(" ", "%20")) == b"2"
    assert eventual(rich, "/groups/g0000/members/$count") == b"4"


def test_orderby_and_unsupported_forms(rich: GraphSimulator) -> None:
    # Finance, IT, Sales; within each, names descending as strings ("User 8" > "User 5" > "User 2" > "User 11")
    ordered = [8, 5, 2, 11, 7, 4, 10, 1, 9, 6, 3, 0]
    assert ids(rich, "/users", orderby="department,displayName desc", top="4") == [f"u{i:04}" for i in ordered]
    assert [r.query.get("$skiptoken") for r in rich.requests] == [None, "4", "8"]
    for flt, code in [("contains(displayName,'User')", "Request_UnsupportedQuery"),
                      ("displayName has 'x'", "Request_UnsupportedQuery"),
                      ("displayName eq displayName", "Request_UnsupportedQuery"),
                      ("displayName ge 'A'", "Request_UnsupportedQuery"),
                      ("assignedLicenses/all(x:x/skuId eq 'a')", "Request_UnsupportedQuery"),
                      ("displayName eq", "BadRequest"),
                      ("(displayName eq 'x'", "BadRequest"),
                      ("displayName eq 'x' &&", "BadRequest")]:
        with pytest.raises(GraphRequestError, match=f"^400 {code}: "):
            call(rich, get_json, with_query("/users", {"$filter": flt}))
    with pytest.raises(GraphRequestError, match=r"^400 Request_UnsupportedQuery: .*does not support \$search"):
        call(rich, get_json, '/users?$search="displayName:User"')
    with pytest.raises(GraphRequestError, match=r"^400 Request_UnsupportedQuery: .*\$expand=memberOf"):
        call(rich, get_json, "/users?$expand=memberOf")


def test_users_default_projection_hides_select_only_properties(rich: GraphSimulator) -> None:
    user = call(rich, get_json, "/users/u0001")
    assert "accountEnabled" not in user and "signInActivity" not in user and user["userPrincipalName"]
    chosen = call(rich, get_json, "/users/u0001?$select=accountEnabled,signInActivity")
    assert set(chosen) == {"@odata.context", "id", "accountEnabled", "signInActivity"}


def test_parser_edge_cases() -> None:
    item = {"displayName": "O'Neil", "n": 5, "flag": None, "tags": ["a", "B"]}
    assert parse_filter("displayName eq 'o''neil'")(item)
    assert parse_filter("n ge 5 and n lt 6")(item)
    assert parse_filter("flag eq null")(item)
    assert parse_filter("tags/any(t:t eq 'b')")(item)
    assert not parse_filter("not (n eq 5)")(item)
    assert parse_filter("not (n eq 5)").advanced == ["not"]
    assert parse_filter("endswith(displayName,'NEIL')")(item)
    with pytest.raises(GraphError) as info:
        parse_filter("n eq 5 n")
    assert (info.value.status, info.value.code) == (400, "BadRequest")
