"""HYG-01: state inventory; controls that exist only in report-only policies are surfaced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import PrincipalClass, TenantModel, principal_classes
from ..findings import Finding, Severity, Status
from ..policy import Policy
from ._common import CheckMetadata, make_finding
from ._policy_checks import (
    DIRECTORY_INPUTS, SAMPLE, affected, prepare_policies, ref, scoped_classes, shared_full_grid, uncompensated,
)

METADATA = CheckMetadata(
    id="HYG-01",
    title="Conditional Access policy state inventory",
    severity=Severity.MEDIUM,
    rationale=(
        "Only enabled policies enforce. Report-only policies are evaluated and logged but never enforced, and "
        "disabled ones do nothing, so a control that exists only in report-only policies is protection the tenant "
        "believes it has but does not."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-report-only",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-policies",
    ),
    remediation=(
        "Review report-only policies with the sign-in logs' report-only results and enable them, or delete them "
        "when they are no longer wanted. Remove disabled policies that are kept only by habit."
    ),
    depends_on=DIRECTORY_INPUTS,
)


def control_kinds(policy: Policy) -> set[str]:
    """What a policy enforces, coarsely: enough to tell whether an enabled policy provides the same kind."""
    kinds = {f"grant:{c.label()}" for c in (policy.grant.controls if policy.grant else ())}
    for name, value in (policy.session_controls or {}).items():
        if value and (not isinstance(value, dict) or value.get("isEnabled", True)):
            kinds.add(f"session:{name}")
    return kinds


def _not_enforced_elsewhere(model: TenantModel, grid: Sequence[Any], policy: Policy,
                            classes: Sequence[PrincipalClass], enforced: set[str]) -> dict[str, Any] | None:
    """A report-only policy whose grant the enabled policies do not already demand for some user and sign-in,
    or whose session controls no enabled policy applies (``enforced``: the control kinds of enabled
    policies): enabling it would change what is enforced."""
    bypass = uncompensated(model, policy, policy, scoped_classes(model, policy, classes), grid)
    sessions = sorted(k for k in control_kinds(policy) - enforced if k.startswith("session:"))
    if bypass is None and not sessions:
        return None
    out = ref(policy, note="report-only: would enforce this once enabled; no enabled policy does today")
    if bypass is not None:
        out |= {"userCount": len(bypass.users), "sampleUsers": list(bypass.users[:SAMPLE]),
                "examples": list(bypass.examples)}
    if sessions:
        out["sessionControlsOnlyInReportOnly"] = sessions
    return out


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config, Status.REVIEW)
    if isinstance(model, Finding):
        return model
    states = Counter(p.state.value for p in model.policies)
    inventory = {"kind": "stateInventory", "counts": dict(sorted(states.items())),
                 "policies": [ref(p) for p in model.policies]}
    report_only = [p for p in model.policies if p.is_report_only]
    classes = principal_classes(model, model.counted_users()) if report_only else ()
    grid = shared_full_grid(model) if report_only else ()
    enforced = set().union(*(control_kinds(p) for p in model.policies if p.is_enabled))
    pending = [e for p in report_only if (e := _not_enforced_elsewhere(model, grid, p, classes, enforced))]
    unknown = [ref(p, note="unknown state: treated as not enforced") for p in model.policies
               if not (p.is_enabled or p.is_report_only or p.state.value == "disabled")]
    evidence = [inventory]
    if pending:
        evidence.append({"kind": "reportOnlyOnlyControls", "policies": pending})
    if unknown:
        evidence.append({"kind": "unknownState", "policies": unknown})
    if pending or unknown:
        summary = (f"{len(pending)} report-only policies would enforce controls that no enabled policy enforces "
                   f"today; {len(unknown)} with an unknown state. Counts: {dict(states)}.")
        ids = [e["policy"] for e in pending + unknown]
        return make_finding(METADATA, Status.REVIEW, summary, affected(policies=ids), evidence)
    summary = f"Report-only policies add nothing enabled policies do not already enforce. Counts: {dict(states)}."
    return make_finding(METADATA, Status.PASS, summary, evidence=evidence)
