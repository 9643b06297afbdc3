"""HYG checks: pass/fail (and review/error) pairs built by small patches of the base tenant."""

from __future__ import annotations

import pytest
from ca_fixtures import (
    ALICE, G_ENG, G_STAFF, P_DEVICE_CODE, P_LEGACY, P_MFA, SECURITY_ADMIN, base_document, ca_policy, policy_in,
    snapshot_from_document,
)

from entra_agents.conditional_access.checks import hyg01, hyg02, hyg03, hyg04, hyg05, hyg08, hyg09, hyg10
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

MODULES = (hyg01, hyg02, hyg03, hyg04, hyg05, hyg08, hyg09, hyg10)
P_NEW = "0c000000-0000-4000-8000-0000000000a0"
P_NEW2 = "0c000000-0000-4000-8000-0000000000a2"
GHOST = "06000000-0000-4000-8000-00000000dead"
REPORT_ONLY = "enabledForReportingButNotEnforced"


def run(module, doc, config=None):
    return module.evaluate(snapshot_from_document(doc), config or AnalysisConfig())


def kinds(finding):
    return [e["kind"] for e in finding.to_json()["evidence"]]


def add(doc, policy):
    doc["conditionalAccessPolicies"].append(policy)
    return policy


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.METADATA.id)
def test_base_tenant_passes(base_doc, module):
    assert run(module, base_doc).status is Status.PASS


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.METADATA.id)
def test_failed_policy_read_is_an_error(base_doc, module):
    snapshot = snapshot_from_document(base_doc)
    snapshot.failed["conditionalAccessPolicies"] = "403 Authorization_RequestDenied"
    assert module.evaluate(snapshot, AnalysisConfig()).status is Status.ERROR


# HYG-01 -----------------------------------------------------------------------------------------------------

def test_hyg01_report_only_control_not_enforced_elsewhere_is_surfaced(base_doc):
    policy_in(base_doc, P_LEGACY)["state"] = REPORT_ONLY
    # with MFA on every client type legacy clients are already blocked (they cannot do MFA): nothing to add
    assert run(hyg01, base_doc).status is Status.PASS
    policy_in(base_doc, P_MFA)["conditions"]["clientAppTypes"] = ["browser", "mobileAppsAndDesktopClients"]
    finding = run(hyg01, base_doc)
    assert finding.status is Status.REVIEW and finding.affected.policies == (P_LEGACY,)
    (entry,) = finding.to_json()["evidence"][1]["policies"]
    assert entry["policy"] == P_LEGACY and entry["userCount"] == 3


def test_hyg01_report_only_duplicate_of_enforced_control_is_inventory_only(base_doc):
    add(base_doc, ca_policy(P_NEW, "MFA again (pilot)", state=REPORT_ONLY))
    finding = run(hyg01, base_doc)
    assert finding.status is Status.PASS
    assert finding.to_json()["evidence"][0]["counts"] == {"enabled": 3, REPORT_ONLY: 1}


# HYG-02 -----------------------------------------------------------------------------------------------------

