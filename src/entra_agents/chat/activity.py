"""Sign-in summaries and access review status, from the snapshot's recorded sign-ins and review definitions.

Access reviews are summarised from the raw Graph objects (definitions -> instances -> decisions): the access
review engine, when present, scores decisions; status questions only need counts, states and dates.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from entra_agents.chat.names import NameIndex
from entra_agents.chat.policies import resolve_one

TOP = 5  # rows per breakdown: what a person reads in a chat answer


def _result(sign_in: dict[str, Any]) -> str:
    code = (sign_in.get("status") or {}).get("errorCode") or 0
    return "success" if not code else "failure"


def sign_in_summary(state: Any, user: str = "", app: str = "") -> dict[str, Any]:
    index: NameIndex = state.index
    rows = list(state.snapshot.sign_ins)
    scope: dict[str, Any] = {}
    if user:
        who = resolve_one(index, user, ("user",), "user")
        rows = [s for s in rows if str(s.get("userId", "")).lower() == who.id]
        scope["user"] = who.to_json()
    if app:
        what = resolve_one(index, app, ("app",), "app")
        rows = [s for s in rows if str(s.get("appId", "")).lower() == what.id]
        scope["app"] = what.to_json()
    times = sorted(str(s.get("createdDateTime", "")) for s in rows if s.get("createdDateTime"))

    def top(key: Any) -> list[list[Any]]:
        return [[k, n] for k, n in Counter(key(s) for s in rows).most_common(TOP)]

    return {
        "scope": scope, "signIns": len(rows), "from": times[0] if times else None, "to": times[-1] if times else None,
        "results": dict(Counter(_result(s) for s in rows)),
        "conditionalAccess": dict(Counter(str(s.get("conditionalAccessStatus") or "unknown") for s in rows)),
        "byApp": top(lambda s: s.get("appDisplayName") or s.get("appId") or "?"),
        "byClient": top(lambda s: s.get("clientAppUsed") or "?"),
        "byPlatform": top(lambda s: str((s.get("deviceDetail") or {}).get("operatingSystem") or "unknown").split()[0]),
        "byUser": [] if user else top(lambda s: s.get("userPrincipalName") or s.get("userId") or "?"),
        "risky": sum(1 for s in rows if str(s.get("riskLevelDuringSignIn") or "none") in ("medium", "high")),
        "failures": [{"user": s.get("userPrincipalName"), "app": s.get("appDisplayName"), "at": s.get("createdDateTime"),
                      "reason": (s.get("status") or {}).get("failureReason")}
                     for s in rows if _result(s) == "failure"][:TOP],
    }


def access_review_status(state: Any, review: str = "") -> dict[str, Any]:
    definitions = list(state.snapshot.access_reviews)
    if review:
        wanted = review.strip().lower()
        definitions = [d for d in definitions if wanted in str(d.get("displayName", "")).lower()
                       or str(d.get("id", "")).lower().startswith(wanted)]
    out = []
    for d in definitions:
        instances = sorted(d.get("instances") or [], key=lambda i: str(i.get("startDateTime", "")))
        current = instances[-1] if instances else {}
        decisions = current.get("decisions") or []
        out.append({
            "id": d.get("id"), "displayName": d.get("displayName"), "status": d.get("status"),
            "instances": len(instances),
            "current": {"id": current.get("id"), "status": current.get("status"),
                        "start": current.get("startDateTime"), "end": current.get("endDateTime")} if current else None,
            "decisions": dict(Counter(str(x.get("decision") or "NotReviewed") for x in decisions)),
            "recommendations": dict(Counter(str(x.get("recommendation") or "NoInfoAvailable") for x in decisions)),
            "pending": sum(1 for x in decisions if str(x.get("decision") or "NotReviewed") == "NotReviewed"),
        })
    return {"reviews": out, "total": len(out), "filter": review or None}
