from __future__ import annotations

import pytest
from ca_fixtures import ALICE, BG1, BOB, CAROL_GUEST, G_ENG, G_STAFF, GA, ca_policy

from entra_agents.conditional_access.evaluator import (
    ALL_RESOURCES,
    ANY_RESOURCE,
    Applicability,
    LocationContext,
    Outcome,
    SignInContext,
    evaluate,
    evaluate_policy,
    match_users,
)
from entra_agents.conditional_access.policy import AuthFlow, ClientApp, parse_policy
from entra_agents.conditional_access.principals import Directory

EXO = "00000002-0000-0ff1-ce00-000000000000"
HQ = "1c000000-0000-4000-8000-000000000001"


@pytest.fixture
def directory(base_doc):
    return Directory(base_doc["users"], base_doc["groups"], base_doc["directoryRoles"])


def pol(pid="p1", patch=None, **kwargs):
    """A base-tenant style policy with ``patch`` applied: {"conditions/users/excludeUsers": [...]}."""
    raw = ca_policy(pid, "p", **kwargs)
    for path, value in (patch or {}).items():
        *parents, leaf = path.split("/")
        target = raw
        for part in parents:
            target = target[part]
        target[leaf] = value
    return parse_policy(raw)


def ctx(user=ALICE, **kwargs):
    return SignInContext(user, **kwargs)


# users ------------------------------------------------------------------------------------------------------


def test_exclude_beats_include(directory):
    p = pol(include_users=[ALICE], patch={"conditions/users/excludeUsers": [ALICE]})
    result = match_users(p, ALICE, directory)
    assert result.matched is False and result.excluded


def test_nested_group_exclusion(directory):
    p = pol(exclude_groups=[G_STAFF])
    result = match_users(p, BOB, directory)  # Bob is in Engineering, which is in Staff
    assert result.matched is False and result.groups == (G_STAFF,)
    assert "transitive" in result.detail


def test_group_and_role_inclusion(directory):
    by_group = pol(include_users=[], patch={"conditions/users/includeGroups": [G_ENG]})
    assert match_users(by_group, BOB, directory).matched and not match_users(by_group, ALICE, directory).matched
    by_role = pol(include_users=[], exclude_groups=[], patch={"conditions/users/includeRoles": [GA]})
    assert match_users(by_role, BG1, directory).matched and not match_users(by_role, ALICE, directory).matched


def test_all_users_includes_guests_and_guest_conditions(directory):
    assert match_users(pol(), CAROL_GUEST, directory).matched
    legacy_token = pol(include_users=["GuestsOrExternalUsers"])
    assert match_users(legacy_token, CAROL_GUEST, directory).matched
    assert not match_users(legacy_token, ALICE, directory).matched
    excluded = pol(patch={"conditions/users/excludeGuestsOrExternalUsers": {
        "guestOrExternalUserTypes": "b2bCollaborationGuest", "externalTenants": {"membershipKind": "all"}}})
    assert not match_users(excluded, CAROL_GUEST, directory).matched
    assert match_users(excluded, ALICE, directory).matched


def test_enumerated_guest_tenants_never_invent_coverage(directory):
    guests = {"guestOrExternalUserTypes": "b2bCollaborationGuest",
              "externalTenants": {"membershipKind": "enumerated", "members": ["tenant-a"]}}
    include = pol(include_users=[], patch={"conditions/users/includeGuestsOrExternalUsers": guests})
    exclude = pol(patch={"conditions/users/excludeGuestsOrExternalUsers": guests})
    assert not match_users(include, CAROL_GUEST, directory).matched
    assert not match_users(exclude, CAROL_GUEST, directory).matched


# sign-in conditions -----------------------------------------------------------------------------------------


def test_unconfigured_conditions_match_everything(directory):
    p = pol()
    trusted = LocationContext(HQ, True)
    for c in (ctx(client_app=ClientApp.OTHER, platform="linux", sign_in_risk="high", location=trusted),
              ctx(auth_flow=AuthFlow.DEVICE_CODE)):
        assert evaluate_policy(p, directory, c).applies


def test_client_app_types_subset_reports_legacy_reason(directory):
    p = pol(client_app_types=["browser", "mobileAppsAndDesktopClients"])
    result = evaluate_policy(p, directory, ctx(client_app=ClientApp.EXCHANGE_ACTIVE_SYNC))
    assert not result.applies and result.reasons == ("clientApps",)
    assert "legacy clients excluded" in result.to_json()["details"][0]
    assert evaluate_policy(p, directory, ctx(client_app=ClientApp.BROWSER)).applies


def test_all_resources_scope_requires_all_without_exclusions(directory):
    excluded = pol(patch={"conditions/applications/excludeApplications": [EXO]})
    assert evaluate_policy(excluded, directory, ctx()).reasons == ("application",)
    assert evaluate_policy(excluded, directory, ctx(application=ANY_RESOURCE)).applies
    assert not evaluate_policy(excluded, directory, ctx(application=EXO)).applies
    office = pol(patch={"conditions/applications/includeApplications": ["Office365"]})
    assert evaluate_policy(office, directory, ctx(application=EXO)).applies
    assert not evaluate_policy(office, directory, ctx(application=ALL_RESOURCES)).applies


