"""Graph shapes shared by the access review generators (``reviews``, ``reviews_designed``): definitions,
settings, decisions and Graph's own insights and recommendation."""

from __future__ import annotations

import random
from datetime import timedelta

from .state import JSON, Tenant, iso, parse

NOBODY = {"id": "00000000-0000-0000-0000-000000000000", "displayName": "", "userPrincipalName": ""}
LOOK_BACK = timedelta(days=30)
SIGN_IN_INSIGHT = "#microsoft.graph.userSignInInsight"


def identity(t: Tenant, uid: str) -> JSON:
    user = t.user(uid)
    return {"id": uid, "displayName": user["displayName"], "userPrincipalName": user["userPrincipalName"]}


def scope(query: str) -> JSON:
    return {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": query, "queryType": "MicrosoftGraph",
            "queryRoot": None}


def settings(interval_months: int, start: str, *, peer_outliers: bool = True) -> JSON:
    insight_settings: list[JSON] = [
        {"@odata.type": "#microsoft.graph.userLastSignInRecommendationInsightSetting",
         "recommendationLookBackDuration": "P30D", "signInScope": "tenant"}]
    if peer_outliers:  # Graph computes membership outliers for group reviews only
        insight_settings.append({"@odata.type": "#microsoft.graph.groupPeerOutlierRecommendationInsightSetting"})
    return {
        "mailNotificationsEnabled": True, "reminderNotificationsEnabled": True,
        "justificationRequiredOnApproval": True, "defaultDecisionEnabled": False, "defaultDecision": "None",
        "instanceDurationInDays": 14, "autoApplyDecisionsEnabled": False, "recommendationsEnabled": True,
        "decisionHistoriesForReviewersEnabled": False,
        "recommendationLookBackDuration": "P30D",
        "recommendationInsightSettings": insight_settings,
        "recurrence": {
            "pattern": {"type": "absoluteMonthly", "interval": interval_months, "month": 0, "dayOfMonth": 0,
                        "daysOfWeek": [], "firstDayOfWeek": "sunday", "index": "first"},
            "range": {"type": "noEnd", "numberOfOccurrences": 0, "recurrenceTimeZone": None, "startDate": start[:10],
                      "endDate": "9999-12-31"},
        },
        "applyActions": [{"@odata.type": "#microsoft.graph.removeAccessApplyAction"}],
    }


def definition_json(t: Tenant, name: str, reviewer: str, query: str, enumeration: str, created: str,
                    settings_json: JSON, instances: list[JSON], description: str) -> JSON:
    reviewers = [{"query": f"/users/{reviewer}", "queryType": "MicrosoftGraph", "queryRoot": None}]
    for instance in instances:
        instance.setdefault("reviewers", [dict(r) for r in reviewers])
        instance.setdefault("fallbackReviewers", [])
    return {
        "id": t.new_id("access-reviews"), "displayName": name, "createdDateTime": created,
        "lastModifiedDateTime": created, "status": "InProgress",
        "descriptionForAdmins": description, "descriptionForReviewers": description,
        "createdBy": identity(t, reviewer), "scope": scope(query),
        "instanceEnumerationScope": scope(enumeration), "reviewers": reviewers, "fallbackReviewers": [],
        "settings": settings_json, "instances": instances,
    }


def graph_recommendation(t: Tenant, uid: str, start: str) -> str:
    """What Graph itself puts in ``recommendation`` (Entra's built-in rule; not the agent's ground truth)."""
    last = (t.user(uid).get("signInActivity") or {}).get("lastSignInDateTime")
    if not t.is_enabled(uid) or last is None or parse(last) < parse(start) - LOOK_BACK:
        return "Deny"
    return "Approve"


def sign_in_insight(t: Tenant, uid: str) -> JSON:
    # Graph gives the sign-in insight the zero id and no creation time
    return {"@odata.type": SIGN_IN_INSIGHT, "id": NOBODY["id"], "insightCreatedDateTime": None,
            "lastSignInDateTime": t.user(uid)["signInActivity"]["lastSignInDateTime"]}


def decision_json(t: Tenant, rng: random.Random, uid: str, resource: JSON, resource_link: str, instance_id: str,
                  reviewer: str, begin: str, end: str, status: str, insights: list[JSON],
                  decided_share: float = 0.35) -> JSON:
    recommendation = graph_recommendation(t, uid, begin)
    decided = status == "Completed" or rng.random() < decided_share
    decision = "NotReviewed"
    if decided:
        decision = recommendation if rng.random() < 0.9 else ("Deny" if recommendation == "Approve" else "Approve")
    reviewed_at = iso(parse(begin) + timedelta(seconds=rng.randint(3600, 12 * 86400))) if decided else None
    applied = status == "Completed"
    return {
        "id": t.new_id("access-reviews:decisions"), "accessReviewId": instance_id,
        "reviewedDateTime": reviewed_at, "decision": decision,
        "justification": _justification(decision, recommendation) if decided else "",
        "appliedDateTime": end if applied else None,
        "applyResult": "AppliedSuccessfully" if applied else "New", "recommendation": recommendation,
        "principalLink": f"https://graph.microsoft.com/v1.0/users/{uid}",
        "resourceLink": resource_link, "resource": resource,
        "reviewedBy": identity(t, reviewer) if decided else dict(NOBODY),
        "appliedBy": dict(NOBODY),
        "principal": {"@odata.type": "#microsoft.graph.userIdentity", **identity(t, uid)},
        "insights": insights,
    }


def _justification(decision: str, recommendation: str) -> str:
    if decision == recommendation:
        return "Still needs access." if decision == "Approve" else "No recent sign-in; access no longer needed."
    return "Confirmed with the manager." if decision == "Approve" else "Left the project."
