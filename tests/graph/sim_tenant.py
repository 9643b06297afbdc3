"""A fuller tenant than conftest's SMALL_TENANT: every collection the loader reads, sizes chosen by the test."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from entra_agents.graph.client import close_graph_client, make_graph_client
from entra_agents.graph.simulator import GraphSimulator

NOW = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)
E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
GA = "62e90394-69f5-4237-9190-012177145e10"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rich_tenant(users: int = 12, groups: int = 3, members_per_group: int = 4) -> dict[str, Any]:
    people = []
    for i in range(users):
        user: dict[str, Any] = {
            "id": f"u{i:04}", "displayName": f"User {i}", "userPrincipalName": f"user{i}@contoso.test",
            "accountEnabled": i % 7 != 3, "userType": "Guest" if i % 5 == 4 else "Member",
            "department": ["Sales", "IT", "Finance"][i % 3], "createdDateTime": iso(NOW - timedelta(days=i * 10)),
            "assignedLicenses": [{"skuId": E5 if i % 2 else E3, "disabledPlans": []}],
            "signInActivity": {"lastSignInDateTime": iso(NOW - timedelta(days=i * 3))},
        }
        people.append(user)
    group_list = [{"id": f"g{g:04}", "displayName": f"Group {g}", "securityEnabled": True, "groupTypes": [],
                   "members": [people[(g + k) % users]["id"] for k in range(min(members_per_group, users))]}
                  for g in range(groups)]
    sign_ins = [{"id": f"s{n}", "createdDateTime": iso(NOW - timedelta(days=n * 9)), "userId": people[n % users]["id"],
                 "appDisplayName": "Office 365", "clientAppUsed": "Browser" if n % 2 else "IMAP4",
                 "status": {"errorCode": 0}} for n in range(6)]
    audits = [{"id": f"a{n}", "activityDateTime": iso(NOW - timedelta(days=n * 12)), "category": "Policy",
               "activityDisplayName": "Update conditional access policy"} for n in range(5)]
    return {
        "organization": {"id": "22222222-2222-2222-2222-222222222222", "displayName": "Fabrikam Sim"},
        "securityDefaults": {"isEnabled": False},
        "users": people,
        "groups": group_list,
        "directoryRoles": [{"id": "r-ga", "roleTemplateId": GA, "displayName": "Global Administrator",
                            "members": [people[0]["id"]]}],
        "servicePrincipals": [{"id": "sp-1", "appId": "app-1", "displayName": "Payroll",
                               "servicePrincipalType": "Application", "accountEnabled": True}],
        "applications": [{"id": "app-obj-1", "appId": "app-1", "displayName": "Payroll",
                          "createdDateTime": iso(NOW - timedelta(days=2))}],
        "conditionalAccessPolicies": [
            {"id": "ca-1", "displayName": "Block device code", "state": "enabled",
             "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                            "authenticationFlows": {"transferMethods": "deviceCodeFlow"}},
             "grantControls": {"operator": "OR", "builtInControls": ["block"]}},
        ],
        "namedLocations": [{"@odata.type": "#microsoft.graph.countryNamedLocation", "id": "nl-1",
                            "displayName": "Home", "countriesAndRegions": ["NL"]}],
        "authenticationStrengthPolicies": [{"id": "00000000-0000-0000-0000-000000000004",
                                            "displayName": "Phishing-resistant MFA", "policyType": "builtIn"}],
        "signIns": sign_ins,
        "directoryAudits": audits,
        "accessReviews": [access_review("d1", people), access_review("d2", people[:2], status="Completed")],
    }


def access_review(definition_id: str, people: list[dict[str, Any]], status: str = "InProgress") -> dict[str, Any]:
    decisions = [{
        "id": f"{definition_id}-x{n}", "accessReviewId": f"{definition_id}-i1", "decision": "NotReviewed",
        "recommendation": "Approve" if n % 2 else "Deny",
        "principal": {"@odata.type": "#microsoft.graph.userIdentity", "id": person["id"],
                      "displayName": person["displayName"]},
        "resource": {"id": "g0000", "displayName": "Group 0", "type": "group"},
        "insights": [{"@odata.type": "#microsoft.graph.userSignInInsight", "id": f"ins-{n}",
                      "lastSignInDateTime": person["signInActivity"]["lastSignInDateTime"]}],
    } for n, person in enumerate(people[:3])]
    return {"id": definition_id, "displayName": f"Review {definition_id}", "status": status,
            "instances": [{"id": f"{definition_id}-i1", "status": status, "decisions": decisions}]}


def fake_jwt(oid: str, name: str, upn: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part({'oid': oid, 'name': name, 'upn': upn})}.sig"


def call(sim: GraphSimulator, fn: Callable[..., Any], *args: Any, credential: Any = None, **kwargs: Any) -> Any:
    """Run ``fn(client, *args)`` against the simulator with a fresh GraphServiceClient."""

    async def go() -> Any:
        client = make_graph_client(sim.base_url, credential)
        try:
            return await fn(client, *args, **kwargs)
        finally:
            await close_graph_client(client)

    return asyncio.run(go())
