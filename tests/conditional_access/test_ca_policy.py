from __future__ import annotations

from entra_agents.conditional_access.policy import (
    AuthStrength, GrantOperator, PolicyState, combination_is_multi_factor, parse_policies, parse_policy,
    parse_strengths,
)

STRENGTH_ID = "5a000000-0000-4000-8000-000000000001"


def raw(**overrides):
    policy = {
        "id": "AB000000-0000-4000-8000-0000000000FF", "displayName": "p", "state": "enabled",
        "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}},
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    policy.update(overrides)
    return policy


def test_ids_are_lower_cased_and_tokens_canonical():
    p = parse_policy(raw(conditions={
        "users": {"includeUsers": ["all"], "excludeGroups": ["AA000000-0000-4000-8000-0000000000AA"]},
        "applications": {"includeApplications": ["ALL"], "excludeApplications": ["office365"]},
        "locations": {"includeLocations": ["all"], "excludeLocations": ["allTrusted"]},
        "platforms": {"includePlatforms": ["All"], "excludePlatforms": ["IOS", "macos"]},
    }))
    assert p.id == "ab000000-0000-4000-8000-0000000000ff"
    assert p.conditions.users.include_users == {"All"}
    assert p.conditions.users.exclude_groups == {"aa000000-0000-4000-8000-0000000000aa"}
    assert p.conditions.applications.include == {"All"}
    assert p.conditions.applications.exclude == {"Office365"}
    assert p.conditions.include_locations == {"All"} and p.conditions.exclude_locations == {"AllTrusted"}
    assert p.conditions.include_platforms == {"all"} and p.conditions.exclude_platforms == {"iOS", "macOS"}
    assert p.warnings == ()


def test_null_and_empty_collections_mean_unconfigured():
    p = parse_policy(raw(conditions={
        "users": {"includeUsers": ["All"], "excludeUsers": None, "excludeGuestsOrExternalUsers": None},
        "applications": {"includeApplications": ["All"]},
        "platforms": None, "locations": None, "devices": None, "authenticationFlows": None,
        "clientAppTypes": [], "signInRiskLevels": None,
    }))
    c = p.conditions
    assert c.include_platforms is None and c.include_locations is None and c.device_filter is None
    assert c.client_app_types == frozenset() and c.sign_in_risk == frozenset() and c.transfer_methods == frozenset()
    assert c.users.exclude_users == frozenset() and c.users.exclude_guests is None


def test_client_app_type_all_is_the_same_as_unconfigured_and_eas_variants_fold():
    assert parse_policy(raw(conditions={"clientAppTypes": ["all"]})).conditions.client_app_types == frozenset()
    eas = parse_policy(raw(conditions={"clientAppTypes": ["easSupported", "Other"]}))
    assert eas.conditions.client_app_types == {"exchangeActiveSync", "other"}


def test_transfer_methods_comma_string_is_split():
    both = "deviceCodeFlow,authenticationTransfer"
    p = parse_policy(raw(conditions={"authenticationFlows": {"transferMethods": both}}))
    assert p.conditions.transfer_methods == {"deviceCodeFlow", "authenticationTransfer"}
    spaced = parse_policy(raw(conditions={"authenticationFlows": {"transferMethods": " deviceCodeFlow , "}}))
    assert spaced.conditions.transfer_methods == {"deviceCodeFlow"}


def test_guest_types_comma_string():
    p = parse_policy(raw(conditions={"users": {"excludeGuestsOrExternalUsers": {
        "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
        "externalTenants": {"membershipKind": "all"}}}}))
    assert p.conditions.users.exclude_guests.types == {"internalGuest", "b2bCollaborationGuest"}


def test_states():
    assert parse_policy(raw(state="enabled")).state is PolicyState.ENABLED
    assert parse_policy(raw(state="disabled")).state is PolicyState.DISABLED
    report_only = parse_policy(raw(state="enabledForReportingButNotEnforced"))
    assert report_only.state is PolicyState.REPORT_ONLY and report_only.is_report_only and not report_only.is_enabled


def test_unknown_enum_members_are_kept_and_reported_not_fatal():
    p = parse_policy(raw(
        state="enabledSomehowNew",
        conditions={"clientAppTypes": ["futureClient"], "signInRiskLevels": ["unknownFutureValue"]},
        grantControls={"operator": "OR", "builtInControls": ["mfa", "quantumKey"]},
    ))
    assert p.state is PolicyState.UNKNOWN and p.raw_state == "enabledSomehowNew"
    assert "futureClient" in p.conditions.client_app_types
    assert {c.name for c in p.grant.controls} == {"mfa", "quantumKey"}
    assert len(p.warnings) == 4
    assert any("quantumKey" in w for w in p.warnings)


def test_garbage_does_not_crash():
    p = parse_policy({"id": None, "conditions": "nonsense", "grantControls": 7})
    assert p.grant is None and p.state is PolicyState.UNKNOWN
    assert parse_policies([{"id": "x"}, "not a dict"])[0].id == "x"  # type: ignore[list-item]


def test_grant_operators_and_options():
    or_grant = parse_policy(raw(grantControls={"operator": "OR", "builtInControls": ["mfa", "compliantDevice"]})).grant
    assert or_grant.operator is GrantOperator.OR
    assert sorted(len(o) for o in or_grant.options()) == [1, 1]
    and_grant = parse_policy(raw(grantControls={"operator": "AND",
                                                 "builtInControls": ["mfa", "compliantDevice"]})).grant
    assert len(and_grant.options()) == 1 and len(and_grant.options()[0]) == 2
    block = parse_policy(raw(grantControls={"operator": "OR", "builtInControls": ["block"]})).grant
    assert block.blocks and block.options() == ()


def test_session_only_policy_has_no_grant():
    session = {"persistentBrowser": {"isEnabled": True, "mode": "never"}}
    p = parse_policy(raw(grantControls=None, sessionControls=session))
    assert p.grant is None
    assert p.session_controls == session
    empty = parse_policy(raw(grantControls={"operator": "OR", "builtInControls": []}))
    assert empty.grant is None


def test_multi_factor_combinations():
    assert combination_is_multi_factor("password,sms")
    assert combination_is_multi_factor("fido2")
    assert combination_is_multi_factor("windowsHelloForBusiness")
    assert not combination_is_multi_factor("password")
    assert not combination_is_multi_factor("sms")
    assert not combination_is_multi_factor("federatedSingleFactor")


def strength_policy(combinations):
    return [{"id": STRENGTH_ID, "displayName": "Custom", "policyType": "custom", "allowedCombinations": combinations}]


def grant_with_strength(strength_id=STRENGTH_ID):
    return {"operator": "OR", "builtInControls": [], "authenticationStrength": {"id": strength_id}}


def test_auth_strength_resolved_by_id_counts_as_mfa_only_if_every_combination_is_multi_factor():
    strong = parse_strengths(strength_policy(["fido2", "password,microsoftAuthenticatorPush"]))
    p = parse_policy(raw(grantControls=grant_with_strength()), strong)
    (control,) = p.grant.controls
    assert control.name == "authenticationStrength" and control.provides_mfa
    weak = parse_strengths(strength_policy(["fido2", "password"]))
    assert not parse_policy(raw(grantControls=grant_with_strength()), weak).grant.controls[0].provides_mfa
    sms_only = parse_strengths(strength_policy(["sms"]))
    assert not parse_policy(raw(grantControls=grant_with_strength()), sms_only).grant.controls[0].provides_mfa


def test_auth_strength_fallbacks_and_unresolved():
    builtin = parse_policy(raw(grantControls=grant_with_strength("00000000-0000-0000-0000-000000000004")))
    assert builtin.grant.controls[0].provides_mfa and builtin.strengths[0].display_name == "Phishing-resistant MFA"
    weak_inline = {"id": "x", "allowedCombinations": ["password"]}
    inline = parse_policy(raw(grantControls={"authenticationStrength": weak_inline}))
    assert not inline.grant.controls[0].provides_mfa
    missing = parse_policy(raw(grantControls=grant_with_strength("5a000000-0000-4000-8000-00000000dead")))
    assert not missing.grant.controls[0].provides_mfa
    assert any("not found" in w for w in missing.warnings)
    assert not AuthStrength("x", "empty", frozenset()).is_mfa


def test_custom_controls_count_as_mfa_with_warning_and_terms_of_use_does_not():
    p = parse_policy(raw(grantControls={"operator": "OR", "builtInControls": [],
                                        "customAuthenticationFactors": ["RequireDuoMfa"], "termsOfUse": ["TOU-1"]}))
    by_name = {c.name: c for c in p.grant.controls}
    assert by_name["customAuthenticationFactor"].provides_mfa
    assert not by_name["termsOfUse"].provides_mfa
    assert any("deprecated" in w for w in p.warnings)
