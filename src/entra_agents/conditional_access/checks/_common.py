"""What every coverage check shares: metadata, the failed-read rule and turning a coverage report into a finding."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import ClassGap, CoverageReport, TenantModel
from ..evaluator import PolicyResult
from ..findings import Affected, Finding, Severity, Status

SAMPLE = 10  # evidence shows samples; ``affected`` carries the full id lists

# Collections every user-coverage check reads; a failed read makes the finding an error (safety rule 6).
COVERAGE_INPUTS = ("users", "groups", "directoryRoles", "conditionalAccessPolicies")


@dataclass(frozen=True)
class CheckMetadata:
    id: str
    title: str
    severity: Severity
    rationale: str
    references: tuple[str, ...]
    remediation: str
    depends_on: tuple[str, ...] = COVERAGE_INPUTS


@dataclass(frozen=True)
class Check:
    metadata: CheckMetadata
    evaluate: Callable[[TenantSnapshot, AnalysisConfig], Finding]


@dataclass(frozen=True)
class Wording:
    """Summaries for one check; ``{n}``/``{total}`` are filled in."""

    covered: str
    gap: str


def make_finding(meta: CheckMetadata, status: Status, summary: str, affected: Affected = Affected(),
                 evidence: list[dict[str, Any]] | None = None) -> Finding:
    return Finding(meta.id, status, meta.severity, meta.title, summary, affected, tuple(evidence or ()))


def dependency_error(meta: CheckMetadata, snapshot: TenantSnapshot) -> Finding | None:
    failed = {name: reason for name, reason in snapshot.failed.items() if name in meta.depends_on}
    if not failed:
        return None
    reasons = "; ".join(f"{name}: {reason}" for name, reason in sorted(failed.items()))
    evidence = [{"kind": "readFailed", "collection": name, "reason": reason} for name, reason in sorted(failed.items())]
    summary = f"Could not evaluate: reading {reasons}. Fix access and re-run."
    return make_finding(meta, Status.ERROR, summary, evidence=evidence)


def _policy_ref(model: TenantModel, policy_id: str) -> dict[str, Any]:
    policy = next((p for p in model.policies if p.id == policy_id), None)
    if policy is None:
        return {"policy": policy_id, "displayName": "", "state": ""}
    return {"policy": policy_id, "displayName": policy.display_name, "state": policy.raw_state}


def _insufficient(result: PolicyResult) -> dict[str, Any]:
    grant = result.policy.grant
    return {
        "policy": result.policy.id, "displayName": result.policy.display_name,
        "grant": grant.describe() if grant else None,
        "detail": "applies, but its grant controls do not close the gap on their own",
    }


def gap_evidence(gap: ClassGap) -> dict[str, Any]:
    members = gap.principal_class.members
    return {
        "kind": "gap",
        "userCount": len(members),
        "sampleUsers": sorted(members)[:SAMPLE],
        "failingScenarios": len(gap.failing),
        "examples": [e.context.describe() | {"enforcedPolicies": list(e.enforced.applied)} for e in gap.failing[:3]],
        "policiesNotApplying": [r.to_json() for r in gap.near_misses],
        "policiesInsufficient": [_insufficient(r) for r in gap.insufficient],
        "wouldCloseWhenEnabled": [
            {"policy": p.id, "displayName": p.display_name, "state": p.raw_state,
             "note": "report-only: would close this gap when enabled"}
            for p in gap.closers
        ],
    }


def _more_gaps(gaps: list[ClassGap]) -> dict[str, Any]:
    users = sorted(u for g in gaps for u in g.principal_class.members)
    return {"kind": "moreGaps", "classes": len(gaps), "userCount": len(users), "sampleUsers": users[:SAMPLE],
            "detail": "smaller membership classes with gaps, not explained one by one; all are in affected.users"}


def _affected(report: CoverageReport) -> Affected:
    groups = {g for gap in report.gaps for r in gap.near_misses for c in r.failed for g in c.groups}
    roles = {x for gap in report.gaps for r in gap.near_misses for c in r.failed for x in c.roles}
    policies = {r.policy.id for gap in report.gaps for r in gap.near_misses}
    policies |= {p.id for gap in report.gaps for p in gap.closers}
    return Affected(users=report.uncovered_users, groups=tuple(groups), roles=tuple(roles), policies=tuple(policies))


def _context_evidence(model: TenantModel) -> list[dict[str, Any]]:
    out = model.excluded_by_design()
    unresolved = model.directory.unresolved_references(model.live_policies)
    if unresolved:
        out.append({"kind": "unresolvedReferences", "references": [u.to_json() for u in unresolved]})
    warned = [{"policy": p.id, "displayName": p.display_name, "warnings": list(p.warnings)}
              for p in model.policies if p.warnings]
    if warned:
        out.append({"kind": "policyWarnings", "policies": warned})
    return out


def coverage_finding(meta: CheckMetadata, model: TenantModel, report: CoverageReport, wording: Wording) -> Finding:
    """pass only when there was someone to cover and nobody is uncovered (no vacuous truth)."""
    context = _context_evidence(model)
    total = len(report.population)
    if total == 0:
        return make_finding(meta, Status.REVIEW,
                            "No enabled users to evaluate after excluding break-glass and sync accounts; "
                            "coverage cannot be established.", evidence=context)
    enforcing = [_policy_ref(model, pid) for pid in sorted(report.enforcing)]
    if not report.gaps:
        evidence = [{"kind": "covered", "userCount": total, "userClasses": len(report.classes),
                     "scenarios": len(report.scenarios), "enforcingPolicies": enforcing}, *context]
        return make_finding(meta, Status.PASS, wording.covered.format(n=0, total=total), evidence=evidence)
    uncovered = report.uncovered_users
    evidence = [gap_evidence(g) for g in report.gaps if g.explanation is not None]
    if rest := [g for g in report.gaps if g.explanation is None]:
        evidence.append(_more_gaps(rest))
    if not model.live_policies:
        detail = "the tenant has no enabled or report-only Conditional Access policies"
        evidence.insert(0, {"kind": "noPolicies", "detail": detail})
    evidence += [{"kind": "enforcingPolicies", "policies": enforcing}, *context]
    summary = wording.gap.format(n=len(uncovered), total=total)
    return make_finding(meta, Status.FAIL, summary, _affected(report), evidence)


def with_status(finding: Finding, status: Status, summary: str, extra: list[dict[str, Any]]) -> Finding:
    return Finding(finding.check, status, finding.severity, finding.title, summary, finding.affected,
                   (*extra, *finding.evidence))
