"""The reviewer's decisions as the conversation sees them: Graph's decision items joined with the agent's stored
recommendations (``access_decision`` suggestions) and the few user facts the questions need.

Reads go through the reviewer's own session and use Graph's ``filterByCurrentUser(on='reviewer')`` at each level,
so a reviewer sees exactly what Graph says they review (and needs no admin role to list definitions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entra_agents.access_reviews.record import REVIEWS

JSON = dict[str, Any]
MINE = "filterByCurrentUser(on='reviewer')"
KIND = "access_decision"
RUN_HINT = "entra-agents run access-review --tenant {tenant}"


@dataclass
class Pending:
    """One decision item the reviewer reviews; ``number`` is how the conversation lists and names it."""

    number: int
    definition: JSON
    instance: JSON
    decision: JSON
    suggestion: JSON | None
    """The agent's ``access_decision`` suggestion for this decision (None: no run has recommended yet)."""
    user: JSON | None
    """``id, userType, accountEnabled`` of a user principal, as Graph gave them (None: not a user, or unreadable)."""

    @property
    def decision_id(self) -> str:
        return str(self.decision.get("id"))

    @property
    def name(self) -> str:
        p = self.decision.get("principal") or {}
        return str(p.get("displayName") or p.get("userPrincipalName") or p.get("id") or "?")

    @property
    def upn(self) -> str:
        p = self.decision.get("principal") or {}
        return str(p.get("userPrincipalName") or (self.suggestion_change.get("principal") or {}).get(
            "userPrincipalName") or "")

    @property
    def resource(self) -> str:
        r = self.decision.get("resource") or {}
        return str(r.get("displayName") or r.get("id") or self.definition.get("displayName") or "?")

    @property
    def current(self) -> str:
        """The decision recorded in Graph: NotReviewed until someone decides."""
        return str(self.decision.get("decision") or "NotReviewed")

    @property
    def decided(self) -> bool:
        return self.current != "NotReviewed"

    @property
    def suggestion_change(self) -> JSON:
        changes = (self.suggestion or {}).get("changes") or [{}]
        return changes[0] if isinstance(changes[0], dict) else {}

    @property
    def recommendation(self) -> str | None:
        value = self.suggestion_change.get("recommendation")
        return str(value) if value else None

    @property
    def justification(self) -> str:
        return str((self.suggestion or {}).get("rationale") or "")

    @property
    def signals(self) -> list[JSON]:
        return [s for s in self.suggestion_change.get("signals") or [] if isinstance(s, dict)]

    def signal(self, name: str) -> JSON | None:
        return next((s for s in self.signals if s.get("name") == name), None)

    def line(self) -> str:
        """One row of the list: number, who, where, the agent's recommendation, the decision so far."""
        who = f"{self.name} ({self.upn})" if self.upn and self.upn != self.name else self.name
        rec = self.recommendation or "none yet"
        made = f"decided {self.current}" if self.decided else "not decided"
        return f"[{self.number}] {who} in {self.resource}: recommendation {rec}; {made}"


async def tenant_id(client: Any) -> str:
    from entra_agents.graph.client import get_json

    orgs = (await get_json(client, "/organization")).get("value") or [{}]
    return str(orgs[0].get("id") or "")


async def load_pending(client: Any, recommendations: dict[str, JSON], *,
                       instance_id: str | None = None) -> list[Pending]:
    """Every decision in the reviewer's in-progress instances (optionally one instance), numbered from 1."""
    from entra_agents.graph.client import get_collection

    found: list[tuple[JSON, JSON, JSON]] = []
    for definition in await get_collection(client, f"{REVIEWS}/{MINE}", top=None):
        base = f"{REVIEWS}/{definition['id']}/instances"
        for instance in await get_collection(client, f"{base}/{MINE}", top=None):
            if instance.get("status") != "InProgress" or (instance_id and instance.get("id") != instance_id):
                continue
            for decision in await get_collection(client, f"{base}/{instance['id']}/decisions/{MINE}", top=None):
                found.append((definition, instance, decision))
    users = await _users(client, [d.get("principal") or {} for _, _, d in found])
    return [Pending(n, definition, instance, decision, recommendations.get(str(decision.get("id"))),
                    users.get(str((decision.get("principal") or {}).get("id"))))
            for n, (definition, instance, decision) in enumerate(found, start=1)]


def stored_recommendations(store: Any, tenant: str) -> dict[str, JSON]:
    """decision id -> the newest ``access_decision`` suggestion for it in ``tenant`` (a re-run supersedes)."""
    by_decision: dict[str, JSON] = {}
    for doc in store.list_suggestions(tenant_id=tenant):  # oldest first: later runs overwrite
        if doc.get("kind") != KIND or doc.get("status") == "dismissed":
            continue
        change = (doc.get("changes") or [{}])[0]
        if isinstance(change, dict) and change.get("decisionId"):
            by_decision[str(change["decisionId"])] = doc
    return by_decision


async def _users(client: Any, principals: list[JSON]) -> dict[str, JSON]:
    """userType and accountEnabled of the user principals, 20 reads to a $batch; a refused read leaves the user
    unknown (the answers then say the fact is missing rather than guess it)."""
    from entra_agents.graph.client import post_batch

    ids = list(dict.fromkeys(str(p["id"]) for p in principals
                             if p.get("id") and "user" in str(p.get("@odata.type", "user")).lower()))
    out: dict[str, JSON] = {}
    for start in range(0, len(ids), 20):
        chunk = ids[start:start + 20]
        requests = [{"id": str(n), "method": "GET", "url": f"/users/{uid}?$select=id,userType,accountEnabled"}
                    for n, uid in enumerate(chunk)]
        for answer in await post_batch(client, requests):
            body = answer.get("body")
            if 200 <= int(answer.get("status") or 0) < 300 and isinstance(body, dict) and body.get("id"):
                out[str(body["id"])] = body
    return out
