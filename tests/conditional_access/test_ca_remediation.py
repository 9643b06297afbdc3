from __future__ import annotations

import copy

import pytest
from ca_fixtures import (
    BG1, BG2, DIRSYNC, G_BREAKGLASS, P_DEVICE_CODE, P_LEGACY, P_MFA, policy_in, snapshot_from_document,
)

from entra_agents.conditional_access.checks import CHECKS
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status
from entra_agents.conditional_access.remediation import (
    REPORT_ONLY, build_policy, check_lockout, remediation_policy, suggest_remediation, validate_report_only_policy,
)
from entra_agents.errors import UsageError

BREAKS = {
    "COV-01": lambda doc: policy_in(doc, P_MFA).update(state="disabled"),
    "COV-08": lambda doc: (policy_in(doc, P_LEGACY).update(state="disabled"),
                           policy_in(doc, P_MFA)["conditions"].update(clientAppTypes=["browser"])),
    "COV-10": lambda doc: policy_in(doc, P_DEVICE_CODE).update(state="disabled"),
}


def test_templates(base_doc):
    snapshot = snapshot_from_document(base_doc)
    mfa, legacy, device = (build_policy(c, snapshot) for c in ("COV-01", "COV-08", "COV-10"))
    assert mfa["displayName"] == "CA-Agent - Require MFA for all users"
    for policy in (mfa, legacy, device):
        assert policy["state"] == REPORT_ONLY and "id" not in policy
        users = policy["conditions"]["users"]
        assert users["includeUsers"] == ["All"] and users["excludeUsers"] == sorted([BG1, BG2])
        assert users["excludeRoles"] == [DIRSYNC]
        assert policy["conditions"]["applications"]["includeApplications"] == ["All"]
    assert mfa["conditions"]["clientAppTypes"] == ["all"] and mfa["grantControls"]["builtInControls"] == ["mfa"]
    assert legacy["conditions"]["clientAppTypes"] == ["exchangeActiveSync", "other"]
    assert legacy["grantControls"]["builtInControls"] == ["block"]
    assert device["conditions"]["authenticationFlows"] == {"transferMethods": "deviceCodeFlow"}
    assert device["grantControls"]["builtInControls"] == ["block"]
    with pytest.raises(UsageError, match="COV-99"):
        build_policy("COV-99", snapshot)


def test_prefix_is_configurable(base_doc):
    policy = build_policy("COV-10", snapshot_from_document(base_doc), AnalysisConfig(policy_name_prefix="Contoso"))
    assert policy["displayName"] == "Contoso - Block device code flow"


@pytest.mark.parametrize("check_id", sorted(BREAKS))
def test_suggestion_is_lockout_safe_and_closes_the_gap(base_doc, check_id):
    BREAKS[check_id](base_doc)
    snapshot = snapshot_from_document(base_doc)
    finding = CHECKS[check_id].evaluate(snapshot, AnalysisConfig())
    assert finding.status is Status.FAIL
    suggestion = suggest_remediation(finding, snapshot)
    assert check_lockout(snapshot, None, suggestion) == []
    fixed = copy.deepcopy(base_doc)
    enabled = {**suggestion, "id": "0c000000-0000-4000-8000-00000000ffff", "state": "enabled"}
    fixed["conditionalAccessPolicies"].append(enabled)
    assert CHECKS[check_id].evaluate(snapshot_from_document(fixed), AnalysisConfig()).status is Status.PASS


def test_no_suggestion_for_passing_findings_but_drafting_still_works(base_doc):
    snapshot = snapshot_from_document(base_doc)
    finding = CHECKS["COV-01"].evaluate(snapshot, AnalysisConfig())
    assert suggest_remediation(finding, snapshot) is None
    assert remediation_policy(snapshot, None, finding)["displayName"] == "CA-Agent - Require MFA for all users"


def test_validate_report_only_policy():
    good = {"displayName": "x", "state": REPORT_ONLY, "conditions": {"users": {}, "applications": {}},
            "grantControls": {}}
    assert validate_report_only_policy(good) == []
    assert validate_report_only_policy(["not", "a", "dict"]) == ["policy must be a JSON object"]
    assert any("state" in p for p in validate_report_only_policy({**good, "state": "enabled"}))
    assert any("displayName" in p for p in validate_report_only_policy({**good, "displayName": " "}))
    assert any("id" in p for p in validate_report_only_policy({**good, "id": "abc"}))
    assert any("grantControls" in p for p in validate_report_only_policy({**good, "grantControls": None}))
    assert any("conditions" in p for p in validate_report_only_policy({**good, "conditions": None}))
    actions = {"includeUserActions": ["urn:user:registersecurityinfo"]}
    user_action = {**good, "conditions": {"users": {}, "applications": actions}}
    assert any("user-action" in p for p in validate_report_only_policy(user_action))


def test_lockout_detects_missing_break_glass_exclusion(base_doc):
    snapshot = snapshot_from_document(base_doc)
    policy = build_policy("COV-01", snapshot)
    policy["conditions"]["users"]["excludeUsers"] = [BG1]
    problems = check_lockout(snapshot, None, policy)
    assert any("does not exclude break-glass account" in p and BG2 in p for p in problems)
    assert any("would be required to satisfy mfa" in p and BG2 in p for p in problems)
    assert not any(BG1 in p for p in problems)


def test_lockout_accepts_group_exclusion_and_flags_enabled_state_and_dirsync(base_doc):
    snapshot = snapshot_from_document(base_doc)
    policy = build_policy("COV-08", snapshot)
    users = policy["conditions"]["users"]
    users["excludeUsers"], users["excludeGroups"], users["excludeRoles"] = [], [G_BREAKGLASS], []
    policy["state"] = "enabled"
    problems = check_lockout(snapshot, None, policy)
    assert any("state must be" in p for p in problems)
    assert any("Directory Synchronization Accounts role" in p for p in problems)
    assert any("directory synchronization account" in p for p in problems)
    assert not any("break-glass" in p for p in problems)


def test_lockout_requires_known_break_glass(base_doc):
    base_doc["conditionalAccessPolicies"] = []  # nothing to detect break-glass accounts from
    snapshot = snapshot_from_document(base_doc)
    problems = check_lockout(snapshot, None, build_policy("COV-01", snapshot))
    assert any("no break-glass accounts" in p for p in problems)
    ghost = AnalysisConfig(break_glass_accounts=("ghost@base.test",))
    unresolved = check_lockout(snapshot, ghost, build_policy("COV-01", snapshot))
    assert any("ghost@base.test" in p for p in unresolved)


def test_lockout_catches_policy_biting_on_some_resources_only(base_doc):
    snapshot = snapshot_from_document(base_doc)
    policy = build_policy("COV-01", snapshot)
    policy["conditions"]["users"]["excludeUsers"] = []
    policy["conditions"]["applications"]["includeApplications"] = ["00000002-0000-0ff1-ce00-000000000000"]
    problems = check_lockout(snapshot, None, policy)
    assert any("Any resources" in p for p in problems)
