"""What a suggested policy would have done to real sign-ins (issue 4, build point 7).

Each sign-in in the look-back window is turned into a sign-in context and the candidate is evaluated as if
enabled, next to the tenant's enabled policies. A sign-in counts as affected when the candidate applies to it
and either blocks it (outright, or with a grant the client cannot satisfy: an MFA requirement stops IMAP just
like a block) or demands a control the enabled policies did not already demand. Disabled accounts are never
counted (they can no longer sign in); break-glass and sync accounts are excluded by the policy itself.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..graph.snapshot import TenantSnapshot
from .config import AnalysisConfig
from .coverage import TenantModel
from .evaluator import Applicability, Outcome, Requirement, SignInContext, evaluate, evaluate_policy
from .policy import Control, Policy, PolicyState, parse_policy, parse_strengths
from .signins import LocationResolver, context

JSON = dict[str, Any]
SAMPLE = 10
_CANDIDATE_ID = "candidate-policy"


@dataclass(frozen=True)
class Impact:
    policy: str  # display name of the candidate
    window: tuple[str | None, str | None]  # first and last createdDateTime seen
    evaluated: int  # sign-ins looked at (disabled accounts skipped)
    blocked: int  # sign-ins the candidate would have stopped
    new_controls: int  # sign-ins that would have had to satisfy something they did not before
    already_enforced: int  # sign-ins where the candidate applies but demands nothing new
    undecided: int  # the candidate's conditions could not be decided (device filter, app filter)
    users: tuple[str, ...]
    apps: tuple[str, ...]
    by_client_app: Mapping[str, int] = field(default_factory=dict)
    sample: tuple[JSON, ...] = ()

    @property
    def affected(self) -> int:
        return self.blocked + self.new_controls

    def to_json(self) -> JSON:
        return {
            "policy": self.policy, "window": {"from": self.window[0], "to": self.window[1]},
            "signInsEvaluated": self.evaluated, "signInsAffected": self.affected, "signInsBlocked": self.blocked,
            "signInsRequiringNewControls": self.new_controls, "signInsAlreadyEnforced": self.already_enforced,
            "signInsUndecided": self.undecided, "users": list(self.users), "apps": list(self.apps),
            "byClientApp": dict(self.by_client_app), "sample": [dict(s) for s in self.sample],
        }


def _implies(stronger: frozenset[Control], weaker: frozenset[Control]) -> bool:
    """Meeting every control of ``stronger`` also meets ``weaker`` (an MFA strength meets plain MFA)."""
    return all(any(c == w or (w.name == "mfa" and c.provides_mfa) for c in stronger) for w in weaker)


def _already_demanded(required: Requirement, existing: Outcome) -> bool:
    """Some enabled requirement cannot be met without also meeting ``required``."""
    return any(all(any(_implies(o, w) for w in required.options) for o in e.options) for e in existing.requirements)


def _candidate(snapshot: TenantSnapshot, policy_json: Mapping[str, Any]) -> Policy:
    parsed = parse_policy(policy_json, parse_strengths(snapshot.authentication_strength_policies))
    return dataclasses.replace(parsed, id=parsed.id or _CANDIDATE_ID, state=PolicyState.ENABLED)


def _verdict(candidate: Policy, existing: Outcome, ctx: SignInContext) -> str:
    added = Outcome.from_policies([candidate])
    if added.effectively_blocked(ctx.client_app, ctx.auth_flow):
        return "alreadyEnforced" if existing.effectively_blocked(ctx.client_app, ctx.auth_flow) else "blocked"
    if existing.effectively_blocked(ctx.client_app, ctx.auth_flow):
        return "alreadyEnforced"
    if all(_already_demanded(r, existing) for r in added.requirements):
        return "alreadyEnforced"
    return "newControls"


def estimate_impact(snapshot: TenantSnapshot, config: AnalysisConfig | None, policy_json: Mapping[str, Any]) -> Impact:
    model = TenantModel.build(snapshot, config or AnalysisConfig())
    candidate = _candidate(snapshot, policy_json)
    existing = tuple(p for p in model.policies if p.is_enabled and p.id != candidate.id)
    locations = LocationResolver(snapshot.named_locations)
    counts: Counter[str] = Counter()
    clients: Counter[str] = Counter()
    users: set[str] = set()
    apps: set[str] = set()
    sample: list[JSON] = []
    times = sorted(str(s["createdDateTime"]) for s in snapshot.sign_ins if s.get("createdDateTime"))
    evaluated = 0
    for record in snapshot.sign_ins:
        ctx = context(record, locations)
        if model.directory.user(ctx.user_id) is not None and not model.directory.is_enabled(ctx.user_id):
            continue
        evaluated += 1
        status = evaluate_policy(candidate, model.directory, ctx).status
        if status is Applicability.DOES_NOT_APPLY:
            continue
        if status is Applicability.NOT_ENOUGH_INFORMATION:
            counts["undecided"] += 1
            continue
        verdict = _verdict(candidate, evaluate(existing, model.directory, ctx).enforced, ctx)
        counts[verdict] += 1
        if verdict == "alreadyEnforced":
            continue
        users.add(ctx.user_id)
        apps.add(ctx.application)
        clients[str(record.get("clientAppUsed") or ctx.client_app.value)] += 1
        if len(sample) < SAMPLE:
            sample.append({"id": record.get("id"), "createdDateTime": record.get("createdDateTime"),
                           "userId": ctx.user_id, "userPrincipalName": record.get("userPrincipalName"),
                           "appId": ctx.application, "appDisplayName": record.get("appDisplayName"),
                           "clientAppUsed": record.get("clientAppUsed"), "outcome": verdict,
                           "context": ctx.describe()})
    return Impact(
        policy=str(policy_json.get("displayName") or ""), window=(times[0] if times else None,
                                                                   times[-1] if times else None),
        evaluated=evaluated, blocked=counts["blocked"], new_controls=counts["newControls"],
        already_enforced=counts["alreadyEnforced"], undecided=counts["undecided"],
        users=tuple(sorted(users)), apps=tuple(sorted(apps)), by_client_app=dict(sorted(clients.items())),
        sample=tuple(sample),
    )
