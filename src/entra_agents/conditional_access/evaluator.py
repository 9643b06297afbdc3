"""Exact local evaluation of Conditional Access for one sign-in (peers §1.2, §1.8).

A policy applies when every configured condition matches (unconfigured conditions match everything, exclude
beats include). Reasons use the What-If ``analysisReasons`` vocabulary. Applicable policies are combined into
an ``Outcome`` separately for enabled and report-only policies, because report-only never enforces.

A condition we cannot decide from the sign-in (device unknown for a device filter, a rule we cannot parse,
an application filter) yields ``notEnoughInformation``; such a policy is left out of outcomes, which is
conservative for "is X guaranteed" questions and is why lockout checks treat it as possibly applying.
``Evaluation.undecided`` lists them so a report can say the outcome is incomplete.

Condition matching lives in ``conditions``, sign-in inputs in ``context``, outcome rendering (session
controls, strengths, unsatisfiable controls) in ``outcome``; all public names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .conditions import match_context, match_identity, match_users, match_workload
from .context import (
    ADMIN_PORTALS,
    ALL_RESOURCES,
    ANY_RESOURCE,
    AZURE_MANAGEMENT,
    NO_RESOURCE,
    OFFICE365,
    OFFICE365_APPS,
    PLATFORM_VALUES,
    UNTRUSTED,
    USER_ACTIONS,
    ConditionResult,
    DeviceContext,
    LocationContext,
    SignInContext,
    resolve_location,
)
from .policy import LEGACY_CLIENTS, AuthFlow, ClientApp, Control, Policy, PolicyState
from .principals import Directory

__all__ = [
    "ADMIN_PORTALS", "ALL_RESOURCES", "ANY_RESOURCE", "AZURE_MANAGEMENT", "NO_RESOURCE", "OFFICE365",
    "OFFICE365_APPS", "PLATFORM_VALUES", "UNTRUSTED", "USER_ACTIONS", "Applicability", "ConditionResult",
    "DeviceContext", "Evaluation", "LocationContext", "Outcome", "PolicyResult", "Requirement", "SignInContext",
    "client_can_satisfy", "evaluate", "evaluate_policy", "match_context", "match_identity", "match_users",
    "match_workload", "resolve_location", "unsatisfiable_reason",
]

# Which grant controls a client cannot satisfy: legacy protocols cannot prompt or present device state,
# device code flow runs on a second device so the requesting device's state is never presented.
_LEGACY_UNSATISFIABLE = frozenset({
    "mfa", "compliantDevice", "domainJoinedDevice", "authenticationStrength", "customAuthenticationFactor",
})
_DEVICE_CODE_UNSATISFIABLE = frozenset({"compliantDevice", "domainJoinedDevice"})


class Applicability(StrEnum):
    APPLIES = "applies"
    DOES_NOT_APPLY = "doesNotApply"
    NOT_ENOUGH_INFORMATION = "notEnoughInformation"


@dataclass(frozen=True)
class PolicyResult:
    policy: Policy
    status: Applicability
    failed: tuple[ConditionResult, ...] = ()

    @property
    def applies(self) -> bool:
        return self.status is Applicability.APPLIES

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.failed)

    @property
    def analysis_reasons(self) -> tuple[str, ...]:
        """What-If's ``analysisReasons``: undecided policies lead with notEnoughInformation."""
        undecided = self.status is Applicability.NOT_ENOUGH_INFORMATION
        return (("notEnoughInformation",) if undecided else ()) + tuple(dict.fromkeys(self.reasons))

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy.id,
            "id": self.policy.id,
            "displayName": self.policy.display_name,
            "state": self.policy.raw_state,
            "applies": self.applies,
            "policyApplies": self.applies,
            "status": self.status.value,
            "analysisReasons": list(self.analysis_reasons),
            "details": [c.detail for c in self.failed if c.detail],
        }


def client_can_satisfy(control: Control, client_app: ClientApp | None, flow: AuthFlow | None) -> bool:
    if client_app in LEGACY_CLIENTS and control.name in _LEGACY_UNSATISFIABLE:
        return False
    return not (flow is AuthFlow.DEVICE_CODE and control.name in _DEVICE_CODE_UNSATISFIABLE)


def unsatisfiable_reason(control: Control, client_app: ClientApp | None, flow: AuthFlow | None) -> str | None:
    """Why this client or flow can never satisfy ``control``; None when it can."""
    if client_app in LEGACY_CLIENTS and control.name in _LEGACY_UNSATISFIABLE:
        return f"legacy authentication client ({client_app.value}) cannot perform {control.name}"
    if flow is AuthFlow.DEVICE_CODE and control.name in _DEVICE_CODE_UNSATISFIABLE:
        return f"device code flow cannot present the requesting device's state for {control.name}"
    return None


@dataclass(frozen=True)
class Requirement:
    """One applicable policy's grant: satisfy any one option; each option is a set of controls (AND)."""

    policy_id: str
    options: tuple[frozenset[Control], ...]

    def satisfiable(self, client_app: ClientApp | None, flow: AuthFlow | None) -> tuple[frozenset[Control], ...]:
        return tuple(o for o in self.options if all(client_can_satisfy(c, client_app, flow) for c in o))


