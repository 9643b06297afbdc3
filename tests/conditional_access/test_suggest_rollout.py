"""Phased rollout plans: eligibility, the impact-ordered phases an admin reviews, and the safeguard."""

from __future__ import annotations

from typing import Any

import pytest
from ca_fixtures import G_BREAKGLASS, P_LEGACY, P_MFA, base_document, ca_policy, user
from cov_fixtures import EXO, sign_in, snapshot

from entra_agents.conditional_access.suggest import rollout
from entra_agents.errors import UsageError

JSON = dict[str, Any]
REPORT_ONLY = "enabledForReportingButNotEnforced"
P_DEVICE = "0c000000-0000-4000-8000-0000000000d1"
P_PILOT = "0c000000-0000-4000-8000-0000000000d2"


def gid(n: int) -> str:
    return f"06000000-0000-4000-8000-0000000001{n:02d}"


def uid(n: int) -> str:
    return f"0a000000-0000-4000-8000-0000000001{n:02d}"


# group n -> its members; sign-ins per member (browser from Windows: each one would newly need a compliant device)
MEMBERS = {1: [1], 2: [2, 3], 3: [4, 5], 4: [6], 5: [7, 8, 9], 6: [10]}
BROWSER_SIGN_INS = {1: 0, 2: 1, 3: 0, 4: 0, 5: 0, 6: 5, 7: 1, 8: 1, 9: 0, 10: 9}


def rollout_tenant(groups_in_ca: int = 6) -> JSON:
    """Six groups used by a disabled pilot policy; the report-only device policy excludes group 6."""
    doc = base_document()
    doc["users"] += [user(uid(n), f"user{n}@base.test") for n in range(1, 11)]
    doc["groups"] += [{"id": gid(g), "displayName": f"Group {g}", "members": [uid(n) for n in members]}
                      for g, members in MEMBERS.items()]
    pilot = ca_policy(P_PILOT, "Pilot", state="disabled", include_users=[])
    pilot["conditions"]["users"]["includeGroups"] = [gid(g) for g in range(1, groups_in_ca + 1)]
    device = ca_policy(P_DEVICE, "Require compliant device", state=REPORT_ONLY, controls=["compliantDevice"],
                       exclude_groups=[G_BREAKGLASS, gid(6)])
    doc["conditionalAccessPolicies"] += [pilot, device]
    doc["signIns"] = [sign_in(f"s{n:02d}{i}", uid(n), EXO, "Browser", "Windows 11")
                      for n, count in BROWSER_SIGN_INS.items() for i in range(count)]
    return doc


def test_plan_orders_groups_by_measured_impact_and_ends_with_all_users():
    [found] = rollout.candidates(snapshot(rollout_tenant()))
    assert found.kind == "phased_rollout" and found.target_policy_id == P_DEVICE and found.key == P_DEVICE
    assert found.title == "Roll out 'Require compliant device' in five phases"
    plan = found.rollout
    assert plan["policyId"] == P_DEVICE
    assert plan["safeguard"] == {"blockedPercentAbove": 10, "action": "revert the policy to report-only and pause "
                                                                      "the rollout"}
    # affected sign-ins per group: 1 -> 0, 3 -> 0, 2 -> 1, 5 -> 2, 4 -> 5 (group 6 is excluded by the policy);
    # of the tied groups 1 and 3, the one with fewer users goes first
    assert [[g["displayName"] for g in p["groups"]] for p in plan["phases"]] == [
        ["Group 1"], ["Group 3"], ["Group 2"], ["Group 5", "Group 4"], []]
    assert [p["phase"] for p in plan["phases"]] == [1, 2, 3, 4, 5] and plan["phases"][-1]["allUsers"]
    assert [p["signIns"] for p in plan["phases"]] == [0, 0, 1, 7, 0]
    assert [p["users"] for p in plan["phases"]] == [1, 2, 2, 4, 3]  # phase 5 adds Alice, Bob and Carol (a guest)
    assert plan["phases"][-1]["cumulativeUsers"] == 12  # counted users apart from group 6
    assert sum(p["wouldRequireNewControls"] for p in plan["phases"]) == 8 and plan["phases"][0]["wouldBlock"] == 0
    assert found.summary == (
        "'Require compliant device' is report-only and targets All users; a five-phase rollout starts with "
        "'Group 1' (1 user, 0 sign-ins affected in the look-back window) and ends with all 12 users; a phase is "
        "rolled back to report-only if more than 10% of its sign-ins are blocked.")


