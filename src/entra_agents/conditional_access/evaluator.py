"""Exact local evaluation of Conditional Access for one sign-in (peers §1.2, §1.8).

A policy applies when every configured condition matches (unconfigured conditions match everything, exclude
beats include). Reasons use the What-If ``analysisReasons`` vocabulary. Applicable policies are combined into
an ``Outcome`` separately for enabled and report-only policies, because report-only never enforces.

A condition we cannot decide from the sign-in (a device filter) yields ``notEnoughInformation``; such a
policy is left out of outcomes, which is conservative for "is X guaranteed" questions and is why lockout
checks treat it as possibly applying.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .policy import LEGACY_CLIENTS, AuthFlow, ClientApp, Control, GuestCondition, Policy, PolicyState
from .principals import Directory

ALL_RESOURCES = "All"  # the sign-in must be covered for every resource: only All without exclusions matches
ANY_RESOURCE = "Any"  # some resource: any policy that targets resources at all matches (used for lockout)
OFFICE365_APPS = frozenset({
    "00000002-0000-0ff1-ce00-000000000000", "00000003-0000-0ff1-ce00-000000000000",
    "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "67ad5377-2d78-4ac2-a867-6300cda00e85",
})
PLATFORM_VALUES = ("android", "iOS", "windows", "windowsPhone", "macOS", "linux")

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
class LocationContext:
    named_location_id: str | None = None
    trusted: bool = False


UNTRUSTED = LocationContext()


@dataclass(frozen=True)
class SignInContext:
    user_id: str
    application: str = ALL_RESOURCES
    client_app: ClientApp = ClientApp.BROWSER
    platform: str | None = None  # None: unknown or unsupported platform
    location: LocationContext | None = None  # None: unknown, evaluated as an untrusted location
    sign_in_risk: str = "none"
    user_risk: str = "none"
    auth_flow: AuthFlow | None = None

    def describe(self) -> dict[str, Any]:
        location = self.location or UNTRUSTED
        return {
            "application": self.application,
            "clientAppType": self.client_app.value,
            "devicePlatform": self.platform or "unknown",
            "location": location.named_location_id or ("trusted" if location.trusted else "untrusted"),
            "signInRisk": self.sign_in_risk,
            "userRisk": self.user_risk,
            "authenticationFlow": self.auth_flow.value if self.auth_flow else None,
        }


@dataclass(frozen=True)
class ConditionResult:
    """One condition's verdict; ``matched`` None means not enough information."""

    reason: str
    matched: bool | None
    detail: str = ""
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    excluded: bool = False  # users only: failed because of an exclusion, not because never targeted


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

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy.id,
            "displayName": self.policy.display_name,
            "state": self.policy.raw_state,
            "applies": self.applies,
            "analysisReasons": list(self.reasons),
            "details": [c.detail for c in self.failed if c.detail],
        }


def client_can_satisfy(control: Control, client_app: ClientApp | None, flow: AuthFlow | None) -> bool:
    if client_app in LEGACY_CLIENTS and control.name in _LEGACY_UNSATISFIABLE:
        return False
    return not (flow is AuthFlow.DEVICE_CODE and control.name in _DEVICE_CODE_UNSATISFIABLE)


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


# users -----------------------------------------------------------------------------------------------------


def _guest_matches(condition: GuestCondition | None, is_guest: bool, excluding: bool) -> bool:
    if condition is None or not is_guest:
        return False
    # userType Guest is all we can see; it is a B2B collaboration guest or an internal guest.
    if not condition.types & {"b2bCollaborationGuest", "internalGuest"}:
        return False
    # A guest's home tenant is unknown here: assume the answer that can only hide coverage, never invent it.
    return condition.tenant_kind == "all" or excluding


def _hit(ids: Iterable[str], candidates: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(candidates.intersection(ids)))


def match_users(policy: Policy, user_id: str, directory: Directory) -> ConditionResult:
    users = policy.conditions.users
    uid = user_id.lower()
    guest = directory.is_guest(uid)
    groups, roles = directory.groups_of(uid), directory.roles_of(uid)
    if uid in users.exclude_users or (guest and "GuestsOrExternalUsers" in users.exclude_users):
        return ConditionResult("users", False, "user excluded by excludeUsers", excluded=True)
    if hit := _hit(groups, users.exclude_groups):
        names = ", ".join(f"{directory.group_name(g)!r} ({g})" for g in hit)
        detail = f"user excluded via group {names} (transitive membership)"
        return ConditionResult("users", False, detail, groups=hit, excluded=True)
    if hit := _hit(roles, users.exclude_roles):
        return ConditionResult("users", False, f"user excluded via role {', '.join(hit)}", roles=hit, excluded=True)
    if _guest_matches(users.exclude_guests, guest, excluding=True):
        return ConditionResult("users", False, "guest excluded by excludeGuestsOrExternalUsers", excluded=True)
    included = (
        "All" in users.include_users
        or uid in users.include_users
        or (guest and "GuestsOrExternalUsers" in users.include_users)
        or bool(_hit(groups, users.include_groups))
        or bool(_hit(roles, users.include_roles))
        or _guest_matches(users.include_guests, guest, excluding=False)
    )
    if not included:
        return ConditionResult("users", False, "user not included by includeUsers/Groups/Roles or guest settings")
    return ConditionResult("users", True)


# sign-in conditions ----------------------------------------------------------------------------------------


def _listing(values: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(values)) + "]"


