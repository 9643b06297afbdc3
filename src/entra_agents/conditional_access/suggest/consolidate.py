"""Policy consolidation: live policies that one policy can replace without changing what anyone must do.

**What counts as one difference.** Each policy is flattened into properties: every leaf under ``conditions``
and ``grantControls`` (``conditions.users.includeGroups``, ``conditions.clientAppTypes``,
``conditions.platforms.includePlatforms``, ``grantControls.builtInControls``...), with a few objects taken
whole (``grantControls.authenticationStrength`` by id, a device or application filter, guest settings), and
each ``sessionControls`` entry (``sessionControls.signInFrequency``...). Id lists compare as case-insensitive
sets; null, missing and empty are the same. A difference is one property whose values differ. Two policies
can merge when they have the same state (enabled or report-only: merging the two would change enforcement)
and differ in at most two properties (none: exact duplicates), each of a kind we know how to merge:

* an include list (users, groups, roles, applications, built-in controls, terms of use): the union;
* an exclude list (users, groups, roles, applications, platforms, locations): the intersection;
* a condition where empty means "any" (client app types, platforms, locations, sign-in and user risk, transfer
  methods): the union, or "any" when either side is "any";
* a control set on one side only (a session control, an authentication strength, the grant operator).

**The proof.** Those rules only propose a merged policy; it is suggested only when the evaluator shows it is
equivalent: for every directory user (as classes of users with the same answers, like the coverage engine)
and every sign-in scenario, the merged policy alone demands exactly what the two originals demand together
(blocked, or the same minimal sets of grant controls, and the same session controls). Scenarios vary every
dimension one of the three policies configures: each application they name, the bundle tokens and their
member apps, one application nobody names, All resources; the four client app types; the three flows; and
platforms, named and unnamed trusted/untrusted locations, sign-in and user risk when configured. Policies
with conditions the grid cannot exercise (device or application filters, user actions, authentication
contexts, insider or service principal risk, workload identities) are never paired.

Break-glass and directory synchronisation accounts are left out of the proof because the merged policy
excludes them by design (safety rule 3), whatever the originals did; the merged policy must also pass the
lockout check. Because the proof can only use today's members, policies whose user scopes differ merge only
when nothing else differs: otherwise a future member of one group would get the other policy's rules.
Groups grow greedily (``candidates``): a set of near-copies becomes one suggestion, not one per
pair. Every policy is considered (Microsoft stops at 40 pairs a run; we do not).
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ...suggestions.diff import current_value, property_diff
from ..config import AnalysisConfig
from ..context import BUNDLES
from ..coverage import TenantModel
from ..evaluator import ALL_RESOURCES, UNTRUSTED, Outcome, match_context, match_users
from ..policy import APP_TOKENS, AuthFlow, ClientApp, Policy
from ..principals import DIRECTORY_SYNCHRONIZATION_ACCOUNTS
from ..remediation import check_lockout
from ..scenarios import (
    ALL_PLATFORMS,
    SIGN_IN_RISKS,
    TRUSTED,
    RiskScenario,
    Scenario,
    location_grid,
)
from ._shared import JSON, live_policy_json, name_of, new_policy_body, parse
from .candidate import Candidate

MAX_DIFFERENCES = 2
USER_SCOPE = "conditions.users."
_UNION = frozenset({
    "conditions.users.includeUsers", "conditions.users.includeGroups", "conditions.users.includeRoles",
    "conditions.applications.includeApplications", "grantControls.builtInControls", "grantControls.termsOfUse",
})
_INTERSECT = frozenset({
    "conditions.users.excludeUsers", "conditions.users.excludeGroups", "conditions.users.excludeRoles",
    "conditions.applications.excludeApplications", "conditions.platforms.excludePlatforms",
    "conditions.locations.excludeLocations",
})
_TRANSFER = "conditions.authenticationFlows.transferMethods"
# Conditions where empty means "any", with the value that says "any" in Graph's own spelling.
_ANY = {
    "conditions.clientAppTypes": ["all"], "conditions.platforms.includePlatforms": ["all"],
    "conditions.locations.includeLocations": ["All"], "conditions.signInRiskLevels": [],
    "conditions.userRiskLevels": [], _TRANSFER: None,
}
_EITHER = frozenset({"grantControls.authenticationStrength", "grantControls.operator"})
_WHOLE = frozenset({
    "grantControls.authenticationStrength", "conditions.devices.deviceFilter",
    "conditions.applications.applicationFilter", "conditions.users.includeGuestsOrExternalUsers",
    "conditions.users.excludeGuestsOrExternalUsers", "conditions.clientApplications",
})
_UNMERGEABLE = object()
# Stands for every application neither policy names: they all get the same answers.
_UNNAMED_APP = "00000000-0000-0000-0000-0000000000aa"


# properties ------------------------------------------------------------------------------------------------


def _normal(path: str, value: Any) -> Any:
    """A comparable form of one property; None for unset, null or empty."""
    if value in (None, "", [], {}):
        return None
    if path == "grantControls.authenticationStrength" and isinstance(value, Mapping):
        return ("strength", str(value.get("id") or "").lower())
    if path == _TRANSFER and isinstance(value, str):
        return tuple(sorted({v.strip().lower() for v in value.split(",") if v.strip()})) or None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(sorted({v.lower() for v in value}))
    return json.dumps(value, sort_keys=True)


def properties(policy_json: Mapping[str, Any]) -> dict[str, Any]:
    """Every property of the policy (see the module docstring), normalised, unset ones left out."""
    out: dict[str, Any] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping) and path not in _WHOLE and not path.startswith("sessionControls."):
            for key in sorted(k for k in value if not k.startswith("@odata")):
                walk(value[key], f"{path}.{key}")
        elif (normal := _normal(path, value)) is not None:
            out[path] = normal

    for top in ("conditions", "grantControls", "sessionControls"):
        walk(policy_json.get(top), top)
    return out


def differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """The properties whose values differ, sorted."""
    pa, pb = properties(a), properties(b)
    return sorted(path for path in pa.keys() | pb.keys() if pa.get(path) != pb.get(path))


# merging ---------------------------------------------------------------------------------------------------


def _union(a: Any, b: Any) -> list[str]:
    seen: dict[str, str] = {}
    for value in [*(a or []), *(b or [])]:
        seen.setdefault(str(value).lower(), str(value))
    return list(seen.values())


def _merge_value(path: str, a: Any, b: Any) -> Any:
    """The merged value of one differing property, or ``_UNMERGEABLE``."""
    if path in _UNION:
        return _union(a, b)
    if path in _INTERSECT:
        other = {str(v).lower() for v in b or []}
        return [v for v in a or [] if str(v).lower() in other]
    if path in _ANY:
        na, nb = _normal(path, a), _normal(path, b)
        if na is None or nb is None or "all" in na or "all" in nb:
            return copy.deepcopy(_ANY[path])
        if path == _TRANSFER:
            return ",".join(sorted(set(na) | set(nb)))
        return _union(a, b)
    if path in _EITHER or path.startswith("sessionControls."):
        if _normal(path, a) is None:
            return copy.deepcopy(b)
        if _normal(path, b) is None:
            return copy.deepcopy(a)
    return _UNMERGEABLE


def _put(doc: JSON, path: str, value: Any) -> None:
    if path == _TRANSFER and value is None:
        doc.setdefault("conditions", {})["authenticationFlows"] = None  # every flow: the condition is unset
        return
    *parents, leaf = path.split(".")
    node = doc
    for key in parents:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[leaf] = value


def _unsupported(policy: Policy) -> bool:
    """Conditions the scenario grid cannot exercise, so no proof could cover them."""
    c = policy.conditions
    return bool(c.device_filter or c.applications.has_filter or c.applications.user_actions
                or c.applications.auth_contexts or c.insider_risk or c.service_principal_risk
                or c.workload is not None) or (policy.grant is None and not policy.session_controls)


def _exclude_by_design(body: JSON, model: TenantModel, snapshot: TenantSnapshot) -> list[str]:
    """Add break-glass accounts and the sync role to the exclusions if missing; what was added."""
    users = body.setdefault("conditions", {}).setdefault("users", {})
    added = []
    parsed = parse(snapshot, body)
    for uid in sorted(model.break_glass.ids):
        if not match_users(parsed, uid, model.directory).excluded:
            users["excludeUsers"] = [*(users.get("excludeUsers") or []), uid]
            added.append(uid)
    if DIRECTORY_SYNCHRONIZATION_ACCOUNTS not in {str(r).lower() for r in users.get("excludeRoles") or []}:
        users["excludeRoles"] = [*(users.get("excludeRoles") or []), DIRECTORY_SYNCHRONIZATION_ACCOUNTS]
        added.append(DIRECTORY_SYNCHRONIZATION_ACCOUNTS)
    return added


# the proof -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    users: int
    user_classes: int
    scenarios: int

    def to_json(self) -> JSON:
        return {"kind": "equivalenceProof", "method": "evaluator", "users": self.users,
                "userClasses": self.user_classes, "scenarios": self.scenarios}


def _scenarios(snapshot: TenantSnapshot, policies: Sequence[Policy]) -> list[Scenario]:
    """Every dimension one of ``policies`` configures; the others cannot change any answer (only the client
    and the flow change whether a grant can be met, so those always vary)."""
    named = sorted({a for p in policies for a in p.conditions.applications.include | p.conditions.applications.exclude}
                   - set(APP_TOKENS.values()))
    bundles = [app for members in BUNDLES.values() for app in sorted(members)]
    resources = dict.fromkeys([ALL_RESOURCES, *BUNDLES, *bundles, *named, _UNNAMED_APP])
    conditions = [p.conditions for p in policies]
    platforms = ALL_PLATFORMS if any(c.include_platforms is not None for c in conditions) else (None,)
    locations = ((*location_grid(snapshot), TRUSTED)
                 if any(c.include_locations is not None for c in conditions) else (UNTRUSTED,))
    sign_in_risks = SIGN_IN_RISKS if any(c.sign_in_risk for c in conditions) else ("none",)
    user_risks = SIGN_IN_RISKS if any(c.user_risk for c in conditions) else ("none",)
    flows: tuple[AuthFlow | None, ...] = (None, *AuthFlow)
    return [RiskScenario(client, platform, location, flow, resource, sign_in_risk, user_risk)
            for resource, client, platform, location, sign_in_risk, user_risk, flow in itertools.product(
                resources, ClientApp, platforms, locations, sign_in_risks, user_risks, flows)]


def _matches(policy: Policy, scenario: Scenario) -> bool | None:
    results = [c.matched for c in match_context(policy, scenario.for_user(""))]
    return False if False in results else (None if None in results else True)


def _effect(policies: Iterable[Policy], scenario: Scenario) -> tuple[Any, ...]:
    """What the applying policies demand together: blocked, or the minimal sets of grant controls that satisfy
    all of them, with the session controls they set."""
    applying = list(policies)
    outcome = Outcome.from_policies(applying)
    if outcome.effectively_blocked(scenario.client_app, scenario.auth_flow):
        return ("blocked",)
    ways: set[frozenset[Any]] = {frozenset()}
    for requirement in outcome.requirements:
        ways = {way | option for way in ways for option in requirement.options}
    minimal = frozenset(w for w in ways if not any(other < w for other in ways))
    session = frozenset((key, json.dumps(value, sort_keys=True)) for p in applying
                        for key, value in (p.session_controls or {}).items()
                        if value not in (None, {}, []) and not key.startswith("@"))
    return ("grant", minimal, session)


def prove_equivalent(snapshot: TenantSnapshot, model: TenantModel, originals: Sequence[Policy],
                     merged: Policy) -> Proof | None:
    """``merged`` alone demands exactly what ``originals`` demand together, for every directory user apart from
    break-glass and sync accounts and every scenario; None when some sign-in disagrees or is undecidable."""
    policies = [*originals, merged]
    skip = model.break_glass.ids | model.sync_accounts
    users = [u for u in model.directory.user_ids() if u not in skip]
    scopes = [model.users_in_scope(p) for p in policies]
    classes = sorted({tuple(u in s for s in scopes) for u in users})
    if not classes:
        return None
    scenarios = _scenarios(snapshot, policies)
    seen: set[tuple[Any, ...]] = set()
    for scenario in scenarios:
        matched = tuple(_matches(p, scenario) for p in policies)
        if None in matched:
            return None
        key = (matched, scenario.client_app, scenario.auth_flow)
        if key in seen:
            continue
        seen.add(key)
        for in_scope in classes:
            applies = [s and m for s, m in zip(in_scope, matched, strict=True)]
            before = [p for p, on in zip(originals, applies, strict=False) if on]
            after = [merged] if applies[-1] else []
            if _effect(before, scenario) != _effect(after, scenario):
                return None
    return Proof(len(users), len(classes), len(scenarios))


# candidates ------------------------------------------------------------------------------------------------


def _fold(core: JSON, other: JSON) -> JSON | None:
    """``core`` widened to cover ``other``: each differing property merged; None when they differ in more than
    ``MAX_DIFFERENCES`` properties, in one we cannot merge, or in who they target and in anything else."""
    paths = differences(core, other)
    if len(paths) > MAX_DIFFERENCES:
        return None
    # The proof covers today's members only. Two policies for different people that also differ in what they
    # do (MFA for one group, MFA or a compliant device for another) would give tomorrow's members of either
    # group the other's rules, so people may only merge when everything else is the same.
    scope = [path for path in paths if path.startswith(USER_SCOPE)]
    if scope and len(scope) < len(paths):
        return None
    out = copy.deepcopy(core)
    for path in paths:
        value = _merge_value(path, current_value(core, path), current_value(other, path))
        if value is _UNMERGEABLE:
            return None
        _put(out, path, value)
    return out


def _listing(names: Sequence[str], shown: int = 3) -> str:
    """'a', 'b' and 'c'; past ``shown`` names, 'a', 'b', 'c' and 5 more (the full list is in affected)."""
    quoted = [f"'{n}'" for n in names]
    if len(quoted) > shown:
        return f"{', '.join(quoted[:shown])} and {len(quoted) - shown} more"
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


@dataclass(frozen=True)
class _Merge:
    members: tuple[JSON, ...]
    policy: JSON  # report-only, excluding break-glass and sync accounts
    added: tuple[str, ...]  # exclusions by design the members lacked
    proof: Proof


def _vetted(snapshot: TenantSnapshot, model: TenantModel, config: AnalysisConfig, members: Sequence[JSON],
            core: JSON) -> _Merge | None:
    """The policy to create for ``core``, if it is proven equivalent to ``members`` and passes the lockout check."""
    names = [name_of(m) for m in members]
    title = " + ".join(names) if len(names) == 2 else f"{names[0]} and {len(names) - 1} more"
    policy = new_policy_body(core, f"{config.policy_name_prefix} - {title}"[:256])  # Graph's displayName limit
    added = _exclude_by_design(policy, model, snapshot)
    merged = dataclasses.replace(parse(snapshot, policy), id="merged-policy")
    proof = prove_equivalent(snapshot, model, [parse(snapshot, m) for m in members], merged)
    if proof is None or check_lockout(snapshot, config, policy):
        return None
    return _Merge(tuple(members), policy, tuple(added), proof)


def _comparable(policy_json: Mapping[str, Any]) -> JSON:
    """What a modify would change: not the name or state, which an admin keeps when editing one in place."""
    return {k: v for k, v in policy_json.items() if k not in ("displayName", "state", "description")}


def _candidate(merge: _Merge) -> Candidate:
    members, merged = merge.members, merge.policy
    ids = tuple(str(m["id"]) for m in members)
    props = [properties(m) for m in members]
    paths = sorted(p for p in set().union(*props) if len({str(x.get(p)) for x in props}) > 1)
    differing = [{"kind": "differingProperty", "property": path,
                  "values": {pid: current_value(m, path) for pid, m in zip(ids, members, strict=True)},
                  "merged": current_value(merged, path)} for path in paths]
    evidence: list[JSON] = [*differing, merge.proof.to_json()]
    if merge.added:
        evidence.append({"kind": "excludedByDesign", "added": list(merge.added),
                         "detail": "break-glass and directory synchronisation accounts the originals did not "
                                   "exclude; the merged policy excludes them (safety rule 3)"})
    changes = tuple({"policyId": pid, "displayName": name_of(m),
                     "changes": property_diff(_comparable(m), _comparable(merged))}
                    for pid, m in zip(ids, members, strict=True))
    state = "report-only" if members[0].get("state") != "enabled" else "enabled"
    names = _listing([name_of(m) for m in members])
    how = f"differ only in {' and '.join(paths)}" if paths else "have the same conditions and controls"
    together, them = ("the two", "both") if len(members) == 2 else ("they", "all of them")
    summary = (f"The {'' if len(members) == 2 else f'{len(members)} '}{state} policies {names} {how}; one policy "
               f"combining them demands exactly what {together} demand together for each of the "
               f"{merge.proof.users} users in all {merge.proof.scenarios} sign-in scenarios checked, so it can "
               f"replace {them}.")
    return Candidate(
        kind="consolidate_policies", key="+".join(sorted(i.lower() for i in ids)),
        title=f"Merge {names} into one policy", priority="low", summary=summary,
        affected={"policies": list(ids)}, policy=merged, target_policy_ids=ids, changes=changes,
        evidence=tuple(evidence),
    )


def candidates(snapshot: TenantSnapshot, analysis: AnalysisConfig | None = None) -> list[Candidate]:
    """Groups of live policies one proven-equivalent policy can replace. Greedy and in id order: a group starts
    at the first policy not yet grouped and takes every later policy of the same state that differs from the
    merge so far in at most ``MAX_DIFFERENCES`` properties and keeps the merge proven; a policy joins one
    group at most, so a set of near-copies gives one suggestion, not one per pair."""
    config = analysis or AnalysisConfig()
    model = TenantModel.build(snapshot, config)
    live = [p for p in live_policy_json(snapshot) if not _unsupported(parse(snapshot, p))]
    grouped: set[str] = set()
    out = []
    for index, seed in enumerate(live):
        if seed["id"] in grouped:
            continue
        core, best = seed, None
        for other in live[index + 1:]:
            if other["id"] in grouped or other.get("state") != seed.get("state"):
                continue
            folded = _fold(core, other)
            members = [seed] if best is None else list(best.members)
            if folded is not None and (merge := _vetted(snapshot, model, config, [*members, other], folded)):
                core, best = folded, merge
        if best is not None:
            grouped.update(m["id"] for m in best.members)
            out.append(_candidate(best))
    return out
