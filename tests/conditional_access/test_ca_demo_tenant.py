"""The bundled demo tenant: exactly one planted gap per check, and each suggestion provably closes it."""

from __future__ import annotations

import copy

import pytest
from ca_fixtures import snapshot_from_document

from entra_agents.conditional_access.checks import CHECKS, run_checks
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status
from entra_agents.conditional_access.remediation import check_lockout, suggest_remediation

ROSA = "5c1aaa7b-3d05-4b2a-8ab6-47e6370aba80"  # Sales-Contractors, direct member
KAI = "5ede3b88-2df7-42f7-afef-c8b80233ad6d"  # Sales-Contractors-EMEA, nested in Sales-Contractors
TOM_DISABLED = "ccc9341c-ce48-4af0-8d64-d7bdfba9bd9e"  # nested contractor, account disabled
MEGAN_GA = "c00c0803-39a5-4764-8209-23b696b42645"
ADELE_SECADMIN = "ade8a901-25f7-4306-87e8-bfcbaf3c68aa"
BREAK_GLASS = sorted(["81c815cc-cc3e-4dab-9a44-8298c7b017bc", "1f88b8ca-3feb-4865-ad83-c7b66359e0f6"])
SYNC = "3d645408-eda5-4d7e-b2d8-e0e2d68669a3"
SALES_CONTRACTORS = "8ea6eee6-dbe9-4d42-aa0a-9039d5639fda"
CA001_MFA = "7cfe9287-e3fd-4e59-9bc7-4a16fb0d4cc9"
CA002_LEGACY_REPORT_ONLY = "d6e70d73-6378-4949-bc87-0aca1b96195a"
CA004_OR = "970a01c6-a001-4cfe-8fec-517d6bbcb682"
OTHER_ENABLED_USERS = sorted([
    "127e3d0d-f68f-4ea0-8a7d-4192b663182e", "849c9253-a7b3-4bf4-a856-5f589f9845cd",
    "c1f49a2c-0a31-4513-9bbc-1dbf1362fa62", "c50255e7-55bb-449d-b819-0e57ef096871",
    "2c1a0196-5594-4739-baa3-5110d9d7b1df", "931cfcf7-02ae-4315-bd26-ba7766b658c8",
    "fe29c483-e787-4bce-b71e-e85b177a26f4", "e8018b1d-f7fe-4afd-bf18-9daae652eac6",
    "29d88395-dbd8-49b2-bae8-aaf6d4d61bb1", "29583795-43c8-4402-85dd-789fdf21a2a6",
    "996216f0-0001-499f-92e3-81b32f8fdddf",
    "b33b4370-b4c4-4d35-a514-3c221c834dfb", "60f4ff0b-ccd4-4ba0-bce3-8f1700041ac3",  # guests
])
EXPECTED = {
    "COV-01": sorted([ROSA, KAI]),
    "COV-08": sorted([*OTHER_ENABLED_USERS, ROSA, KAI]),  # admins are blocked on legacy by their MFA strength
    "COV-10": sorted([*OTHER_ENABLED_USERS, ROSA, KAI, MEGAN_GA, ADELE_SECADMIN]),
}


@pytest.fixture
def findings(demo_doc):
    return {f.check: f.to_json() for f in run_checks(snapshot_from_document(demo_doc))}


def test_document_follows_the_tenant_file_contract(demo_doc):
    assert list(demo_doc) == [
        "organization", "securityDefaults", "users", "groups", "directoryRoles", "servicePrincipals",
        "conditionalAccessPolicies", "namedLocations", "authenticationStrengthPolicies",
    ]
    assert demo_doc["organization"]["displayName"] == "Contoso Demo"
    assert 15 <= len(demo_doc["users"]) <= 25
    assert sum(u["userType"] == "Guest" for u in demo_doc["users"]) == 2
    assert [u["id"] for u in demo_doc["users"] if u["accountEnabled"] is False] == [TOM_DISABLED]
    (strength,) = demo_doc["authenticationStrengthPolicies"]
    assert strength["policyType"] == "custom" and strength["allowedCombinations"]


def test_each_check_fails_with_exactly_the_planted_users(findings):
    for check_id, expected in EXPECTED.items():
        assert findings[check_id]["status"] == "fail", check_id
        assert findings[check_id]["affected"]["users"] == expected, check_id


def test_excluded_by_design_and_disabled_never_listed(findings):
    for finding in findings.values():
        users = finding["affected"]["users"]
        assert TOM_DISABLED not in users and SYNC not in users and not set(BREAK_GLASS) & set(users)
        if not finding["check"].startswith("COV"):
            continue  # hygiene checks are about policies; coverage findings say whom they left out by design
        (bg,) = [e for e in finding["evidence"] if e["kind"] == "excludedByDesign" and e["reason"] == "breakGlass"]
        assert bg["source"] == "detected" and bg["users"] == BREAK_GLASS


def test_cov01_evidence_names_the_nested_exclusion_and_the_or_trap(findings):
    cov01 = findings["COV-01"]
    assert cov01["affected"]["groups"] == [SALES_CONTRACTORS]
    (gap,) = [e for e in cov01["evidence"] if e["kind"] == "gap"]
    assert [p["policy"] for p in gap["policiesNotApplying"]] == [CA001_MFA]
    assert "Sales-Contractors" in gap["policiesNotApplying"][0]["details"][0]
    assert [p["policy"] for p in gap["policiesInsufficient"]] == [CA004_OR]


def test_cov08_evidence_shows_report_only_block_and_client_app_trap(findings):
    gaps = [e for e in findings["COV-08"]["evidence"] if e["kind"] == "gap"]
    assert all([p["policy"] for p in g["wouldCloseWhenEnabled"]] == [CA002_LEGACY_REPORT_ONLY] for g in gaps)
    ca001 = [p for g in gaps for p in g["policiesNotApplying"] if p["policy"] == CA001_MFA]
    assert ca001 and all("clientApps" in p["analysisReasons"] for p in ca001)


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_suggested_policy_is_lockout_safe_and_closes_the_gap(demo_doc, check_id):
    snapshot = snapshot_from_document(demo_doc)
    finding = CHECKS[check_id].evaluate(snapshot, AnalysisConfig())
    suggestion = suggest_remediation(finding, snapshot)
    assert suggestion["state"] == "enabledForReportingButNotEnforced"
    assert suggestion["conditions"]["users"]["excludeUsers"] == BREAK_GLASS
    assert check_lockout(snapshot, None, suggestion) == []
    fixed = copy.deepcopy(demo_doc)
    enabled = {**suggestion, "id": "0c000000-0000-4000-8000-00000000beef", "state": "enabled"}
    fixed["conditionalAccessPolicies"].append(enabled)
    after = CHECKS[check_id].evaluate(snapshot_from_document(fixed), AnalysisConfig())
    assert after.status is Status.PASS, after.summary
