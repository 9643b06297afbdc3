"""Property diffs: what a modify suggestion shows the administrator is exactly what applying it writes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from entra_agents.suggestions.diff import DriftError, apply_changes, check_drift, patch_body, property_diff

POLICY: dict[str, Any] = {
    "id": "p1", "displayName": "CA001 - Require MFA", "state": "enabled", "modifiedDateTime": "2026-01-01T00:00:00Z",
    "conditions": {
        "clientAppTypes": ["all"], "locations": None,
        "users": {"includeUsers": ["All"], "excludeUsers": [], "excludeGroups": ["g-bg", "g-sales"],
                  "excludeRoles": []},
    },
    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
}


def edited(**changes: Any) -> dict[str, Any]:
    policy = copy.deepcopy(POLICY)
    users = policy["conditions"]["users"]
    users["excludeGroups"] = changes.get("exclude_groups", users["excludeGroups"])
    users["excludeRoles"] = changes.get("exclude_roles", users["excludeRoles"])
    if "locations" in changes:
        policy["conditions"]["locations"] = changes["locations"]
    policy["modifiedDateTime"] = "2026-02-01T00:00:00Z"
    return policy


def test_id_lists_diff_as_added_and_removed_values() -> None:
    after = edited(exclude_groups=["g-bg", "g-new"], exclude_roles=["r1"])
    assert property_diff(POLICY, after) == [
        {"op": "add", "path": "conditions.users.excludeGroups", "values": ["g-new"]},
        {"op": "remove", "path": "conditions.users.excludeGroups", "values": ["g-sales"]},
        {"op": "add", "path": "conditions.users.excludeRoles", "values": ["r1"]},
    ]


def test_objects_replacing_null_and_bookkeeping_ignored() -> None:
    locations = {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
    assert property_diff(POLICY, edited(locations=locations)) == [
        {"op": "replace", "path": "conditions.locations", "before": None, "after": locations}]
    assert property_diff(POLICY, edited()) == []


def test_apply_round_trips_and_patches_only_touched_properties() -> None:
    after = edited(exclude_groups=["g-bg"], exclude_roles=["r1"])
    changes = property_diff(POLICY, after)
    applied = apply_changes(POLICY, changes)
    assert property_diff(applied, after) == [] and POLICY["conditions"]["users"]["excludeGroups"] == ["g-bg", "g-sales"]
    body = patch_body(POLICY, changes)
    assert list(body) == ["conditions"] and body["conditions"]["users"]["excludeRoles"] == ["r1"]
    assert body["conditions"]["clientAppTypes"] == ["all"]  # the rest of the object is sent unchanged


def test_drift_is_refused_with_the_property_named() -> None:
    changes = property_diff(POLICY, edited(exclude_groups=["g-bg"]))
    someone_else = edited(exclude_groups=["g-bg"])  # the exclusion was already removed by hand
    assert check_drift(someone_else, changes) == ["conditions.users.excludeGroups no longer holds g-sales"]
    with pytest.raises(DriftError, match="excludeGroups"):
        apply_changes(someone_else, changes)
    replaced = property_diff(POLICY, {**POLICY, "state": "disabled"})
    assert check_drift({**POLICY, "state": "enabledForReportingButNotEnforced"}, replaced) == [
        "state is now 'enabledForReportingButNotEnforced', not 'enabled'"]
