"""Access reviews: definitions -> instances (-> stages) -> decisions, each decision with its insights (Graph
v1.0 shapes), and the ground truth the access review agent must reproduce (``reviews_truth``).

Three recurring group reviews, each with a completed past instance and one ``InProgress`` now (around
``EPOCH``): partner guests (up to 500 decisions), the break-glass exclusion group (CA exclusion groups should
be reviewed, peers §10 IDP-09), and an application's assignment group. Their decisions carry Graph's own
insights: the user's last sign-in and, for members outside the group's usual departments, a membership
outlier insight. Graph's ``recommendation`` follows Entra's documented rule (no sign-in within the 30-day
look-back, or a disabled account -> Deny). In-progress instances have about a third of their decisions made.

``reviews_designed`` adds the kinds Microsoft's agent cannot handle (multi-stage, Entra role) and the
application assignment and access package reviews, with planted signals; ``review_decisions`` adds one
large review (benchmarks: thousands of decisions).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from .names import LOB_APPS
from .review_shapes import (
    decision_json,
    definition_json,
    scope,
    settings,
    sign_in_insight,
)
from .reviews_designed import build_designed_reviews, large_review, plant_inviters
from .reviews_truth import judge, record
from .state import CONDITIONAL_ACCESS_ADMINISTRATOR, EPOCH, JSON, Tenant, iso


def review_groups(review_decisions: int | None) -> int:
    """Groups the access reviews add (the multi-stage review's, and the large review's when asked for)."""
    return 1 + (review_decisions is not None)


def build_access_reviews(t: Tenant, review_decisions: int | None = None) -> None:
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
    plant_inviters(t)
    build_designed_reviews(t)
    if review_decisions is not None:
        large_review(t, review_decisions)
    judge(t)






def _definition(t: Tenant, name: str, group_id: str, reviewer: str, *, interval_months: int,
                previous_start: datetime, current_start: datetime, guests_only: bool = False) -> None:
    rng = t.rng("access-reviews")
    group = t.group(group_id)
    query = f"/groups/{group_id}/transitiveMembers"
    if guests_only:
        query += "/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')"
    created = iso(previous_start - timedelta(days=rng.randint(10, 40)))
    instances = []
    previous: dict[str, str] = {}
    for start, status in ((previous_start, "Completed"), (current_start, "InProgress")):
        instance_id = t.new_id("access-reviews:instances")
        begin, end = iso(start), iso(start + timedelta(days=14))
        instance = {"id": instance_id, "startDateTime": begin, "endDateTime": end, "status": status,
                    "scope": scope(query)}
        instance["decisions"] = _decisions(t, rng, group, instance_id, reviewer, begin, end, status)
        instances.append(instance)
        if status == "Completed":
            previous = {d["principal"]["id"]: d["decision"] for d in instance["decisions"]}
    definition = definition_json(t, name, reviewer, query, f"/groups/{group_id}", created,
                                 settings(interval_months, created), instances,
                                 f"Recurring review of {group['displayName']}.")
    t.access_reviews.append(definition)
    current = instances[-1]
    for decision in current["decisions"]:
        outlier = any(i["@odata.type"].endswith("membershipOutlierInsight") for i in decision["insights"])
        last = previous.get(decision["principal"]["id"])
        record(t, decision, definition_id=definition["id"], instance=current, stage_id=None,
               affiliation="low" if outlier else "high",
               previous=last if last in ("Approve", "Deny") else None, case="group review, Graph insights")


def _usual_departments(t: Tenant, members: list[str]) -> list[str]:
    counts = Counter(t.user(m).get("department") for m in members if t.user(m).get("department"))
    return [d for d, _ in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:2]]




def _insights(t: Tenant, uid: str, group_id: str, outlier: bool, begin: str) -> list[JSON]:
    insights: list[JSON] = [sign_in_insight(t, uid)]
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
    resource = {"id": group["id"], "displayName": group["displayName"], "type": "group"}
    out = []
    for uid in members:
        department = t.user(uid).get("department")
        outlier = bool(usual) and department is not None and department not in usual
        out.append(decision_json(t, rng, uid, resource, f"https://graph.microsoft.com/v1.0/groups/{group['id']}",
                                 instance_id, reviewer, begin, end, status,
                                 _insights(t, uid, group["id"], outlier, begin)))
    return out
