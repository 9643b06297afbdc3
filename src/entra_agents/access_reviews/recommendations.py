"""Recommendations for a run: scope -> insights -> scoring, once, and the ``access_decision`` suggestion
each becomes (contract: ``entra_agents.suggestions``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from entra_agents.access_reviews.affiliation import PeerIndex
from entra_agents.access_reviews.context import ReviewContext
from entra_agents.access_reviews.insights import Signal, signals
from entra_agents.access_reviews.justify import draft
from entra_agents.access_reviews.scope import ReviewItem, active_items
from entra_agents.access_reviews.scoring import Recommendation, recommend
from entra_agents.graph.snapshot import TenantSnapshot

KIND = "access_decision"
_AFFECTED = {"user": "users", "serviceprincipal": "servicePrincipals", "group": "groups"}


@dataclass(frozen=True)
class DecisionRecommendation:
    item: ReviewItem
    recommendation: Recommendation
    signals: tuple[Signal, ...]
    contributing: tuple[Signal, ...]

    @property
    def key(self) -> str:
        """What the fingerprint covers: the decision, the recommendation and the inputs that made it (a changed
        input is a new recommendation; the same inputs on a re-run are the same one)."""
        inputs = json.dumps([[s.name, s.value, s.effect, s.missing] for s in self.signals], sort_keys=True,
                            default=str)
        return f"{self.item.decision_id}|{self.recommendation}|{hashlib.sha256(inputs.encode()).hexdigest()[:16]}"

    def draft(self) -> str:
        return draft(self.recommendation, list(self.signals))

    def principal_json(self) -> dict[str, Any]:
        p = self.item.principal
        kind = str(p.get("@odata.type", "#microsoft.graph.userIdentity")).rsplit(".", 1)[-1].removesuffix("Identity")
        return {"id": p.get("id"), "type": kind or "user", "displayName": p.get("displayName"),
                "userPrincipalName": p.get("userPrincipalName")}

    def to_suggestion(self, fingerprint: str, rationale: str) -> dict[str, Any]:
        item, principal = self.item, self.principal_json()
        resource = {k: item.resource.get(k) for k in ("id", "type", "displayName")}
        affected = {"users": [], "groups": [], "roles": [], "apps": [], "servicePrincipals": [], "policies": []}
        affected[_AFFECTED.get(str(principal["type"]).lower(), "users")].append(str(principal["id"]))
        name = principal["displayName"] or principal["userPrincipalName"] or principal["id"]
        return {
            "fingerprint": fingerprint, "kind": KIND, "check": None, "policy": None, "targetPolicyId": None,
            "title": f"{self.recommendation}: {name} in {resource['displayName'] or resource['id']}",
            # a review decision is the reviewer's: deny recommendations are the ones that need attention
            "priority": "medium" if self.recommendation == "Deny" else "low",
            "rationale": rationale, "affected": affected,
            "changes": [{
                "op": "recordDecision", "definitionId": item.definition.get("id"),
                "instanceId": item.instance.get("id"), "stageId": (item.stage or {}).get("id"),
                "decisionId": item.decision_id, "principal": principal, "resource": resource,
                "recommendation": self.recommendation, "signals": [s.to_json() for s in self.signals],
            }],
        }


def evaluate(snapshot: TenantSnapshot, as_of: datetime, chosen: set[str] | None) -> list[DecisionRecommendation]:
    """Every in-scope decision with its signals and recommendation, in tenant order."""
    ctx = ReviewContext.build(snapshot, as_of)
    peers: dict[str, PeerIndex] = {}
    out = []
    for item in active_items(snapshot.access_reviews, chosen):
        index = peers.get(item.page_key)
        if index is None:
            index = peers[item.page_key] = PeerIndex(ctx, item.population, str(item.resource.get("id", "")))
        found = signals(ctx, item, index)
        result, contributing = recommend(found)
        out.append(DecisionRecommendation(item, result, tuple(found), tuple(contributing)))
    return out
