"""$batch, Conditional Access writes and access review decisions in the simulator, through msgraph-sdk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from entra_agents.graph.client import (
    GraphRequestError,
    StaticTokenCredential,
    delete_resource,
    get_collection,
    get_json,
    patch_json,
    post_batch,
)
from entra_agents.graph.simulator import Faults, GraphSimulator
from entra_agents.graph.tenant_file import TenantDocument, load_tenant_file
from tests.graph.sim_tenant import call, fake_jwt, rich_tenant

REVIEW = "/identityGovernance/accessReviews/definitions"


@pytest.fixture
def rich_doc(write_tenant: Callable[..., Path]) -> TenantDocument:
    return load_tenant_file(write_tenant(rich_tenant(users=6), "rich.json"))


@pytest.fixture
def rich(rich_doc: TenantDocument) -> Iterator[GraphSimulator]:
    with GraphSimulator(rich_doc) as sim:
        yield sim


# ----------------------------------------------------------------------------------------------- $batch


def test_batch_answers_each_request_in_graphs_shape(rich: GraphSimulator) -> None:
    requests = [{"id": "1", "method": "GET", "url": "/users/u0001?$select=id,displayName"},
                {"id": "2", "method": "GET", "url": "groups/g0000/members?$select=id"},
                {"id": "3", "method": "GET", "url": "/nothing/here"},
                {"id": "4", "method": "GET", "url": "/users/$count", "headers": {"ConsistencyLevel": "eventual"}}]
    answers = {a["id"]: a for a in call(rich, post_batch, requests)}
    assert answers["1"]["status"] == 200 and answers["1"]["body"]["displayName"] == "User 1"
    assert answers["1"]["headers"]["Content-Type"].startswith("application/json")
    assert [m["id"] for m in answers["2"]["body"]["value"]] == ["u0000", "u0001", "u0002", "u0003"]
    assert answers["3"]["status"] == 404 and answers["3"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert answers["4"]["body"] == "6"
    assert [r.path for r in rich.requests] == ["/$batch"]
    assert [r.path for r in rich.sub_requests] == ["/users/u0001", "/groups/g0000/members", "/nothing/here",
                                                   "/users/$count"]
    assert rich.writes == []


@pytest.mark.parametrize(("requests", "message"), [
    ([{"id": str(n), "method": "GET", "url": "/users"} for n in range(21)], "At most 20 requests"),
    ([], "Invalid batch payload"),
    ([{"id": "1", "method": "GET", "url": "/users"}, {"id": "1", "method": "GET", "url": "/groups"}], "duplicate"),
    ([{"id": "1", "method": "GET", "url": "http://elsewhere.test/v1.0/users"}], "relative to the version root"),
    ([{"id": "1", "method": "GET"}], "needs id, method and url"),
    ([{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["9"]}], "not an earlier request"),
])
def test_batch_limits(rich: GraphSimulator, requests: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(GraphRequestError, match=f"^400 BadRequest: .*{message}"):
        call(rich, post_batch, requests)
    assert rich.sub_requests == []


def test_twenty_is_allowed_and_dependencies_fail_together(rich: GraphSimulator) -> None:
    assert len(call(rich, post_batch, [{"id": str(n), "method": "GET", "url": "/users"} for n in range(20)])) == 20
    answers = call(rich, post_batch, [{"id": "a", "method": "GET", "url": "/users/nobody"},
                                      {"id": "b", "method": "GET", "url": "/users", "dependsOn": ["a"]}])
    assert [(a["id"], a["status"]) for a in answers] == [("a", 404), ("b", 424)]


def test_requests_in_a_batch_are_throttled_one_by_one(rich: GraphSimulator) -> None:
    rich.faults = Faults(throttle_every=2, retry_after=9)
    answers = call(rich, post_batch, [{"id": str(n), "method": "GET", "url": "/organization"} for n in range(3)])
    # the envelope is request 1; its three requests are 2, 3 and 4
    assert [a["status"] for a in answers] == [429, 200, 429]
    assert answers[0]["headers"]["Retry-After"] == "9" and answers[0]["body"]["error"]["code"] == "TooManyRequests"
    assert rich.injected == [(2, 429), (4, 429)]


def test_batch_envelope_is_retried_only_when_it_holds_reads_only(rich: GraphSimulator) -> None:
    rich.faults = Faults(unavailable_once_at=1)
    assert call(rich, post_batch, [{"id": "1", "method": "GET", "url": "/organization"}])[0]["status"] == 200
    assert len(rich.requests) == 2  # the 503, then kiota's retry
    rich.faults = Faults(unavailable_once_at=1)
    write = {"id": "1", "method": "PATCH", "url": "/identity/conditionalAccess/policies/ca-1",
             "headers": {"Content-Type": "application/json"}, "body": {"state": "disabled"}}
    with pytest.raises(GraphRequestError, match="^503 ServiceNotAvailable"):
        call(rich, post_batch, [write])
    assert len(rich.requests) == 3 and rich.writes == []  # not resent: the write inside never ran
    assert call(rich, post_batch, [write])[0]["status"] == 204
    assert [(w.method, w.path, w.batched) for w in rich.writes] == [
        ("PATCH", "/identity/conditionalAccess/policies/ca-1", True)]
    assert rich.collection("conditionalAccessPolicies")[0]["state"] == "disabled"


# ----------------------------------------------------------------------------------- Conditional Access


def test_patch_and_delete_policy_with_the_typed_client(rich: GraphSimulator, rich_doc: TenantDocument) -> None:
    from msgraph.generated.models.conditional_access_policy import ConditionalAccessPolicy
    from msgraph.generated.models.conditional_access_policy_state import ConditionalAccessPolicyState

    before = rich_doc.path.read_bytes()

    async def patch(client: Any) -> Any:
        body = ConditionalAccessPolicy(state=ConditionalAccessPolicyState.EnabledForReportingButNotEnforced)
        return await client.identity.conditional_access.policies.by_conditional_access_policy_id("ca-1").patch(body)

    async def delete(client: Any, policy_id: str) -> None:
        await client.identity.conditional_access.policies.by_conditional_access_policy_id(policy_id).delete()

    assert call(rich, patch) is None  # Graph answers 204 No Content
    policy = call(rich, get_json, "/identity/conditionalAccess/policies/ca-1")
    assert policy["state"] == "enabledForReportingButNotEnforced" and policy["modifiedDateTime"].endswith("Z")
    assert policy["conditions"]["authenticationFlows"] == {"transferMethods": "deviceCodeFlow"}  # untouched
    assert call(rich, patch_json, "/identity/conditionalAccess/policies/ca-1", {"displayName": "Renamed"}) == {}
    assert call(rich, get_json, "/identity/conditionalAccess/policies/ca-1")["displayName"] == "Renamed"

    call(rich, delete, "ca-1")
    assert call(rich, get_collection, "/identity/conditionalAccess/policies") == []
    with pytest.raises(GraphRequestError, match="^404 Request_ResourceNotFound: Resource 'ca-1' does not exist"):
        call(rich, delete_resource, "/identity/conditionalAccess/policies/ca-1")
    assert [(w.method, w.path) for w in rich.writes] == [
        ("PATCH", "/identity/conditionalAccess/policies/ca-1"), ("PATCH", "/identity/conditionalAccess/policies/ca-1"),
        ("DELETE", "/identity/conditionalAccess/policies/ca-1"), ("DELETE", "/identity/conditionalAccess/policies/ca-1")]
    assert rich_doc.path.read_bytes() == before
    with pytest.raises(GraphRequestError, match="^405 "):
        call(rich, delete_resource, "/users/u0001")


# -------------------------------------------------------------------------------------- access reviews


def test_reviews_are_served_level_by_level(rich: GraphSimulator) -> None:
    definitions = call(rich, get_collection, REVIEW, None, None)
    assert [d["id"] for d in definitions] == ["d1", "d2"] and all("instances" not in d for d in definitions)
    instances = call(rich, get_collection, f"{REVIEW}/d1/instances", None, None)
    assert [(i["id"], "decisions" in i) for i in instances] == [("d1-i1", False)]
    plain = call(rich, get_collection, f"{REVIEW}/d1/instances/d1-i1/decisions", None, None)
    assert len(plain) == 3 and all("insights" not in d for d in plain)
    expanded = call(rich, get_collection, f"{REVIEW}/d1/instances/d1-i1/decisions?$expand=insights", None, None)
    assert expanded[0]["insights"][0]["@odata.type"] == "#microsoft.graph.userSignInInsight"
    insights = call(rich, get_collection, f"{REVIEW}/d1/instances/d1-i1/decisions/d1-x0/insights", None, None)
    assert insights == expanded[0]["insights"]
    with pytest.raises(GraphRequestError, match="^404 "):
        call(rich, get_json, f"{REVIEW}/d1/instances/nope/decisions")


def test_decision_patch_records_the_reviewer(rich: GraphSimulator) -> None:
    from msgraph.generated.models.access_review_instance_decision_item import AccessReviewInstanceDecisionItem

    reviewer = StaticTokenCredential(fake_jwt("u0000", "User 0", "user0@contoso.test"))

    async def decide(client: Any) -> Any:
        item = (client.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id("d1")
                .instances.by_access_review_instance_id("d1-i1")
                .decisions.by_access_review_instance_decision_item_id("d1-x1"))
        return await item.patch(AccessReviewInstanceDecisionItem(decision="Deny", justification="Left the team"))

    assert call(rich, decide, credential=reviewer) is None
    decision = call(rich, get_json, f"{REVIEW}/d1/instances/d1-i1/decisions/d1-x1")
    assert (decision["decision"], decision["justification"]) == ("Deny", "Left the team")
    assert decision["reviewedBy"] == {"id": "u0000", "displayName": "User 0", "userPrincipalName": "user0@contoso.test"}
    assert decision["reviewedDateTime"].endswith("Z")
    assert rich.writes[-1].body["decision"] == "Deny"

    for body, message in [({"decision": "Maybe"}, "Invalid decision 'Maybe'"),
                          ({"decision": "Approve", "recommendation": "Approve"}, "Property 'recommendation' cannot be updated")]:
        with pytest.raises(GraphRequestError, match=f"^400 BadRequest: {message}"):
            call(rich, patch_json, f"{REVIEW}/d1/instances/d1-i1/decisions/d1-x1", body)
    with pytest.raises(GraphRequestError, match="^400 BadRequest: .*is Completed; decisions can be recorded only"):
        call(rich, patch_json, f"{REVIEW}/d2/instances/d2-i1/decisions/d2-x0", {"decision": "Approve"})


def test_batch_record_decisions(rich: GraphSimulator) -> None:
    from msgraph.generated.identity_governance.access_reviews.definitions.item.instances.item.batch_record_decisions.batch_record_decisions_post_request_body import (  # noqa: E501
        BatchRecordDecisionsPostRequestBody,
    )

    async def record(client: Any, **fields: Any) -> Any:
        instance = (client.identity_governance.access_reviews.definitions.by_access_review_schedule_definition_id("d1")
                    .instances.by_access_review_instance_id("d1-i1"))
        return await instance.batch_record_decisions.post(BatchRecordDecisionsPostRequestBody(**fields))

    assert call(rich, record, decision="Approve", justification="Still needed", principal_id="u0002") is None
    decisions = {d["id"]: d for d in call(rich, get_collection, f"{REVIEW}/d1/instances/d1-i1/decisions", None, None)}
    assert [decisions[k]["decision"] for k in ("d1-x0", "d1-x1", "d1-x2")] == ["NotReviewed", "NotReviewed", "Approve"]
    assert "reviewedBy" not in decisions["d1-x2"]  # a fake token has no identity to record

    call(rich, record, decision="Deny", justification="Quarterly clean-up", resource_id="g0000",
         credential=StaticTokenCredential(fake_jwt("u0005", "User 5", "user5@contoso.test")))
    decisions = call(rich, get_collection, f"{REVIEW}/d1/instances/d1-i1/decisions", None, None)
    assert {d["decision"] for d in decisions} == {"Deny"}
    assert {d["reviewedBy"]["id"] for d in decisions} == {"u0005"}
    assert [(w.method, w.path.rsplit("/", 1)[-1]) for w in rich.writes] == [
        ("POST", "batchRecordDecisions"), ("POST", "batchRecordDecisions")]
