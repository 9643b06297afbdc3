"""HYG-08: duplicate, contradicting and shadowed policies."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Severity, Status
from ..policy import Conditions, Policy
from ._common import CheckMetadata, make_finding
from ._policy_checks import POLICY_INPUTS, affected, prepare_policies, ref
from .hyg01 import control_kinds

METADATA = CheckMetadata(
    id="HYG-08",
    title="Duplicate, contradicting or shadowed policies",
    severity=Severity.LOW,
    rationale=(
        "Policies with identical assignments but different controls usually mean a change was made in one copy "
        "and not the other; a policy whose whole scope is already blocked by an enabled block policy never "
        "changes an outcome. Both make the policy set harder to reason about and to change safely."
    ),
    references=(
        "https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-policies",
        "https://learn.microsoft.com/entra/identity/conditional-access/plan-conditional-access",
    ),
    remediation="Merge policies with identical assignments into one; delete policies fully shadowed by a block, or "
                "narrow the block if the shadowed policy expresses the intent.",
    depends_on=POLICY_INPUTS,
)


def _assignment_key(c: Conditions) -> tuple[Conditions, str]:
    """Conditions compared as values (sets, so order-insensitive); the device filter, left out of the dataclass
    equality, by its JSON text."""
    return c, json.dumps(c.device_filter, sort_keys=True)


def _covers(broad: frozenset[str], narrow: frozenset[str]) -> bool:
    """Level/type lists where empty means any: ``broad`` matches everything ``narrow`` matches."""
    return not broad or (bool(narrow) and narrow <= broad)


def shadows(block: Policy, other: Policy) -> bool:
    """``block`` applies to every sign-in ``other`` applies to. Decided syntactically and conservatively."""
    b, o = block.conditions, other.conditions
    bu, ou = b.users, o.users
    users = (bu.targets_all_users or (ou.include_users <= bu.include_users and ou.include_groups <= bu.include_groups
                                      and ou.include_roles <= bu.include_roles and not ou.include_guests)) \
        and bu.exclude_users <= ou.exclude_users and bu.exclude_groups <= ou.exclude_groups \
        and bu.exclude_roles <= ou.exclude_roles and bu.exclude_guests is None
    ba, oa = b.applications, o.applications
    apps = (("All" in ba.include and not ba.exclude) or (oa.include <= ba.include and ba.exclude <= oa.exclude)) \
        and not ba.has_filter and not ba.user_actions and not ba.auth_contexts \
        and not oa.user_actions and not oa.auth_contexts
    rest = (_covers(b.client_app_types, o.client_app_types) and b.include_platforms is None
            and b.include_locations is None and _covers(b.sign_in_risk, o.sign_in_risk)
            and _covers(b.user_risk, o.user_risk) and _covers(b.insider_risk, o.insider_risk)
            and _covers(b.transfer_methods, o.transfer_methods) and b.device_filter is None)
    return users and apps and rest


def evaluate(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> Finding:
    model = prepare_policies(METADATA, snapshot, config)
    if isinstance(model, Finding):
        return model
    live = model.live_policies
    groups: dict[tuple[Conditions, str], list[Policy]] = defaultdict(list)
    for p in live:
        groups[_assignment_key(p.conditions)].append(p)
    conflicts: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    for same in (g for g in groups.values() if len(g) > 1):
        controls = {p.id: sorted(control_kinds(p)) for p in same}
        entry = {"policies": [ref(p, controls=controls[p.id]) for p in same]}
        if len({tuple(c) for c in controls.values()}) > 1:
            blocks = any(p.grant and p.grant.blocks for p in same)
            conflicts.append({"kind": "contradicting" if blocks else "conflictingControls", **entry,
                              "detail": "identical assignments with different controls"})
        else:
            duplicates.append({"kind": "duplicate", **entry, "detail": "identical assignments and controls"})
    blocks = [p for p in live if p.is_enabled and p.grant is not None and p.grant.blocks]
    shadowed = [{"kind": "shadowedByBlock", **ref(p), "blockedBy": ref(b),
                 "detail": "every sign-in this policy applies to is already blocked by an enabled policy"}
                for p in live for b in blocks
                if b.id != p.id and not (p.grant and p.grant.blocks) and shadows(b, p)]
    evidence = conflicts + shadowed + duplicates
    ids = sorted({x["policy"] for e in conflicts + duplicates for x in e["policies"]} | {e["policy"] for e in shadowed})
    if conflicts or shadowed:
        summary = f"{len(conflicts)} sets of policies with identical assignments and different controls; " \
                  f"{len(shadowed)} policies fully shadowed by a block; {len(duplicates)} exact duplicates."
        return make_finding(METADATA, Status.FAIL, summary, affected(policies=ids), evidence)
    if duplicates:
        return make_finding(METADATA, Status.REVIEW, f"{len(duplicates)} sets of exactly duplicated policies.",
                            affected(policies=ids), evidence)
    return make_finding(METADATA, Status.PASS, "No duplicate, contradicting or shadowed live policies.")
