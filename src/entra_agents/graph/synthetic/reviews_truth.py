"""Ground truth for the access review agent: the recommendation each in-scope decision must get, from what
the generator planted (account state, leave dates, sign-in activity, outliers it placed, earlier decisions,
mover runs, access requests, inviters), never from running the agent's scorer.

The rules are the documented scoring table (README, ``access_reviews.scoring``) applied to those facts;
this is a second, independent implementation so that the eval measures agreement between the two.
"""

from __future__ import annotations

from datetime import timedelta

from .state import JSON, Tenant, parse

LOOK_BACK = timedelta(days=30)
MOVER_WINDOW = timedelta(days=30)


def active(t: Tenant, uid: str, start: str) -> bool | None:
    """Signed in (interactively or not) in the 30 days before ``start``; None when the generator withheld the
    user's sign-in activity (and the decision carries no sign-in insight)."""
    activity = t.user(uid).get("signInActivity")
    if activity is None:
        return None
    times = [parse(x) for x in (activity.get("lastSignInDateTime"), activity.get("lastNonInteractiveSignInDateTime"))
             if x]
    return bool(times) and max(times) >= parse(start) - LOOK_BACK


def expected(*, enabled: bool, leaving: bool, active_user: bool | None, affiliation: str, previous: str | None,
             moved: bool, requested: bool, inviter_gone: bool) -> str:
    if not enabled or leaving:
        return "Deny"
    if active_user is None:
        return "NoInfoAvailable"
    deny = (0 if active_user else 60) + (40 if affiliation == "low" else 0) + (30 if previous == "Deny" else 0) \
        + (30 if moved else 0) + (20 if inviter_gone else 0)
    approve = (40 if active_user else 0) + (20 if affiliation == "high" else 0) \
        + (20 if previous == "Approve" else 0) + (20 if requested else 0)
    if deny >= 60 or deny > approve:
        return "Deny"
    return "Approve" if approve > deny else "NoInfoAvailable"


def record(t: Tenant, decision: JSON, *, definition_id: str, instance: JSON, stage_id: str | None,
           affiliation: str, previous: str | None, requested: bool = False, case: str = "") -> None:
    """Note what the generator knows about one in-scope decision; judged once every plant is in place."""
    t.review_facts[decision["id"]] = {
        "definitionId": definition_id, "instanceId": instance["id"], "stageId": stage_id,
        "decisionId": decision["id"], "principalId": decision["principal"]["id"],
        "start": instance["startDateTime"], "end": instance["endDateTime"], "affiliation": affiliation,
        "previous": previous, "requested": requested, "case": case,
        "withInsight": any(i.get("@odata.type", "").endswith("userSignInInsight") for i in decision["insights"]),
    }


def _moved(t: Tenant, uid: str, start: str) -> bool:
    for workflow in t.lifecycle_workflows:
        for result in workflow["userProcessingResults"]:
            done = result.get("completedDateTime")
            if result["subject"]["id"] == uid and result["processingStatus"] == "completed" and done \
                    and parse(start) - MOVER_WINDOW <= parse(done) <= parse(start):
                return True
    return False


def _inviter_gone(t: Tenant, uid: str) -> bool:
    for audit in t.audits:
        if audit["activityDisplayName"] == "Invite external user" and audit["targetResources"][0]["id"] == uid:
            return not t.is_enabled(audit["initiatedBy"]["user"]["id"])
    return False


def judge(t: Tenant) -> None:
    """``t.review_expectations``: one entry per in-scope decision, in the order they were built."""
    for facts in t.review_facts.values():
        uid = facts["principalId"]
        user = t.user(uid)
        leave = user.get("employeeLeaveDateTime")
        activity = active(t, uid, facts["start"])
        if activity is None and facts["withInsight"]:
            raise AssertionError("a withheld sign-in must come without a sign-in insight")
        recommendation = expected(
            enabled=t.is_enabled(uid), leaving=bool(leave) and parse(leave) <= parse(facts["end"]),
            active_user=activity, affiliation=facts["affiliation"], previous=facts["previous"],
            moved=_moved(t, uid, facts["start"]), requested=facts["requested"], inviter_gone=_inviter_gone(t, uid))
        t.review_expectations.append({k: facts[k] for k in ("definitionId", "instanceId", "stageId", "decisionId",
                                                            "principalId", "case")}
                                     | {"recommendation": recommendation})