def test_fewer_than_five_usable_groups_gives_no_plan_and_says_why():
    tenant = snapshot(rollout_tenant(groups_in_ca=4))
    assert rollout.candidates(tenant) == []
    policy = next(p for p in tenant.conditional_access_policies if p["id"] == P_DEVICE)
    plan, why = rollout.plan(tenant, None, policy)
    assert plan is None
    # groups 1-4 plus break-glass and group 6, both excluded by the policy itself
    assert why.startswith("4 of the 6 groups used in Conditional Access can carry a phase of "
                          "'Require compliant device'") and why.endswith("needs at least 5")


def test_only_report_only_all_users_policies_get_a_plan():
    doc = rollout_tenant()
    device = doc["conditionalAccessPolicies"][-1]
    device["state"] = "enabled"
    assert rollout.candidates(snapshot(doc)) == []
    device.update(state=REPORT_ONLY)
    device["conditions"]["users"].update(includeUsers=[], includeGroups=[gid(1)])
    assert rollout.candidates(snapshot(doc)) == []
    assert rollout.plan(snapshot(doc), None, device)[1] == (
        "'Require compliant device' is not a report-only policy for All users")


def test_safeguard_holds_when_nothing_new_is_blocked():
    tenant = snapshot(rollout_tenant())
    [found] = rollout.candidates(tenant)
    assert rollout.safeguard_tripped(tenant, found.rollout, 4) == (
        False, "phase 4: 0 of 8 sign-ins the policy applies to (0.0%) blocked, within the 10% safeguard")
    assert rollout.safeguard_tripped(tenant, found.rollout, 1) == (
        False, "phase 1: no sign-in in the window that the policy applies to")


def test_safeguard_trips_when_a_phase_blocks_more_than_ten_percent():
    doc = rollout_tenant()
    [found] = rollout.candidates(snapshot(doc))
    # nothing else stops IMAP now, and it cannot present a compliant device: the policy itself would block it
    doc["conditionalAccessPolicies"] = [p for p in doc["conditionalAccessPolicies"] if p["id"] not in (P_LEGACY, P_MFA)]
    doc["signIns"] += [sign_in("imap1", uid(6), EXO, "IMAP4", "")]
    tripped, reason = rollout.safeguard_tripped(snapshot(doc), found.rollout, 4)
    assert tripped and reason == ("phase 4: 1 of 9 sign-ins the policy applies to (11.1%) blocked, above 10%: "
                                  "revert the policy to report-only and pause the rollout")
    # the enabled copy a started rollout created is left out, so its own blocks still count
    copy = {**doc["conditionalAccessPolicies"][-1], "id": "copy-1", "state": "enabled"}
    doc["conditionalAccessPolicies"].append(copy)
    assert not rollout.safeguard_tripped(snapshot(doc), found.rollout, 4)[0]
    assert rollout.safeguard_tripped(snapshot(doc), found.rollout, 4, enforcing_copy_id="copy-1")[0]


def test_safeguard_rejects_a_phase_outside_the_plan():
    tenant = snapshot(rollout_tenant())
    [found] = rollout.candidates(tenant)
    with pytest.raises(UsageError, match="phase 6 is not in this plan"):
        rollout.safeguard_tripped(tenant, found.rollout, 6)
