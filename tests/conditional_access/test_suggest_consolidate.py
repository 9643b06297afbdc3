"""Consolidation suggestions: what an admin sees, and an independent evaluator check that merging changes nothing."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from ca_fixtures import (
    BG1,
    BG2,
    BOB,
    CAROL_GUEST,
    G_BREAKGLASS,
    G_ENG,
    G_STAFF,
    P_MFA,
    base_document,
    ca_policy,
)
from cov_fixtures import snapshot

from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.evaluator import evaluate
from entra_agents.conditional_access.policy import parse_policies
from entra_agents.conditional_access.principals import Directory
from entra_agents.conditional_access.scenarios import ScenarioGrid
from entra_agents.conditional_access.suggest import consolidate
from entra_agents.conditional_access.suggest.candidate import Candidate
from entra_agents.suggestions.diff import apply_changes

JSON = dict[str, Any]
P_A = "0c000000-0000-4000-8000-0000000000c1"
P_B = "0c000000-0000-4000-8000-0000000000c2"
P_C = "0c000000-0000-4000-8000-0000000000c3"
G_SYNCED = "06000000-0000-4000-8000-0000000005c0"


def group_policy(pid: str, name: str, groups: list[str], **kwargs: Any) -> JSON:
    policy = ca_policy(pid, name, include_users=[], **kwargs)
    policy["conditions"]["users"]["includeGroups"] = groups
    return policy


def tenant(*policies: JSON) -> JSON:
    """The base tenant without its MFA-for-everyone policy (which every MFA policy for a group merges into)."""
    doc = base_document()
    doc["conditionalAccessPolicies"] = [p for p in doc["conditionalAccessPolicies"] if p["id"] != P_MFA]
    doc["conditionalAccessPolicies"] += list(policies)
    return doc


def demands(doc: JSON) -> dict[tuple[str, Any], Any]:
    """Per user (break-glass and sync apart) and scenario of the full grid, evaluated by the evaluator: blocked,
    or which combinations of the tenant's grant controls would let the sign-in through."""
    snap = snapshot(doc)
    policies = parse_policies(doc["conditionalAccessPolicies"])
    directory = Directory.from_snapshot(snap)
    controls = sorted({c for p in policies if p.grant for c in p.grant.controls}, key=lambda c: c.label())
    presented = [frozenset(s) for n in range(len(controls) + 1) for s in itertools.combinations(controls, n)]
    out = {}
    for uid in directory.user_ids():
        if uid in {BG1, BG2} or "sync" in directory.label(uid).lower():
            continue
        for scenario in ScenarioGrid.full(snap).scenarios():
            ctx = scenario.for_user(uid)
            enforced = evaluate(policies, directory, ctx).enforced
            if enforced.effectively_blocked(ctx.client_app, ctx.auth_flow):
                out[uid, scenario] = "blocked"
            else:
                out[uid, scenario] = [all(any(o <= s for o in r.options) for r in enforced.requirements)
                                      for s in presented]
    return out


def replaced(doc: JSON, found: Candidate) -> JSON:
    """The tenant after the suggestion: the merged policy, enabled, instead of the two originals."""
    after = copy.deepcopy(doc)
    after["conditionalAccessPolicies"] = [p for p in after["conditionalAccessPolicies"]
                                          if p["id"] not in found.target_policy_ids]
    after["conditionalAccessPolicies"].append({**found.policy, "id": "merged", "state": "enabled"})
    return after


def test_two_group_policies_merge_into_one_that_enforces_the_same():
    doc = tenant(group_policy(P_A, "Compliant device Staff", [G_STAFF], controls=["compliantDevice"]),
                 group_policy(P_B, "Compliant device Engineering", [G_ENG], controls=["compliantDevice"]))
    [found] = consolidate.candidates(snapshot(doc), AnalysisConfig(policy_name_prefix="Contoso"))
    assert found.kind == "consolidate_policies" and found.target_policy_ids == (P_A, P_B)
    assert found.key == f"{P_A}+{P_B}" and found.affected == {"policies": [P_A, P_B]}
    assert found.title == "Merge 'Compliant device Staff' and 'Compliant device Engineering' into one policy"
    assert found.summary.startswith("The enabled policies 'Compliant device Staff' and 'Compliant device "
                                    "Engineering' differ only in conditions.users.includeGroups; one policy")
    merged = found.policy
    assert merged["state"] == "enabledForReportingButNotEnforced" and "id" not in merged
    assert merged["displayName"] == "Contoso - Compliant device Staff + Compliant device Engineering"
    assert merged["conditions"]["users"]["includeGroups"] == [G_STAFF, G_ENG]
    assert merged["conditions"]["users"]["excludeGroups"] == [G_BREAKGLASS]
    [differing, proof] = found.evidence
    assert differing == {"kind": "differingProperty", "property": "conditions.users.includeGroups",
                         "values": {P_A: [G_STAFF], P_B: [G_ENG]}, "merged": [G_STAFF, G_ENG]}
    assert proof["kind"] == "equivalenceProof" and proof["users"] == 4
    # each original's changes turn it into the merged policy (keeping its own name and state)
    assert [c["changes"] for c in found.changes] == [
        [{"op": "add", "path": "conditions.users.includeGroups", "values": [G_ENG]}],
        [{"op": "add", "path": "conditions.users.includeGroups", "values": [G_STAFF]}]]
    original = doc["conditionalAccessPolicies"][-2]
    assert apply_changes(original, found.changes[0]["changes"])["conditions"] == merged["conditions"]
    assert demands(replaced(doc, found)) == demands(doc)


