"""COV-08 legacy authentication blocked."""

from __future__ import annotations

from ca_fixtures import ALICE, BOB, CAROL_GUEST, DAVE_DISABLED, P_LEGACY, P_MFA, policy_in, snapshot_from_document

from entra_agents.conditional_access.checks import cov08
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

COUNTED = sorted([ALICE, BOB, CAROL_GUEST])
HQ = "1c000000-0000-4000-8000-0000000000a1"


def run(doc):
    return cov08.evaluate(snapshot_from_document(doc), AnalysisConfig())


def gaps(finding):
    return [e for e in finding.to_json()["evidence"] if e["kind"] == "gap"]


def test_base_passes(base_doc):
    assert run(base_doc).status is Status.PASS


def test_entragoat_trap_report_only_block_and_mfa_for_modern_clients_only(base_doc):
    policy_in(base_doc, P_LEGACY)["state"] = "enabledForReportingButNotEnforced"
    policy_in(base_doc, P_MFA)["conditions"]["clientAppTypes"] = ["browser", "mobileAppsAndDesktopClients"]
    finding = run(base_doc)
    assert finding.status is Status.FAIL and list(finding.affected.users) == COUNTED
    assert DAVE_DISABLED not in finding.affected.users
    (gap,) = gaps(finding)
    assert [p["policy"] for p in gap["wouldCloseWhenEnabled"]] == [P_LEGACY]
    (mfa,) = gap["policiesNotApplying"]
    assert mfa["policy"] == P_MFA and mfa["analysisReasons"] == ["clientApps"]
    assert "legacy clients excluded" in mfa["details"][0]


def test_mfa_for_all_client_types_effectively_blocks_legacy(base_doc):
    base_doc["conditionalAccessPolicies"].remove(policy_in(base_doc, P_LEGACY))
    assert run(base_doc).status is Status.PASS


def test_device_or_mfa_grant_also_blocks_legacy(base_doc):
    base_doc["conditionalAccessPolicies"].remove(policy_in(base_doc, P_LEGACY))
    policy_in(base_doc, P_MFA)["grantControls"]["builtInControls"] = ["mfa", "compliantDevice"]
    assert run(base_doc).status is Status.PASS


def test_block_for_exchange_active_sync_only_leaves_other_open(base_doc):
    base_doc["conditionalAccessPolicies"].remove(policy_in(base_doc, P_MFA))
    policy_in(base_doc, P_LEGACY)["conditions"]["clientAppTypes"] = ["exchangeActiveSync"]
    finding = run(base_doc)
    assert finding.status is Status.FAIL
    assert {e["clientAppType"] for g in gaps(finding) for e in g["examples"]} == {"other"}


def test_location_narrowing_leaves_trusted_network_open(base_doc):
    base_doc["conditionalAccessPolicies"].remove(policy_in(base_doc, P_MFA))
    base_doc["namedLocations"] = [{"@odata.type": "#microsoft.graph.ipNamedLocation", "id": HQ, "displayName": "HQ",
                                   "isTrusted": True, "ipRanges": []}]
    policy_in(base_doc, P_LEGACY)["conditions"]["locations"] = {
        "includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
    finding = run(base_doc)
    assert finding.status is Status.FAIL
    assert {e["location"] for g in gaps(finding) for e in g["examples"]} == {HQ}


def test_security_defaults_pass(base_doc):
    base_doc["conditionalAccessPolicies"] = []
    base_doc["securityDefaults"]["isEnabled"] = True
    finding = run(base_doc)
    assert finding.status is Status.PASS
    assert finding.to_json()["evidence"][0]["kind"] == "securityDefaults"


def test_zero_policies_fail(base_doc):
    base_doc["conditionalAccessPolicies"] = []
    assert run(base_doc).status is Status.FAIL


def test_failed_policy_read_is_error_even_with_security_defaults(base_doc):
    base_doc["securityDefaults"]["isEnabled"] = True
    snapshot = snapshot_from_document(base_doc)
    snapshot.failed["conditionalAccessPolicies"] = "timeout"
    assert cov08.evaluate(snapshot, AnalysisConfig()).status is Status.ERROR
