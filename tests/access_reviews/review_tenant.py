"""A small tenant for the reviewer conversation: one in-progress review that Rita reviews, two Bobs (a name that
is ambiguous on purpose), a guest, and recommendations stored as the access-review agent stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from entra_agents.graph.tenant_file import TenantDocument, validate_tenant_data
from entra_agents.store import Store

TENANT_ID = "11111111-1111-1111-1111-111111111111"
REVIEWS = "/identityGovernance/accessReviews/definitions"
RITA = {"id": "u-rita", "displayName": "Rita Reviewer", "userPrincipalName": "rita@contoso.test"}
OSCAR = {"id": "u-oscar", "displayName": "Oscar Other", "userPrincipalName": "oscar@contoso.test"}


def days_ago(days: int) -> str:
    # relative to the real clock: a graph:URL tenant has no asOf, so "90 days" is counted from now
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT08:00:00Z")


PEOPLE = [
    # id, name, upn, userType, last sign-in, recommendation (None: the agent has not recommended yet)
    ("u-bob1", "Bob Smith", "bob.smith@contoso.test", "Member", days_ago(5), "Approve"),
    ("u-bob2", "Bob Jones", "bob.jones@contoso.test", "Member", days_ago(165), "Deny"),
    ("u-alice", "Alice Archer", "alice@contoso.test", "Member", days_ago(1), "Approve"),
    ("u-gary", "Gary Guest", "gary_fabrikam.test#EXT#@contoso.test", "Guest", days_ago(115), "Deny"),
    ("u-nora", "Nora Noinfo", "nora@contoso.test", "Member", None, "NoInfoAvailable"),
    ("u-pat", "Pat Pending", "pat@contoso.test", "Member", days_ago(14), None),
]
DECISION = {p[0]: f"dec-{p[0][2:]}" for p in PEOPLE}


def _user(uid: str, name: str, upn: str, user_type: str = "Member") -> dict[str, Any]:
    return {"id": uid, "displayName": name, "userPrincipalName": upn, "userType": user_type, "accountEnabled": True}


def review_tenant() -> TenantDocument:
    decisions = [{
        "id": DECISION[uid], "accessReviewId": "inst-1", "decision": "NotReviewed", "recommendation": "Approve",
        "justification": "", "principal": {"@odata.type": "#microsoft.graph.userIdentity", "id": uid,
                                           "displayName": name, "userPrincipalName": upn},
        "resource": {"id": "grp-sales", "displayName": "Sales Team", "type": "group"},
        "reviewedBy": {"id": "00000000-0000-0000-0000-000000000000", "displayName": "", "userPrincipalName": ""},
    } for uid, name, upn, *_ in PEOPLE]
    reviewers = [{"query": f"/users/{RITA['id']}", "queryType": "MicrosoftGraph", "queryRoot": None}]
    data = {
        "organization": {"id": TENANT_ID, "displayName": "Contoso Review"},
        "users": [_user(**{"uid": u["id"], "name": u["displayName"], "upn": u["userPrincipalName"]})
                  for u in (RITA, OSCAR)] + [_user(uid, name, upn, kind) for uid, name, upn, kind, *_ in PEOPLE],
        "groups": [{"id": "grp-sales", "displayName": "Sales Team", "members": [p[0] for p in PEOPLE]}],
        "accessReviews": [{
            "id": "def-1", "displayName": "Quarterly review - Sales Team", "status": "InProgress",
            "reviewers": reviewers,
            "instances": [{"id": "inst-1", "status": "InProgress", "startDateTime": "2025-03-05T00:00:00Z",
                           "endDateTime": "2025-03-19T00:00:00Z", "reviewers": reviewers, "decisions": decisions}],
        }],
    }
    return validate_tenant_data(data, "review_tenant")


def store_recommendations(store: Store, tenant_id: str = TENANT_ID) -> dict[str, dict[str, Any]]:
    """The agent's recommendations, as `run access-review` stores them (the access_decision contract)."""
    stored = {}
    for uid, name, upn, _, last, recommendation in PEOPLE:
        if recommendation is None:
            continue
        signals = [{"name": "lastSignIn", "value": last, "effect": "none" if last is None else (
                        "approve" if recommendation == "Approve" else "deny"),
                    "weight": 0 if last is None else 3, "source": "decision.insights.userSignInInsight",
                    "missing": last is None},
                   {"name": "accountEnabled", "value": True, "effect": "none", "weight": 0,
                    "source": "user.accountEnabled", "missing": False}]
        rationale = {"Approve": f"{name} signed in on {last}, within the review's look-back window.",
                     "Deny": f"No sign-in by {name} within the review's look-back window (last: {last}).",
                     "NoInfoAvailable": "No sign-in data for this user; nothing to recommend on."}[recommendation]
        doc = {"fingerprint": f"fp-{uid}", "kind": "access_decision", "check": None, "policy": None,
               "targetPolicyId": None, "title": f"{recommendation}: {name} in Sales Team", "priority": "low",
               "rationale": rationale, "affected": {"users": [uid]},
               "changes": [{"op": "recordDecision", "definitionId": "def-1", "instanceId": "inst-1",
                            "stageId": None, "decisionId": DECISION[uid],
                            "principal": {"id": uid, "type": "user", "displayName": name, "userPrincipalName": upn},
                            "resource": {"id": "grp-sales", "type": "group", "displayName": "Sales Team"},
                            "recommendation": recommendation, "signals": signals}]}
        stored[uid] = store.add_suggestion(tenant_id=tenant_id, agent="access-review", run_id="run-1",
                                           suggestion=doc)
    return stored


def decisions(sim: Any) -> dict[str, dict[str, Any]]:
    """The simulator's decision items now, by principal id."""
    [definition] = sim.collection("accessReviews")
    return {d["principal"]["id"]: d for d in definition["instances"][0]["decisions"]}
