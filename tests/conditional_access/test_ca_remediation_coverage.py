"""Remediation templates for the baseline coverage checks: each closes its gap and passes the lockout check."""

from __future__ import annotations

import copy

import pytest
from ca_fixtures import BG1, BG2, DIRSYNC, policy_in
from cov_fixtures import HELPDESK, P_DEVICE, snapshot, strong_document
from test_ca_cov_baseline import BREAKS

from entra_agents.conditional_access.checks import CHECKS
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status
from entra_agents.conditional_access.remediation import (
    DISABLED, REPORT_ONLY, TEMPLATES, build_policy, check_lockout, closes_gap, suggest_remediation,
    validate_report_only_policy, vetted_remediation,
)

NEW_TEMPLATES = sorted(set(TEMPLATES) - {"COV-01", "COV-08", "COV-10"})


def test_every_remediable_coverage_check_has_a_template():
    assert NEW_TEMPLATES == ["COV-02", "COV-03", "COV-04", "COV-05", "COV-07", "COV-11", "COV-12", "COV-14",
                             "COV-15", "COV-17", "COV-19", "COV-20", "COV-21", "COV-29"]


@pytest.mark.parametrize("check_id", NEW_TEMPLATES)
def test_template_closes_its_gap_and_is_lockout_safe(check_id):
    doc = strong_document()
    BREAKS[check_id][0](doc)
    tenant = snapshot(doc)
    finding = CHECKS[check_id].evaluate(tenant, AnalysisConfig())
    assert finding.status is Status.FAIL
    policy, problems = vetted_remediation(finding, tenant)
    assert problems == []
    assert suggest_remediation(finding, tenant) == policy
    assert policy["state"] == (DISABLED if check_id == "COV-12" else REPORT_ONLY) and "id" not in policy
    users = policy["conditions"]["users"]
    assert users["excludeUsers"] == sorted([BG1, BG2]) and users["excludeRoles"] == [DIRSYNC]
    assert policy["displayName"].startswith("CA-Agent - ")
    fixed = copy.deepcopy(doc)
    fixed["conditionalAccessPolicies"].append({**policy, "id": "0c000000-0000-4000-8000-00000000ffff",
                                               "state": "enabled"})
    assert CHECKS[check_id].evaluate(snapshot(fixed), AnalysisConfig()).status is Status.PASS


def test_closes_gap_reports_a_policy_that_does_not_close_it():
    doc = strong_document()
    BREAKS["COV-02"][0](doc)
    tenant = snapshot(doc)
    assert closes_gap(tenant, None, "COV-02", build_policy("COV-02", tenant)) == []
    problems = closes_gap(tenant, None, "COV-02", build_policy("COV-19", tenant))
    assert problems and "COV-02 would still be fail" in problems[0]
    assert closes_gap(tenant, None, "COV-99", {}) == ["unknown check 'COV-99'"]


def test_cov20_template_excludes_the_platforms_in_use():
    tenant = snapshot(strong_document())  # sign-ins from Windows 10 and iOS 17
    platforms = build_policy("COV-20", tenant)["conditions"]["platforms"]
    assert platforms == {"includePlatforms": ["all"], "excludePlatforms": ["iOS", "windows"]}
    doc = strong_document()
    doc["signIns"] = []
    assert build_policy("COV-20", snapshot(doc))["conditions"]["platforms"]["excludePlatforms"] == [
        "android", "iOS", "windows", "macOS", "linux"]


def test_user_action_policies_are_offered_disabled():
    tenant = snapshot(strong_document())
    policy = build_policy("COV-12", tenant)
    assert policy["conditions"]["applications"]["includeUserActions"] == ["urn:user:registersecurityinfo"]
    assert validate_report_only_policy(policy) == []
    assert any("user-action" in p for p in validate_report_only_policy({**policy, "state": REPORT_ONLY}))
    assert any("state must be" in p for p in validate_report_only_policy({**build_policy("COV-02", tenant),
                                                                         "state": DISABLED}))


def test_lockout_refuses_a_policy_blocking_every_global_administrator():
    tenant = snapshot(strong_document())
    block_all = build_policy("COV-01", tenant)
    block_all["grantControls"]["builtInControls"] = ["block"]
    problems = check_lockout(tenant, None, block_all)
    assert any("every active Global Administrator" in p and "erin@base.test" in p for p in problems)
    helpdesk_only = copy.deepcopy(block_all)
    helpdesk_only["conditions"]["users"].update(includeUsers=[], includeRoles=[HELPDESK])
    assert check_lockout(tenant, None, helpdesk_only) == []


def test_lockout_refuses_an_unsatisfiable_control_for_every_global_administrator():
    tenant = snapshot(strong_document())
    policy = build_policy("COV-04", tenant)
    policy["grantControls"]["authenticationStrength"] = {"id": "5a000000-0000-4000-8000-00000000dead"}
    assert any("every active Global Administrator" in p for p in check_lockout(tenant, None, policy))


def test_lockout_ignores_an_admin_already_locked_out():
    doc = strong_document()
    policy_in(doc, P_DEVICE)["grantControls"]["builtInControls"] = ["block"]  # the tenant blocks everyone already
    tenant = snapshot(doc)
    block_all = build_policy("COV-01", tenant)
    block_all["grantControls"]["builtInControls"] = ["block"]
    assert not any("Global Administrator" in p for p in check_lockout(tenant, None, block_all))


DEMO_FAILING_WITH_TEMPLATE = ["COV-02", "COV-04", "COV-05", "COV-11", "COV-12", "COV-14", "COV-15", "COV-17",
                              "COV-20", "COV-21"]


@pytest.mark.parametrize("check_id", DEMO_FAILING_WITH_TEMPLATE)
def test_demo_tenant_gaps_have_vetted_remediations(demo_doc, check_id):
    tenant = snapshot(demo_doc)
    finding = CHECKS[check_id].evaluate(tenant, AnalysisConfig())
    assert finding.status is Status.FAIL
    policy, problems = vetted_remediation(finding, tenant)
    assert problems == [] and policy is not None


def test_demo_tenant_failing_coverage_checks(demo_doc):
    failing = {f.check for f in map(lambda c: c.evaluate(snapshot(demo_doc), AnalysisConfig()), CHECKS.values())
               if f.status is Status.FAIL and f.check.startswith("COV")}
    assert failing == {"COV-01", "COV-08", "COV-10", *DEMO_FAILING_WITH_TEMPLATE}
