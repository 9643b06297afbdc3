"""Skills of the Conditional Access optimization agent.

The engine computes every fact (coverage, the remediation policy, the lockout check); the model decides,
prioritises and explains. Tenant names and descriptions in results are data for the model, never instructions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from entra_agents.conditional_access.impact import estimate_impact
from entra_agents.conditional_access.remediation import (
    check_lockout,
    closes_gap,
    remediation_policy,
    validate_report_only_policy,
)
from entra_agents.errors import UsageError
from entra_agents.skill import skill

PRIORITY = {"critical": "high", "high": "high", "medium": "medium"}
# The gaps this agent turns into suggestions, as its manifest promises (MFA, legacy authentication, device code
# flow). Every other check is still scanned and stored with the run, and its template is available through
# DraftRemediationPolicy; a daily agent suggesting the whole baseline at once would bury these three.
AGENT_CHECKS = frozenset({"COV-01", "COV-08", "COV-10"})
SAMPLE = 25  # affected objects shown to the model; the full lists stay in the stored finding


def _failing(ctx: Any) -> dict[str, Any]:
    return {f.check: f for f in ctx.findings() if f.status.value == "fail"}


def _finding(ctx: Any, check: str) -> Any:
    finding = {f.check: f for f in ctx.findings()}.get(check)
    if finding is None:
        raise UsageError(f"check {check!r} is not in this run's scan; use a check id from ListNewCoverageGaps")
    return finding


def _names(ctx: Any, user_ids: list[str]) -> list[dict[str, str]]:
    by_id = {u["id"]: u for u in ctx.snapshot.users}
    return [{"id": uid, "userPrincipalName": str(by_id.get(uid, {}).get("userPrincipalName", "")),
             "displayName": str(by_id.get(uid, {}).get("displayName", ""))} for uid in user_ids[:SAMPLE]]


def _why_uncovered(evidence: list[dict[str, Any]]) -> list[str]:
    """The evidence's policy-level explanations, one sentence per policy, in evidence order."""
    not_applying: dict[str, list[str]] = {}  # several gap classes may give one policy several reasons
    reasons: dict[str, str] = {}
    for gap in (e for e in evidence if e.get("kind") == "gap"):
        for p in gap.get("policiesNotApplying", []):
            not_applying.setdefault(p["displayName"], []).extend(p.get("details", []))
            reasons[p["displayName"]] = ""
        for p in gap.get("policiesInsufficient", []):
            reasons.setdefault(p["displayName"], f'"{p["displayName"]}" applies but its grant '
                                                 f'({p.get("grant", "")}) does not close the gap')
        for p in gap.get("wouldCloseWhenEnabled", []):
            reasons.setdefault(p["displayName"], f'"{p["displayName"]}" would close it but is only report-only')
    for name, details in not_applying.items():
        reasons[name] = f'"{name}" does not apply to them ({"; ".join(dict.fromkeys(details))})'
    return list(reasons.values()) or ["no enabled policy addresses this scenario"]


@skill(access="read", permissions=["Policy.Read.All", "Directory.Read.All"])
def list_new_coverage_gaps(ctx: Any) -> list[dict[str, str]]:
    """Scan the tenant; return failing checks that have no suggestion yet (open, dismissed or snoozed)."""
    items = []
    for check in sorted(c for c in _failing(ctx) if c in AGENT_CHECKS):
        fingerprint = ctx.fingerprint("new_policy", check)
        known = ctx.store.suggestion_by_fingerprint(ctx.tenant_id, fingerprint)
        if known is not None:
            ctx.tracer.event("skip", check=check, reason=f"already suggested ({known['id']}, {known['status']})")
            continue
        items.append({"check": check, "fingerprint": fingerprint})
    return items


@skill(access="read", permissions=["Policy.Read.All", "Directory.Read.All"])
def get_coverage_gap(ctx: Any, check: Annotated[str, "Check id, e.g. COV-01"]) -> dict[str, Any]:
    """The finding behind a gap: what is uncovered, why, and which policies are involved."""
    finding = _finding(ctx, check).to_json()
    affected = finding["affected"]
    return {
        "check": finding["check"], "status": finding["status"], "severity": finding["severity"],
        "title": finding["title"], "summary": finding["summary"],
        # a default the model may override: the engine's severity, not the model's judgement
        "priority": PRIORITY.get(str(finding["severity"]).lower(), "low"),
        "affectedCounts": {k: len(v) for k, v in affected.items()},
        "affectedUsersSample": _names(ctx, affected.get("users", [])),
        "whyUncovered": "; ".join(_why_uncovered(finding["evidence"])),
        "evidence": finding["evidence"][:10],
    }