def test_platforms_unknown_matches_only_all(directory):
    android_only = pol(patch={"conditions/platforms": {"includePlatforms": ["android"]}})
    assert evaluate_policy(android_only, directory, ctx(platform="android")).applies
    assert evaluate_policy(android_only, directory, ctx(platform=None)).reasons == ("devicePlatform",)
    platforms = {"includePlatforms": ["all"], "excludePlatforms": ["windows", "iOS"]}
    unknown_block = pol(patch={"conditions/platforms": platforms})
    assert evaluate_policy(unknown_block, directory, ctx(platform=None)).applies
    assert not evaluate_policy(unknown_block, directory, ctx(platform="iOS")).applies


def test_locations_trusted_exclusion(directory):
    p = pol(patch={"conditions/locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}})
    assert evaluate_policy(p, directory, ctx()).applies  # unknown location counts as untrusted
    assert not evaluate_policy(p, directory, ctx(location=LocationContext(HQ, trusted=True))).applies
    named = pol(patch={"conditions/locations": {"includeLocations": [HQ.upper()]}})
    assert evaluate_policy(named, directory, ctx(location=LocationContext(HQ))).applies
    assert evaluate_policy(named, directory, ctx()).reasons == ("location",)


def test_risk_and_flow_conditions(directory):
    risky = pol(patch={"conditions/signInRiskLevels": ["high", "medium"]})
    assert evaluate_policy(risky, directory, ctx()).reasons == ("signInRisk",)
    assert evaluate_policy(risky, directory, ctx(sign_in_risk="high")).applies
    flows = pol(transfer_methods="deviceCodeFlow,authenticationTransfer")
    assert evaluate_policy(flows, directory, ctx(auth_flow=AuthFlow.DEVICE_CODE)).applies
    assert evaluate_policy(flows, directory, ctx()).reasons == ("authenticationFlow",)


def test_device_filter_is_not_enough_information(directory):
    p = pol(patch={"conditions/devices": {"deviceFilter": {"mode": "include", "rule": "device.isCompliant -eq True"}}})
    result = evaluate_policy(p, directory, ctx())
    assert result.status is Applicability.NOT_ENOUGH_INFORMATION and not result.applies
    assert evaluate([p], directory, ctx()).enforced.applied == ()


def test_disabled_policy_reports_policy_not_enabled(directory):
    result = evaluate_policy(pol(state="disabled"), directory, ctx())
    assert not result.applies and result.reasons[0] == "policyNotEnabled"


# outcomes ---------------------------------------------------------------------------------------------------


def test_report_only_outcome_is_separate(directory):
    enforced = pol(pid="a")
    report_only = pol(pid="b", state="enabledForReportingButNotEnforced", controls=["block"])
    ev = evaluate([enforced, report_only], directory, ctx())
    assert not ev.enforced.blocked and ev.report_only.blocked and ev.if_report_only_enabled.blocked
    assert ev.guarantees_mfa()


def test_all_applicable_policies_must_be_satisfied(directory):
    mfa = pol(pid="a")
    terms = pol(pid="b", patch={"grantControls/builtInControls": [], "grantControls/termsOfUse": ["tou"]})
    assert evaluate([mfa, terms], directory, ctx()).guarantees_mfa()


def test_or_dilution_does_not_guarantee_mfa(directory):
    diluted = pol(controls=["mfa", "compliantDevice"], operator="OR")
    assert not evaluate([diluted], directory, ctx()).guarantees_mfa()
    strict = pol(controls=["mfa", "compliantDevice"], operator="AND")
    assert evaluate([strict], directory, ctx()).guarantees_mfa()


def test_session_only_policy_requires_nothing(directory):
    session = pol(patch={"grantControls": None, "sessionControls": {"persistentBrowser": {
        "isEnabled": True, "mode": "never"}}})
    ev = evaluate([session], directory, ctx())
    assert ev.enforced.applied == ("p1",) and not ev.enforced.requires_anything and not ev.guarantees_mfa()


def test_policy_without_any_control_is_an_empty_policy(directory):
    empty = pol(patch={"grantControls": None})
    result = evaluate_policy(empty, directory, ctx())
    assert not result.applies and result.analysis_reasons == ("emptyPolicy",)


def test_legacy_clients_cannot_satisfy_mfa_or_device_controls():
    mfa = Outcome.from_policies([pol()])
    assert mfa.effectively_blocked(ClientApp.EXCHANGE_ACTIVE_SYNC) and mfa.effectively_blocked(ClientApp.OTHER)
    assert not mfa.effectively_blocked(ClientApp.BROWSER)
    either = Outcome.from_policies([pol(controls=["mfa", "compliantApplication"])])
    assert not either.effectively_blocked(ClientApp.OTHER)  # an option legacy clients can meet keeps it open
    assert not either.guarantees_mfa(ClientApp.BROWSER)


def test_device_code_flow_not_blocked_by_mfa_but_by_device_state():
    assert not Outcome.from_policies([pol()]).effectively_blocked(ClientApp.MOBILE_DESKTOP, AuthFlow.DEVICE_CODE)
    compliant = Outcome.from_policies([pol(controls=["compliantDevice"])])
    assert compliant.effectively_blocked(ClientApp.MOBILE_DESKTOP, AuthFlow.DEVICE_CODE)
    or_mfa = Outcome.from_policies([pol(controls=["compliantDevice", "mfa"])])
    assert not or_mfa.effectively_blocked(ClientApp.MOBILE_DESKTOP, AuthFlow.DEVICE_CODE)
    assert or_mfa.guarantees_mfa(ClientApp.MOBILE_DESKTOP, AuthFlow.DEVICE_CODE)  # compliant option unusable there
