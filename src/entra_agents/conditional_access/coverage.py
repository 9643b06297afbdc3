"""Effective coverage: evaluate every counted user over a grid of sign-in scenarios.

Checks ask "is every enabled user covered in every scenario", never "does some policy look right" (peers §0).
To stay fast on large tenants users are grouped into classes: users whose policy user-conditions give the
same answers (same set of policies in scope) are indistinguishable to the evaluator, so each class is
evaluated once. Counted users are enabled accounts that are neither break-glass nor directory-sync
accounts; those two are excluded by design and reported as such.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..graph.snapshot import TenantSnapshot
from .config import AnalysisConfig, BreakGlass, resolve_break_glass, sync_accounts
from .evaluator import (
    ALL_RESOURCES, PLATFORM_VALUES, UNTRUSTED, Evaluation, LocationContext, Outcome, PolicyResult,
    SignInContext, evaluate, match_context, match_users,
)
from .policy import AuthFlow, ClientApp, Policy, parse_policies
from .principals import Directory

# A covered(outcome, context) predicate: "does this outcome satisfy the check for this sign-in".
Covered = Callable[[Outcome, SignInContext], bool]

ALL_PLATFORMS: tuple[str | None, ...] = (None, *PLATFORM_VALUES)
# Which failed conditions can explain a gap (analysisReasons). A policy that misses a sign-in only for other
# reasons is scoped elsewhere by design (a device-code block is no near miss for legacy authentication, a
# country block no near miss for MFA); listing it would be noise. Checks pass their own set.
DEFAULT_EXPLAINS = frozenset({"users", "application", "clientApps", "devicePlatform"})
MAX_EXPLAINED = 20  # gap classes that get a full per-policy explanation, largest first


@dataclass(frozen=True)
class Scenario:
    client_app: ClientApp
    platform: str | None = None
    location: LocationContext = UNTRUSTED
    auth_flow: AuthFlow | None = None
    application: str = ALL_RESOURCES

    def for_user(self, user_id: str) -> SignInContext:
        return SignInContext(
            user_id=user_id, application=self.application, client_app=self.client_app,
            platform=self.platform, location=self.location, auth_flow=self.auth_flow,
        )


def scenario_grid(
    client_apps: Iterable[ClientApp],
    *,
    platforms: Sequence[str | None] = ALL_PLATFORMS,
    locations: Sequence[LocationContext] = (UNTRUSTED,),
    flows: Sequence[AuthFlow | None] = (None,),
) -> tuple[Scenario, ...]:
    return tuple(
        Scenario(client, platform, location, flow)
        for client in client_apps for platform in platforms for location in locations for flow in flows
    )


def location_grid(snapshot: TenantSnapshot) -> tuple[LocationContext, ...]:
    """An untrusted unnamed location plus every named location, so location exclusions are exercised."""
    named = tuple(
        LocationContext(str(n["id"]).lower(), bool(n.get("isTrusted")))
        for n in snapshot.named_locations if n.get("id")
    )
    return (UNTRUSTED, *named)


@dataclass(frozen=True)
class TenantModel:
    """Everything derived from a snapshot that checks share: parsed policies, directory, exclusions by design."""

    snapshot: TenantSnapshot
    config: AnalysisConfig
    policies: tuple[Policy, ...]
    directory: Directory
    break_glass: BreakGlass
    sync_accounts: frozenset[str]

    @classmethod
    def build(cls, snapshot: TenantSnapshot, config: AnalysisConfig) -> TenantModel:
        policies = parse_policies(snapshot.conditional_access_policies, snapshot.authentication_strength_policies)
        directory = Directory.from_snapshot(snapshot)
        return cls(
            snapshot, config, policies, directory,
            resolve_break_glass(config, directory, policies), sync_accounts(config, directory),
        )

    @property
    def live_policies(self) -> tuple[Policy, ...]:
        """Enabled and report-only policies; disabled ones can neither enforce nor close a gap."""
        return tuple(p for p in self.policies if p.is_enabled or p.is_report_only)

    def counted_users(self) -> tuple[str, ...]:
        excluded = self.break_glass.ids | self.sync_accounts
        return tuple(uid for uid in self.directory.enabled_users() if uid not in excluded)

    def excluded_by_design(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.break_glass.ids or self.break_glass.unresolved:
            out.append(self.break_glass.to_json())
        synced = sorted(u for u in self.sync_accounts if self.directory.is_enabled(u))
        if synced:
            out.append({"kind": "excludedByDesign", "reason": "directorySynchronizationAccount", "users": synced})
        return out


@dataclass(frozen=True)
class PrincipalClass:
    in_scope_of: frozenset[str]  # ids of live policies whose user condition includes these users
    members: tuple[str, ...]

    @property
    def representative(self) -> str:
        return self.members[0]


_Referenced = tuple[frozenset[str], frozenset[str], frozenset[str]]  # user, group and role ids policies name


def _signature(model: TenantModel, uid: str, referenced: _Referenced) -> tuple[Any, ...]:
    users, groups, roles = referenced
    d = model.directory
    return (uid if uid in users else "", d.groups_of(uid) & groups, d.roles_of(uid) & roles, d.is_guest(uid))


def principal_classes(model: TenantModel, user_ids: Iterable[str]) -> tuple[PrincipalClass, ...]:
    policies = model.live_policies
    conds = [p.conditions.users for p in policies]
    referenced = (
        frozenset().union(*(c.include_users | c.exclude_users for c in conds)),
        frozenset().union(*(c.include_groups | c.exclude_groups for c in conds)),
        frozenset().union(*(c.include_roles | c.exclude_roles for c in conds)),
    )
    scope_by_signature: dict[tuple[Any, ...], frozenset[str]] = {}
    members: dict[frozenset[str], list[str]] = defaultdict(list)
    for uid in user_ids:
        sig = _signature(model, uid, referenced)
        if sig not in scope_by_signature:
            scope_by_signature[sig] = frozenset(p.id for p in policies if match_users(p, uid, model.directory).matched)
        members[scope_by_signature[sig]].append(uid)
    return tuple(PrincipalClass(scope, tuple(uids)) for scope, uids in members.items())


@dataclass(frozen=True)
class FailedSignIn:
    """One scenario in which a class is not covered."""

    context: SignInContext
    enforced: Outcome
    report_only: tuple[Policy, ...]  # report-only policies that apply to it


@dataclass(frozen=True)
class ClassGap:
    principal_class: PrincipalClass
    failing: tuple[FailedSignIn, ...]
    # Full per-policy evaluation of the first failing sign-in. Only the largest classes are explained, so the
    # cost and the evidence stay bounded on tenants with thousands of membership combinations.
    explanation: Evaluation | None = None
    near_misses: tuple[PolicyResult, ...] = ()  # enabled policies that would close the gap if they applied
    insufficient: tuple[PolicyResult, ...] = ()  # enabled policies that apply but whose grant does not close it
    closers: tuple[Policy, ...] = ()  # report-only policies that would close every failing scenario when enabled


@dataclass(frozen=True)
class CoverageReport:
    population: tuple[str, ...]
    classes: tuple[PrincipalClass, ...]
    scenarios: tuple[Scenario, ...]
    gaps: tuple[ClassGap, ...]  # largest classes first
    enforcing: frozenset[str] = frozenset()  # enabled policies that applied in at least one evaluated sign-in

    @property
    def uncovered_users(self) -> tuple[str, ...]:
        return tuple(sorted(u for g in self.gaps for u in g.principal_class.members))


class _ScenarioTable:
    """Per scenario, the live policies whose sign-in conditions match (who signs in does not matter for
    those); a class's user scope then decides the rest. Outcomes and verdicts are memoised because many
    classes end up with the same applicable set."""

    def __init__(self, policies: Sequence[Policy], scenarios: Sequence[Scenario], covered: Covered) -> None:
        self.policies = {p.id: p for p in policies}
        self.scenarios = scenarios
        self.matching = [
            frozenset(p.id for p in policies if all(c.matched is True for c in match_context(p, s.for_user(""))))
            for s in scenarios
        ]
        self._covered = covered
        self._outcomes: dict[frozenset[str], Outcome] = {}
        self._verdicts: dict[tuple[int, frozenset[str]], bool] = {}

    def outcome(self, applying: frozenset[str]) -> Outcome:
        if applying not in self._outcomes:
            self._outcomes[applying] = Outcome.from_policies(self.policies[pid] for pid in sorted(applying))
        return self._outcomes[applying]

    def run(self, cls: PrincipalClass) -> tuple[list[FailedSignIn], set[str]]:
        failing, enforcing = [], set()
        for index, scenario in enumerate(self.scenarios):
            applying = self.matching[index] & cls.in_scope_of
            enabled = frozenset(pid for pid in applying if self.policies[pid].is_enabled)
            enforcing |= enabled
            ctx = scenario.for_user(cls.representative)
            key = (index, enabled)
            if key not in self._verdicts:
                self._verdicts[key] = self._covered(self.outcome(enabled), ctx)
            if not self._verdicts[key]:
                report_only = tuple(self.policies[pid] for pid in sorted(applying - enabled))
                failing.append(FailedSignIn(ctx, self.outcome(enabled), report_only))
        return failing, enforcing


def _with(outcome: Outcome, policy: Policy) -> Outcome:
    return outcome.merged(Outcome.from_policies([policy]))


def _could_cover(result: PolicyResult, explains: frozenset[str]) -> bool:
    """A policy that never targeted these users, or is scoped elsewhere by design, is not why the gap exists."""
    untargeted = any(c.reason == "users" and not c.excluded for c in result.failed)
    return not untargeted and set(result.reasons) <= explains


def _explain(
    evaluation: Evaluation, covered: Covered, explains: frozenset[str]
) -> tuple[tuple[PolicyResult, ...], tuple[PolicyResult, ...]]:
    ctx, near, weak = evaluation.context, [], []
    for result in evaluation.results:
        if not result.policy.is_enabled:
            continue
        if result.applies:
            if result.policy.grant is not None and not covered(Outcome.from_policies([result.policy]), ctx):
                weak.append(result)
        elif _could_cover(result, explains) and covered(_with(evaluation.enforced, result.policy), ctx):
            near.append(result)
    return tuple(near), tuple(weak)


def _closers(failing: Sequence[FailedSignIn], covered: Covered) -> tuple[Policy, ...]:
    return tuple(
        policy for policy in failing[0].report_only
        if all(policy in f.report_only and covered(_with(f.enforced, policy), f.context) for f in failing)
    )


def _gap(model: TenantModel, cls: PrincipalClass, failing: list[FailedSignIn], covered: Covered,
         explains: frozenset[str] | None) -> ClassGap:
    closers = _closers(failing, covered)
    if explains is None:
        return ClassGap(cls, tuple(failing), closers=closers)
    evaluation = evaluate(model.live_policies, model.directory, failing[0].context)
    near, weak = _explain(evaluation, covered, explains)
    return ClassGap(cls, tuple(failing), evaluation, near, weak, closers)


def assess(
    model: TenantModel, scenarios: Sequence[Scenario], covered: Covered, explains: frozenset[str] = DEFAULT_EXPLAINS
) -> CoverageReport:
    """Evaluate every counted user (by class) in every scenario against ``covered``; ``explains`` picks which
    failed conditions make an enabled policy worth naming as a near miss."""
    population = model.counted_users()
    classes = principal_classes(model, population)
    table = _ScenarioTable(model.live_policies, scenarios, covered)
    failed: list[tuple[PrincipalClass, list[FailedSignIn]]] = []
    enforcing: set[str] = set()
    for cls in classes:
        failing, applied = table.run(cls)
        enforcing |= applied
        if failing:
            failed.append((cls, failing))
    failed.sort(key=lambda item: (-len(item[0].members), item[0].representative))
    gaps = tuple(
        _gap(model, cls, failing, covered, explains if rank < MAX_EXPLAINED else None)
        for rank, (cls, failing) in enumerate(failed)
    )
    return CoverageReport(population, classes, tuple(scenarios), gaps, frozenset(enforcing))


def requires_mfa(outcome: Outcome, context: SignInContext) -> bool:
    return outcome.guarantees_mfa(context.client_app, context.auth_flow)


def is_blocked(outcome: Outcome, context: SignInContext) -> bool:
    return outcome.effectively_blocked(context.client_app, context.auth_flow)
