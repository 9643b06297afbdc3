"""EXC checks: pass/fail (and review/error/not_applicable) pairs built by small patches of the base tenant."""

from __future__ import annotations

import pytest
from ca_fixtures import (
    ALICE, BG1, BG2, BOB, CAROL_GUEST, DAVE_DISABLED, DIRSYNC, G_BREAKGLASS, G_ENG, G_STAFF, P_LEGACY, P_MFA,
    SECURITY_ADMIN, SYNC, ca_policy, policy_in, snapshot_from_document, user,
)

from entra_agents.conditional_access.checks import exc01, exc02, exc05, exc07, exc08, exc09, exc10, exc11
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

MODULES = (exc01, exc02, exc05, exc07, exc08, exc09, exc10, exc11)
P_NEW = "0c000000-0000-4000-8000-0000000000a0"
G_SERVICE = "06000000-0000-4000-8000-00000000051c"
HQ = "1c000000-0000-4000-8000-0000000000a1"
REPORT_ONLY = "enabledForReportingButNotEnforced"
CONFIGURED = AnalysisConfig(break_glass_accounts=("bg1@base.test", "bg2@base.test"))


def run(module, doc, config=None):
    return module.evaluate(snapshot_from_document(doc), config or AnalysisConfig())


def evidence(finding, kind):
    return [e for e in finding.to_json()["evidence"] if e["kind"] == kind]


def add(doc, policy):
    doc["conditionalAccessPolicies"].append(policy)
    return policy


def hq_location(doc, trusted=True):
    doc["namedLocations"].append({"@odata.type": "#microsoft.graph.ipNamedLocation", "id": HQ,
                                  "displayName": "HQ", "isTrusted": trusted,
                                  "ipRanges": [{"cidrAddress": "203.0.113.0/24"}]})


@pytest.mark.parametrize("module", [m for m in MODULES if m is not exc01], ids=lambda m: m.METADATA.id)
def test_base_tenant_passes(base_doc, module):
    assert run(module, base_doc).status is Status.PASS


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.METADATA.id)
def test_failed_group_read_is_an_error(base_doc, module):
    snapshot = snapshot_from_document(base_doc)
    snapshot.failed["groups"] = "403 Authorization_RequestDenied"
    if "groups" in module.METADATA.depends_on:
        assert module.evaluate(snapshot, AnalysisConfig()).status is Status.ERROR
    else:
        assert module.evaluate(snapshot, AnalysisConfig()).status is not Status.ERROR


# EXC-01 -----------------------------------------------------------------------------------------------------

def test_exc01_detected_is_review_configured_is_pass(base_doc):
    detected = run(exc01, base_doc)
    assert detected.status is Status.REVIEW and detected.to_json()["evidence"][0]["source"] == "detected"
    assert not detected.affected.users  # break-glass accounts are never reported as affected
    assert run(exc01, base_doc, CONFIGURED).status is Status.PASS


def test_exc01_none_detectable_fails(base_doc):
    base_doc["directoryRoles"][0]["members"] = []
    assert run(exc01, base_doc).status is Status.FAIL


def test_exc01_synced_global_admin_is_not_detected(base_doc):
    for u in base_doc["users"]:
        if u["id"] in (BG1, BG2):
            u["onPremisesSyncEnabled"] = True
    assert run(exc01, base_doc).status is Status.FAIL


