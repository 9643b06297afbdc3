"""COV-01 MFA for all users: pass/fail pairs built by patching the base tenant, one trap per test."""

from __future__ import annotations

from ca_fixtures import (
    ALICE, BG1, BG2, BOB, CAROL_GUEST, DAVE_DISABLED, G_STAFF, P_MFA, SYNC, base_document, ca_policy, policy_in,
    snapshot_from_document,
)

from entra_agents.conditional_access.checks import cov01
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

COUNTED = sorted([ALICE, BOB, CAROL_GUEST])
STRENGTH = "5a000000-0000-4000-8000-0000000000a1"


def run(doc, config=None):
    return cov01.evaluate(snapshot_from_document(doc), config or AnalysisConfig())


def evidence(finding, kind):
    return [e for e in finding.to_json()["evidence"] if e["kind"] == kind]


def test_base_passes_with_break_glass_detected(base_doc):
    finding = run(base_doc)
    assert finding.status is Status.PASS, finding.summary
    (bg,) = [e for e in evidence(finding, "excludedByDesign") if e["reason"] == "breakGlass"]
    assert bg["source"] == "detected" and bg["users"] == sorted([BG1, BG2])
    assert evidence(finding, "covered")[0]["enforcingPolicies"][0]["policy"] == P_MFA


def test_report_only_mfa_is_not_enforcement_but_is_listed_as_closing(base_doc):
    policy_in(base_doc, P_MFA)["state"] = "enabledForReportingButNotEnforced"
    finding = run(base_doc)
    assert finding.status is Status.FAIL
    assert list(finding.affected.users) == COUNTED
    (gap,) = evidence(finding, "gap")
    assert [c["policy"] for c in gap["wouldCloseWhenEnabled"]] == [P_MFA]
    assert P_MFA in finding.to_json()["affected"]["policies"]


def test_or_dilution_is_not_mfa(base_doc):
    policy_in(base_doc, P_MFA)["grantControls"]["builtInControls"] = ["mfa", "compliantDevice"]
    finding = run(base_doc)
    assert finding.status is Status.FAIL and list(finding.affected.users) == COUNTED
    assert evidence(finding, "gap")[0]["policiesInsufficient"][0]["grant"] == "OR [compliantDevice, mfa]"


def test_and_operator_keeps_mfa(base_doc):
    grant = policy_in(base_doc, P_MFA)["grantControls"]
    grant["builtInControls"], grant["operator"] = ["mfa", "compliantDevice"], "AND"
    assert run(base_doc).status is Status.PASS


def test_exclusion_via_nested_group_and_disabled_member_never_listed(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(G_STAFF)
    finding = run(base_doc)
    assert finding.status is Status.FAIL
    assert list(finding.affected.users) == sorted([ALICE, BOB])  # Bob through Engineering; Dave is disabled
    assert DAVE_DISABLED not in finding.to_json()["affected"]["users"]
    assert finding.affected.groups == (G_STAFF,)
    (gap,) = evidence(finding, "gap")
    assert gap["policiesNotApplying"][0]["analysisReasons"] == ["users"]


def test_client_app_subset_leaves_mobile_uncovered(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["clientAppTypes"] = ["browser"]
    finding = run(base_doc)
    assert finding.status is Status.FAIL and list(finding.affected.users) == COUNTED
    assert {e["clientAppType"] for e in evidence(finding, "gap")[0]["examples"]} == {"mobileAppsAndDesktopClients"}


def test_mfa_split_over_two_policies_compensates(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["clientAppTypes"] = ["browser"]
    base_doc["conditionalAccessPolicies"].append(
        ca_policy("0c000000-0000-4000-8000-0000000000f2", "MFA desktop",
                  client_app_types=["mobileAppsAndDesktopClients"]))
    assert run(base_doc).status is Status.PASS


def test_platform_and_resource_narrowing(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["platforms"] = {"includePlatforms": ["windows", "macOS"]}
    assert run(base_doc).status is Status.FAIL
    doc = base_document()
    exchange_online = "00000002-0000-0ff1-ce00-000000000000"
    policy_in(doc, P_MFA)["conditions"]["applications"]["excludeApplications"] = [exchange_online]
    assert run(doc).status is Status.FAIL


def strength(combinations):
    return {"id": STRENGTH, "displayName": "Custom strength", "policyType": "custom",
            "requirementsSatisfied": "mfa", "allowedCombinations": combinations}


def use_strength(doc, combinations):
    doc["authenticationStrengthPolicies"] = [strength(combinations)]
    grant = policy_in(doc, P_MFA)["grantControls"]
    grant["builtInControls"], grant["authenticationStrength"] = [], {"id": STRENGTH}


def test_auth_strength_counts_as_mfa(base_doc):
    use_strength(base_doc, ["fido2", "password,microsoftAuthenticatorPush"])
    assert run(base_doc).status is Status.PASS


def test_weak_auth_strength_is_not_mfa(base_doc):
    use_strength(base_doc, ["fido2", "password"])
    assert run(base_doc).status is Status.FAIL


def test_guest_exclusion(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGuestsOrExternalUsers"] = {
        "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest", "externalTenants": {"membershipKind": "all"}}
    finding = run(base_doc)
    assert finding.status is Status.FAIL and list(finding.affected.users) == [CAROL_GUEST]


def test_zero_policies_fails_and_does_not_crash(base_doc):
    base_doc["conditionalAccessPolicies"] = []
    finding = run(base_doc)
    assert finding.status is Status.FAIL
    # no policy means no detected break-glass either: every enabled account except the sync account is a gap
    assert list(finding.affected.users) == sorted([ALICE, BOB, CAROL_GUEST, BG1, BG2])
    assert evidence(finding, "noPolicies")


def test_no_users_is_review_not_pass(base_doc):
    base_doc["users"] = [u for u in base_doc["users"] if u["id"] in (BG1, BG2, SYNC)]
    assert run(base_doc).status is Status.REVIEW


def test_failed_reads_are_errors_never_pass(base_doc):
    for collection in ("users", "groups", "conditionalAccessPolicies", "authenticationStrengthPolicies"):
        snapshot = snapshot_from_document(base_doc)
        snapshot.failed[collection] = "403 Authorization_RequestDenied"
        finding = cov01.evaluate(snapshot, AnalysisConfig())
        assert finding.status is Status.ERROR, collection
        assert "403" in finding.summary and finding.to_json()["evidence"][0]["collection"] == collection


def test_security_defaults_make_it_review(base_doc):
    base_doc["conditionalAccessPolicies"] = []
    base_doc["securityDefaults"]["isEnabled"] = True
    finding = run(base_doc)
    assert finding.status is Status.REVIEW
    assert evidence(finding, "securityDefaults")


def test_configured_break_glass_wins_over_detection(base_doc):
    finding = run(base_doc, AnalysisConfig(break_glass_accounts=("BG1@base.test",)))
    assert finding.status is Status.FAIL and list(finding.affected.users) == [BG2]
    (bg,) = [e for e in evidence(finding, "excludedByDesign") if e["reason"] == "breakGlass"]
    assert bg["source"] == "configured" and bg["users"] == [BG1]


def test_deleted_group_reference_is_reported(base_doc):
    deleted = "06000000-0000-4000-8000-00000000de1e"
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(deleted)
    finding = run(base_doc)
    assert finding.status is Status.PASS
    (refs,) = evidence(finding, "unresolvedReferences")
    assert refs["references"][0]["objectId"] == deleted
