"""Suggestions in chat: the ranked list ("suggestion 3" means the third of it), details, and "why this policy".

Ranking (Zero Trust first, as Microsoft's chat prioritises): open and reviewed suggestions of the tenant by
priority (high, medium, low), then by how many users they protect, then oldest first, then id. Ordinals in
questions ("the first suggestion", "suggestion 3", "#3") refer to this order; an id or id prefix always works.
"""

from __future__ import annotations

import re
from typing import Any

from entra_agents.chat.names import NameIndex
from entra_agents.errors import UsageError

PRIORITY = {"high": 0, "medium": 1, "low": 2}
ACTIONABLE = ("open", "reviewed")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "top": 1, "last": -1}
_HEX = re.compile(r"^[0-9a-f]{6,}(?:-[0-9a-f-]*)?$")


def ranked(store: Any, tenant_id: str, status: str = "") -> list[dict[str, Any]]:
    docs = store.list_suggestions(tenant_id=tenant_id)
    wanted = (status,) if status and status != "actionable" else ACTIONABLE
    docs = [d for d in docs if d.get("status") in wanted]
    return sorted(docs, key=lambda d: (PRIORITY.get(str(d.get("priority")), 3),
                                       -len((d.get("affected") or {}).get("users", [])),
                                       str(d.get("created", "")), d["id"]))


def resolve(store: Any, tenant_id: str, reference: str) -> tuple[int | None, dict[str, Any]]:
    """(rank, suggestion) for "3", "#3", "third", "last" or an id prefix. Ranks count actionable ones from 1."""
    ref = reference.strip().lower().lstrip("#")
    order = ranked(store, tenant_id)
    number = ORDINALS.get(ref) if ref in ORDINALS else (int(ref) if ref.isdigit() and len(ref) <= 3 else None)
    if number is not None:
        if not order:
            raise UsageError("there are no open suggestions for this tenant; run the optimization agent first "
                             "(`entra-agents run ca-optimizer --tenant ...`)")
        position = len(order) if number == -1 else number
        if not 1 <= position <= len(order):
            raise UsageError(f"there are {len(order)} open suggestions; suggestion {reference} is not one of them")
        return position, order[position - 1]
    if not _HEX.match(ref):
        raise UsageError(f"{reference!r} is not a suggestion: use its rank in the list (1, 2, ...) or its id")
    doc = store.get_suggestion(ref)
    if store.suggestion_tenant_id(doc["id"]) != tenant_id:
        raise UsageError(f"suggestion {reference} belongs to another tenant")
    rank = next((n for n, d in enumerate(order, 1) if d["id"] == doc["id"]), None)
    return rank, doc


def brief(doc: dict[str, Any], rank: int | None) -> dict[str, Any]:
    return {"rank": rank, "id": doc["id"], "title": doc.get("title"), "kind": doc.get("kind"), "check": doc.get("check"),
            "priority": doc.get("priority"), "status": doc.get("status"),
            "users": len((doc.get("affected") or {}).get("users", [])), "targetPolicyId": doc.get("targetPolicyId")}


def list_suggestions(store: Any, tenant_id: str, status: str = "") -> dict[str, Any]:
    order = ranked(store, tenant_id, status)
    return {"suggestions": [brief(d, n) for n, d in enumerate(order, 1)], "total": len(order),
            "ranking": "priority (high, medium, low), then users protected, then oldest first"}


def _alternatives(state: Any, config: Any, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The tenant's other policies and why none of them already closes this gap (from the check's evidence)."""
    from entra_agents.chat.coverage import policy_roles

    check = doc.get("check")
    finding = state.finding(config, check) if check else None
    if finding is None:
        return []
    target = str(doc.get("targetPolicyId") or "").lower()
    return [p for p in policy_roles(finding, state.index) if p["id"] != target]


def explain(state: Any, config: Any, store: Any, tenant_id: str, reference: str) -> dict[str, Any]:
    rank, doc = resolve(store, tenant_id, reference)
    index: NameIndex = state.index
    evidence = doc.get("evidence") or []
    closes = next((e["checks"] for e in evidence if e.get("kind") == "closes"), [doc.get("check")])
    root = next((e for e in evidence if e.get("kind") == "rootCause"), None)
    why: list[str] = []
    if root is not None:
        why.append(f"the gap is caused by \"{root['displayName']}\" ({root['policy']}) excluding "
                   f"{root['exclusion']['label']}: changing that policy closes it without a new policy")
    elif doc.get("kind") == "new_policy":
        why.append("no existing policy can close the gap by a small change, so a new report-only policy is "
                   "suggested (evaluated and logged, not enforced until an administrator turns it on)")
    for e in evidence:
        if e.get("kind") == "verified":
            why.append(f"verified: {e.get('method')}")
    users = (doc.get("affected") or {}).get("users", [])
    return {
        **brief(doc, rank), "rationale": doc.get("rationale"), "summary": doc.get("summary"), "closes": closes,
        "why": why, "alternatives": _alternatives(state, config, doc), "changes": doc.get("changes") or [],
        "usersSample": [index.cite(u) for u in users[:10]],
        "policies": [index.cite(p) for p in (doc.get("affected") or {}).get("policies", [])],
        "impact": doc.get("impact") or {},
    }
