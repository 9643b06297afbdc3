"""The coverage engine (principal classes, bitset indexes, memoised verdicts) must answer exactly as the
per-user reference evaluator on any tenant and any policy set."""

from __future__ import annotations

from typing import Any

from ca_fixtures import snapshot_from_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entra_agents.conditional_access.checks import cov01
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.coverage import (
    ScenarioGrid, TenantModel, assess, is_blocked, location_grid, requires_mfa, scenario_grid,
)
from entra_agents.conditional_access.evaluator import UNTRUSTED, LocationContext
from entra_agents.conditional_access.policy import AuthFlow, ClientApp
from entra_agents.conditional_access.reference import per_user, reference_assess
from entra_agents.conditional_access.scenarios import TRUSTED

JSON = dict[str, Any]
USERS = [f"0a000000-0000-4000-8000-{n:012x}" for n in range(7)]
GROUPS = [f"06000000-0000-4000-8000-{n:012x}" for n in range(5)]
DELETED_GROUP = "06000000-0000-4000-8000-0000000dead0"
ROLES = ["62e90394-69f5-4237-9190-012177145e10", "194ae4cb-b126-40b2-bd5b-6091b380977d",
         "d29b2b05-8046-44ba-8758-1e26182fcf32"]
LOCATIONS = ["0e000000-0000-4000-8000-000000000001", "0e000000-0000-4000-8000-000000000002"]
APP = "0b0b0000-0000-4000-8000-00000000a990"
AZURE = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
CUSTOM_STRENGTH = "0c5c0000-0000-4000-8000-000000000001"
GUEST_TYPES = ["internalGuest", "b2bCollaborationGuest", "b2bCollaborationMember", "otherExternalUser"]
CONTROLS = ["block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication"]


def subset(values: list[Any], max_size: int | None = None) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size or len(values))


@st.composite
def guests(draw: st.DrawFn) -> JSON | None:
    if draw(st.booleans()):
        return None
    kind = draw(st.sampled_from(["all", "enumerated"]))
    return {"guestOrExternalUserTypes": ",".join(draw(subset(GUEST_TYPES).filter(bool))),
            "externalTenants": {"membershipKind": kind, **({"members": ["t1"]} if kind == "enumerated" else {})}}


@st.composite
def policies(draw: st.DrawFn, index: int) -> JSON:
    include_users = draw(st.one_of(st.just(["All"]), st.just(["None"]),
                                   subset([*USERS, "GuestsOrExternalUsers"], 3)))
    platforms = draw(st.one_of(st.none(), st.fixed_dictionaries({
        "includePlatforms": subset(["all", "android", "iOS", "windows", "linux"], 3),
        "excludePlatforms": subset(["android", "iOS", "windows", "macOS"], 2)})))
    locations = draw(st.one_of(st.none(), st.fixed_dictionaries({
        "includeLocations": subset(["All", "AllTrusted", *LOCATIONS], 2),
        "excludeLocations": subset(["AllTrusted", *LOCATIONS], 2)})))
    controls = draw(subset(CONTROLS, 3))
    strength = draw(st.sampled_from([None, "00000000-0000-0000-0000-000000000002",
                                     "00000000-0000-0000-0000-000000000004", CUSTOM_STRENGTH]))
    flows = draw(subset(["deviceCodeFlow", "authenticationTransfer"]))
    return {
        "id": f"0c000000-0000-4000-8000-{index:012x}", "displayName": f"P{index}",
        "state": draw(st.sampled_from(["enabled", "enabled", "enabledForReportingButNotEnforced", "disabled"])),
        "conditions": {
            "users": {
                "includeUsers": include_users, "excludeUsers": draw(subset([*USERS, "GuestsOrExternalUsers"], 2)),
                "includeGroups": draw(subset([*GROUPS, DELETED_GROUP], 2)),
                "excludeGroups": draw(subset([*GROUPS, DELETED_GROUP], 2)),
                "includeRoles": draw(subset(ROLES, 1)), "excludeRoles": draw(subset(ROLES, 2)),
                "includeGuestsOrExternalUsers": draw(guests()), "excludeGuestsOrExternalUsers": draw(guests()),
            },
            "applications": {
                "includeApplications": draw(st.sampled_from([["All"], ["All"], ["Office365"], [APP], [AZURE],
                                                              ["MicrosoftAdminPortals"], ["None"]])),
                "excludeApplications": draw(subset([APP, "Office365"], 1)),
            },
            "clientAppTypes": draw(st.one_of(st.just(["all"]), subset([c.value for c in ClientApp], 3))),
            "platforms": platforms, "locations": locations,
            "signInRiskLevels": draw(subset(["low", "medium", "high"], 2)),
            "userRiskLevels": draw(st.sampled_from([[], [], ["high"]])),
            "authenticationFlows": {"transferMethods": ",".join(flows)} if flows else None,
        },
        "grantControls": {
            "operator": draw(st.sampled_from(["AND", "OR"])), "builtInControls": controls,
            "customAuthenticationFactors": [], "termsOfUse": [],
            "authenticationStrength": {"id": strength} if strength else None,
        } if controls or strength else None,
        "sessionControls": None,
    }


