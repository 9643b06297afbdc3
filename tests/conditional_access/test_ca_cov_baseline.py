"""Baseline coverage checks COV-02 ... COV-30: pass on the hardened tenant, one break per failing case."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ca_fixtures import ALICE, BG1, BOB, CAROL_GUEST, DAVE_DISABLED, G_ENG, P_DEVICE_CODE, P_MFA, SYNC, policy_in
from cov_fixtures import (
    COUNTED, ERIN_GA, EXO, FRANK_HELPDESK, P_DEVICE, P_MOBILE, P_PR, P_SECINFO, P_UNKNOWN, P_USER_RISK, JSON,
    policy, sign_in, snapshot, strong_document,
)

from entra_agents.conditional_access.checks import CHECKS
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

MINE = ["COV-02", "COV-03", "COV-04", "COV-05", "COV-07", "COV-11", "COV-12", "COV-14", "COV-15", "COV-17",
        "COV-19", "COV-20", "COV-21", "COV-29", "COV-30"]


def run(check_id: str, doc: JSON, config: AnalysisConfig | None = None):
    return CHECKS[check_id].evaluate(snapshot(doc), config or AnalysisConfig())


def evidence(finding, kind: str) -> list[JSON]:
    return [e for e in finding.to_json()["evidence"] if e["kind"] == kind]


def disable(*pids: str) -> Callable[[JSON], None]:
    def patch(doc: JSON) -> None:
        for pid in pids:
            policy_in(doc, pid)["state"] = "disabled"
    return patch


def exclude_group(pid: str, group: str) -> Callable[[JSON], None]:
    return lambda doc: policy_in(doc, pid)["conditions"]["users"]["excludeGroups"].append(group)


# check id -> (break, users expected uncovered)
BREAKS: dict[str, tuple[Callable[[JSON], None], list[str]]] = {
    "COV-02": (exclude_group(P_PR, G_ENG), [BOB]),
    "COV-03": (disable(P_MFA, P_PR), [ERIN_GA, FRANK_HELPDESK]),
    "COV-04": (disable(P_PR), [ERIN_GA]),
    "COV-05": (disable(P_MFA, P_PR), COUNTED),
    "COV-07": (disable(P_MFA, P_PR), [CAROL_GUEST]),
    "COV-11": (lambda d: policy_in(d, P_DEVICE_CODE)["conditions"].update(
        authenticationFlows={"transferMethods": "deviceCodeFlow"}), COUNTED),
    "COV-12": (lambda d: policy_in(d, P_SECINFO)["grantControls"].update(builtInControls=["compliantApplication"]),
               COUNTED),
    "COV-14": (disable(P_MFA, P_PR), COUNTED),
    "COV-15": (disable(P_USER_RISK), COUNTED),
    "COV-17": (lambda d: policy_in(d, P_DEVICE)["grantControls"].update(builtInControls=["compliantDevice", "mfa"]),
               COUNTED),
    "COV-19": (disable(P_MFA, P_PR, P_DEVICE), COUNTED),
    "COV-20": (disable(P_UNKNOWN), COUNTED),
    "COV-21": (disable(P_MOBILE, P_DEVICE), COUNTED),
    "COV-29": (lambda d: [policy_in(d, p)["conditions"]["applications"].update(excludeApplications=[EXO])
                          for p in (P_MFA, P_PR, P_DEVICE, P_USER_RISK)] and disable(P_UNKNOWN)(d), COUNTED),
    "COV-30": (lambda d: [policy_in(d, p)["conditions"]["applications"].update(excludeApplications=[EXO])
                          for p in (P_MFA, P_PR, P_DEVICE, P_USER_RISK, P_UNKNOWN)], COUNTED),
}


@pytest.mark.parametrize("check_id", MINE)
def test_hardened_tenant_passes(check_id):
    finding = run(check_id, strong_document())
    assert finding.status is Status.PASS, finding.summary
    assert CHECKS[check_id].metadata.id == check_id


@pytest.mark.parametrize("check_id", MINE)
def test_break_fails_with_exactly_the_uncovered_users(check_id):
    doc = strong_document()
    patch, expected = BREAKS[check_id]
    patch(doc)
    finding = run(check_id, doc)
    assert finding.status is Status.FAIL, finding.summary
    users = finding.to_json()["affected"]["users"]
    assert users == sorted(expected)
    assert not {BG1, SYNC, DAVE_DISABLED} & set(users)  # break-glass, sync, disabled: never gaps


@pytest.mark.parametrize("check_id", MINE)
def test_failed_read_is_an_error(check_id):
    doc = strong_document()
    doc["_failed"] = {"conditionalAccessPolicies": "403 Authorization_RequestDenied"}
    assert run(check_id, doc).status is Status.ERROR


@pytest.mark.parametrize("check_id", MINE)
def test_zero_policies_is_a_result_not_a_crash(check_id):
    doc = strong_document()
    doc["conditionalAccessPolicies"] = []
    finding = run(check_id, doc, AnalysisConfig(break_glass_accounts=(BG1,)))
    assert finding.status in (Status.FAIL, Status.NOT_APPLICABLE), finding.summary


def test_report_only_is_would_cover_once_enabled():
    doc = strong_document()
    policy_in(doc, P_USER_RISK)["state"] = "enabledForReportingButNotEnforced"
    finding = run("COV-15", doc)
    assert finding.status is Status.FAIL
    assert [c["policy"] for c in evidence(finding, "gap")[0]["wouldCloseWhenEnabled"]] == [P_USER_RISK]


def test_cov03_not_applicable_without_active_admins():
    doc = strong_document()
    doc["directoryRoles"] = [r for r in doc["directoryRoles"] if r["displayName"] != "Helpdesk Administrator"]
    doc["directoryRoles"][0]["members"].remove(ERIN_GA)
    assert run("COV-03", doc).status is Status.NOT_APPLICABLE
    assert run("COV-04", doc).status is Status.NOT_APPLICABLE


def test_cov03_security_defaults_make_a_gap_a_review():
    doc = strong_document()
    doc["conditionalAccessPolicies"], doc["securityDefaults"] = [], {"isEnabled": True}
    assert run("COV-03", doc, AnalysisConfig(break_glass_accounts=(BG1,))).status is Status.REVIEW
    assert run("COV-05", doc, AnalysisConfig(break_glass_accounts=(BG1,))).status is Status.PASS


def test_cov07_not_applicable_without_guests():
    doc = strong_document()
    doc["users"] = [u for u in doc["users"] if u["id"] != CAROL_GUEST]
    assert run("COV-07", doc).status is Status.NOT_APPLICABLE


def test_cov12_report_only_user_action_protects_nothing():
    doc = strong_document()
    policy_in(doc, P_SECINFO)["state"] = "enabledForReportingButNotEnforced"
    finding = run("COV-12", doc)
    assert finding.status is Status.FAIL and evidence(finding, "reportOnlyUserAction")


def test_cov12_ignores_resource_policies():
    doc = strong_document()
    disable(P_SECINFO)(doc)  # MFA on All resources does not protect the registration user action
    assert run("COV-12", doc).status is Status.FAIL


def test_cov14_high_only_leaves_medium_open():
    doc = strong_document()
    disable(P_MFA, P_PR)(doc)
    doc["conditionalAccessPolicies"].append(policy("0c000000-0000-4000-8000-0000000000b1", "High risk block",
                                                   controls=["block"], signInRiskLevels=["high"]))
    finding = run("COV-14", doc)
    assert finding.status is Status.FAIL
    assert {e["signInRisk"] for e in evidence(finding, "gap")[0]["examples"]} == {"medium"}


def test_cov15_mfa_alone_is_no_remediation():
    doc = strong_document()
    policy_in(doc, P_USER_RISK)["grantControls"].update(builtInControls=["mfa"])
    assert run("COV-15", doc).status is Status.FAIL


def test_cov30_not_applicable_without_sign_ins_and_names_the_app():
    doc = strong_document()
    doc["signIns"] = []
    assert run("COV-30", doc).status is Status.NOT_APPLICABLE
    doc = strong_document()
    BREAKS["COV-30"][0](doc)
    doc["signIns"].append(sign_in("s3", ALICE, "0a0b0000-0000-4000-8000-000000000abc", "Browser", "Windows"))
    finding = run("COV-30", doc)
    assert finding.to_json()["affected"]["apps"] == [EXO]
    (gap,) = evidence(finding, "appGap")
    assert gap["signIns"] == 2 and gap["signedInUsers"] == 2
