"""Insights per decision: each one a ``Signal`` with the value found, where it came from, and its effect
and weight from the scoring table (``scoring``). Data Graph did not give us is a signal of its own
(``missing: true``, weight 0), never a guess.

Only engine-read facts become signals. Free text written by people in the tenant (justifications of earlier
decisions, descriptions) never feeds a signal: it is shown to the model as data at most.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, Literal

from entra_agents.access_reviews.affiliation import HIGH, LOW, PeerIndex
from entra_agents.access_reviews.context import ReviewContext, package_of, parse_time
from entra_agents.access_reviews.scope import ReviewItem
from entra_agents.access_reviews.scoring import WEIGHTS

Effect = Literal["approve", "deny", "none"]
DEFAULT_LOOK_BACK = timedelta(days=30)
MOVER_WINDOW = timedelta(days=30)  # Microsoft's agent: a mover workflow in the past 30 days
SIGN_IN = "#microsoft.graph.userSignInInsight"
OUTLIER = "#microsoft.graph.membershipOutlierInsight"
PEER_OUTLIER_SETTING = "groupPeerOutlierRecommendationInsightSetting"


@dataclass(frozen=True)
class Signal:
    name: str
    value: Any
    effect: Effect
    weight: int
    source: str
    missing: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _signal(name: str, outcome: str, value: Any, source: str) -> Signal:
    effect, weight = WEIGHTS[(name, outcome)]
    return Signal(name, value, effect, weight, source, missing=outcome == "missing")


def look_back(definition: dict[str, Any]) -> timedelta:
    """The definition's recommendationLookBackDuration (ISO 8601 days, e.g. P30D); 30 days when unset."""
    text = str((definition.get("settings") or {}).get("recommendationLookBackDuration") or "")
    if text.upper().startswith("P") and text.upper().endswith("D") and text[1:-1].isdigit():
        return timedelta(days=int(text[1:-1]))
    return DEFAULT_LOOK_BACK


def signals(ctx: ReviewContext, item: ReviewItem, peers: PeerIndex) -> list[Signal]:
    """Every signal of one decision, in the scoring table's order."""
    uid = item.principal_id.lower()
    user = ctx.user(uid) if item.is_user else None
    found = [_enabled(ctx, user), _leave(ctx, item, user), _sign_in(ctx, item, user), _affiliation(item, peers),
             _previous(ctx, item), _mover(ctx, item, user)]
    if item.kind == "accessPackage":
        found.append(_request(ctx, item))
    if user is not None and str(user.get("userType", "")).lower() == "guest":
        found.append(_inviter(ctx, user))
    return found


def _enabled(ctx: ReviewContext, user: dict[str, Any] | None) -> Signal:
    if user is None or not isinstance(user.get("accountEnabled"), bool):
        return _signal("accountEnabled", "missing", None, "user.accountEnabled")
    return _signal("accountEnabled", "enabled" if user["accountEnabled"] else "disabled", user["accountEnabled"],
                   "user.accountEnabled")


def _leave(ctx: ReviewContext, item: ReviewItem, user: dict[str, Any] | None) -> Signal:
    source = "user.employeeLeaveDateTime"
    if user is None or ctx.failed("employeeLeaveDateTime"):
        return _signal("employeeLeaveDateTime", "missing", None, source)
    leaves = parse_time(user.get("employeeLeaveDateTime"))
    if leaves is None:
        return _signal("employeeLeaveDateTime", "none", None, source)
    # leaving before this review closes: the access would outlive the employment
    ends = parse_time(item.instance.get("endDateTime")) or ctx.as_of
    return _signal("employeeLeaveDateTime", "leaving" if leaves <= max(ends, ctx.as_of) else "later",
                   user["employeeLeaveDateTime"], source)


def _sign_in(ctx: ReviewContext, item: ReviewItem, user: dict[str, Any] | None) -> Signal:
    """The later of the last interactive and non-interactive sign-in, against the look-back window before
    the instance started (Entra's own rule: no sign-in in the 30 days before the review -> Deny)."""
    insight = next((i for i in item.decision.get("insights") or [] if i.get("@odata.type") == SIGN_IN), None)
    activity = (user or {}).get("signInActivity") if not ctx.failed("signInActivity") else None
    times: list[tuple[str, str | None]] = []
    if insight is not None:
        times.append(("decision.insights.userSignInInsight", insight.get("lastSignInDateTime")))
    if isinstance(activity, dict):
        times += [("user.signInActivity", activity.get("lastSignInDateTime")),
                  ("user.signInActivity", activity.get("lastNonInteractiveSignInDateTime"))]
    if not times:
        return _signal("lastSignIn", "missing", None, "decision.insights.userSignInInsight, user.signInActivity")
    sources = ", ".join(dict.fromkeys(s for s, _ in times))
    dated = [(parse_time(t), t) for _, t in times if parse_time(t) is not None]
    if not dated:
        return _signal("lastSignIn", "never", None, sources)
    latest, text = max(dated, key=lambda p: p[0])  # type: ignore[arg-type,return-value]
    start = parse_time(item.instance.get("startDateTime")) or ctx.as_of
    active = latest >= start - look_back(item.definition)
    return _signal("lastSignIn", "recent" if active else "stale", text, sources)


