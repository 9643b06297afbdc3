"""COV-12: registering security info is protected (MFA, managed device, or trusted location only)."""

from __future__ import annotations

import dataclasses

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import TenantModel, scenario_grid
from ..findings import Finding, Severity
from ..policy import ApplicationCondition, ClientApp, Policy
from ._common import COVERAGE_INPUTS, CheckMetadata, Wording
from ._coverage_checks import (
    MANAGED_DEVICE, REGISTER_SECURITY_INFO, add_evidence, fresh_model, mfa_or, prepare, requires, run_coverage,
)

METADATA = CheckMetadata(
    id="COV-12",
    title="Security information registration secured",
    severity=Severity.MEDIUM,
    rationale=(
        "An attacker holding only a password can register their own MFA method and own the account. Every "
        "enabled user registering security info from an untrusted location must be required to pass MFA or use "
        "a managed device, by an enabled policy on the user action 'Register security information' (report-only "
        "is not supported for user actions). Registering from a trusted location is accepted by design."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-security-info-registration",
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps",
    ),
    remediation=(
        "Create a policy for All users on the user action 'Register security information', all locations "
        "except trusted ones, granting 'Require multifactor authentication' (new users use a Temporary Access "
        "Pass), excluding the break-glass accounts and the Directory Synchronization Accounts role."
    ),
    depends_on=(*COVERAGE_INPUTS, "authenticationStrengthPolicies", "namedLocations"),
)

SCENARIOS = scenario_grid((ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP))
# A policy missing the user because of location is by design (trusted-location registration), not a near miss.
EXPLAINS = frozenset({"users", "clientApps", "devicePlatform"})

WORDING = Wording(
    covered="All {total} enabled users must pass MFA or use a managed device to register security info "
            "from an untrusted location.",
    gap="{n} of {total} enabled users can register security info from an untrusted location without MFA.",
)


def as_resource(policy: Policy) -> Policy:
    """A user-action policy as if it targeted every resource, so the evaluator can judge the rest of its
    conditions for a 'register security info' sign-in; other policies do not apply to that action."""
    apps = ApplicationCondition(include=frozenset({"All"}))
    return dataclasses.replace(policy, conditions=dataclasses.replace(policy.conditions, applications=apps))


def user_action_model(model: TenantModel) -> TenantModel:
    actions = [p for p in model.policies if REGISTER_SECURITY_INFO in p.conditions.applications.user_actions]
    return fresh_model(model, tuple(as_resource(p) for p in actions))


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    scoped = user_action_model(model)
    covered = requires(mfa_or(MANAGED_DEVICE))
    finding, _ = run_coverage(METADATA, scoped, SCENARIOS, covered, WORDING, explains=EXPLAINS)
    report_only = [{"policy": p.id, "displayName": p.display_name} for p in scoped.policies if p.is_report_only]
    if report_only:
        note = {"kind": "reportOnlyUserAction", "policies": report_only,
                "detail": "report-only is not supported for user-action policies: these protect nothing"}
        finding = add_evidence(finding, note)
    return finding
