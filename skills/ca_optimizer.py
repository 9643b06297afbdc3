"""Skills of the Conditional Access optimization agent.

The pipeline follows Microsoft's (reference §1.4). ``ListNewCoverageGaps`` (the FetchSkill) scans the tenant
and plans every candidate change with the engine, deterministically and without a model, and returns only the
candidates whose fingerprint the store does not know (open, dismissed, snoozed or applied are all known:
nothing is suggested twice; each skip is traced). The ProcessSkill then runs once per candidate: the model
reads the candidate's facts with ``GetCoverageGap`` and records it with ``SubmitSuggestion``, giving only a
rationale and a priority. The policy JSON, the property diff, the impact, the affected objects and the
evidence are attached by the engine from the candidate, never from model-supplied JSON. Tenant names and
descriptions in results are data for the model, never instructions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from entra_agents.conditional_access.remediation import (
    check_lockout,
    validate_report_only_policy,
)
from entra_agents.conditional_access.suggest import consolidate, gaps, review, rollout
from entra_agents.conditional_access.suggest.candidate import Candidate
from entra_agents.conditional_access.suggest.trial import modify_problems, with_policy
from entra_agents.errors import UsageError
from entra_agents.skill import skill

# Affected users shown to the model: enough to name examples in a rationale, few enough that a 100,000-user
# tenant costs the same tokens as a 1,000-user one (benchmarks/agent_tokens.py). Full lists stay in the stored
# suggestion (`suggestions export`).
SAMPLE = 10
RATIONALE_CHARS = (40, 4000)
CREATABLE = frozenset({"open", "reviewed"})  # suggestion statuses whose policy the agent may create  # a rationale says who, why and what changes; an essay is not a rationale
_PLAN = "_ca_optimizer_plan"


def _other_kinds(ctx: Any) -> list[Candidate]:
    """Consolidation, phased rollout and policy review: each module vets its own candidates."""
    return [*consolidate.candidates(ctx.snapshot, ctx.analysis), *rollout.candidates(ctx.snapshot, ctx.analysis),
            *review.candidates(ctx.snapshot, ctx.analysis)]


def _plan(ctx: Any) -> tuple[dict[str, Candidate], tuple[dict[str, Any], ...]]:
    """fingerprint -> candidate, and the changes that failed vetting; planned once per run (the fetch and
    every process step share the run context)."""
    cached = ctx.__dict__.get(_PLAN)
    if cached is None:
        plan = gaps.plan(ctx.snapshot, ctx.analysis, ctx.findings())
        found = {ctx.fingerprint(c.kind, c.key): c for c in (*plan.candidates, *_other_kinds(ctx))}
        cached = ctx.__dict__[_PLAN] = (found, plan.rejected)
    return cached


def _candidate(ctx: Any, fingerprint: str) -> Candidate:
    candidate = _plan(ctx)[0].get(fingerprint.strip())
    if candidate is None:
        raise UsageError(f"no candidate with fingerprint {fingerprint!r} in this run; use the fingerprint from "
                         "the task (ListNewCoverageGaps)")
    return candidate


def _names(ctx: Any, user_ids: list[str]) -> list[dict[str, str]]:
    by_id = {str(u.get("id", "")).lower(): u for u in ctx.snapshot.users}
    return [{"id": uid, "userPrincipalName": str(by_id.get(uid, {}).get("userPrincipalName", "")),
             "displayName": str(by_id.get(uid, {}).get("displayName", ""))} for uid in user_ids[:SAMPLE]]


def _problems(ctx: Any, candidate: Candidate) -> list[str]:
    """Re-vet at submission (defence in depth): the plan vetted it, the record must not rely on that."""
    if candidate.policy is None:
        return []
    if candidate.kind in ("new_policy", "consolidate_policies"):  # both create a report-only policy
        return check_lockout(ctx.snapshot, ctx.analysis, candidate.policy)
    if candidate.kind == "modify_policy":
        return modify_problems(with_policy(ctx.snapshot, candidate.policy), ctx.analysis, candidate.policy)
    return []


def _change_text(candidate: Candidate) -> str:
    if candidate.kind == "new_policy" and candidate.policy is not None:
        return (f'create the policy "{candidate.title}" in report-only state (evaluated and logged, not enforced '
                "until an administrator turns it on)")
    if candidate.kind == "consolidate_policies":
        names = ", ".join(f'"{c["displayName"]}"' for c in candidate.changes)
        return (f"replace {names} with one report-only policy that enforces exactly what they enforce together "
                "(the originals stay until an administrator turns them off)")
    if candidate.kind == "phased_rollout":
        return "turn the report-only policy on in phases, watching each phase's sign-ins before the next"
    if candidate.kind == "policy_review":
        return "review the policy: its sign-in results changed sharply between the last two weeks"
    steps = [_step(c) for c in candidate.changes]
    return "; ".join(steps) + " (applied only after an administrator approves it)" if steps else candidate.title


def _step(change: dict[str, Any]) -> str:
    if change["op"] == "replace":
        return f"set {change['path']} to {change['after']!r}"
    return f'{change["op"]} {", ".join(change["values"])} {"to" if change["op"] == "add" else "from"} {change["path"]}'


def _new_objects_affected(ctx: Any, candidate: Candidate) -> list[dict[str, Any]]:
    """Objects created in the last 24 hours (the agent's ObjectsToMonitor) that this change is about."""
    if ctx.monitored is None:
        return []
    affected = {i for ids in candidate.affected.values() for i in ids}
    return [o.to_json() for o in ctx.monitored.objects if o.id in affected][:SAMPLE]


def _impact_text(impact: dict[str, Any] | None) -> str:
    if not impact:
        return "not estimated"
    if not impact.get("signInsEvaluated"):
        return "no recorded sign-ins in the look-back window to estimate it from"
    return (f"{impact.get('signInsAffected', 0)} of {impact.get('signInsEvaluated', 0)} recorded sign-ins would have "
            f"been affected ({impact.get('signInsBlocked', 0)} blocked, "
            f"{impact.get('signInsRequiringNewControls', 0)} asked for a new control), "
            f"{len(impact.get('users', []))} users")


def _why(c: Candidate) -> list[str]:
    for e in c.evidence:
        if e.get("kind") == "whyUncovered":
            return list(e["reasons"])
        if e.get("kind") == "rootCause":
            return [f'they are excluded from "{e["displayName"]}" through {e["exclusion"]["label"]}']
        if e.get("kind") == "breakGlassInScope":
            return [f'"{e["displayName"]}" does not exclude the break-glass accounts']
    return [c.summary]


# AuditLog.Read.All: impact estimates, policy reviews and rollout plans come from the sign-in log
@skill(access="read", permissions=["Policy.Read.All", "Directory.Read.All", "AuditLog.Read.All"])
def list_new_coverage_gaps(ctx: Any) -> list[dict[str, str]]:
    """Scan the tenant; return the candidate changes not suggested before (open, dismissed or snoozed)."""
    candidates, rejected = _plan(ctx)
    for r in rejected:
        ctx.tracer.event("skip", check=r["check"], suggestionKind=r["kind"], key=r["key"],
                         reason="failed vetting: " + "; ".join(r["problems"]))
    items = []
    for fingerprint, c in candidates.items():
        known = ctx.store.suggestion_by_fingerprint(ctx.tenant_id, fingerprint)
        if known is not None:
            ctx.tracer.event("skip", check=c.check, suggestionKind=c.kind, key=c.key,
                             reason=f"already suggested ({known['id']}, {known['status']})")
            continue
        # engine-made values only: titles carry tenant names, which reach the model through tools, as data
        items.append({"fingerprint": fingerprint, "kind": c.kind, "check": c.check or ""})
    return items


@skill(access="read", permissions=["Policy.Read.All", "Directory.Read.All"])
def get_coverage_gap(
    ctx: Any, fingerprint: Annotated[str, "The candidate's fingerprint, from the task"],
) -> dict[str, Any]:
    """The facts of one candidate change: what it fixes, for whom, what it changes, its impact, and evidence."""
    c = _candidate(ctx, fingerprint)
    closes = next((e["checks"] for e in c.evidence if e.get("kind") == "closes"), [c.check])
    why = _why(c)
    return {
        "fingerprint": fingerprint, "kind": c.kind, "check": c.check, "closes": closes, "title": c.title,
        "summary": c.summary, "whyUncovered": "; ".join(why[:3]),
        # a default the model may override: the engine's severity, not the model's judgement
        "priority": c.priority,
        "proposedChange": _change_text(c), "targetPolicyId": c.target_policy_id, "changes": list(c.changes),
        "affectedCounts": {k: len(v) for k, v in c.affected.items()},
        "affectedUsersSample": _names(ctx, c.affected.get("users", [])),
        "impact": _impact_text(c.impact),
        "evidence": list(c.evidence),
        "newObjectsAffected": _new_objects_affected(ctx, c),
        "canCreateReportOnlyPolicy": c.kind == "new_policy" and ctx.setting_enabled("AllowReportOnlyPolicyCreation"),
    }


@skill(access="read", permissions=[])
def submit_suggestion(
    ctx: Any,
    fingerprint: Annotated[str, "The candidate's fingerprint, from the task"],
    rationale: Annotated[str, "For the administrator, plain text, 40 to 4000 characters: who is uncovered, why, "
                              "what the change does and its impact"],
    priority: Annotated[Literal["high", "medium", "low"], "How urgently the administrator should act"],
) -> dict[str, Any]:
    """Record the candidate as a suggestion for the administrator. Its policy, changes and impact are attached
    by the engine."""
    c = _candidate(ctx, fingerprint)
    text = rationale.strip()
    low, high = RATIONALE_CHARS
    if not low <= len(text) <= high:
        raise UsageError(f"rationale for {fingerprint} has {len(text)} characters; write {low} to {high}")
    if priority not in ("high", "medium", "low"):
        raise UsageError(f"priority {priority!r} for {fingerprint}: use high, medium or low")
    problems = _problems(ctx, c)
    if problems:
        raise UsageError(f"the {c.kind} for {c.check} ({fingerprint}) failed vetting: {'; '.join(problems)}")
    suggestion = {**c.to_suggestion(), "fingerprint": ctx.fingerprint(c.kind, c.key), "priority": priority,
                  "rationale": text}
    stored = ctx.store.add_suggestion(tenant_id=ctx.tenant_id, agent=ctx.agent, run_id=ctx.run_id,
                                      suggestion=suggestion)
    ctx.tracer.event("suggestion", id=stored["id"], check=c.check, title=stored["title"], suggestionKind=c.kind)
    return {"id": stored["id"], "title": stored["title"], "status": stored["status"], "kind": c.kind}


def _creation_problems(ctx: Any, arguments: dict[str, Any]) -> list[str]:
    if not ctx.connection.writable:
        return ["this tenant source is a read-only recording; writes need a live or fixture tenant"]
    try:
        suggestion = ctx.store.get_suggestion(str(arguments.get("suggestion_id", "")))
        owner = ctx.store.suggestion_tenant_id(suggestion["id"]), ctx.store.suggestion_agent(suggestion["id"])
    except UsageError as exc:  # the guard must not raise: a refusal is the tool result
        return [str(exc)]
    # The store may hold several tenants' suggestions: a model must not carry one tenant's policy into another,
    # nor act on one an administrator dismissed, snoozed or already applied.
    if owner != (ctx.tenant_id, ctx.agent):
        return [f"suggestion {suggestion['id']} was not made by this agent for this tenant"]
    if suggestion.get("status") not in CREATABLE:
        return [f"suggestion {suggestion['id']} is {suggestion.get('status')}: only open or reviewed suggestions "
                "may be created"]
    if suggestion.get("kind") != "new_policy" or not isinstance(suggestion.get("policy"), dict):
        return [(f"suggestion {suggestion['id']} is a {suggestion.get('kind')}: only new_policy suggestions create a "
                 "policy; changes to existing policies are applied by an administrator")]
    return validate_report_only_policy(suggestion["policy"]) or check_lockout(ctx.snapshot, ctx.analysis,
                                                                              suggestion["policy"])


@skill(access="write", permissions=["Policy.ReadWrite.ConditionalAccess", "Policy.Read.All"],
       write_setting="AllowReportOnlyPolicyCreation", precondition=_creation_problems)
async def create_report_only_policy(
    ctx: Any, suggestion_id: Annotated[str, "The id of the new_policy suggestion to implement"],
) -> dict[str, Any]:
    """Create a suggestion's report-only Conditional Access policy in the tenant (only when the agent is allowed
    to). The policy is the one the engine attached to the suggestion."""
    # Imported here: loading the catalog (e.g. `plugins validate`) must not pull in msgraph.
    from entra_agents.graph.client import get_collection, post_json

    # Defence in depth: the guard checked this already; a write skill never trusts that it ran.
    problems = _creation_problems(ctx, {"suggestion_id": suggestion_id})
    if not ctx.setting_enabled("AllowReportOnlyPolicyCreation"):
        problems.insert(0, "the AllowReportOnlyPolicyCreation setting is off")
    if problems:
        raise UsageError("refused to create the policy: " + "; ".join(problems))
    suggestion = ctx.store.get_suggestion(suggestion_id)
    policy = suggestion["policy"]
    if suggestion.get("createdPolicyId"):
        return {"id": suggestion["createdPolicyId"], "created": False, "reason": "already created for this suggestion"}
    # Idempotent across retried runs: a policy with this name already in the tenant is reused, not duplicated.
    existing = [p for p in await get_collection(ctx.connection.client, "/identity/conditionalAccess/policies")
                if p.get("displayName") == policy["displayName"]]
    created = existing[0] if existing else await post_json(ctx.connection.client,
                                                           "/identity/conditionalAccess/policies", policy)
    ctx.store.update_suggestion(suggestion["id"], createdPolicyId=created["id"])
    ctx.tracer.event("tenant_write", skill="CreateReportOnlyPolicy", policyId=created["id"],
                     state=created.get("state"), reused=bool(existing))
    return {"id": created["id"], "created": not existing, "state": created.get("state")}
