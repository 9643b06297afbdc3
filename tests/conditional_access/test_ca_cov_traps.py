"""Peers §11 traps as small tenant files, for the baseline coverage checks (one test per trap)."""

from __future__ import annotations

from ca_fixtures import ALICE, BG1, BOB, CAROL_GUEST, policy_in
from cov_fixtures import COUNTED, ERIN_GA, EXO, FRANK_HELPDESK, JSON, P_DEVICE, P_UNKNOWN, load_trap, snapshot

from entra_agents.conditional_access.checks import CHECKS
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

GA = "62e90394-69f5-4237-9190-012177145e10"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"


def run(check_id: str, doc: JSON, config: AnalysisConfig | None = None):
    return CHECKS[check_id].evaluate(snapshot(doc), config or AnalysisConfig())


def evidence(finding, kind: str) -> list[JSON]:
    return [e for e in finding.to_json()["evidence"] if e["kind"] == kind]


def test_trap_03_managed_policy_report_only():
    finding = run("COV-04", load_trap("trap_03_managed_policy_report_only"))
    assert finding.status is Status.FAIL and list(finding.affected.users) == [ERIN_GA]
    (closer,) = evidence(finding, "gap")[0]["wouldCloseWhenEnabled"]
    assert closer["displayName"].startswith("Microsoft-managed") and "report-only" in closer["note"]


def test_trap_08_narrowing_client_types():
    finding = run("COV-17", load_trap("trap_08_narrowing_client_types"))
    assert finding.status is Status.FAIL and list(finding.affected.users) == COUNTED
    (gap,) = evidence(finding, "gap")
    assert {e["clientAppType"] for e in gap["examples"]} == {"mobileAppsAndDesktopClients"}
    (device,) = [p for p in gap["policiesNotApplying"] if p["policy"] == P_DEVICE]
    assert device["analysisReasons"] == ["clientApps"]


def test_trap_09_or_dilution():
    doc = load_trap("trap_09_or_dilution")
    device = run("COV-17", doc)
    assert device.status is Status.FAIL
    assert any(p["grant"] == "OR [compliantDevice, mfa]" for p in evidence(device, "gap")[0]["policiesInsufficient"])
    assert run("COV-19", doc).status is Status.PASS  # MFA OR device is exactly what COV-19 asks
    assert run("COV-02", doc).status is Status.FAIL  # phishing-resistant strength OR plain MFA


def test_trap_10_auth_strength_by_combinations():
    doc = load_trap("trap_10_auth_strength_by_combinations")
    # named "Phishing-resistant" but allows password+SMS: MFA, not phishing-resistant
    assert run("COV-02", doc).status is Status.FAIL
    assert run("COV-01", doc).status is Status.PASS
    # a custom name with only FIDO2 / Windows Hello combinations is phishing-resistant
    assert run("COV-04", doc).status is Status.PASS


def test_trap_12_custom_authentication_factors():
    finding = run("COV-03", load_trap("trap_12_custom_authentication_factors"))
    assert finding.status is Status.PASS, finding.summary
    (warned,) = evidence(finding, "policyWarnings")
    assert "deprecated" in warned["policies"][0]["warnings"][0]


def test_trap_16_workload_identity_policy():
    finding = run("COV-30", load_trap("trap_16_workload_identity_policy"))
    assert finding.status is Status.FAIL, finding.summary
    assert list(finding.affected.apps) == [EXO] and list(finding.affected.users) == COUNTED


def test_trap_19_transfer_methods_comma_string():
    doc = load_trap("trap_19_transfer_methods_comma_string")
    assert run("COV-11", doc).status is Status.PASS
    assert run("COV-10", doc).status is Status.PASS


def test_trap_20_case_variants():
    doc = load_trap("trap_20_case_variants")
    assert run("COV-05", doc).status is Status.PASS
    assert run("COV-21", doc).status is Status.PASS


def test_trap_21_unknown_platform_exclusions():
    doc = load_trap("trap_21_unknown_platform_exclusions")
    finding = run("COV-20", doc)  # only the platforms in use are excluded: that is enough
    assert finding.status is Status.PASS, finding.summary
    assert evidence(finding, "platformsInUse")[0]["platforms"] == ["iOS", "windows"]
    policy_in(doc, P_UNKNOWN)["conditions"]["platforms"]["excludePlatforms"] = []
    blocks_all = run("COV-20", doc)  # blocks unknown, but also everyone's Windows and iOS
    assert blocks_all.status is Status.REVIEW and evidence(blocks_all, "blocksPlatformsInUse")
    policy_in(doc, P_UNKNOWN)["conditions"]["platforms"]["includePlatforms"] = ["android", "iOS", "windows", "macOS"]
    assert run("COV-20", doc).status is Status.FAIL  # naming platforms never reaches unknown ones


def test_trap_26_risk_without_licence():
    doc = load_trap("trap_26_risk_without_licence")
    finding = run("COV-14", doc)
    assert finding.status is Status.REVIEW and evidence(finding, "licence")
    doc["organization"]["assignedPlans"].append({"capabilityStatus": "Enabled", "service": "AADPremiumService",
                                                 "servicePlanId": "eec0eb4f-6444-4f95-aba0-50c24d67f998"})
    assert run("COV-14", doc).status is Status.PASS


def test_trap_27_split_across_policies():
    doc = load_trap("trap_27_split_across_policies")
    assert run("COV-17", doc).status is Status.PASS
    assert run("COV-03", doc).status is Status.PASS


def test_trap_28_security_defaults():
    doc = load_trap("trap_28_security_defaults")
    config = AnalysisConfig(break_glass_accounts=(BG1,))
    assert run("COV-05", doc, config).status is Status.PASS
    assert run("COV-03", doc, config).status is Status.REVIEW
    assert run("COV-02", doc, config).status is Status.FAIL  # security defaults never require phishing resistance


def test_trap_31_role_set_subset():
    finding = run("COV-03", load_trap("trap_31_role_set_subset"))
    assert finding.status is Status.FAIL and list(finding.affected.users) == [FRANK_HELPDESK]
    assert list(finding.affected.roles) == [HELPDESK]
    (per_role,) = evidence(finding, "perRole")
    rows = {r["roleTemplateId"]: r for r in per_role["roles"]}
    assert rows[GA]["status"] == "covered" and rows[HELPDESK]["status"] == "gap"
    assert rows[HELPDESK]["sampleUncovered"] == [FRANK_HELPDESK]
    assert len(rows) == 15


def test_trap_32_guest_persona_absent():
    finding = run("COV-07", load_trap("trap_32_guest_persona_absent"))
    assert finding.status is Status.FAIL and list(finding.affected.users) == [CAROL_GUEST]
    assert run("COV-01", load_trap("trap_32_guest_persona_absent")).affected.users == (CAROL_GUEST,)
    assert ALICE not in finding.affected.users and BOB not in finding.affected.users
