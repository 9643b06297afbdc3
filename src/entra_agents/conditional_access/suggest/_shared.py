"""Small helpers the consolidation, rollout and review suggestions share: raw policy JSON in a stable order,
parsing it the way the evaluator does, and the body of a policy we would create."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ...graph.snapshot import TenantSnapshot
from ..policy import Policy, PolicyState, parse_policy, parse_strengths

JSON = dict[str, Any]
REPORT_ONLY = PolicyState.REPORT_ONLY.value
LIVE_STATES = frozenset({PolicyState.ENABLED.value, REPORT_ONLY})
# Properties Graph sets itself: a policy we suggest creating must not carry them.
_READ_ONLY = frozenset({"id", "createdDateTime", "modifiedDateTime", "templateId", "deletedDateTime"})


def live_policy_json(snapshot: TenantSnapshot) -> list[JSON]:
    """Enabled and report-only policies as Graph returned them, by id so every run lists them alike."""
    live = [p for p in snapshot.conditional_access_policies
            if isinstance(p, Mapping) and p.get("id") and p.get("state") in LIVE_STATES]
    return sorted(live, key=lambda p: str(p["id"]).lower())


def parse(snapshot: TenantSnapshot, policy_json: Mapping[str, Any]) -> Policy:
    return parse_policy(policy_json, parse_strengths(snapshot.authentication_strength_policies))


def new_policy_body(policy_json: Mapping[str, Any], display_name: str) -> JSON:
    """A copy of ``policy_json`` fit to create: no read-only properties, report-only (safety rule 1)."""
    body = {k: copy.deepcopy(v) for k, v in policy_json.items() if k not in _READ_ONLY and not k.startswith("@odata")}
    body["displayName"] = display_name
    body["state"] = REPORT_ONLY
    return body


def name_of(policy_json: Mapping[str, Any]) -> str:
    return str(policy_json.get("displayName") or policy_json.get("id") or "")