@st.composite
def tenants(draw: st.DrawFn) -> JSON:
    n_users, n_groups = draw(st.integers(1, len(USERS))), draw(st.integers(0, len(GROUPS)))
    users, groups = USERS[:n_users], GROUPS[:n_groups]
    user_docs = [{"id": uid, "userPrincipalName": f"u{k}@t.test", "displayName": f"u{k}",
                  "userType": draw(st.sampled_from(["Member", "Member", "Guest"])),
                  "accountEnabled": draw(st.sampled_from([True, True, True, False]))}
                 for k, uid in enumerate(users)]
    # members may be users, groups (cycles and self-membership included) or unknown ids
    group_docs = [{"id": gid, "displayName": f"g{k}",
                   "members": draw(subset([*users, *groups, "0f000000-0000-4000-8000-00000000beef"], 4))}
                  for k, gid in enumerate(groups)]
    role_docs = [{"id": f"0d000000-0000-4000-8000-{k:012x}", "roleTemplateId": rid, "members": draw(subset(users, 2))}
                 for k, rid in enumerate(ROLES)]
    return {
        "organization": {"id": "0f000000-0000-4000-8000-000000000001", "displayName": "Random"},
        "securityDefaults": {"isEnabled": False},
        "users": user_docs, "groups": group_docs, "directoryRoles": role_docs,
        "conditionalAccessPolicies": [draw(policies(k)) for k in range(draw(st.integers(0, 5)))],
        "namedLocations": [{"id": LOCATIONS[0], "displayName": "HQ", "isTrusted": True},
                           {"id": LOCATIONS[1], "displayName": "Countries", "isTrusted": False}],
        "authenticationStrengthPolicies": [{"id": CUSTOM_STRENGTH, "displayName": "Weak custom",
                                            "allowedCombinations": ["password,sms", "password"]}],
    }


@st.composite
def sub_grids(draw: st.DrawFn) -> ScenarioGrid:
    def pick(values: list[Any]) -> list[Any]:
        return draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))

    return ScenarioGrid(
        resources=tuple(pick(["All", "Office365", "MicrosoftAdminPortals", AZURE, APP])),
        client_apps=tuple(pick(list(ClientApp))),
        platforms=tuple(pick([None, "android", "iOS", "windows", "macOS", "linux"])),
        locations=tuple(pick([UNTRUSTED, TRUSTED, LocationContext(LOCATIONS[0], True),
                              LocationContext(LOCATIONS[1], False)])),
        sign_in_risks=tuple(pick(["none", "low", "medium", "high"])),
        flows=tuple(pick([None, AuthFlow.DEVICE_CODE, AuthFlow.AUTHENTICATION_TRANSFER])),
    )


def never(outcome: Any, context: Any) -> bool:
    """Everything fails, so every sign-in's enforced and report-only sets are compared."""
    return False


def _agree(model: TenantModel, scenarios: Any, covered: Any) -> None:
    engine = per_user(assess(model, scenarios, covered))
    reference = per_user(reference_assess(model, scenarios, covered))
    assert engine == reference


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=tenants(), grid=sub_grids(), detect=st.booleans())
def test_engine_agrees_with_the_reference(doc: JSON, grid: ScenarioGrid, detect: bool) -> None:
    snapshot = snapshot_from_document(doc)
    model = TenantModel.build(snapshot, AnalysisConfig(detect_break_glass=detect))
    locations = location_grid(snapshot)
    _agree(model, cov01.SCENARIOS, requires_mfa)  # COV-01
    _agree(model, scenario_grid((ClientApp.EXCHANGE_ACTIVE_SYNC, ClientApp.OTHER), locations=locations),
           is_blocked)  # COV-08
    _agree(model, scenario_grid((ClientApp.MOBILE_DESKTOP,), locations=locations, flows=(AuthFlow.DEVICE_CODE,)),
           is_blocked)  # COV-10
    scenarios = grid.scenarios()
    for covered in (requires_mfa, is_blocked, never):
        _agree(model, scenarios, covered)