def test_identical_policies_are_merged_too():
    doc = tenant(group_policy(P_A, "MFA staff", [G_STAFF]), group_policy(P_B, "MFA staff (copy)", [G_STAFF]))
    [found] = consolidate.candidates(snapshot(doc))
    assert "have the same conditions and controls" in found.summary
    assert demands(replaced(doc, found)) == demands(doc)


def test_separate_controls_for_the_same_users_merge_when_both_must_be_met():
    doc = tenant(group_policy(P_A, "MFA staff", [G_STAFF], controls=["mfa"], operator="AND"),
                 group_policy(P_B, "Device staff", [G_STAFF], controls=["compliantDevice"], operator="AND"))
    [found] = consolidate.candidates(snapshot(doc))
    assert found.policy["grantControls"]["builtInControls"] == ["mfa", "compliantDevice"]
    assert found.policy["grantControls"]["operator"] == "AND"
    assert demands(replaced(doc, found)) == demands(doc)


def test_either_or_controls_cannot_merge():
    # OR [mfa] and OR [compliantDevice] together demand both; OR [mfa, compliantDevice] would accept either
    doc = tenant(group_policy(P_A, "MFA staff", [G_STAFF], controls=["mfa"]),
                 group_policy(P_B, "Device staff", [G_STAFF], controls=["compliantDevice"]))
    assert consolidate.candidates(snapshot(doc)) == []


def test_a_merge_that_would_widen_either_policy_is_not_suggested():
    # two differences (groups and client types): the union would ask Staff on mobile and Engineering in browsers
    doc = tenant(group_policy(P_A, "MFA staff browser", [G_STAFF], client_app_types=["browser"]),
                 group_policy(P_B, "MFA eng mobile", [G_ENG], client_app_types=["mobileAppsAndDesktopClients"]))
    assert consolidate.differences(*doc["conditionalAccessPolicies"][-2:]) == [
        "conditions.clientAppTypes", "conditions.users.includeGroups"]
    assert consolidate.candidates(snapshot(doc)) == []


def test_different_people_with_different_rules_are_not_merged_even_when_one_group_is_empty():
    # Proven equivalent today only because nobody is in the empty group; tomorrow's member of it would get
    # "MFA or a compliant device" instead of MFA (the generated tenant's CA103/CA107 pair)
    empty = "06000000-0000-4000-8000-0000000005e0"
    doc = tenant(group_policy(P_A, "Staff: MFA or device", [G_STAFF], controls=["mfa", "compliantDevice"]),
                 group_policy(P_B, "Contractors: MFA", [empty], controls=["mfa"]))
    doc["groups"].append({"id": empty, "displayName": "Contractors", "securityEnabled": True, "members": []})
    assert consolidate.differences(*doc["conditionalAccessPolicies"][-2:]) == [
        "conditions.users.includeGroups", "grantControls.builtInControls"]
    assert consolidate.candidates(snapshot(doc)) == []


def test_exclusions_that_only_agree_through_group_membership_are_not_merged():
    # Bob is excluded from both (by his group in one, by name in the other); the intersection of the lists is
    # empty, so the merged policy would start asking Bob: the proof catches it
    a = ca_policy(P_A, "MFA all but engineering", exclude_groups=[G_BREAKGLASS, G_ENG])
    b = ca_policy(P_B, "MFA all but Bob")
    b["conditions"]["users"]["excludeUsers"] = [BOB]
    assert consolidate.candidates(snapshot(tenant(a, b))) == []


def test_policies_differing_in_three_properties_are_not_paired():
    a = group_policy(P_A, "Staff browser", [G_STAFF], client_app_types=["browser"])
    b = group_policy(P_B, "Eng mobile", [G_ENG], client_app_types=["mobileAppsAndDesktopClients"])
    b["conditions"]["signInRiskLevels"] = ["high"]
    assert len(consolidate.differences(a, b)) == 3
    assert consolidate.candidates(snapshot(tenant(a, b))) == []


