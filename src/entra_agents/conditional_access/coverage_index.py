"""Bitset indexes that make effective coverage fast: who is in scope of which policy, and which policies'
sign-in conditions match which scenario.

Policies are numbered (bit ``i`` is the ``i``-th live policy). A user's scope is an ``int`` whose bits are the
policies whose user condition includes them; users with equal ints form one principal class. Include and
exclude sets are expanded once per policy (transitive groups, active roles), so building classes costs the
sum of the policies' include/exclude sizes, not users x policies. For All-users policies only the excluded
side is walked: the bit then means "excluded" and is flipped at the end.

Guest rules (``GuestsOrExternalUsers``, guest-type conditions) are not re-implemented here: for the few
policies that have them, each user who could be external is asked of the evaluator's ``match_users`` directly,
so a finer guest classification in the evaluator is followed without change here.

A scenario's matching set is the AND of one mask per dimension value (application, client app, platform,
location, sign-in risk, flow), each computed once with the evaluator's ``match_context``: every condition
depends on its own dimension only, so the conjunction equals evaluating the whole context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields, replace

from .evaluator import Applicability, SignInContext, evaluate_policy, match_context, match_users
from .policy import ApplicationCondition, Conditions, Policy, UserCondition
from .principals import Directory
from .scenarios import Scenario

# Scenario field -> the analysisReasons entry of the condition that reads it.
DIMENSIONS = {
    "application": "application", "client_app": "clientApps", "platform": "devicePlatform",
    "location": "location", "sign_in_risk": "signInRisk", "user_risk": "userRisk", "auth_flow": "authenticationFlow",
}
_REASONS = frozenset(DIMENSIONS.values())
_BASE = SignInContext(user_id="")
_OTHER_FIELDS = tuple(f.name for f in fields(SignInContext) if f.name not in DIMENSIONS and f.name != "user_id")


_PROBE_USER = "00000000-0000-0000-0000-0000000b0b0e"
_PROBE_DIRECTORY = Directory(users=[{"id": _PROBE_USER, "userType": "Member", "accountEnabled": True}])
_OPEN = Conditions(users=UserCondition(include_users=frozenset({"All"})),
                   applications=ApplicationCondition(include=frozenset({"All"})))


def applies_when_conditions_match(policy: Policy) -> bool:
    """Whether the evaluator lets this policy apply at all once every condition matches: it may refuse for
    reasons of the policy itself (an empty policy, an invalid one). Asked of ``evaluate_policy`` with every
    condition opened up, so whatever policy-level rule the evaluator has is followed here."""
    probe = replace(policy, conditions=_OPEN)
    result = evaluate_policy(probe, _PROBE_DIRECTORY, SignInContext(user_id=_PROBE_USER))
    return result.status is Applicability.APPLIES


def bits_of(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _guest_sensitive(policy: Policy) -> bool:
    users = policy.conditions.users
    token = "GuestsOrExternalUsers"
    return (token in users.include_users or token in users.exclude_users
            or users.include_guests is not None or users.exclude_guests is not None)


def _maybe_external(directory: Directory, uid: str) -> bool:
    """Anyone the evaluator might classify as a guest or external user; the rest cannot match guest rules."""
    user = directory.user(uid) or {}
    return (str(user.get("userType") or "").lower() != "member" or user.get("creationType") == "Invitation"
            or bool(user.get("externalUserState")) or "#ext#" in str(user.get("userPrincipalName") or "").lower())


class ScopeIndex:
    """Per user, the bitset of live policies whose user condition includes them."""

    def __init__(self, policies: Sequence[Policy], directory: Directory) -> None:
        self.policies = tuple(policies)
        self.directory = directory
        self._members: dict[str, frozenset[str]] = {}
        self._holders: dict[str, frozenset[str]] = {}

    def _group(self, gid: str) -> frozenset[str]:
        if gid not in self._members:
            self._members[gid] = self.directory.transitive_members(gid)
        return self._members[gid]

    def _role(self, rid: str) -> frozenset[str]:
        if rid not in self._holders:
            self._holders[rid] = self.directory.role_holders(rid)
        return self._holders[rid]

    def _expand(self, users: frozenset[str], groups: frozenset[str], roles: frozenset[str]) -> set[str]:
        out = set(users)
        for gid in groups:
            out |= self._group(gid)
        for rid in roles:
            out |= self._role(rid)
        return out

    def members(self, policy: Policy, user_ids: Iterable[str]) -> frozenset[str]:
        """Users among ``user_ids`` whose user condition ``policy`` includes (any policy, live or not)."""
        users = policy.conditions.users
        wanted = set(user_ids)
        excluded = self._expand(users.exclude_users, users.exclude_groups, users.exclude_roles)
        if "All" in users.include_users:
            found = wanted - excluded
        else:
            found = (self._expand(users.include_users, users.include_groups, users.include_roles) - excluded) & wanted
        if _guest_sensitive(policy):
            for uid in wanted:
                if _maybe_external(self.directory, uid):
                    if match_users(policy, uid, self.directory).matched:
                        found.add(uid)
                    else:
                        found.discard(uid)
        return frozenset(found)

    def scopes(self, user_ids: Sequence[str]) -> dict[str, int]:
        raw = dict.fromkeys(user_ids, 0)
        flip = 0  # All-users policies, whose bit was recorded as "excluded"
        sensitive: list[int] = []
        for index, policy in enumerate(self.policies):
            bit, users = 1 << index, policy.conditions.users
            if _guest_sensitive(policy):
                sensitive.append(index)
            excluded = self._expand(users.exclude_users, users.exclude_groups, users.exclude_roles)
            if "All" in users.include_users:
                flip |= bit
                marked: Iterable[str] = excluded
            else:
                marked = self._expand(users.include_users, users.include_groups, users.include_roles) - excluded
            for uid in marked:
                if uid in raw:
                    raw[uid] |= bit
        scopes = {uid: mask ^ flip for uid, mask in raw.items()}
        if sensitive:
            for uid in user_ids:
                if not _maybe_external(self.directory, uid):
                    continue
                mask = scopes[uid]
                for index in sensitive:
                    if match_users(self.policies[index], uid, self.directory).matched:
                        mask |= 1 << index
                    else:
                        mask &= ~(1 << index)
                scopes[uid] = mask
        return scopes


class ContextIndex:
    """Which live policies' sign-in conditions match a scenario, as a bitset, memoised per dimension value.
    A scenario whose context sets anything beyond the dimensions (a device, a user action...) is evaluated
    whole, so the factorisation never has to know about conditions added later."""

    def __init__(self, policies: Sequence[Policy]) -> None:
        self.policies = tuple(policies)
        self._masks: dict[tuple[str, object], int] = {}
        self._whole: dict[SignInContext, int] = {}
        self.eligible = sum(1 << i for i, p in enumerate(self.policies) if applies_when_conditions_match(p))
        self.fixed = self.eligible & self._mask_where(_BASE, lambda reason: reason not in _REASONS)

    def _mask_where(self, context: SignInContext, judged: Callable[[str], bool]) -> int:
        mask = 0
        for index, policy in enumerate(self.policies):
            if all(c.matched is True for c in match_context(policy, context) if judged(c.reason)):
                mask |= 1 << index
        return mask

    def dimension(self, name: str, value: object) -> int:
        key = (name, value)
        if key not in self._masks:
            reason = DIMENSIONS[name]
            # conditions outside the dimensions are judged too: a condition whose reason depends on the value
            # (a resource condition answering as a user-action one) must still count
            self._masks[key] = self._mask_where(replace(_BASE, **{name: value}),
                                                lambda r: r == reason or r not in _REASONS)
        return self._masks[key]

    def matching(self, scenario: Scenario) -> int:
        context = scenario.for_user("")
        if any(getattr(context, name) != getattr(_BASE, name) for name in _OTHER_FIELDS):
            if context not in self._whole:
                self._whole[context] = self.eligible & self._mask_where(context, lambda _: True)
            return self._whole[context]
        mask = self.fixed
        for name in DIMENSIONS:
            mask &= self.dimension(name, getattr(context, name))
            if not mask:
                break
        return mask
