"""HYG-04: implicit-allow policy (no grant and no session control, or only terms of use)."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ..policy import Policy
from ._common import CheckMetadata, make_finding
from ._policy_checks import POLICY_INPUTS, affected, prepare_policies, ref
from .hyg01 import control_kinds

METADATA = CheckMetadata(
    id="HYG-04",
    title="Policy that requires nothing",
    severity=Severity.MEDIUM,
    rationale=(
        "A policy with neither grant nor session controls, or whose only grant is accepting terms of use, "
        "requires nothing that protects the sign-in. Such policies are easily mistaken for enforcement (a "
        "session-only policy has null grant controls, which some tools count as MFA)."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-grant",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-session",
    ),
    remediation="Add the intended grant (block, MFA or an authentication strength, device compliance) or session "
                "control, or delete the policy.",
    depends_on=POLICY_INPUTS,
)


def weakness(policy: Policy) -> str | None:
    kinds = control_kinds(policy)
    if not kinds:
        return "no grant and no session controls"
    if all(k.startswith("grant:termsOfUse") for k in kinds):
        return "only terms of use: accepting an agreement is not an access control"
    return None


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    evidence = [{"kind": "implicitAllow", **ref(p), "detail": why}
                for p in model.live_policies if (why := weakness(p))]
    if not evidence:
        return make_finding(METADATA, Status.PASS, "Every live policy requires a grant or applies a session control.")
    return make_finding(METADATA, Status.FAIL, f"{len(evidence)} live policies require nothing.",
                        affected(policies=[e["policy"] for e in evidence]), evidence)