@dataclass(frozen=True)
class Outcome:
    """What the applicable policies demand together: all requirements must be met; any block wins."""

    blocking: tuple[str, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    applied: tuple[str, ...] = ()

    @classmethod
    def from_policies(cls, policies: Iterable[Policy]) -> Outcome:
        blocking, requirements, applied = [], [], []
        for policy in policies:
            applied.append(policy.id)
            if policy.grant is None:
                continue
            if policy.grant.blocks:
                blocking.append(policy.id)
            elif policy.grant.options():
                requirements.append(Requirement(policy.id, policy.grant.options()))
        return cls(tuple(blocking), tuple(requirements), tuple(applied))

    def merged(self, other: Outcome) -> Outcome:
        return Outcome(
            self.blocking + other.blocking, self.requirements + other.requirements, self.applied + other.applied
        )

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    @property
    def requires_anything(self) -> bool:
        return self.blocked or bool(self.requirements)

    def effectively_blocked(self, client_app: ClientApp | None = None, flow: AuthFlow | None = None) -> bool:
        """Blocked outright, or some requirement has no option this client can satisfy."""
        return self.blocked or any(not r.satisfiable(client_app, flow) for r in self.requirements)

    def guarantees_mfa(self, client_app: ClientApp | None = None, flow: AuthFlow | None = None) -> bool:
        """Access is impossible, or at least one requirement (all must be met) cannot be met without MFA."""
        if self.effectively_blocked(client_app, flow):
            return True
        return any(
            all(any(c.provides_mfa for c in option) for option in r.satisfiable(client_app, flow))
            for r in self.requirements
        )


@dataclass(frozen=True)
class Evaluation:
    context: SignInContext
    results: tuple[PolicyResult, ...]
    enforced: Outcome = field(default_factory=Outcome)
    report_only: Outcome = field(default_factory=Outcome)

    @property
    def if_report_only_enabled(self) -> Outcome:
        return self.enforced.merged(self.report_only)

    def effectively_blocked(self) -> bool:
        return self.enforced.effectively_blocked(self.context.client_app, self.context.auth_flow)

    def guarantees_mfa(self) -> bool:
        return self.enforced.guarantees_mfa(self.context.client_app, self.context.auth_flow)

    def result(self, policy_id: str) -> PolicyResult | None:
        return next((r for r in self.results if r.policy.id == policy_id), None)

    def applying(self, *, report_only: bool = False) -> tuple[Policy, ...]:
        want = PolicyState.REPORT_ONLY if report_only else PolicyState.ENABLED
        return tuple(r.policy for r in self.results if r.applies and r.policy.state is want)

    def undecided(self, *, report_only: bool = False) -> tuple[Policy, ...]:
        """Policies of that state that may apply: a condition could not be decided from the inputs."""
        want = PolicyState.REPORT_ONLY if report_only else PolicyState.ENABLED
        return tuple(
            r.policy for r in self.results
            if r.status is Applicability.NOT_ENOUGH_INFORMATION and r.policy.state is want
        )


def _is_empty(policy: Policy) -> bool:
    session = policy.session_controls or {}
    return policy.grant is None and not any(v for k, v in session.items() if not k.startswith("@"))


def evaluate_policy(policy: Policy, directory: Directory, context: SignInContext) -> PolicyResult:
    checks = [match_identity(policy, context, directory), *match_context(policy, context)]
    failed = tuple(c for c in checks if c.matched is not True)
    if policy.state not in (PolicyState.ENABLED, PolicyState.REPORT_ONLY):
        not_enabled = ConditionResult("policyNotEnabled", False, f"state {policy.raw_state}")
        invalid = (ConditionResult("invalidPolicy", False, f"unknown state {policy.raw_state!r}"),) \
            if policy.state is PolicyState.UNKNOWN else ()
        return PolicyResult(policy, Applicability.DOES_NOT_APPLY, (not_enabled, *invalid, *failed))
    if any(c.matched is False for c in failed):
        return PolicyResult(policy, Applicability.DOES_NOT_APPLY, tuple(c for c in failed if c.matched is False))
    if failed:
        return PolicyResult(policy, Applicability.NOT_ENOUGH_INFORMATION, failed)
    if _is_empty(policy):
        # Every condition matches but there is nothing to grant, block or apply as a session control.
        empty = ConditionResult("emptyPolicy", False, "policy has neither grant nor session controls")
        return PolicyResult(policy, Applicability.DOES_NOT_APPLY, (empty,))
    return PolicyResult(policy, Applicability.APPLIES)


def evaluate(policies: Sequence[Policy], directory: Directory, context: SignInContext) -> Evaluation:
    results = tuple(evaluate_policy(p, directory, context) for p in policies)
    return Evaluation(
        context,
        results,
        enforced=Outcome.from_policies(r.policy for r in results if r.applies and r.policy.is_enabled),
        report_only=Outcome.from_policies(r.policy for r in results if r.applies and r.policy.is_report_only),
    )
