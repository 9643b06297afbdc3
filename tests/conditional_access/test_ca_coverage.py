from __future__ import annotations

import dataclasses

from ca_fixtures import ALICE, BG1, BG2, BOB, CAROL_GUEST, G_STAFF, P_MFA, SYNC, policy_in, snapshot_from_document

from entra_agents.conditional_access import coverage
from entra_agents.conditional_access.checks import cov01
from entra_agents.conditional_access.config import AnalysisConfig, BreakGlassSource
from entra_agents.conditional_access.coverage import (
    TenantModel, assess, location_grid, principal_classes, requires_mfa, scenario_grid,
)
from entra_agents.conditional_access.evaluator import evaluate
from entra_agents.conditional_access.policy import AuthFlow, ClientApp


def model(doc, config=None):
    return TenantModel.build(snapshot_from_document(doc), config or AnalysisConfig())


def test_population_excludes_break_glass_sync_and_disabled(base_doc):
    m = model(base_doc)
    assert sorted(m.counted_users()) == sorted([ALICE, BOB, CAROL_GUEST])
    assert m.break_glass.source is BreakGlassSource.DETECTED and m.break_glass.ids == {BG1, BG2}
    assert m.sync_accounts == {SYNC}


def test_sync_accounts_count_when_configured_so(base_doc):
    assert SYNC in model(base_doc, AnalysisConfig(exclude_directory_sync_accounts=False)).counted_users()


def test_detection_needs_an_enabled_all_users_policy(base_doc):
    for policy in base_doc["conditionalAccessPolicies"]:
        policy["state"] = "enabledForReportingButNotEnforced"
    m = model(base_doc)
    assert m.break_glass.source is BreakGlassSource.NONE and not m.break_glass.ids


def test_detection_skips_global_admins_covered_by_any_all_users_policy(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"] = []
    assert model(base_doc).break_glass.source is BreakGlassSource.NONE


def test_detection_can_be_switched_off(base_doc):
    m = model(base_doc, AnalysisConfig(detect_break_glass=False))
    assert m.break_glass.source is BreakGlassSource.NONE and BG1 in m.counted_users()


def test_users_with_identical_policy_scope_share_a_class(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"]["excludeGroups"].append(G_STAFF)
    m = model(base_doc)
    classes = {frozenset(c.members) for c in principal_classes(m, m.counted_users())}
    assert classes == {frozenset({ALICE, BOB}), frozenset({CAROL_GUEST})}


def test_fast_path_agrees_with_full_evaluation(demo_doc):
    """The class/scenario table must give the same enforced policies as evaluating each user directly."""
    m = model(demo_doc)
    flows = (None, AuthFlow.DEVICE_CODE)
    scenarios = scenario_grid(list(ClientApp), locations=location_grid(m.snapshot), flows=flows)
    report = assess(m, scenarios, lambda outcome, ctx: False)  # everything "fails", so every sign-in is kept
    for gap in report.gaps:
        for user in gap.principal_class.members:
            for failed in gap.failing:
                direct = evaluate(m.live_policies, m.directory, dataclasses.replace(failed.context, user_id=user))
                assert sorted(direct.enforced.applied) == sorted(failed.enforced.applied)
                report_only = sorted(r.policy.id for r in direct.results if r.applies and r.policy.is_report_only)
                assert report_only == sorted(p.id for p in failed.report_only)


def test_only_the_largest_gap_classes_are_explained(demo_doc, monkeypatch):
    monkeypatch.setattr(coverage, "MAX_EXPLAINED", 0)
    finding = cov01.evaluate(snapshot_from_document(demo_doc), AnalysisConfig()).to_json()
    kinds = [e["kind"] for e in finding["evidence"]]
    assert "gap" not in kinds and "moreGaps" in kinds
    assert len(finding["affected"]["users"]) == 2


def test_requires_mfa_predicate_on_report(base_doc):
    m = model(base_doc)
    report = assess(m, scenario_grid((ClientApp.BROWSER,)), requires_mfa)
    assert report.gaps == () and report.enforcing == {P_MFA} and len(report.scenarios) == 7


def test_config_from_agent_settings():
    config = AnalysisConfig.from_settings({"BreakGlassAccounts": " bg1@x.test; 0B000000-0000-4000-8000-000000000002,,",
                                           "AllowReportOnlyPolicyCreation": "true"})
    assert config.break_glass_accounts == ("bg1@x.test", "0B000000-0000-4000-8000-000000000002")
    assert AnalysisConfig.from_settings({}).break_glass_accounts == ()
    assert AnalysisConfig.from_settings({"PolicyNamePrefix": "Contoso"}).policy_name_prefix == "Contoso"


def test_configured_break_glass_by_id_is_case_insensitive(base_doc):
    m = model(base_doc, AnalysisConfig.from_settings({"BreakGlassAccounts": BG1.upper()}))
    assert m.break_glass.ids == {BG1} and m.break_glass.source is BreakGlassSource.CONFIGURED