def test_an_enabled_and_a_report_only_policy_are_never_merged():
    doc = tenant(group_policy(P_A, "MFA staff", [G_STAFF]),
                 group_policy(P_B, "MFA eng", [G_ENG], state="enabledForReportingButNotEnforced"))
    assert consolidate.candidates(snapshot(doc)) == []


def test_merged_policy_excludes_break_glass_even_when_the_originals_did_not():
    doc = tenant(group_policy(P_A, "MFA staff", [G_STAFF], exclude_groups=[]),
                 group_policy(P_B, "MFA eng", [G_ENG], exclude_groups=[]))
    doc["groups"][1]["members"].append(BG1)  # break-glass account in Staff: the originals ask it for MFA
    [found] = consolidate.candidates(snapshot(doc), AnalysisConfig(break_glass_accounts=(BG1, BG2)))
    assert found.policy["conditions"]["users"]["excludeUsers"] == [BG1, BG2]
    added = next(e for e in found.evidence if e["kind"] == "excludedByDesign")
    assert added["added"] == [BG1, BG2]


def test_report_only_pairs_and_stable_order():
    report_only = "enabledForReportingButNotEnforced"
    doc = tenant(group_policy(P_B, "Block eng legacy", [G_ENG], state=report_only, controls=["block"],
                              client_app_types=["exchangeActiveSync", "other"]),
                 group_policy(P_A, "Block staff legacy", [G_STAFF], state=report_only, controls=["block"],
                              client_app_types=["exchangeActiveSync", "other"]))
    first = consolidate.candidates(snapshot(doc))
    assert [c.key for c in first] == [f"{P_A}+{P_B}"] and first[0].target_policy_ids == (P_A, P_B)
    assert first[0].summary.startswith("The report-only policies 'Block staff legacy' and 'Block eng legacy'")
    assert [c.to_suggestion() for c in consolidate.candidates(snapshot(doc))] == [c.to_suggestion() for c in first]
    # as enforced, the merged policy would block exactly what the two did
    enforced = copy.deepcopy(doc)
    for p in enforced["conditionalAccessPolicies"]:
        p["state"] = "enabled"
    assert demands(replaced(enforced, first[0])) == demands(enforced)


def test_policies_with_conditions_the_proof_cannot_exercise_are_left_alone():
    a, b = group_policy(P_A, "MFA staff", [G_STAFF]), group_policy(P_B, "MFA eng", [G_ENG])
    for p in (a, b):
        p["conditions"]["devices"] = {"deviceFilter": {"mode": "include", "rule": "device.isCompliant -eq True"}}
    assert consolidate.candidates(snapshot(tenant(a, b))) == []


def test_a_group_policy_already_implied_by_the_all_users_policy_merges_into_it():
    doc = base_document()
    doc["conditionalAccessPolicies"].append(group_policy(P_A, "MFA staff", [G_STAFF]))
    [found] = consolidate.candidates(snapshot(doc))
    assert found.target_policy_ids == (P_A, P_MFA)
    assert found.policy["conditions"]["users"]["includeUsers"] == ["All"]
    assert [c["changes"] for c in found.changes][1] == [
        {"op": "add", "path": "conditions.users.includeGroups", "values": [G_STAFF]}]
    assert demands(replaced(doc, found)) == demands(doc)


def test_near_copies_become_one_group_not_one_suggestion_per_pair():
    doc = tenant(group_policy(P_A, "Device staff", [G_STAFF], controls=["compliantDevice"]),
                 group_policy(P_B, "Device eng", [G_ENG], controls=["compliantDevice"]),
                 group_policy(P_C, "MFA staff", [G_STAFF], controls=["mfa"]))
    [found] = consolidate.candidates(snapshot(doc))
    assert found.target_policy_ids == (P_A, P_B)  # one difference from the merge, but OR [device, mfa] is weaker
    doc["conditionalAccessPolicies"][-1] = group_policy(P_C, "Device sync", [G_SYNCED], controls=["compliantDevice"])
    doc["groups"].append({"id": G_SYNCED, "displayName": "Synced", "members": [CAROL_GUEST]})
    [found] = consolidate.candidates(snapshot(doc))
    assert found.target_policy_ids == (P_A, P_B, P_C) and found.key == "+".join(sorted([P_A, P_B, P_C]))
    assert found.title == "Merge 'Device staff', 'Device eng' and 'Device sync' into one policy"
    assert found.summary.startswith("The 3 enabled policies 'Device staff', 'Device eng' and 'Device sync' differ "
                                    "only in conditions.users.includeGroups; one policy combining them demands "
                                    "exactly what they demand together")
    assert found.policy["conditions"]["users"]["includeGroups"] == [G_STAFF, G_ENG, G_SYNCED]
    assert found.policy["displayName"] == "CA-Agent - Device staff and 2 more"
    assert len(found.changes) == 3
    assert demands(replaced(doc, found)) == demands(doc)
