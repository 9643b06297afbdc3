"""What the hygiene (HYG) and exclusion (EXC) checks share: policy classification, exclusion expansion and the
control-aware "is this exclusion compensated elsewhere" comparison.

Every rule here is about *enabled* policies enforcing (peers §11 trap 1); report-only policies are reported
separately as "would apply once enabled", disabled ones are ignored (trap 2). Exclusions are always expanded
transitively through nested groups and active roles (trap 14), and accounts excluded by design (break-glass,
directory synchronisation) or disabled are never reported as affected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..coverage import (
    ALL_PLATFORMS,
    PrincipalClass,
    TenantModel,
    location_grid,
    principal_classes,
    scenario_grid,
)
from ..coverage_index import ContextIndex, applies_when_conditions_match, bits_of
from ..evaluator import (
    Outcome,
    SignInContext,
    client_can_satisfy,
    match_context,
    match_users,
)
from ..findings import Affected, Finding, Status
from ..policy import AuthFlow, ClientApp, Control, GrantControls, Policy, UserCondition
from ._common import CheckMetadata, dependency_error, make_finding

POLICY_INPUTS = ("conditionalAccessPolicies",)
DIRECTORY_INPUTS = ("users", "groups", "directoryRoles", "conditionalAccessPolicies")
SAMPLE = 10
LOW_PRIVILEGE_SCOPE_NOTE = (
    "All resources with any resource exclusion historically left low-privilege scopes (openid, profile, email, "
    "offline_access, User.Read, People.Read...) unenforced; Microsoft is changing this from March 2026. "
    "Microsoft recommends the baseline MFA policy without resource exclusions."
)


def model_of(snapshot: TenantSnapshot, config: AnalysisConfig | None) -> TenantModel:
    return TenantModel.build(snapshot, config or AnalysisConfig())


def ref(policy: Policy, **extra: Any) -> dict[str, Any]:
    return {"policy": policy.id, "displayName": policy.display_name, "state": policy.raw_state, **extra}


def state_label(policy: Policy) -> str:
    return "enforced" if policy.is_enabled else "report-only: would apply once enabled"


def by_design(model: TenantModel) -> frozenset[str]:
    return model.break_glass.ids | model.sync_accounts


def requires_mfa(grant: GrantControls | None) -> bool:
    """Every way to satisfy the grant includes MFA (an OR with a non-MFA control does not: trap 9)."""
    if grant is None or grant.blocks:
        return False
    options = grant.options()
    return bool(options) and all(any(c.provides_mfa for c in option) for option in options)


def targets_all_resources(policy: Policy) -> bool:
    return "All" in policy.conditions.applications.include


def is_baseline(policy: Policy) -> bool:
    """A policy meant to protect everyone: All users, All resources, and a block or an MFA grant."""
    return (policy.conditions.users.targets_all_users and targets_all_resources(policy)
            and policy.grant is not None and (policy.grant.blocks or requires_mfa(policy.grant)))


def without_user_exclusions(policy: Policy) -> Policy:
    users = policy.conditions.users
    bare = replace(users, exclude_users=frozenset(), exclude_groups=frozenset(), exclude_roles=frozenset(),
                   exclude_guests=None)
    return replace(policy, conditions=replace(policy.conditions, users=bare))


def group_members(model: TenantModel, gid: str) -> frozenset[str]:
    """``directory.transitive_members(gid)``, expanded once per model: the scope index keeps the expansion of
    every group a policy names (it built the scope bits from them), so checks reuse it instead of walking
    nested groups again for every policy."""
    return model.scope_index()._group(gid)


def exclusion_candidates(model: TenantModel, policy: Policy) -> set[str]:
    """Users an exclusion entry can reach (nested groups, active roles, guests): usually a small set, so the
    exact per-user evaluation below stays cheap on large tenants."""
    d, users = model.directory, policy.conditions.users
    out = {u for u in users.exclude_users if d.user(u)}
    for gid in users.exclude_groups:
        out |= group_members(model, gid)
    for rid in users.exclude_roles:
        out |= d.role_holders(rid)
    if users.exclude_guests is not None or "GuestsOrExternalUsers" in users.exclude_users:
        out |= model.memo("guestUsers", lambda: frozenset(u for u in d.user_ids() if d.is_guest(u)))
    return out


def excluded_users(model: TenantModel, policy: Policy, population: Iterable[str] | None = None) -> list[str]:
    """Enabled users the policy would target but its exclusions (expanded) exempt, minus accounts excluded by
    design: a user never targeted is not "excluded", and break-glass exclusions are intended."""
    d = model.directory
    bare = without_user_exclusions(policy)
    candidates = {u for u in exclusion_candidates(model, policy) - by_design(model) if d.is_enabled(u)}
    if population is not None:
        candidates &= population if isinstance(population, (set, frozenset)) else set(population)
    # members of a membership class answer every user condition alike: decide once per class
    return sorted(uid for cls in principal_classes(model, candidates)
                  if policy.id not in cls.in_scope_of and match_users(policy, cls.representative, d).excluded
                  and match_users(bare, cls.representative, d).matched for uid in cls.members)


def responsible_exclusions(model: TenantModel, policy: Policy, users: Iterable[str]) -> dict[str, list[str]]:
    """The exclusion entries that exempt ``users`` (an exclusion group of break-glass accounts is not named
    when the finding is about other users)."""
    d, cond = model.directory, policy.conditions.users
    users = list(users)
    groups = set().union(*(d.groups_of(u) for u in users)) if users else set()
    roles = set().union(*(d.roles_of(u) for u in users)) if users else set()
    return {"excludeUsers": sorted(cond.exclude_users & set(users)),
            "excludeGroups": sorted(cond.exclude_groups & groups),
            "excludeRoles": sorted(cond.exclude_roles & roles),
            "excludeGuestsOrExternalUsers": [] if cond.exclude_guests is None else sorted(cond.exclude_guests.types)}


# control-aware comparison --------------------------------------------------------------------------------


def _implies(have: Control, want: Control) -> bool:
    # Any MFA-providing control (an MFA authentication strength by its combinations) satisfies plain "mfa";
    # a specific strength, device or app control is only satisfied by itself.
    return have == want or (want.name == "mfa" and have.provides_mfa)


def _guaranteed(outcome: Outcome, control: Control, ctx: SignInContext) -> bool:
    """Some requirement of the outcome cannot be met without a control that implies ``control``."""
    for requirement in outcome.requirements:
        options = requirement.satisfiable(ctx.client_app, ctx.auth_flow)
        if options and all(any(_implies(c, control) for c in option) for option in options):
            return True
    return False


def at_least_as_strict(outcome: Outcome, policy: Policy, ctx: SignInContext) -> bool:
    """Does ``outcome`` (the enabled policies that do apply) demand at least what ``policy`` would have?
    Sound, not complete: when unsure it answers no, so a missing compensation is never hidden."""
    if outcome.effectively_blocked(ctx.client_app, ctx.auth_flow):
        return True
    grant = policy.grant
    if grant is None:
        return True
    if grant.blocks:
        return False
    reachable = [o for o in grant.options()
                 if all(client_can_satisfy(c, ctx.client_app, ctx.auth_flow) for c in o)]
    if not reachable:  # the policy would have blocked this client outright (legacy clients and MFA)
        return False
    return any(all(_guaranteed(outcome, c, ctx) for c in option) for option in reachable)


@dataclass(frozen=True)
class Bypass:
    """Users for whom a policy does not apply (an exclusion, a location) and nothing else demands as much;
    ``examples`` are sign-ins that show it."""

    policy: Policy
    users: tuple[str, ...]
    examples: tuple[dict[str, Any], ...]


def full_grid(snapshot: TenantSnapshot) -> tuple[Any, ...]:
    """Every client type, platform (unknown included), named location and authentication flow, so that an
    exclusion from a legacy, location or device-code policy is exercised where that policy would apply."""
    return scenario_grid(tuple(ClientApp), platforms=ALL_PLATFORMS, locations=location_grid(snapshot),
                         flows=(None, *AuthFlow))


def shared_full_grid(model: TenantModel) -> tuple[Any, ...]:
    """``full_grid`` of the model's snapshot, built once per model: checks that judge the same grid share its
    per-scenario policy masks (memoised on the grid's identity)."""
    return model.memo("fullGrid", lambda: tuple(full_grid(model.snapshot)))


def scoped_classes(model: TenantModel, policy: Policy,
                   classes: Sequence[PrincipalClass] | None = None) -> tuple[PrincipalClass, ...]:
    """Membership classes of counted users (enabled, not excluded by design) in the policy's user scope."""
    classes = classes if classes is not None else principal_classes(model, model.counted_users())
    return tuple(c for c in classes if policy.id in c.in_scope_of)


def _per_scenarios(model: TenantModel, name: str, scenarios: Sequence[Any], compute: Any) -> Any:
    """Memoise ``compute()`` per scenario sequence. Keyed by identity (hashing a grid of thousands of
    scenarios on every call would cost more than the lookup saves); the memo keeps the sequence alive, so its
    identity cannot be reused. Only tuples: a list could be edited between two calls."""
    if not isinstance(scenarios, tuple):
        return compute()
    slot = model.memo((name, id(scenarios)), lambda: (scenarios, compute()))
    if slot[0] is scenarios:
        return slot[1]
    return compute()


def _live_masks(model: TenantModel, scenarios: Sequence[Any]) -> tuple[int, ...]:
    """Per scenario, the model's context index answer: live policies (bits over ``model.live_policies``) that
    the evaluator would let apply and whose sign-in conditions all match, memoised per dimension value."""
    index = model.context_index()
    return _per_scenarios(model, "liveContextMasks", scenarios, lambda: tuple(index.matching(s) for s in scenarios))


def _enabled_masks(model: TenantModel, scenarios: Sequence[Any]) -> tuple[int, ...]:
    """Per scenario, the enabled policies whose sign-in conditions all match (``match_context``), as bits over
    ``model.live_policies``. Enabled policies the index leaves out because the evaluator refuses them whole
    (an empty policy) are matched directly, so this is exactly ``match_context`` for every enabled policy."""
    def compute() -> tuple[int, ...]:
        live, index = model.live_policies, model.context_index()
        enabled = sum(1 << i for i, p in enumerate(live) if p.is_enabled)
        direct = [(1 << i, p) for i, p in enumerate(live) if p.is_enabled and not index.eligible >> i & 1]
        masks = []
        for s, mask in zip(scenarios, _live_masks(model, scenarios), strict=True):
            mask &= enabled
            if direct:
                ctx = s.for_user("")
                for bit, p in direct:
                    if all(c.matched is True for c in match_context(p, ctx)):
                        mask |= bit
            masks.append(mask)
        return tuple(masks)
    return _per_scenarios(model, "enabledContextMasks", scenarios, compute)


def _client_and_flow(model: TenantModel, scenarios: Sequence[Any]) -> tuple[tuple[Any, Any], ...]:
    """Per scenario, the sign-in's client type and flow: all ``at_least_as_strict`` reads of a sign-in."""
    def compute() -> tuple[tuple[Any, Any], ...]:
        return tuple((ctx.client_app, ctx.auth_flow) for ctx in (s.for_user("") for s in scenarios))
    return _per_scenarios(model, "clientAndFlow", scenarios, compute)


def _sign_in_conditions(policy: Policy) -> Any:
    """What ``match_context`` reads of a policy: its conditions, the user condition aside."""
    return replace(policy.conditions, users=UserCondition())


def _context_applies(model: TenantModel, policy: Policy, scenarios: Sequence[Any]) -> tuple[bool, ...]:
    """Per scenario, whether every sign-in condition of ``policy`` (any policy: live, or an edited copy such
    as one without its exclusions) matches. A live policy the index covers with the same sign-in conditions
    answers from the shared masks; otherwise a one-policy context index, per dimension value."""
    twins = model.memo("signInTwins", lambda: _twins(model))
    twin = twins.get(_sign_in_conditions(policy))
    if twin is not None:
        bit = 1 << twin
        return tuple(bool(mask & bit) for mask in _live_masks(model, scenarios))
    if not applies_when_conditions_match(policy):  # the index would drop it: match scenario by scenario
        return tuple(all(c.matched is True for c in match_context(policy, s.for_user(""))) for s in scenarios)
    index = ContextIndex((policy,))
    return tuple(bool(index.matching(s)) for s in scenarios)


def _twins(model: TenantModel) -> dict[Any, int]:
    """Sign-in conditions -> a live policy with them that the context index covers (the evaluator would let it
    apply), so its bit in the index's answer is exactly "every sign-in condition matches"."""
    eligible = model.context_index().eligible
    out: dict[Any, int] = {}
    for i, p in enumerate(model.live_policies):
        if eligible >> i & 1:
            out.setdefault(_sign_in_conditions(p), i)
    return out


def uncompensated(model: TenantModel, policy: Policy, widened: Policy, classes: Sequence[PrincipalClass],
                  scenarios: Sequence[Any]) -> Bypass | None:
    """For each membership class and scenario where ``widened`` would apply but ``policy`` does not, check that
    the enabled policies that do apply are at least as strict as ``policy``. Sign-in conditions are matched
    once per dimension value (the model's context index) and verdicts shared between classes, so the cost
    grows with classes, not users.

    Scenarios are grouped by what decides the verdict: the enabled policies whose sign-in conditions match,
    the client type and the flow (``at_least_as_strict`` reads nothing else of the sign-in). A class is then
    judged once per group, in order of the group's first scenario, so the first failing scenario (the
    example) is the one a scenario-by-scenario walk would find."""
    if not classes:
        return None
    d = model.directory
    live = model.live_policies
    position = {p.id: i for i, p in enumerate(live)}
    by_id = {p.id: p for p in live if p.is_enabled}
    masks = _enabled_masks(model, scenarios)
    widened_applies = _context_applies(model, widened, scenarios)
    own_bit = 1 << position[policy.id] if policy.is_enabled and policy.id in position else 0
    # (enabled policies matching, client, flow) -> its first scenario, for the scenarios where ``widened``
    # applies; ``others``: the groups where the policy itself does not apply (all a class in its scope needs)
    groups: dict[tuple[int, Any, Any], int] = {}
    for index, (client_app, auth_flow) in enumerate(_client_and_flow(model, scenarios)):
        if widened_applies[index]:
            groups.setdefault((masks[index], client_app, auth_flow), index)
    ordered = sorted(groups.items(), key=lambda item: item[1])
    others = [(key, index) for key, index in ordered if not key[0] & own_bit]
    verdicts: dict[tuple[int, Any, Any], bool] = {}
    missed: list[str] = []
    examples: list[dict[str, Any]] = []
    for cls in classes:
        rep = cls.representative
        if not match_users(widened, rep, d).matched:
            continue
        own = policy.is_enabled and match_users(policy, rep, d).matched
        scope = 0
        for pid in cls.in_scope_of:
            if pid in by_id:
                scope |= 1 << position[pid]
        for (mask, client_app, auth_flow), index in (others if own else ordered):
            applying = mask & scope
            key = (applying, client_app, auth_flow)
            verdict = verdicts.get(key)
            if verdict is None:
                ctx = scenarios[index].for_user(rep)
                outcome = Outcome.from_policies(by_id[pid] for pid in sorted(live[i].id for i in bits_of(applying)))
                verdict = verdicts[key] = at_least_as_strict(outcome, policy, ctx)
            if not verdict:
                missed.extend(cls.members)
                if len(examples) < 3:
                    enforced = sorted(live[i].id for i in bits_of(applying))
                    examples.append(scenarios[index].for_user(rep).describe() | {"enforcedPolicies": enforced})
                break
    if not missed:
        return None
    return Bypass(policy, tuple(sorted(set(missed))), tuple(examples))


# findings ------------------------------------------------------------------------------------------------


def prepare_policies(meta: CheckMetadata, snapshot: TenantSnapshot, config: AnalysisConfig | None,
                     no_policy_status: Status = Status.NOT_APPLICABLE) -> TenantModel | Finding:
    """The tenant model, or the finding that ends a policy check before it starts: an input that could not be
    read (``error``), or a tenant with no policies at all (``no_policies``)."""
    if (error := dependency_error(meta, snapshot)) is not None:
        return error
    model = model_of(snapshot, config)
    return model if model.policies else no_policies(meta, no_policy_status)


def no_policies(meta: CheckMetadata, status: Status = Status.NOT_APPLICABLE) -> Finding:
    """Zero policies is a result, not a pass (peers §11 trap 25): the coverage checks report the gap."""
    return make_finding(meta, status, "The tenant has no Conditional Access policies; nothing to assess here "
                        "(coverage checks report what is missing).",
                        evidence=[{"kind": "noPolicies", "detail": "zero Conditional Access policies"}])


def affected(users: Iterable[str] = (), groups: Iterable[str] = (), roles: Iterable[str] = (),
             apps: Iterable[str] = (), policies: Iterable[str] = ()) -> Affected:
    def ids(values: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(set(values)))

    return Affected(users=ids(users), groups=ids(groups), roles=ids(roles), apps=ids(apps), policies=ids(policies))
