"""COV-10 device code flow blocked."""

from __future__ import annotations

from ca_fixtures import ALICE, BOB, CAROL_GUEST, P_DEVICE_CODE, P_MFA, policy_in, snapshot_from_document

from entra_agents.conditional_access.checks import cov10
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

COUNTED = sorted([ALICE, BOB, CAROL_GUEST])


def run(doc):
    return cov10.evaluate(snapshot_from_document(doc), AnalysisConfig())


def test_base_passes(base_doc):
    assert run(base_doc).status is Status.PASS


def test_no_device_code_policy_fails_and_mfa_is_not_enough(base_doc):
    base_doc["conditionalAccessPolicies"].remove(policy_in(base_doc, P_DEVICE_CODE))
    finding = run(base_doc)
    assert finding.status is Status.FAIL and list(finding.affected.users) == COUNTED
    (gap,) = [e for e in finding.to_json()["evidence"] if e["kind"] == "gap"]
    assert [p["policy"] for p in gap["policiesInsufficient"]] == [P_MFA]


def test_comma_separated_transfer_methods_count(base_doc):
    policy_in(base_doc, P_DEVICE_CODE)["conditions"]["authenticationFlows"]["transferMethods"] = (
        "deviceCodeFlow,authenticationTransfer")
    assert run(base_doc).status is Status.PASS


def test_authentication_transfer_only_does_not_count(base_doc):
    flows = policy_in(base_doc, P_DEVICE_CODE)["conditions"]["authenticationFlows"]
    flows["transferMethods"] = "authenticationTransfer"
    finding = run(base_doc)
    assert finding.status is Status.FAIL
    (gap,) = [e for e in finding.to_json()["evidence"] if e["kind"] == "gap"]
    assert gap["policiesNotApplying"][0]["analysisReasons"] == ["authenticationFlow"]


def test_report_only_device_code_block_is_listed_not_counted(base_doc):
    policy_in(base_doc, P_DEVICE_CODE)["state"] = "enabledForReportingButNotEnforced"
    finding = run(base_doc)
    assert finding.status is Status.FAIL
    (gap,) = [e for e in finding.to_json()["evidence"] if e["kind"] == "gap"]
    assert [p["policy"] for p in gap["wouldCloseWhenEnabled"]] == [P_DEVICE_CODE]


def test_compliant_device_requirement_blocks_device_code(base_doc):
    base_doc["conditionalAccessPolicies"].remove(policy_in(base_doc, P_DEVICE_CODE))
    policy_in(base_doc, P_MFA)["grantControls"]["builtInControls"] = ["compliantDevice"]
    assert run(base_doc).status is Status.PASS


def test_security_defaults_do_not_block_device_code(base_doc):
    base_doc["conditionalAccessPolicies"] = []
    base_doc["securityDefaults"]["isEnabled"] = True
    assert run(base_doc).status is Status.FAIL


def test_failed_read_is_error(base_doc):
    snapshot = snapshot_from_document(base_doc)
    snapshot.failed["directoryRoles"] = "403"
    assert cov10.evaluate(snapshot, AnalysisConfig()).status is Status.ERROR
