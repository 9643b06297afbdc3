"""Effective coverage: evaluate every counted user over a grid of sign-in scenarios.

Checks ask "is every enabled user covered in every scenario", never "does some policy look right" (peers §0).
The scenario grid (resources, client types, platforms, locations, sign-in risk, flows) is documented in
``scenarios``; checks take the sub-grid they judge.

To stay fast on large tenants users are grouped into classes: users whose policy user-conditions give the
same answers (same set of policies in scope) are indistinguishable to the evaluator, so each class is
evaluated once (``coverage_index`` builds the classes and the per-scenario policy sets as bitsets). Counted
users are enabled accounts that are neither break-glass nor directory-sync accounts; those two are excluded
by design and reported as such.

Every check calls ``TenantModel.build(snapshot, config)``; the model is built once per snapshot and config
and carries memoised indexes and reports, so thirty checks cost one model. ``reference.reference_assess``
answers the same questions user by user and a property test holds both to the same answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..graph.snapshot import TenantSnapshot
from .config import AnalysisConfig, BreakGlass, resolve_break_glass, sync_accounts
from .coverage_index import ContextIndex, ScopeIndex, bits_of
from .evaluator import Evaluation, Outcome, PolicyResult, SignInContext, evaluate
from .policy import Policy, parse_policies
from .principals import Directory
from .scenarios import (  # noqa: F401 - re-exported: checks import the grid from here
    ALL_PLATFORMS, Scenario, ScenarioGrid, location_grid, scenario_grid,
)

# A covered(outcome, context) predicate: "does this outcome satisfy the check for this sign-in".
Covered = Callable[[Outcome, SignInContext], bool]
T = TypeVar("T")

# Which failed conditions can explain a gap (analysisReasons). A policy that misses a sign-in only for other
# reasons is scoped elsewhere by design (a device-code block is no near miss for legacy authentication, a
# country block no near miss for MFA); listing it would be noise. Checks pass their own set.
DEFAULT_EXPLAINS = frozenset({"users", "application", "clientApps", "devicePlatform"})
MAX_EXPLAINED = 20  # gap classes that get a full per-policy explanation, largest first
_CACHE_ATTRIBUTE = "_ca_tenant_models"
_OWNER = "owner"


def _fingerprint(snapshot: TenantSnapshot) -> tuple[Any, ...]:
    """What a model is derived from, cheaply: tests and callers edit snapshots in place between checks, so a
    cached model must notice. Policies, locations and strengths are small and compared by content; the large
    collections by identity and length (nobody edits a 100,000-user list in place between two checks)."""
    small = json.dumps([snapshot.conditional_access_policies, snapshot.named_locations,
                        snapshot.authentication_strength_policies], sort_keys=True, default=str)
    large = tuple((id(c), len(c)) for c in (snapshot.users, snapshot.groups, snapshot.directory_roles,
                                           snapshot.sign_ins))
    members = sum(len(g.get("members") or ()) for g in snapshot.groups)
    return small, large, members, snapshot.security_defaults_enabled, tuple(sorted(snapshot.failed))


@dataclass(frozen=True)
class TenantModel:
    """Everything derived from a snapshot that checks share: parsed policies, directory, exclusions by design."""

    snapshot: TenantSnapshot
    config: AnalysisConfig
    policies: tuple[Policy, ...]
    directory: Directory
    break_glass: BreakGlass
    sync_accounts: frozenset[str]
    # derived indexes and assessments, shared by every check that asks the same question
    _memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, snapshot: TenantSnapshot, config: AnalysisConfig) -> TenantModel:
        """The model of ``snapshot`` under ``config``, built once: some thirty checks each ask for it, and at
        100,000 users parsing and indexing the directory is most of the work. Cached on the snapshot itself
        (so it dies with it) and rebuilt if the snapshot was edited since."""
        cache: dict[AnalysisConfig, tuple[tuple[Any, ...], TenantModel]] = snapshot.__dict__.setdefault(
            _CACHE_ATTRIBUTE, {})
        fingerprint = _fingerprint(snapshot)
        hit = cache.get(config)
        if hit is not None and hit[0] == fingerprint:
            return hit[1]
        model = cls.build_uncached(snapshot, config)
        cache[config] = (fingerprint, model)
        return model

    @classmethod
    def build_uncached(cls, snapshot: TenantSnapshot, config: AnalysisConfig) -> TenantModel:
        policies = parse_policies(snapshot.conditional_access_policies, snapshot.authentication_strength_policies)
        directory = Directory.from_snapshot(snapshot)
        return cls(
            snapshot, config, policies, directory,
            resolve_break_glass(config, directory, policies), sync_accounts(config, directory),
        )

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        # ``dataclasses.replace`` hands the original's memo to the copy, whose policies may differ: a memo
        # belongs to the model that filled it first, any other model starts its own
        if self._memo.get(_OWNER, id(self)) != id(self):
            object.__setattr__(self, "_memo", {})
        self._memo[_OWNER] = id(self)
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    @property
    def live_policies(self) -> tuple[Policy, ...]:
        """Enabled and report-only policies; disabled ones can neither enforce nor close a gap."""
        return self.memo("live", lambda: tuple(p for p in self.policies if p.is_enabled or p.is_report_only))

    def counted_users(self) -> tuple[str, ...]:
        def compute() -> tuple[str, ...]:
            excluded = self.break_glass.ids | self.sync_accounts
            return tuple(uid for uid in self.directory.enabled_users() if uid not in excluded)
        return self.memo("counted", compute)

    def enabled_users(self) -> frozenset[str]:
        return self.memo("enabled", lambda: frozenset(self.directory.enabled_users()))

    def users_in_scope(self, policy: Policy) -> frozenset[str]:
        """Every directory user (enabled or not) whose user condition ``policy`` includes, exclusions and
        nested groups resolved: one set operation per policy instead of ``match_users`` per user. Works for
        any policy, including edited copies (a policy without its exclusions, a suggested policy)."""
        return self.memo(("inScope", policy),
                         lambda: self.scope_index().members(policy, self.directory.user_ids()))

    def scope_bits(self) -> dict[str, int]:
        """Per directory user, the bitset over ``live_policies`` of the policies in scope."""
        return self.memo("scopeBits", lambda: self.scope_index().scopes(self.directory.user_ids()))

    def matching_policies(self, scenario: Scenario) -> frozenset[str]:
        """Ids of live policies whose sign-in conditions (everything but users) match ``scenario``."""
        mask = self.context_index().matching(scenario)
        return frozenset(self.live_policies[i].id for i in bits_of(mask))

    def scope_index(self) -> ScopeIndex:
        return self.memo("scopeIndex", lambda: ScopeIndex(self.live_policies, self.directory))

    def context_index(self) -> ContextIndex:
        return self.memo("contextIndex", lambda: ContextIndex(self.live_policies))

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
    scope_bits: int = field(default=0, compare=False)  # the same set as bits over ``model.live_policies``

    @property
    def representative(self) -> str:
        return self.members[0]


def principal_classes(model: TenantModel, user_ids: Iterable[str]) -> tuple[PrincipalClass, ...]:
    """Users with the same set of policies in scope, in order of first appearance. Memoised for the counted
    population, which is what every coverage check asks for."""
    ids = tuple(user_ids)
    if ids == model.counted_users():
        return model.memo("countedClasses", lambda: _classes(model, ids))
    return _classes(model, ids)


def _classes(model: TenantModel, user_ids: Sequence[str]) -> tuple[PrincipalClass, ...]:
    members: dict[int, list[str]] = {}
    scopes = model.scope_bits()
    for uid in dict.fromkeys(u.lower() for u in user_ids):
        mask = scopes.get(uid)
        if mask is None:  # not a directory user: nothing can include it
            mask = model.scope_index().scopes([uid])[uid]
        members.setdefault(mask, []).append(uid)
    policies = model.live_policies
    return tuple(
        PrincipalClass(frozenset(policies[i].id for i in bits_of(mask)), tuple(uids), mask)
        for mask, uids in members.items()
    )


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

    def __init__(self, model: TenantModel, scenarios: Sequence[Scenario], covered: Covered) -> None:
        self.policies = model.live_policies
        self.scenarios = scenarios
        index = model.context_index()
        self.matching = [index.matching(s) for s in scenarios]
        self.enabled = sum(1 << i for i, p in enumerate(self.policies) if p.is_enabled)
        self._covered = covered
        self._outcomes: dict[int, Outcome] = {}
        self._verdicts: dict[tuple[int, int], bool] = {}

    def _sorted(self, mask: int) -> list[Policy]:
        return sorted((self.policies[i] for i in bits_of(mask)), key=lambda p: p.id)

    def outcome(self, mask: int) -> Outcome:
        if mask not in self._outcomes:
            self._outcomes[mask] = Outcome.from_policies(self._sorted(mask))
        return self._outcomes[mask]

    def run(self, cls: PrincipalClass) -> tuple[list[FailedSignIn], int]:
        failing, enforcing = [], 0
        for index, scenario in enumerate(self.scenarios):
            applying = self.matching[index] & cls.scope_bits
            enabled = applying & self.enabled
            enforcing |= enabled
            key = (index, enabled)
            verdict = self._verdicts.get(key)
            if verdict is None:
                verdict = self._verdicts[key] = self._covered(self.outcome(enabled), scenario.for_user(""))
            if not verdict:
                report_only = tuple(self._sorted(applying & ~self.enabled))
                failing.append(FailedSignIn(scenario.for_user(cls.representative), self.outcome(enabled),
                                            report_only))
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
    failed conditions make an enabled policy worth naming as a near miss. Memoised per question: checks that
    share a (scenarios, predicate) pair share the report, which is immutable."""
    key = ("assess", tuple(scenarios), covered, explains)
    return model.memo(key, lambda: _assess(model, tuple(scenarios), covered, explains))


def _assess(model: TenantModel, scenarios: tuple[Scenario, ...], covered: Covered,
            explains: frozenset[str]) -> CoverageReport:
    population = model.counted_users()
    classes = principal_classes(model, population)
    table = _ScenarioTable(model, scenarios, covered)
    failed: list[tuple[PrincipalClass, list[FailedSignIn]]] = []
    enforcing = 0
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
    enforcing_ids = frozenset(model.live_policies[i].id for i in bits_of(enforcing))
    return CoverageReport(population, classes, scenarios, gaps, enforcing_ids)


def requires_mfa(outcome: Outcome, context: SignInContext) -> bool:
    return outcome.guarantees_mfa(context.client_app, context.auth_flow)


def is_blocked(outcome: Outcome, context: SignInContext) -> bool:
    return outcome.effectively_blocked(context.client_app, context.auth_flow)