def _match_application(policy: Policy, app: str) -> ConditionResult:
    apps = policy.conditions.applications
    include, exclude = apps.include - {"None"}, apps.exclude
    if app == ANY_RESOURCE:
        return ConditionResult("application", bool(include), "" if include else "policy targets no resources")
    if app == ALL_RESOURCES:
        if "All" not in include:
            detail = f"includeApplications {_listing(include)} is not All resources"
            return ConditionResult("application", False, detail)
        if exclude or apps.has_filter:
            what = f"excludeApplications {_listing(exclude)}" if exclude else "applicationFilter"
            return ConditionResult("application", False, f"{what} leaves some resources uncovered")
        return ConditionResult("application", True)
    app = app.lower()

    def targets(ids: frozenset[str]) -> bool:
        return "All" in ids or app in ids or ("Office365" in ids and app in OFFICE365_APPS)

    if not targets(include) or targets(exclude):
        return ConditionResult("application", False, f"application {app} not targeted")
    if apps.has_filter:
        return ConditionResult("application", None, "applicationFilter not evaluated")
    return ConditionResult("application", True)


def _match_client_app(policy: Policy, client: ClientApp) -> ConditionResult:
    types = policy.conditions.client_app_types
    if not types or client.value in types:
        return ConditionResult("clientApps", True)
    legacy = " (legacy clients excluded)" if client in LEGACY_CLIENTS else ""
    detail = f"clientAppTypes {_listing(types)} does not include {client.value}{legacy}"
    return ConditionResult("clientApps", False, detail)


def _match_platform(policy: Policy, platform: str | None) -> ConditionResult:
    include, exclude = policy.conditions.include_platforms, policy.conditions.exclude_platforms
    if include is None:
        return ConditionResult("devicePlatform", True)
    # An unknown platform only matches "all" and is never excluded by a named platform (Microsoft's
    # "block unknown platforms" template depends on exactly this).
    included = "all" in include or (platform is not None and platform in include)
    excluded = "all" in exclude or (platform is not None and platform in exclude)
    if included and not excluded:
        return ConditionResult("devicePlatform", True)
    detail = (f"platform {platform or 'unknown'} not in scope of includePlatforms {_listing(include)}"
              f" / excludePlatforms {_listing(exclude)}")
    return ConditionResult("devicePlatform", False, detail)


def _match_location(policy: Policy, location: LocationContext | None) -> ConditionResult:
    include, exclude = policy.conditions.include_locations, policy.conditions.exclude_locations
    if include is None:
        return ConditionResult("location", True)
    loc = location or UNTRUSTED
    lid = (loc.named_location_id or "").lower()

    def covers(ids: frozenset[str]) -> bool:
        return "All" in ids or (loc.trusted and "AllTrusted" in ids) or (bool(lid) and lid in ids)

    if covers(include) and not covers(exclude):
        return ConditionResult("location", True)
    where = lid or ("a trusted location" if loc.trusted else "an untrusted location")
    detail = (f"sign-in from {where} not in scope of includeLocations {_listing(include)}"
              f" / excludeLocations {_listing(exclude)}")
    return ConditionResult("location", False, detail)


def _match_levels(reason: str, field_name: str, levels: frozenset[str], level: str) -> ConditionResult:
    if not levels or level in levels:
        return ConditionResult(reason, True)
    return ConditionResult(reason, False, f"{field_name} {_listing(levels)} does not include {level}")


def _match_flow(policy: Policy, flow: AuthFlow | None) -> ConditionResult:
    methods = policy.conditions.transfer_methods
    if not methods or (flow is not None and flow.value in methods):
        return ConditionResult("authenticationFlow", True)
    used = flow.value if flow else "a standard sign-in"
    return ConditionResult("authenticationFlow", False, f"transferMethods {_listing(methods)} does not include {used}")


def match_context(policy: Policy, context: SignInContext) -> list[ConditionResult]:
    """Every non-user condition, evaluated; independent of who signs in."""
    c = policy.conditions
    results = [
        _match_application(policy, context.application),
        _match_client_app(policy, context.client_app),
        _match_platform(policy, context.platform),
        _match_location(policy, context.location),
        _match_levels("signInRisk", "signInRiskLevels", c.sign_in_risk, context.sign_in_risk),
        _match_levels("userRisk", "userRiskLevels", c.user_risk, context.user_risk),
        _match_levels("insiderRisk", "insiderRiskLevels", c.insider_risk, "none"),
        _match_flow(policy, context.auth_flow),
    ]
    if c.device_filter:
        results.append(ConditionResult("devices", None, "device filter not evaluated"))
    return results


def evaluate_policy(policy: Policy, directory: Directory, context: SignInContext) -> PolicyResult:
    checks = [match_users(policy, context.user_id, directory), *match_context(policy, context)]
    failed = tuple(c for c in checks if c.matched is not True)
    if policy.state not in (PolicyState.ENABLED, PolicyState.REPORT_ONLY):
        not_enabled = ConditionResult("policyNotEnabled", False, f"state {policy.raw_state}")
        return PolicyResult(policy, Applicability.DOES_NOT_APPLY, (not_enabled, *failed))
    if any(c.matched is False for c in failed):
        return PolicyResult(policy, Applicability.DOES_NOT_APPLY, tuple(c for c in failed if c.matched is False))
    if failed:
        return PolicyResult(policy, Applicability.NOT_ENOUGH_INFORMATION, failed)
    return PolicyResult(policy, Applicability.APPLIES)


def evaluate(policies: Sequence[Policy], directory: Directory, context: SignInContext) -> Evaluation:
    results = tuple(evaluate_policy(p, directory, context) for p in policies)
    return Evaluation(
        context,
        results,
        enforced=Outcome.from_policies(r.policy for r in results if r.applies and r.policy.is_enabled),
        report_only=Outcome.from_policies(r.policy for r in results if r.applies and r.policy.is_report_only),
    )