def test_hyg02_policy_targeting_no_resource_fails(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["applications"]["includeApplications"] = ["None"]
    finding = run(hyg02, base_doc)
    assert finding.status is Status.FAIL and finding.affected.policies == (P_MFA,)


def test_hyg02_user_action_policy_is_targeted(base_doc):
    apps = add(base_doc, ca_policy(P_NEW, "Register security info"))["conditions"]["applications"]
    apps["includeApplications"], apps["includeUserActions"] = [], ["urn:user:registersecurityinfo"]
    assert run(hyg02, base_doc).status is Status.PASS


# HYG-03 -----------------------------------------------------------------------------------------------------

def test_hyg03_include_none_fails(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["includeUsers"] = ["None"]
    finding = run(hyg03, base_doc)
    assert finding.status is Status.FAIL and finding.affected.policies == (P_MFA,)


def test_hyg03_group_fully_excluded_is_a_no_op(base_doc):
    users = add(base_doc, ca_policy(P_NEW, "Engineering MFA", include_users=[]))["conditions"]["users"]
    users["includeGroups"], users["excludeGroups"] = [G_ENG], [G_STAFF]  # Engineering is nested in Staff
    finding = run(hyg03, base_doc)
    assert finding.status is Status.FAIL and finding.affected.policies == (P_NEW,)


def test_hyg03_nested_group_member_counts(base_doc):
    add(base_doc, ca_policy(P_NEW, "Staff MFA", include_users=[]))["conditions"]["users"]["includeGroups"] = [G_STAFF]
    assert run(hyg03, base_doc).status is Status.PASS


# HYG-04 -----------------------------------------------------------------------------------------------------

def test_hyg04_null_grant_and_session_is_implicit_allow(base_doc):
    add(base_doc, ca_policy(P_NEW, "Nothing"))["grantControls"] = None
    finding = run(hyg04, base_doc)
    assert finding.status is Status.FAIL and finding.affected.policies == (P_NEW,)


def test_hyg04_terms_of_use_only_is_weak(base_doc):
    grant = add(base_doc, ca_policy(P_NEW, "ToU"))["grantControls"]
    grant["builtInControls"], grant["termsOfUse"] = [], ["a1000000-0000-4000-8000-000000000001"]
    assert "only terms of use" in run(hyg04, base_doc).to_json()["evidence"][0]["detail"]


def test_hyg04_session_only_policy_is_not_implicit_allow(base_doc):
    policy = add(base_doc, ca_policy(P_NEW, "Sign-in frequency"))
    policy["grantControls"] = None
    policy["sessionControls"] = {"signInFrequency": {"isEnabled": True, "type": "hours", "value": 12}}
    assert run(hyg04, base_doc).status is Status.PASS


# HYG-05 -----------------------------------------------------------------------------------------------------

def test_hyg05_deleted_group_and_location_fail(base_doc):
    policy = policy_in(base_doc, P_MFA)
    policy["conditions"]["users"]["excludeGroups"].append(GHOST)
    policy["conditions"]["locations"] = {"includeLocations": ["All"],
                                         "excludeLocations": ["1c000000-0000-4000-8000-00000000dead"]}
    finding = run(hyg05, base_doc)
    assert finding.status is Status.FAIL and finding.affected.groups == (GHOST,)
    fields = {r["field"] for r in finding.to_json()["evidence"][0]["references"]}
    assert fields == {"excludeGroups", "excludeLocations"}


def test_hyg05_unknown_strength_fails_and_unlisted_role_is_review(base_doc):
    grant = policy_in(base_doc, P_MFA)["grantControls"]
    grant["builtInControls"], grant["authenticationStrength"] = [], {"id": "5a000000-0000-4000-8000-00000000dead"}
    assert run(hyg05, base_doc).status is Status.FAIL
    doc = base_document()
    policy_in(doc, P_MFA)["conditions"]["users"]["excludeRoles"].append("7a000000-0000-4000-8000-00000000beef")
    assert run(hyg05, doc).status is Status.REVIEW


def test_hyg05_known_role_and_legacy_trusted_ips_resolve(base_doc):
    policy = policy_in(base_doc, P_MFA)
    policy["conditions"]["users"]["excludeRoles"].append(SECURITY_ADMIN)
    policy["conditions"]["locations"] = {"includeLocations": ["All"],
                                         "excludeLocations": ["00000000-0000-0000-0000-000000000000"]}
    assert run(hyg05, base_doc).status is Status.PASS


# HYG-08 -----------------------------------------------------------------------------------------------------

def test_hyg08_identical_assignments_conflicting_controls(base_doc):
    add(base_doc, ca_policy(P_NEW, "MFA copy", controls=["compliantDevice"]))
    finding = run(hyg08, base_doc)
    assert finding.status is Status.FAIL and set(finding.affected.policies) == {P_MFA, P_NEW}
    assert kinds(finding) == ["conflictingControls"]


def test_hyg08_exact_duplicate_is_review(base_doc):
    add(base_doc, ca_policy(P_NEW, "MFA copy"))
    assert run(hyg08, base_doc).status is Status.REVIEW


def test_hyg08_policy_shadowed_by_block(base_doc):
    add(base_doc, ca_policy(P_NEW, "Block all", client_app_types=["all"], controls=["block"],
                            exclude_groups=[]))
    finding = run(hyg08, base_doc)
    assert finding.status is Status.FAIL
    shadowed = {e["policy"] for e in finding.to_json()["evidence"] if e["kind"] == "shadowedByBlock"}
    assert shadowed == {P_MFA}


def test_hyg08_block_with_narrower_users_does_not_shadow(base_doc):
    add(base_doc, ca_policy(P_NEW, "Block Alice", include_users=[ALICE], controls=["block"]))
    assert run(hyg08, base_doc).status is Status.PASS
    assert policy_in(base_doc, P_DEVICE_CODE)  # the device-code block does not shadow the MFA policy either


# HYG-09 / HYG-10 --------------------------------------------------------------------------------------------

def test_hyg09_approved_application_alone_fails_paired_passes(base_doc):
    grant = add(base_doc, ca_policy(P_NEW, "Approved apps", controls=["approvedApplication"]))["grantControls"]
    assert run(hyg09, base_doc).status is Status.FAIL
    grant["builtInControls"] = ["approvedApplication", "compliantApplication"]
    assert run(hyg09, base_doc).status is Status.PASS


def test_hyg09_custom_control_is_review(base_doc):
    grant = add(base_doc, ca_policy(P_NEW, "Duo"))["grantControls"]
    grant["builtInControls"], grant["customAuthenticationFactors"] = [], ["RequireDuoMfa"]
    finding = run(hyg09, base_doc)
    assert finding.status is Status.REVIEW
    assert finding.to_json()["evidence"][0]["customAuthenticationFactors"] == ["RequireDuoMfa"]


def test_hyg10_combined_risk_fails_separate_passes(base_doc):
    conditions = add(base_doc, ca_policy(P_NEW, "Risk"))["conditions"]
    conditions["userRiskLevels"], conditions["signInRiskLevels"] = ["high"], ["high", "medium"]
    assert run(hyg10, base_doc).status is Status.FAIL
    conditions["userRiskLevels"] = []
    second = add(base_doc, ca_policy(P_NEW2, "User risk", controls=["passwordChange", "mfa"], operator="AND"))
    second["conditions"]["userRiskLevels"] = ["high"]
    assert run(hyg10, base_doc).status is Status.PASS


def test_hyg10_disabled_policy_is_ignored(base_doc):
    conditions = add(base_doc, ca_policy(P_NEW, "Risk", state="disabled"))["conditions"]
    conditions["userRiskLevels"], conditions["signInRiskLevels"] = ["high"], ["high"]
    assert run(hyg10, base_doc).status is Status.PASS
