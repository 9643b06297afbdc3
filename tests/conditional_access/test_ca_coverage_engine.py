"""The engine's scaling machinery: the documented grid, memoised models and reports, set-based scopes."""

from __future__ import annotations

from ca_fixtures import ALICE, BOB, CAROL_GUEST, G_ENG, G_STAFF, P_DEVICE_CODE, P_LEGACY, P_MFA, policy_in
from ca_fixtures import snapshot_from_document as snap

from entra_agents.conditional_access.checks import run_checks
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.coverage import (
    ScenarioGrid, TenantModel, assess, location_grid, principal_classes, requires_mfa, scenario_grid,
)
from entra_agents.conditional_access.evaluator import UNTRUSTED, match_users
from entra_agents.conditional_access.policy import AuthFlow, ClientApp
from entra_agents.conditional_access.scenarios import (
    ADMIN_PORTALS, AZURE_MANAGEMENT, OFFICE365, TRUSTED, RiskScenario, Scenario, resources_of,
)
from entra_agents.graph import synthetic

APP = "0b0b0000-0000-4000-8000-00000000a990"


def test_full_grid_has_every_documented_dimension(base_doc):
    base_doc["namedLocations"] = [{"id": "0E000000-0000-4000-8000-000000000001", "isTrusted": True}]
    base_doc["signIns"] = [{"appId": APP}, {"appId": APP}, {"appId": AZURE_MANAGEMENT}]
    snapshot = snap(base_doc)
    snapshot.sign_ins = base_doc["signIns"]
    grid = ScenarioGrid.full(snapshot)
    assert grid.resources == ("All", OFFICE365, ADMIN_PORTALS, AZURE_MANAGEMENT, APP)
    assert set(grid.client_apps) == set(ClientApp) and None in grid.platforms and len(grid.platforms) == 7
    assert grid.locations[:2] == (UNTRUSTED, TRUSTED) and grid.locations[2].named_location_id.endswith("01")
    assert grid.sign_in_risks == ("none", "low", "medium", "high") and set(grid.flows) == {None, *AuthFlow}
    scenarios = grid.scenarios()
    assert len(scenarios) == len(grid) == 5 * 4 * 7 * 3 * 4 * 3
    risky = [s for s in scenarios if isinstance(s, RiskScenario)]
    assert {s.for_user("u").sign_in_risk for s in risky} == {"low", "medium", "high"}
    assert all(type(s) is Scenario for s in scenarios if not isinstance(s, RiskScenario))


def test_sub_grid_and_historical_entry_point_agree(base_doc):
    snapshot = snap(base_doc)
    legacy = ScenarioGrid.full(snapshot).restrict(
        resources=["All"], client_apps=[ClientApp.EXCHANGE_ACTIVE_SYNC, ClientApp.OTHER],
        locations=location_grid(snapshot), sign_in_risks=["none"], flows=[None])
    assert set(legacy.scenarios()) == set(scenario_grid((ClientApp.EXCHANGE_ACTIVE_SYNC, ClientApp.OTHER),
                                                        locations=location_grid(snapshot)))
    assert resources_of(snapshot) == ("All", OFFICE365, ADMIN_PORTALS, AZURE_MANAGEMENT)


def test_model_is_built_once_per_snapshot_and_config(base_doc):
    snapshot = snap(base_doc)
    model = TenantModel.build(snapshot, AnalysisConfig())
    assert TenantModel.build(snapshot, AnalysisConfig()) is model
    assert TenantModel.build(snapshot, AnalysisConfig(detect_break_glass=False)) is not model
    assert TenantModel.build(snap(base_doc), AnalysisConfig()) is not model  # another snapshot object


def test_model_notices_in_place_edits(base_doc):
    snapshot = snap(base_doc)
    before = TenantModel.build(snapshot, AnalysisConfig())
    policy_in(base_doc, P_MFA)["state"] = "disabled"  # the snapshot shares the document's lists
    after = TenantModel.build(snapshot, AnalysisConfig())
    assert after is not before and P_MFA not in {p.id for p in after.live_policies}
    base_doc["groups"][1]["members"].append(CAROL_GUEST)
    assert TenantModel.build(snapshot, AnalysisConfig()) is not after


def test_reports_are_shared_between_identical_questions(base_doc):
    model = TenantModel.build(snap(base_doc), AnalysisConfig())
    scenarios = scenario_grid((ClientApp.BROWSER,))
    assert assess(model, scenarios, requires_mfa) is assess(model, list(scenarios), requires_mfa)
    assert principal_classes(model, model.counted_users()) is principal_classes(model, model.counted_users())


def test_checks_reuse_one_model(base_doc, monkeypatch):
    built = []
    original = TenantModel.build_uncached.__func__

    def counting(cls, snapshot, config):
        built.append(config)
        return original(cls, snapshot, config)

    monkeypatch.setattr(TenantModel, "build_uncached", classmethod(counting))
    run_checks(snap(base_doc), AnalysisConfig())
    assert len(built) == 1


def test_users_in_scope_matches_the_evaluator(base_doc):
    policy_in(base_doc, P_MFA)["conditions"]["users"].update(
        includeUsers=[], includeGroups=[G_STAFF], excludeGroups=[G_ENG],
        includeGuestsOrExternalUsers={"guestOrExternalUserTypes": "b2bCollaborationGuest",
                                      "externalTenants": {"membershipKind": "all"}})
    model = TenantModel.build(snap(base_doc), AnalysisConfig())
    for policy in model.policies:
        expected = {u for u in model.directory.user_ids() if match_users(policy, u, model.directory).matched}
        assert model.users_in_scope(policy) == expected
    mfa = next(p for p in model.policies if p.id == P_MFA)
    assert ALICE in model.users_in_scope(mfa) and BOB not in model.users_in_scope(mfa)


def test_matching_policies_by_scenario(base_doc):
    model = TenantModel.build(snap(base_doc), AnalysisConfig())
    assert model.matching_policies(Scenario(ClientApp.OTHER)) == {P_MFA, P_LEGACY}
    assert model.matching_policies(Scenario(ClientApp.MOBILE_DESKTOP, auth_flow=AuthFlow.DEVICE_CODE)) == {
        P_MFA, P_DEVICE_CODE}


def test_generator_size_knobs():
    tenant = synthetic.generate(400, 3, groups=120, policies=40, service_principals=90, sign_ins=900)
    counts = tenant.manifest["counts"]
    assert (counts["groups"], counts["conditionalAccessPolicies"], counts["servicePrincipals"]) == (120, 40, 90)
    assert counts["signIns"] == 900
    nested = [g for g in tenant.document["groups"] if g["displayName"].startswith("Division")]
    assert nested and all(m in {x["id"] for x in tenant.document["groups"]} for m in nested[0]["members"])
    plain = synthetic.generate(400, 3)
    assert plain.document["users"] == tenant.document["users"]


def test_a_replaced_model_does_not_reuse_the_original_memo(base_doc):
    import dataclasses

    model = TenantModel.build(snap(base_doc), AnalysisConfig())
    assert P_MFA in {p.id for p in model.live_policies}
    fewer = dataclasses.replace(model, policies=tuple(p for p in model.policies if p.id != P_MFA))
    assert P_MFA not in {p.id for p in fewer.live_policies}
    assert P_MFA in {p.id for p in model.live_policies}