def test_exc01_configured_account_in_scope_or_single_account(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"] = []
    finding = run(exc01, base_doc, CONFIGURED)
    assert finding.status is Status.FAIL and finding.affected.policies == (P_MFA,)
    single = AnalysisConfig(break_glass_accounts=("bg1@base.test",))
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"] = [G_BREAKGLASS]
    assert run(exc01, base_doc, single).status is Status.REVIEW


# EXC-02 -----------------------------------------------------------------------------------------------------

def test_exc02_break_glass_in_scope_of_enabled_policy_fails(base_doc):
    policy_in(base_doc, P_LEGACY)["conditions"]["users"]["excludeGroups"] = []
    finding = run(exc02, base_doc, CONFIGURED)
    assert finding.status is Status.FAIL and finding.affected.policies == (P_LEGACY,)
    assert {e["user"] for e in evidence(finding, "breakGlassInScope")} == {BG1, BG2}
    assert not finding.affected.users


def test_exc02_report_only_will_bite_when_enabled(base_doc):
    add(base_doc, ca_policy(P_NEW, "Pilot block", state=REPORT_ONLY, controls=["block"], exclude_groups=[]))
    finding = run(exc02, base_doc, CONFIGURED)
    assert finding.status is Status.REVIEW
    assert all("will bite" in e["detail"] for e in evidence(finding, "breakGlassInScope"))


def test_exc02_without_break_glass_is_not_applicable(base_doc):
    base_doc["directoryRoles"][0]["members"] = []
    assert run(exc02, base_doc).status is Status.NOT_APPLICABLE


# EXC-05 -----------------------------------------------------------------------------------------------------

def test_exc05_uncompensated_nested_exclusion_fails(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(G_STAFF)
    finding = run(exc05, base_doc)
    assert finding.status is Status.FAIL
    # Bob through Engineering nested in Staff; Dave (a disabled Staff member) never listed
    assert finding.affected.users == tuple(sorted([ALICE, BOB])) and finding.affected.groups == (G_STAFF,)
    assert DAVE_DISABLED not in finding.to_json()["affected"]["users"]


def test_exc05_weaker_control_elsewhere_does_not_compensate(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(G_ENG)
    add(base_doc, ca_policy(P_NEW, "Engineering", include_users=[], controls=["mfa", "compliantDevice"]))[
        "conditions"]["users"]["includeGroups"] = [G_ENG]
    assert run(exc05, base_doc).affected.users == (BOB,)


def test_exc05_equivalent_control_compensates(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(G_ENG)
    add(base_doc, ca_policy(P_NEW, "Engineering", include_users=[], exclude_groups=[]))[
        "conditions"]["users"]["includeGroups"] = [G_ENG]
    assert run(exc05, base_doc).status is Status.PASS


def test_exc05_report_only_compensation_does_not_count(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(G_ENG)
    add(base_doc, ca_policy(P_NEW, "Engineering", state=REPORT_ONLY, include_users=[]))[
        "conditions"]["users"]["includeGroups"] = [G_ENG]
    assert run(exc05, base_doc).affected.users == (BOB,)


# EXC-07 -----------------------------------------------------------------------------------------------------

def test_exc07_role_exclusion_on_baseline_fails_dirsync_does_not(base_doc):
    base_doc["directoryRoles"].append({"id": "0d000000-0000-4000-8000-000000000003", "displayName": "Security "
                                       "Administrator", "roleTemplateId": SECURITY_ADMIN, "members": [ALICE]})
    assert DIRSYNC in policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeRoles"]
    assert run(exc07, base_doc).status is Status.PASS
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeRoles"].append(SECURITY_ADMIN)
    finding = run(exc07, base_doc)
    assert finding.status is Status.FAIL and finding.affected.users == (ALICE,)
    assert finding.affected.roles == (SECURITY_ADMIN,)


def test_exc07_report_only_is_review(base_doc):
    policy = policy_in(base_doc, P_MFA)
    policy["state"] = REPORT_ONLY
    policy["conditions"]["users"]["excludeRoles"].append(SECURITY_ADMIN)
    assert run(exc07, base_doc).status is Status.REVIEW


# EXC-08 -----------------------------------------------------------------------------------------------------

def test_exc08_threshold_percent_and_users(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(G_ENG)  # 1 of 3 counted users
    finding = run(exc08, base_doc)
    assert finding.status is Status.FAIL and finding.affected.users == (BOB,)
    (large,) = evidence(finding, "largeExclusion")
    assert large["excludedUsers"] == 1 and large["percentOfEnabledUsers"] == 33.3
    relaxed = AnalysisConfig(large_exclusion_percent=50.0, large_exclusion_users=2)
    assert run(exc08, base_doc, relaxed).status is Status.PASS


def test_exc08_settings_parse():
    config = AnalysisConfig.from_settings({"LargeExclusionPercent": "10", "LargeExclusionUsers": "100",
                                           "ExclusionAllowList": "a@x.test; b@x.test"})
    assert (config.large_exclusion_percent, config.large_exclusion_users) == (10.0, 100)
    assert config.exclusion_allow_list == ("a@x.test", "b@x.test")


# EXC-09 / EXC-10 / EXC-11 -----------------------------------------------------------------------------------

def test_exc09_guest_type_exclusion_fails(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGuestsOrExternalUsers"] = {
        "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
        "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                            "membershipKind": "all"}}
    finding = run(exc09, base_doc)
    assert finding.status is Status.FAIL and finding.affected.users == (CAROL_GUEST,)
    assert evidence(finding, "guestExclusion")[0]["guestOrExternalUserTypes"] == ["b2bCollaborationGuest",
                                                                                  "internalGuest"]


def test_exc10_resource_exclusion_on_all_resources_policy(base_doc):
    office = "00000002-0000-0ff1-ce00-000000000000"
    policy_in(base_doc, P_MFA)["conditions"]["applications"]["excludeApplications"] = [office]
    finding = run(exc10, base_doc)
    assert finding.status is Status.FAIL and finding.affected.apps == (office,)
    assert "March 2026" in evidence(finding, "resourceExclusion")[0]["note"]


def test_exc11_trusted_location_exclusion_fails_unless_compensated(base_doc):
    hq_location(base_doc)
    policy_in(base_doc, P_MFA)["conditions"]["locations"] = {"includeLocations": ["All"],
                                                             "excludeLocations": ["AllTrusted"]}
    finding = run(exc11, base_doc)
    assert finding.status is Status.FAIL
    assert finding.affected.users == tuple(sorted([ALICE, BOB, CAROL_GUEST]))
    assert SYNC not in finding.affected.users and BG1 not in finding.affected.users
    add(base_doc, ca_policy(P_NEW, "MFA on trusted networks"))["conditions"]["locations"] = {
        "includeLocations": ["AllTrusted"], "excludeLocations": []}
    assert run(exc11, base_doc).status is Status.PASS


def test_exc11_report_only_is_review(base_doc):
    hq_location(base_doc)
    policy = policy_in(base_doc, P_MFA)
    policy["state"] = REPORT_ONLY
    policy["conditions"]["locations"] = {"includeLocations": ["All"], "excludeLocations": [HQ]}
    assert run(exc11, base_doc).status is Status.REVIEW


def test_disabled_accounts_never_affected(base_doc):
    base_doc["users"].append(user("0a000000-0000-4000-8000-00000000da7f", "erin@base.test", enabled=False))
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(G_STAFF)
    for module in MODULES:
        assert DAVE_DISABLED not in run(module, base_doc).to_json()["affected"]["users"]
