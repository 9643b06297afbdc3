"""Pseudonymized recordings: consistent fake names everywhere, nothing real left, the analysis data untouched."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from entra_agents.graph.client import close_graph_client
from entra_agents.graph.loader import load_snapshot
from entra_agents.graph.pseudonymize import Pseudonymizer
from entra_agents.graph.recording import CASSETTE, TENANT_INFO, open_replay, recorded_at, record_tenant
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.snapshot import TenantSnapshot
from entra_agents.graph.tenant_file import load_tenant_file

GRAPH = "https://graph.microsoft.com/v1.0"
MICROSOFT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
NEXT = f"{GRAPH}/users?$filter=userPrincipalName+eq+%27megan.bowen%40contoso.com%27&$skiptoken=2"
REAL = ("Megan", "Bowen", "megan", "bowen", "Adele", "Vance", "adele", "contoso", "Contoso", "fabrikam", "EMEA")


def exchange(uri: str, body: Any, method: str = "GET") -> dict[str, Any]:
    text = json.dumps(body)
    return {"request": {"method": method, "uri": uri, "body": None, "headers": {}},
            "response": {"status": {"code": 200, "message": "OK"},
                         "headers": {"content-length": [str(len(text))]}, "body": {"string": text}}}


def recording() -> list[dict[str, Any]]:
    megan = {"id": "u1", "displayName": "Megan Bowen", "givenName": "Megan", "surname": "Bowen",
             "userPrincipalName": "megan.bowen@contoso.com", "mail": "Megan.Bowen@contoso.com",
             "mailNickname": "megan.bowen", "otherMails": ["megan@fabrikam.com"],
             "proxyAddresses": ["SMTP:megan.bowen@contoso.com", "smtp:mb@contoso.onmicrosoft.com"]}
    guest = {"id": "u3", "displayName": "Sales EMEA 01", "userType": "Guest",
             "userPrincipalName": "megan_fabrikam.com#EXT#@contoso.onmicrosoft.com"}
    return [
        exchange(f"{GRAPH}/organization", {"value": [{"id": "t1", "displayName": "Contoso", "verifiedDomains": [
            {"name": "contoso.com", "isDefault": True}, {"name": "contoso.onmicrosoft.com", "isInitial": True}]}]}),
        exchange(f"{GRAPH}/users?$top=999", {"value": [megan, guest], "@odata.nextLink": NEXT}),
        exchange(NEXT, {"value": []}),
        exchange(f"{GRAPH}/auditLogs/signIns?$top=999", {"value": [{
            "id": "s1", "userId": "u1", "userDisplayName": "Megan Bowen",
            "userPrincipalName": "megan.bowen@contoso.com",
            "appId": "00000002-0000-0ff1-ce00-000000000000", "appDisplayName": "Office 365 Exchange Online",
            "ipAddress": "203.0.113.5", "createdDateTime": "2025-05-01T10:00:00Z"}]}),
        exchange(f"{GRAPH}/servicePrincipals?$top=999", {"value": [
            {"id": "sp1", "displayName": "Office 365 Exchange Online", "appOwnerOrganizationId": MICROSOFT},
            {"id": "sp2", "displayName": "Contoso Expenses", "appOwnerOrganizationId": "t1"}]}),
        exchange(f"{GRAPH}/identity/conditionalAccess/policies", {"value": [
            {"id": "p1", "displayName": "CA001 - Require MFA for all users", "state": "enabled",
             "conditions": {"users": {"includeUsers": ["All"], "excludeUsers": ["u1"]}}}]}),
        exchange(f"{GRAPH}/identity/conditionalAccess/namedLocations", {"value": [
            {"@odata.type": "#microsoft.graph.ipNamedLocation", "id": "nl1", "displayName": "HQ egress"}]}),
        exchange(f"{GRAPH}/directoryRoles", {"value": [{"id": "r1", "displayName": "Global Administrator"}]}),
        exchange(f"{GRAPH}/directoryRoles/r1/members", {"value": [
            {"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "Megan Bowen"}]}),
        exchange(f"{GRAPH}/identityGovernance/accessReviews/definitions/a1/instances/i1/decisions", {"value": [{
            "id": "d1", "decision": "Approve",
            "principal": {"@odata.type": "#microsoft.graph.userIdentity", "id": "u1", "displayName": "Megan Bowen",
                          "userPrincipalName": "megan.bowen@contoso.com"},
            "reviewedBy": {"id": "u2", "displayName": "Adele Vance", "userPrincipalName": "adele.vance@contoso.com"},
            "resource": {"id": "g1", "displayName": "Sales EMEA"}}]}),
        exchange(f"{GRAPH}/users/megan.bowen@contoso.com", {"error": {
            "code": "Request_ResourceNotFound", "message": "Resource 'megan.bowen@contoso.com' does not exist"}}),
    ]


def pseudonymized(seed: str | None = "fixture", data: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    interactions = copy.deepcopy(data if data is not None else recording())
    Pseudonymizer.from_seed(seed).pseudonymize(interactions)
    return interactions


def body(interaction: dict[str, Any]) -> Any:
    return json.loads(interaction["response"]["body"]["string"])


def test_nothing_real_is_left() -> None:
    text = json.dumps(pseudonymized())
    assert [word for word in REAL if word in text] == []


def test_one_person_stays_one_person_everywhere() -> None:
    out = pseudonymized()
    org = body(out[0])["value"][0]
    domain, initial = (d["name"] for d in org["verifiedDomains"])
    assert initial.endswith(".onmicrosoft.com") and "." not in domain.removesuffix(".com")
    assert org["displayName"] == domain.removesuffix(".com").capitalize()  # "Contoso" and "contoso.com" agree

    user, guest = body(out[1])["value"]
    given, surname = user["givenName"], user["surname"]
    upn = f"{given.lower()}.{surname.lower()}@{domain}"
    assert user["displayName"] == f"{given} {surname}"
    assert user["userPrincipalName"] == upn
    assert user["mail"] == f"{given}.{surname}@{domain}"  # capitalisation kept
    assert user["mailNickname"] == upn.split("@")[0]
    assert user["proxyAddresses"][0] == f"SMTP:{upn}"
    assert user["proxyAddresses"][1].startswith("smtp:") and user["proxyAddresses"][1].endswith(f"@{initial}")
    assert user["otherMails"][0].startswith(f"{given.lower()}@") and user["otherMails"][0].endswith(".com")

    # structure survives: digits, separators, the guest marker, upper case
    assert guest["displayName"].endswith(" 01") and guest["displayName"].split()[1].isupper()
    assert guest["userPrincipalName"].endswith(f".com#EXT#@{initial}")
    assert guest["userPrincipalName"].startswith(f"{given.lower()}_")

    sign_in = body(out[3])["value"][0]
    assert (sign_in["userDisplayName"], sign_in["userPrincipalName"]) == (user["displayName"], upn)
    assert (sign_in["ipAddress"], sign_in["createdDateTime"], sign_in["userId"]) == (
        "203.0.113.5", "2025-05-01T10:00:00Z", "u1")

    decision = body(out[9])["value"][0]
    assert decision["principal"]["displayName"] == user["displayName"]
    assert decision["principal"]["userPrincipalName"] == upn
    assert decision["reviewedBy"]["displayName"] != "Adele Vance"
    assert decision["resource"]["displayName"] == guest["displayName"].removesuffix(" 01")  # "Sales EMEA"
    assert body(out[8])["value"][0]["displayName"] == user["displayName"]  # a role member


def test_names_in_urls_and_filters_follow_the_same_mapping() -> None:
    out = pseudonymized()
    users = body(out[1])
    upn = users["value"][0]["userPrincipalName"]
    assert parse_qs(urlsplit(users["@odata.nextLink"]).query)["$filter"] == [f"userPrincipalName eq '{upn}'"]
    assert out[2]["request"]["uri"] == users["@odata.nextLink"]  # the page request still matches its link
    missing = out[10]
    assert missing["request"]["uri"] == f"{GRAPH}/users/{upn}"
    assert body(missing)["error"]["message"] == f"Resource '{upn}' does not exist"


def test_configuration_names_and_microsoft_apps_are_kept() -> None:
    out = pseudonymized()
    policy = body(out[5])["value"][0]
    assert policy == body(recording()[5])["value"][0]  # name and logic: policy names are not personal data
    assert body(out[6])["value"][0]["displayName"] == "HQ egress"
    assert body(out[7])["value"][0]["displayName"] == "Global Administrator"
    first_party, own = body(out[4])["value"]
    assert first_party["displayName"] == "Office 365 Exchange Online"
    assert body(out[3])["value"][0]["appDisplayName"] == "Office 365 Exchange Online"
    assert own["displayName"].split()[0] == body(out[0])["value"][0]["displayName"]  # "Contoso Expenses"


def test_bodies_stay_valid_with_true_lengths() -> None:
    for interaction in pseudonymized():
        text = interaction["response"]["body"]["string"]
        json.loads(text)
        assert interaction["response"]["headers"]["content-length"] == [str(len(text.encode()))]


def test_deterministic_for_a_seed_and_independent_of_order() -> None:
    assert pseudonymized("a") == pseudonymized("a")
    assert pseudonymized("a") != pseudonymized("b")
    assert pseudonymized(None) != pseudonymized(None)  # a random salt per recording
    reverse = list(reversed(recording()))
    assert list(reversed(pseudonymized("a", reverse))) == pseudonymized("a")


def test_fakes_never_reuse_a_real_word() -> None:
    words = {w.casefold() for w in ("Megan", "Bowen", "Adele", "Vance", "Contoso", "Sales")}
    pseudo = Pseudonymizer.from_seed("x")
    pseudo.learn(words)
    fakes = {pseudo.name(w).casefold() for w in words}
    assert len(fakes) == len(words) and not fakes & words


# ------------------------------------------------------------------------------------- through the recorder


@pytest.fixture
def rich_tenant(tenant_data: dict[str, Any], write_tenant: Any) -> Path:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    alice, bob = tenant_data["users"][:2]
    alice.update(givenName="Alice", surname="Archer", displayName="Alice Archer", mail="alice@contoso.test")
    tenant_data["organization"]["verifiedDomains"] = [{"name": "contoso.test", "isDefault": True}]
    tenant_data["signIns"] = [{
        "id": "si-1", "createdDateTime": yesterday, "userId": "u-alice", "userDisplayName": "Alice Archer",
        "userPrincipalName": "alice@contoso.test", "appId": "app-1", "appDisplayName": "Payroll",
        "ipAddress": "203.0.113.9", "clientAppUsed": "Browser", "status": {"errorCode": 0}}]
    tenant_data["accessReviews"] = [{
        "id": "ar-1", "displayName": "Review Admins", "status": "InProgress",
        "instances": [{"id": "in-1", "status": "InProgress", "decisions": [{
            "id": "d-1", "decision": "NotReviewed", "recommendation": "Approve",
            "principal": {"@odata.type": "#microsoft.graph.userIdentity", "id": "u-bob", "displayName": "Bob",
                          "userPrincipalName": "bob@contoso.test"},
            "reviewedBy": {"id": "u-alice", "displayName": "Alice Archer", "userPrincipalName": "alice@contoso.test"},
            "insights": []}]}]}]
    return write_tenant(tenant_data, "rich.yaml")


def record(path: Path, out: Path, seed: str) -> TenantSnapshot:
    with GraphSimulator(load_tenant_file(path)) as sim:
        return asyncio.run(record_tenant(sim.base_url, out, pseudonymize=True, seed=seed))


def replay(directory: Path) -> TenantSnapshot:
    async def go() -> TenantSnapshot:
        with open_replay(directory) as client:
            try:
                return await load_snapshot(client, now=recorded_at(directory))
            finally:
                await close_graph_client(client)

    return asyncio.run(go())


def test_a_pseudonymized_recording_replays_the_same_tenant(rich_tenant: Path, tmp_path: Path) -> None:
    real = record(rich_tenant, tmp_path / "a", seed="s")
    fake = replay(tmp_path / "a")
    text = (tmp_path / "a" / CASSETTE).read_text() + (tmp_path / "a" / TENANT_INFO).read_text()
    for value in ("Alice", "Archer", "alice@", "Bob", "bob@", "Break Glass", "contoso", "Contoso Test"):
        assert value not in text

    assert fake.tenant_id == real.tenant_id and fake.failed == real.failed
    assert fake.conditional_access_policies == real.conditional_access_policies
    assert fake.named_locations == real.named_locations and fake.directory_roles == real.directory_roles
    assert [(g["id"], g["members"]) for g in fake.groups] == [(g["id"], g["members"]) for g in real.groups]
    for got, was in zip(fake.users, real.users, strict=True):
        assert {k: v for k, v in got.items() if k not in ("displayName", "userPrincipalName", "mail", "givenName",
                                                          "surname")} == \
            {k: v for k, v in was.items() if k not in ("displayName", "userPrincipalName", "mail", "givenName",
                                                       "surname")}
        assert got["displayName"] != was["displayName"]
    alice = fake.users[0]
    assert real.sign_ins and real.access_reviews
    # the same person in the directory, the sign-in log and the access review
    assert (fake.sign_ins[0]["userDisplayName"], fake.sign_ins[0]["userPrincipalName"]) == (
        alice["displayName"], alice["userPrincipalName"])
    assert fake.sign_ins[0]["ipAddress"] == "203.0.113.9"
    decision = fake.access_reviews[0]["instances"][0]["decisions"][0]
    assert decision["reviewedBy"]["userPrincipalName"] == alice["userPrincipalName"]
    assert decision["principal"]["displayName"] == fake.users[1]["displayName"]

    info = json.loads((tmp_path / "a" / TENANT_INFO).read_text())
    assert info["pseudonymized"] is True and info["organization"] == {
        "id": real.tenant_id, "displayName": fake.display_name}
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [CASSETTE, TENANT_INFO]  # no mapping, no salt


def test_the_same_seed_gives_the_same_bytes(rich_tenant: Path, tmp_path: Path) -> None:
    record(rich_tenant, tmp_path / "a", seed="s")
    record(rich_tenant, tmp_path / "b", seed="s")
    record(rich_tenant, tmp_path / "c", seed="t")
    a, b, c = ((tmp_path / d / CASSETTE).read_bytes() for d in "abc")
    assert a == b and a != c
