"""EXC-02: break-glass accounts excluded from every enforcing policy (report-only listed separately)."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..evaluator import match_users
from ..findings import Finding, Severity, Status
from ._common import CheckMetadata, dependency_error, make_finding
from ._policy_checks import DIRECTORY_INPUTS, affected, model_of, ref

METADATA = CheckMetadata(
    id="EXC-02",
    title="Break-glass accounts excluded from every enforcing policy",
    severity=Severity.CRITICAL,
    rationale=(
        "An emergency access account in scope of a block or grant policy can be locked out together with every "
        "other administrator. Membership is resolved transitively (nested exclusion groups, roles), per policy; "
        "report-only policies are listed separately because they will bite the day they are enabled."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access",
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength",
    ),
    remediation="Exclude the break-glass accounts (preferably through one dedicated exclusion group) from every "
                "policy listed, enabled and report-only alike.",
    depends_on=DIRECTORY_INPUTS,
)


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    if (error := dependency_error(METADATA, snapshot)) is not None:
        return error
    model = model_of(snapshot, config)
    bg = model.break_glass
    if not bg.ids:
        return make_finding(METADATA, Status.NOT_APPLICABLE, "No break-glass accounts are configured or detected "
                            "(see EXC-01); nothing to check.", evidence=[bg.to_json()])
    d = model.directory
    enforcing = [p for p in model.live_policies if p.grant is not None]
    hits = [(p, uid) for p in enforcing for uid in sorted(bg.ids) if match_users(p, uid, d).matched]
    enforced = [{"kind": "breakGlassInScope", **ref(p), "user": uid, "userPrincipalName": d.label(uid),
                 "grant": p.grant.describe() if p.grant else None,
                 "detail": "enforced now" if p.is_enabled else "report-only: will bite when enabled"}
                for p, uid in hits]
    evidence = [*enforced, bg.to_json()]
    now = [e for e in enforced if e["state"] == "enabled"]
    later = [e for e in enforced if e["state"] != "enabled"]
    # the accounts are named in evidence; as "affected" they would read as coverage gaps, which they are not
    found = affected(policies={e["policy"] for e in enforced})
    if now:
        count = len({e["policy"] for e in now})
        return make_finding(METADATA, Status.FAIL, f"Break-glass accounts are in scope of {count} enabled enforcing "
                            f"policies ({len(later)} more report-only hits).", found, evidence)
    if later:
        return make_finding(METADATA, Status.REVIEW, f"Break-glass accounts are excluded from every enabled policy but "
                            f"in scope of {len({e['policy'] for e in later})} report-only policies: they will be "
                            "enforced on them when enabled.", found, evidence)
    return make_finding(METADATA, Status.PASS, f"All {len(bg.ids)} break-glass accounts are excluded from every "
                        f"enforcing policy ({len(enforcing)} checked).", evidence=evidence)