def _affiliation(item: ReviewItem, peers: PeerIndex) -> Signal:
    insights = item.decision.get("insights")
    outlier = next((i for i in insights or [] if i.get("@odata.type") == OUTLIER
                    and str(i.get("memberId", "")).lower() == item.principal_id.lower()), None)
    if outlier is not None:
        return _signal("peerAffiliation", "low", "membership outlier", "decision.insights.membershipOutlierInsight")
    settings = (item.definition.get("settings") or {}).get("recommendationInsightSettings") or []
    graph_computes = item.kind == "group" and any(PEER_OUTLIER_SETTING in str(s.get("@odata.type", ""))
                                                  for s in settings)
    if graph_computes and insights:  # Graph looked and found this member no outlier
        return _signal("peerAffiliation", "high", "not a membership outlier",
                       "decision.insights.membershipOutlierInsight")
    if not item.is_user:
        return _signal("peerAffiliation", "missing", None, "peer score")
    found = peers.score(item.principal_id)
    if found is None:
        return _signal("peerAffiliation", "missing", None, "peer score (fewer than 4 peers)")
    level = "low" if found.score < LOW else "high" if found.score >= HIGH else "medium"
    value = {"score": found.score, "department": found.department, "managerChain": found.manager,
             "coMembership": found.groups, "peers": found.peers}
    return _signal("peerAffiliation", level, value, "peer score (department, manager chain, co-membership)")


def _previous(ctx: ReviewContext, item: ReviewItem) -> Signal:
    key = (str(item.definition.get("id")), item.principal_id.lower(), str(item.resource.get("id", "")).lower())
    decided = [d for d in ctx.previous.get(key, []) if d.get("decision") in ("Approve", "Deny")]
    if not decided:
        return _signal("previousDecision", "none", None, "earlier instances of this review")
    latest = decided[0]["decision"]
    return _signal("previousDecision", latest.lower(), latest, "earlier instances of this review")


def _mover(ctx: ReviewContext, item: ReviewItem, user: dict[str, Any] | None) -> Signal:
    source = "lifecycle workflows (mover) userProcessingResults"
    if user is None or ctx.failed("lifecycleWorkflows"):
        return _signal("moverEvent", "missing", None, source)
    start = parse_time(item.instance.get("startDateTime")) or ctx.as_of
    recent = [r for r in ctx.movers.get(item.principal_id.lower(), [])
              if str(r.get("processingStatus", "")).lower() in ("completed", "completedwitherrors")
              and (done := parse_time(r.get("completedDateTime"))) is not None
              and start - MOVER_WINDOW <= done <= max(start, ctx.as_of)]
    if not recent:
        return _signal("moverEvent", "none", None, source)
    latest = max(recent, key=lambda r: str(r.get("completedDateTime")))
    return _signal("moverEvent", "moved", {"workflow": latest.get("workflow"),
                                           "completedDateTime": latest.get("completedDateTime")}, source)


def _request(ctx: ReviewContext, item: ReviewItem) -> Signal:
    source = "entitlement management assignmentRequests"
    package = package_of(item.definition)
    if ctx.failed("accessPackageAssignmentRequests") or package is None:
        return _signal("accessRequest", "missing", None, source)
    history = sorted(ctx.requests.get((item.principal_id.lower(), package), []),
                     key=lambda r: str(r.get("createdDateTime")), reverse=True)
    granted = next((r for r in history if str(r.get("requestType", "")).lower() in ("useradd", "adminadd")
                    and str(r.get("state", "")).lower() == "delivered"), None)
    if granted is None:
        return _signal("accessRequest", "none", None, source)
    own = str(granted["requestType"]).lower() == "useradd"
    value = {"requestType": granted["requestType"], "createdDateTime": granted.get("createdDateTime")}
    return _signal("accessRequest", "requested" if own else "assigned", value, source)


def _inviter(ctx: ReviewContext, user: dict[str, Any]) -> Signal:
    source = "directoryAudits: Invite external user (retained 30 days)"
    who = ctx.inviters.get(str(user.get("id", "")).lower())
    if who is None:
        return _signal("guestInviter", "missing", None, source)
    inviter = ctx.user(str(who.get("id", "")))
    value = {"id": who.get("id"), "userPrincipalName": who.get("userPrincipalName")}
    gone = inviter is None or inviter.get("accountEnabled") is False or (
        (leaves := parse_time(inviter.get("employeeLeaveDateTime"))) is not None and leaves <= ctx.as_of)
    return _signal("guestInviter", "gone" if gone else "present", value, source)
