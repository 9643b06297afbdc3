"""What-if on the policy set itself: a copy of the tenant with one policy replaced (or added), the checks
re-run on it, the lockout check and the sign-in impact of a modification.

Every claim a suggestion makes ("this change closes COV-01 for these users", "break-glass stays excluded")
is answered here by the same engine that found the gap, on a copy of the snapshot: never by the shape of the
policy. The original snapshot is never edited (its analysis is cached on it).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..checks import CHECKS, run_check
from ..config import AnalysisConfig
from ..coverage import TenantModel
from ..evaluator import match_users
from ..findings import Status
from ..impact import estimate_impact
from ..policy import PolicyState, parse_policy, parse_strengths
from ..principals import DIRECTORY_SYNCHRONIZATION_ACCOUNTS
from ..remediation import check_lockout

JSON = dict[str, Any]


def with_policy(snapshot: TenantSnapshot, policy: Mapping[str, Any]) -> TenantSnapshot:
    """A copy of ``snapshot`` where the policy with ``policy``'s id is replaced by it (added when new)."""
    pid = str(policy.get("id", "")).lower()
    others = [p for p in snapshot.conditional_access_policies if str(p.get("id", "")).lower() != pid]
    return dataclasses.replace(snapshot, conditional_access_policies=[*others, copy.deepcopy(dict(policy))])


def uncovered(snapshot: TenantSnapshot, config: AnalysisConfig, checks: Iterable[str]) -> dict[str, frozenset[str]]:
    """Per check, the users its finding names as affected; empty unless the check fails."""
    out = {}
    for check in checks:
        finding = run_check(CHECKS[check], snapshot, config)
        out[check] = frozenset(finding.affected.users) if finding.status is Status.FAIL else frozenset()
    return out


def parsed(snapshot: TenantSnapshot, policy: Mapping[str, Any]) -> Any:
    return parse_policy(policy, parse_strengths(snapshot.authentication_strength_policies))


def with_safety_exclusions(model: TenantModel, policy: JSON) -> JSON:
    """``policy`` (a copy) excluding every break-glass account it would otherwise reach and the Directory
    Synchronization Accounts role (safety rule 3 holds for modified policies as for new ones)."""
    out = copy.deepcopy(policy)
    users = out.setdefault("conditions", {}).setdefault("users", {})
    reached = [uid for uid in sorted(model.break_glass.ids)
               if match_users(parsed(model.snapshot, out), uid, model.directory).matched]
    if reached:
        users["excludeUsers"] = [*(users.get("excludeUsers") or []), *reached]
    roles = users.get("excludeRoles") or []
    if DIRECTORY_SYNCHRONIZATION_ACCOUNTS not in {str(r).lower() for r in roles}:
        users["excludeRoles"] = [*roles, DIRECTORY_SYNCHRONIZATION_ACCOUNTS]
    return out


def modify_problems(trial: TenantSnapshot, config: AnalysisConfig, after: Mapping[str, Any]) -> list[str]:
    """``check_lockout`` for a modified policy: ``trial`` already holds ``after`` in place of the original,
    and ``after`` is judged as if it were a new policy next to the rest (its id and state are stripped only
    for the structural rules of new policies; it is evaluated enabled either way)."""
    actions = ((after.get("conditions") or {}).get("applications") or {}).get("includeUserActions") or []
    state = PolicyState.DISABLED.value if actions else PolicyState.REPORT_ONLY.value
    candidate = {k: copy.deepcopy(v) for k, v in after.items() if k != "id"} | {"state": state}
    return check_lockout(trial, config, candidate)


def modify_impact(snapshot: TenantSnapshot, config: AnalysisConfig, before: Mapping[str, Any],
                  after: Mapping[str, Any]) -> JSON:
    """What the modified policy would have done to the look-back window's sign-ins of the users it newly
    brings into scope (users already in scope see no change, so counting them would overstate the impact)."""
    model = TenantModel.build(snapshot, config)
    newly = model.users_in_scope(parsed(snapshot, after)) - model.users_in_scope(parsed(snapshot, before))
    enabled = {u for u in newly if model.directory.is_enabled(u)}
    sign_ins = [s for s in snapshot.sign_ins if str(s.get("userId") or "").lower() in enabled]
    impact = estimate_impact(dataclasses.replace(snapshot, sign_ins=sign_ins), config, after).to_json()
    return {**impact, "scope": "sign-ins of the users this change brings into the policy's scope",
            "usersNewlyInScope": len(enabled)}
