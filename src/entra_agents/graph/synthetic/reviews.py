"""Access reviews: definitions -> instances -> decisions, each decision with its insights (Graph v1.0 shapes).

Three recurring reviews, each with a completed past instance and one ``InProgress`` now (around ``EPOCH``):
partner guests (up to 500 decisions), the break-glass exclusion group (CA exclusion groups should be reviewed,
peers §10 IDP-09), and an application's assignment group. Recommendations follow Entra's own rules as
documented: no sign-in within the look-back window (30 days) or a disabled account -> Deny, else Approve.
Insights are the user's last sign-in and, for members outside the group's usual departments, a membership
outlier insight. In-progress instances have about a third of their decisions made.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from .names import LOB_APPS
from .state import CONDITIONAL_ACCESS_ADMINISTRATOR, EPOCH, JSON, Tenant, iso, parse

NOBODY = {"id": "00000000-0000-0000-0000-000000000000", "displayName": "", "userPrincipalName": ""}
LOOK_BACK = timedelta(days=30)


def build_access_reviews(t: Tenant) -> None:
    sales_head = t.department_members["Sales"][0]
    security = t.role_holders[CONDITIONAL_ACCESS_ADMINISTRATOR][0]
    app = LOB_APPS[0]
    app_owner = t.department_members["Finance"][0]
    _definition(t, "Quarterly guest access review - External Partners", t.group_ids["partners"], sales_head,
                interval_months=3, previous_start=EPOCH - timedelta(days=105), current_start=EPOCH - timedelta(days=10),
                guests_only=True)
    _definition(t, "Monthly review - CA-Exclude-BreakGlass", t.group_ids["breakGlass"], security,
                interval_months=1, previous_start=EPOCH - timedelta(days=37), current_start=EPOCH - timedelta(days=4))
    _definition(t, f"Quarterly review - App - {app} Users", t.group_ids[f"app:{app}"], app_owner,
                interval_months=3, previous_start=EPOCH - timedelta(days=95), current_start=EPOCH - timedelta(days=3))


def _identity(t: Tenant, uid: str) -> JSON:
    user = t.user(uid)
    return {"id": uid, "displayName": user["displayName"], "userPrincipalName": user["userPrincipalName"]}


def _scope(query: str) -> JSON:
    return {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": query, "queryType": "MicrosoftGraph",
            "queryRoot": None}


def _settings(interval_months: int, start: str) -> JSON:
    return {
        "mailNotificationsEnabled": True, "reminderNotificationsEnabled": True,
        "justificationRequiredOnApproval": True, "defaultDecisionEnabled": False, "defaultDecision": "None",
        "instanceDurationInDays": 14, "autoApplyDecisionsEnabled": False, "recommendationsEnabled": True,
        "decisionHistoriesForReviewersEnabled": False,
        "recommendationLookBackDuration": "P30D",
        "recommendationInsightSettings": [
            {"@odata.type": "#microsoft.graph.userLastSignInRecommendationInsightSetting",
             "recommendationLookBackDuration": "P30D", "signInScope": "tenant"},
            {"@odata.type": "#microsoft.graph.groupPeerOutlierRecommendationInsightSetting"},
        ],
        "recurrence": {
            "pattern": {"type": "absoluteMonthly", "interval": interval_months, "month": 0, "dayOfMonth": 0,
                        "daysOfWeek": [], "firstDayOfWeek": "sunday", "index": "first"},
            "range": {"type": "noEnd", "numberOfOccurrences": 0, "recurrenceTimeZone": None, "startDate": start[:10],
                      "endDate": "9999-12-31"},
        },
        "applyActions": [{"@odata.type": "#microsoft.graph.removeAccessApplyAction"}],
    }


def _definition(t: Tenant, name: str, group_id: str, reviewer: str, *, interval_months: int,
                previous_start: datetime, current_start: datetime, guests_only: bool = False) -> None:
    rng = t.rng("access-reviews")
    group = t.group(group_id)
    query = f"/groups/{group_id}/transitiveMembers"
    if guests_only:
        query += "/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"
    reviewers = [{"query": f"/users/{reviewer}", "queryType": "MicrosoftGraph", "queryRoot": None}]
    created = iso(previous_start - timedelta(days=rng.randint(10, 40)))
    instances = []
    for start, status in ((previous_start, "Completed"), (current_start, "InProgress")):
        instance_id = t.new_id("access-reviews:instances")
        begin, end = iso(start), iso(start + timedelta(days=14))
        instances.append({
            "id": instance_id, "startDateTime": begin, "endDateTime": end, "status": status,
            "scope": _scope(query), "reviewers": [dict(r) for r in reviewers], "fallbackReviewers": [],
            "decisions": _decisions(t, rng, group, instance_id, reviewer, begin, end, status),
        })
    t.access_reviews.append({
        "id": t.new_id("access-reviews"), "displayName": name, "createdDateTime": created,
        "lastModifiedDateTime": created, "status": "InProgress",
        "descriptionForAdmins": f"Recurring review of {group['displayName']}.",
        "descriptionForReviewers": f"Confirm who still needs to be a member of {group['displayName']}.",
        "createdBy": _identity(t, reviewer), "scope": _scope(query),
        "instanceEnumerationScope": _scope(f"/groups/{group_id}"), "reviewers": reviewers, "fallbackReviewers": [],
        "settings": _settings(interval_months, created), "instances": instances,
    })


def _usual_departments(t: Tenant, members: list[str]) -> list[str]:
    counts = Counter(t.user(m).get("department") for m in members if t.user(m).get("department"))
    return [d for d, _ in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:2]]


def _recommendation(t: Tenant, uid: str, start: str) -> str:
    last = t.user(uid)["signInActivity"]["lastSignInDateTime"]
    if not t.is_enabled(uid) or last is None or parse(last) < parse(start) - LOOK_BACK:
        return "Deny"
    return "Approve"


def _insights(t: Tenant, uid: str, group_id: str, outlier: bool, begin: str) -> list[JSON]:
    # Graph gives the sign-in insight the zero id and no creation time; outlier insights have both
    insights: list[JSON] = [{"@odata.type": "#microsoft.graph.userSignInInsight", "id": NOBODY["id"],
                             "insightCreatedDateTime": None,
                             "lastSignInDateTime": t.user(uid)["signInActivity"]["lastSignInDateTime"]}]
    if outlier:
        insights.append({"@odata.type": "#microsoft.graph.membershipOutlierInsight",
                         "id": t.new_id("access-reviews:insights"), "insightCreatedDateTime": begin,
                         "memberId": uid, "containerId": group_id, "outlierMemberType": "user",
                         "outlierContainerType": "group"})
    return insights


def _decisions(t: Tenant, rng: random.Random, group: JSON, instance_id: str, reviewer: str, begin: str, end: str,
               status: str) -> list[JSON]:
    members = t.transitive_users(group["id"])
    usual = _usual_departments(t, members)
    out = []
    for uid in members:
        department = t.user(uid).get("department")
        outlier = bool(usual) and department is not None and department not in usual
        recommendation = _recommendation(t, uid, begin)
        decided = status == "Completed" or rng.random() < 0.35
        decision = "NotReviewed"
        if decided:
            decision = recommendation if rng.random() < 0.9 else ("Deny" if recommendation == "Approve" else "Approve")
        reviewed_at = iso(parse(begin) + timedelta(seconds=rng.randint(3600, 12 * 86400))) if decided else None
        applied = status == "Completed"
        out.append({
            "id": t.new_id("access-reviews:decisions"), "accessReviewId": instance_id,
            "reviewedDateTime": reviewed_at, "decision": decision,
            "justification": _justification(decision, recommendation) if decided else "",
            "appliedDateTime": end if applied else None,
            "applyResult": "AppliedSuccessfully" if applied else "New", "recommendation": recommendation,
            "principalLink": f"https://graph.microsoft.com/v1.0/users/{uid}",
            "resourceLink": f"https://graph.microsoft.com/v1.0/groups/{group['id']}",
            "resource": {"id": group["id"], "displayName": group["displayName"], "type": "group"},
            "reviewedBy": _identity(t, reviewer) if decided else dict(NOBODY),
            "appliedBy": dict(NOBODY),
            "principal": {"@odata.type": "#microsoft.graph.userIdentity", **_identity(t, uid)},
            "insights": _insights(t, uid, group["id"], outlier, begin),
        })
    return out


def _justification(decision: str, recommendation: str) -> str:
    if decision == recommendation:
        return "Still needs access." if decision == "Approve" else "No recent sign-in; access no longer needed."
    return "Confirmed with the manager." if decision == "Approve" else "Left the project."
