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
from ..coverage import ALL_PLATFORMS, PrincipalClass, TenantModel, location_grid, principal_classes, scenario_grid
from ..evaluator import Outcome, SignInContext, client_can_satisfy, match_context, match_users
from ..findings import Affected, Finding, Status
from ..policy import AuthFlow, ClientApp, Control, GrantControls, Policy
from ._common import CheckMetadata, make_finding

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


def exclusion_candidates(model: TenantModel, policy: Policy) -> set[str]:
    """Users an exclusion entry can reach (nested groups, active roles, guests): usually a small set, so the
    exact per-user evaluation below stays cheap on large tenants."""
    d, users = model.directory, policy.conditions.users
    out = {u for u in users.exclude_users if d.user(u)}
    for gid in users.exclude_groups:
        out |= d.transitive_members(gid)
    for rid in users.exclude_roles:
        out |= d.role_holders(rid)
    if users.exclude_guests is not None or "GuestsOrExternalUsers" in users.exclude_users:
        out |= {u for u in d.user_ids() if d.is_guest(u)}
    return out


def excluded_users(model: TenantModel, policy: Policy, population: Iterable[str] | None = None) -> list[str]:
    """Enabled users the policy would target but its exclusions (expanded) exempt, minus accounts excluded by
    design: a user never targeted is not "excluded", and break-glass exclusions are intended."""
    d = model.directory
    bare = without_user_exclusions(policy)
    candidates = {u for u in exclusion_candidates(model, policy) - by_design(model) if d.is_enabled(u)}
    if population is not None:
        candidates &= set(population)
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


def scoped_classes(model: TenantModel, policy: Policy,
                   classes: Sequence[PrincipalClass] | None = None) -> tuple[PrincipalClass, ...]:
    """Membership classes of counted users (enabled, not excluded by design) in the policy's user scope."""
    classes = classes if classes is not None else principal_classes(model, model.counted_users())
    return tuple(c for c in classes if policy.id in c.in_scope_of)


def uncompensated(model: TenantModel, policy: Policy, widened: Policy, classes: Sequence[PrincipalClass],
                  scenarios: Sequence[Any]) -> Bypass | None:
    """For each membership class and scenario where ``widened`` would apply but ``policy`` does not, check that
    the enabled policies that do apply are at least as strict as ``policy``. Sign-in conditions are matched
    once per scenario and verdicts shared between classes, so the cost grows with classes, not users."""
    if not classes:
        return None
    d = model.directory
    enabled = {p.id: p for p in model.policies if p.is_enabled}
    ctx_match: list[frozenset[str]] = []
    widened_applies: list[bool] = []
    for s in scenarios:
        ctx = s.for_user("")
        ctx_match.append(frozenset(pid for pid, p in enabled.items()
                                   if all(c.matched is True for c in match_context(p, ctx))))
        widened_applies.append(all(c.matched is True for c in match_context(widened, ctx)))
    verdicts: dict[tuple[int, frozenset[str]], bool] = {}
    missed: list[str] = []
    examples: list[dict[str, Any]] = []
    for cls in classes:
        rep = cls.representative
        if not match_users(widened, rep, d).matched:
            continue
        own = policy.is_enabled and match_users(policy, rep, d).matched
        for index, scenario in enumerate(scenarios):
            if not widened_applies[index] or (own and policy.id in ctx_match[index]):
                continue  # the widened policy would not apply, or the policy itself does
            applying = ctx_match[index] & cls.in_scope_of
            key = (index, applying)
            if key not in verdicts:
                ctx = scenario.for_user(rep)
                outcome = Outcome.from_policies(enabled[pid] for pid in sorted(applying))
                verdicts[key] = at_least_as_strict(outcome, policy, ctx)
            if not verdicts[key]:
                missed.extend(cls.members)
                if len(examples) < 3:
                    examples.append(scenario.for_user(rep).describe() | {"enforcedPolicies": sorted(applying)})
                break
    if not missed:
        return None
    return Bypass(policy, tuple(sorted(set(missed))), tuple(examples))


# findings ------------------------------------------------------------------------------------------------


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
