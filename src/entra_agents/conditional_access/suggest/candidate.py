"""A suggestion the engine can stand behind, before any model writes its rationale.

Every fact in a suggestion (who is affected, the policy JSON, the property diff, the impact, the rollout
phases) comes from here; the model only decides, prioritises and explains. ``to_suggestion`` gives the fields
of the suggestion JSON contract (``entra_agents.suggestions``) that the engine owns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

KINDS = ("new_policy", "modify_policy", "consolidate_policies", "phased_rollout", "policy_review")
PRIORITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Candidate:
    kind: str
    key: str
    """Stable identity within the kind (a check id, a policy id, sorted policy ids...): with the tenant, agent
    and kind it makes the fingerprint, so the same gap is never suggested twice."""
    title: str
    priority: str
    """The engine's default from severity; the model may change it."""
    summary: str
    """The facts in one or two plain sentences: the offline model's templated rationale starts from it."""
    check: str | None = None
    affected: dict[str, list[str]] = field(default_factory=dict)
    policy: JSON | None = None
    target_policy_id: str | None = None
    target_policy_ids: tuple[str, ...] = ()
    changes: tuple[JSON, ...] = ()
    impact: JSON | None = None
    evidence: tuple[JSON, ...] = ()
    rollout: JSON | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown suggestion kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.priority not in PRIORITIES:
            raise ValueError(f"unknown priority {self.priority!r}; one of {', '.join(PRIORITIES)}")

    def to_suggestion(self) -> JSON:
        """The engine-owned fields of the suggestion JSON (no id, status, rationale or fingerprint yet)."""
        doc: JSON = {
            "kind": self.kind, "check": self.check, "title": self.title, "priority": self.priority,
            "affected": self.affected, "policy": self.policy, "targetPolicyId": self.target_policy_id,
            "changes": list(self.changes), "summary": self.summary, "evidence": list(self.evidence),
        }
        if self.target_policy_ids:
            doc["targetPolicyIds"] = list(self.target_policy_ids)
        if self.impact is not None:
            doc["impact"] = self.impact
        if self.rollout is not None:
            doc["rollout"] = self.rollout
        return doc
