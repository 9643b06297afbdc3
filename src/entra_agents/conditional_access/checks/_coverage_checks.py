"""Shared pieces of the baseline coverage checks (COV-02 ... COV-30): role sets, covered-predicates, persona
restriction and risk scenarios. Everything runs on the coverage engine's public API (``TenantModel.build``,
``scenario_grid``, ``assess``); nothing here pattern-matches a single policy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import DEFAULT_EXPLAINS, CoverageReport, Covered, Scenario, TenantModel, assess
from ..evaluator import AZURE_MANAGEMENT, Outcome, SignInContext  # noqa: F401 - re-exported
from ..scenarios import RiskScenario
from ..findings import Finding, Status
from ..policy import AuthStrength, Control, Policy
from ._common import SAMPLE, CheckMetadata, Wording, coverage_finding, dependency_error, with_status

# Microsoft's admin-template role set (peers §1.9): 15 built-in roles by template id. Peers disagree on the list
# (trap 15/31), so it is data with names, and checks report per role.
ADMIN_ROLES: Mapping[str, str] = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
    "b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
}
# CISA's "highly privileged" roles (ScubaGear MS.AAD.7.1), used for phishing-resistant MFA.
PRIVILEGED_ROLES: Mapping[str, str] = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
}
PHISHING_RESISTANT = frozenset({"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"})
MANAGED_DEVICE = frozenset({"compliantDevice", "domainJoinedDevice"})
APP_PROTECTION = frozenset({"compliantApplication", "approvedApplication"})
RISK_REMEDIATION = frozenset({"passwordChange", "riskRemediation"})
REGISTER_SECURITY_INFO = "urn:user:registersecurityinfo"
AAD_P2_PLAN = "eec0eb4f-6444-4f95-aba0-50c24d67f998"  # AAD_PREMIUM_P2 service plan id


def with_user_risk(scenarios: Iterable[Scenario], risk: str) -> tuple[Scenario, ...]:
    """The grid has sign-in risk but no user risk dimension; COV-15 needs it."""
    return tuple(RiskScenario(client_app=s.client_app, platform=s.platform, location=s.location,
                              auth_flow=s.auth_flow, application=s.application,
                              sign_in_risk=getattr(s, "sign_in_risk", "none"), user_risk=risk) for s in scenarios)


# covered-predicates -----------------------------------------------------------------------------------------

ControlTest = Callable[[Control], bool]


def requires(test: ControlTest) -> Covered:
    """Covered when access is impossible, or some requirement (all must be met) has no satisfiable option
    without a control passing ``test``: an OR with a control that fails the test gives a way around it."""

    def covered(outcome: Outcome, ctx: SignInContext) -> bool:
        if outcome.effectively_blocked(ctx.client_app, ctx.auth_flow):
            return True
        return any(
            all(any(test(c) for c in option) for option in r.satisfiable(ctx.client_app, ctx.auth_flow))
            for r in outcome.requirements
        )

    return covered


def named(names: Collection[str]) -> ControlTest:
    return lambda c: c.name in names


def mfa_or(names: Collection[str]) -> ControlTest:
    return lambda c: c.provides_mfa or c.name in names


def is_phishing_resistant(strength: AuthStrength) -> bool:
    """By combinations, never by display name (trap 10): every allowed combination must be phishing-resistant."""
    return strength.resolved and bool(strength.combinations) and all(
        {m.strip() for m in combo.split(",") if m.strip()} <= PHISHING_RESISTANT for combo in strength.combinations
    )


def phishing_resistant(model: TenantModel, extra: Iterable[AuthStrength] = ()) -> ControlTest:
    strong = {s.id for p in model.policies for s in p.strengths if is_phishing_resistant(s)}
    strong |= {s.id for s in extra if is_phishing_resistant(s)}
    return lambda c: c.name == "authenticationStrength" and c.ref in strong


def any_control(outcome: Outcome, ctx: SignInContext) -> bool:
    """Some enforced control (block or grant) applies; a session-only policy demands nothing (trap 11)."""
    return outcome.requires_anything


# persona restriction ----------------------------------------------------------------------------------------


def restrict(report: CoverageReport, members: Collection[str]) -> CoverageReport:
    """The report for a persona. Classes never mix users the policies can tell apart, so restricting a class's
    members keeps its verdicts exact."""
    keep = set(members)

    def narrow(cls: Any) -> Any:
        return dataclasses.replace(cls, members=tuple(u for u in cls.members if u in keep))

    classes = tuple(c for c in map(narrow, report.classes) if c.members)
    gaps = tuple(g for g in (dataclasses.replace(g, principal_class=narrow(g.principal_class)) for g in report.gaps)
                 if g.principal_class.members)
    gaps = tuple(sorted(gaps, key=lambda g: -len(g.principal_class.members)))
    return dataclasses.replace(report, population=tuple(u for u in report.population if u in keep),
                               classes=classes, gaps=gaps)


def role_holders(model: TenantModel, roles: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """Active holders per role (eligible PIM assignments are not in scope of role policies, trap 15)."""
    counted = set(model.counted_users())
    return {rid: frozenset(u for u in model.directory.role_holders(rid) if u in counted) for rid in roles}


def with_roles(finding: Finding, report: CoverageReport, holders: Mapping[str, frozenset[str]],
               roles: Mapping[str, str]) -> Finding:
    """The finding with per-role evidence, and the roles that have an uncovered holder in ``affected.roles``."""
    uncovered = set(report.uncovered_users)
    gap_roles = tuple(r for r in roles if holders.get(r, frozenset()) & uncovered)
    affected = dataclasses.replace(finding.affected, roles=tuple(dict.fromkeys((*finding.affected.roles, *gap_roles))))
    return add_evidence(dataclasses.replace(finding, affected=affected), per_role_evidence(report, holders, roles))


def per_role_evidence(report: CoverageReport, holders: Mapping[str, frozenset[str]],
                      roles: Mapping[str, str]) -> dict[str, Any]:
    """Which admin roles end up covered, role by role (trap 31), never one boolean."""
    uncovered = set(report.uncovered_users)
    rows = []
    for rid, name in roles.items():
        users = holders.get(rid, frozenset())
        gaps = sorted(users & uncovered)
        rows.append({"roleTemplateId": rid, "displayName": name, "activeHolders": len(users),
                     "covered": len(users) - len(gaps), "uncovered": len(gaps), "sampleUncovered": gaps[:SAMPLE],
                     "status": "noActiveHolders" if not users else ("gap" if gaps else "covered")})
    return {"kind": "perRole", "roles": rows,
            "note": "active assignments only: PIM-eligible admins are in scope of role-targeted policies only "
                    "once they activate, so All-users policies matter for them"}


# running ----------------------------------------------------------------------------------------------------


def run_coverage(
    meta: CheckMetadata, model: TenantModel, scenarios: Sequence[Scenario], covered: Covered, wording: Wording,
    *, population: Collection[str] | None = None, explains: frozenset[str] = DEFAULT_EXPLAINS,
) -> tuple[Finding, CoverageReport]:
    report = assess(model, scenarios, covered, explains)
    if population is not None:
        report = restrict(report, population)
    return coverage_finding(meta, model, report, wording), report


def fresh_model(model: TenantModel, policies: tuple[Policy, ...]) -> TenantModel:
    """The model with another policy set; its memo (indexes, assessments) must not be shared with the original."""
    memo = {"_memo": {}} if any(f.name == "_memo" for f in dataclasses.fields(model)) else {}
    return dataclasses.replace(model, policies=policies, **memo)


def prepare(meta: CheckMetadata, snapshot: TenantSnapshot, config: AnalysisConfig | None) -> TenantModel | Finding:
    """The tenant model, or the error finding when an input collection could not be read."""
    if (error := dependency_error(meta, snapshot)) is not None:
        return error
    return TenantModel.build(snapshot, config or AnalysisConfig())


def add_evidence(finding: Finding, *extra: dict[str, Any]) -> Finding:
    return with_status(finding, finding.status, finding.summary, list(extra))


def has_p2(snapshot: TenantSnapshot) -> bool | None:
    """Whether the tenant has Entra ID P2 (risk conditions need it, trap 26); None when plans are not known."""
    plans = snapshot.organization.get("assignedPlans")
    if not isinstance(plans, list):
        return None
    return any(str(p.get("servicePlanId", "")).lower() == AAD_P2_PLAN and p.get("capabilityStatus") == "Enabled"
               for p in plans if isinstance(p, Mapping))


def licence_gate(finding: Finding, snapshot: TenantSnapshot) -> Finding:
    """Risk policies cannot trigger without P2: a pass without the licence is a review, never a pass."""
    p2 = has_p2(snapshot)
    if p2 is None:
        note = {"kind": "licence", "detail": "risk conditions need Entra ID P2; the licence was not verified"}
        return add_evidence(finding, note)
    if p2:
        return finding
    note = {"kind": "licence", "detail": "no enabled Entra ID P2 plan: risk-based policies never trigger"}
    if finding.status is Status.PASS:
        return with_status(finding, Status.REVIEW, "Risk policies are configured but the tenant has no Entra ID P2 "
                           "licence, so they cannot trigger.", [note])
    return add_evidence(finding, note)