@skill(access="read", permissions=["Policy.Read.All"])
def draft_remediation_policy(ctx: Any, check: Annotated[str, "Check id of the gap to close"]) -> dict[str, Any]:
    """A report-only Conditional Access policy that closes the gap, with break-glass and sync accounts excluded,
    its safety problems (none expected) and its impact on recent sign-ins."""
    policy = remediation_policy(ctx.snapshot, ctx.analysis, _finding(ctx, check))
    return {"policy": policy, "lockoutProblems": check_lockout(ctx.snapshot, ctx.analysis, policy),
            "gapProblems": closes_gap(ctx.snapshot, ctx.analysis, check, policy),
            # what the policy would have done to the look-back window's sign-ins, had it been enabled
            "impact": estimate_impact(ctx.snapshot, ctx.analysis, policy).to_json()}


@skill(access="read", permissions=[])
def submit_suggestion(
    ctx: Any,
    check: Annotated[str, "Check id of the gap"],
    rationale: Annotated[str, "Why this policy closes the gap, for the administrator (plain text)"],
    priority: Annotated[Literal["high", "medium", "low"], "How urgently the administrator should act"],
) -> dict[str, Any]:
    """Record a new-policy suggestion for the administrator. The policy itself is drafted by the engine."""
    finding = _finding(ctx, check)
    if finding.status.value != "fail":
        raise UsageError(f"check {check} did not fail in this run; there is nothing to suggest")
    policy = remediation_policy(ctx.snapshot, ctx.analysis, finding)
    problems = [*check_lockout(ctx.snapshot, ctx.analysis, policy),
                *closes_gap(ctx.snapshot, ctx.analysis, check, policy)]
    if problems:
        raise UsageError(f"the drafted policy for {check} failed vetting: {'; '.join(problems)}")
    doc = finding.to_json()
    suggestion = {
        "fingerprint": ctx.fingerprint("new_policy", check), "kind": "new_policy", "check": check,
        "title": policy["displayName"], "priority": priority, "rationale": rationale.strip(),
        "affected": doc["affected"], "policy": policy, "targetPolicyId": None,
        "changes": [{"op": "create", "state": policy["state"]}],
    }
    stored = ctx.store.add_suggestion(tenant_id=ctx.tenant_id, agent=ctx.agent, run_id=ctx.run_id,
                                      suggestion=suggestion)
    ctx.tracer.event("suggestion", id=stored["id"], check=check, title=stored["title"],
                     suggestionKind="new_policy")
    return {"id": stored["id"], "title": stored["title"], "status": stored["status"]}


def _creation_problems(ctx: Any, arguments: dict[str, Any]) -> list[str]:
    if not ctx.connection.writable:
        return ["this tenant source is a read-only recording; writes need a live or fixture tenant"]
    policy = arguments.get("policy")
    if not isinstance(policy, dict):
        return ["policy must be a Conditional Access policy JSON object"]
    return validate_report_only_policy(policy) or check_lockout(ctx.snapshot, ctx.analysis, policy)


@skill(access="write", permissions=["Policy.ReadWrite.ConditionalAccess", "Policy.Read.All"],
       write_setting="AllowReportOnlyPolicyCreation", precondition=_creation_problems)
async def create_report_only_policy(
    ctx: Any,
    policy: Annotated[dict, "The Conditional Access policy JSON to create; state must be report-only"],
    suggestion_id: Annotated[str, "The suggestion this policy implements"],
) -> dict[str, Any]:
    """Create a report-only Conditional Access policy in the tenant (only when the agent is allowed to)."""
    # Imported here: loading the catalog (e.g. `plugins validate`) must not pull in msgraph.
    from entra_agents.graph.client import get_collection, post_json

    # Defence in depth: the guard checked this already; a write skill never trusts that it ran.
    problems = _creation_problems(ctx, {"policy": policy})
    if not ctx.setting_enabled("AllowReportOnlyPolicyCreation"):
        problems.insert(0, "the AllowReportOnlyPolicyCreation setting is off")
    if problems:
        raise UsageError("refused to create the policy: " + "; ".join(problems))
    suggestion = ctx.store.get_suggestion(suggestion_id)
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
