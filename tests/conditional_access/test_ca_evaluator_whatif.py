"""The What-If additions to the evaluator: device filter language, locations by IP and country, resource
bundles, user actions and auth contexts, workload identities, session control merging."""

from __future__ import annotations

import pytest
from ca_fixtures import ALICE, ca_policy
from hypothesis import given
from hypothesis import strategies as st

from entra_agents.conditional_access.device_filter import (
    parse_device_filter,
    parse_rule,
)
from entra_agents.conditional_access.evaluator import (
    ADMIN_PORTALS,
    ALL_RESOURCES,
    OFFICE365,
    Applicability,
    DeviceContext,
    SignInContext,
    evaluate,
    evaluate_policy,
    resolve_location,
)
from entra_agents.conditional_access.outcome import merge_session, verdict
from entra_agents.conditional_access.policy import parse_policy
from entra_agents.conditional_access.principals import Directory

EXO = "00000002-0000-0ff1-ce00-000000000000"
TENANT = "0f000000-0000-4000-8000-000000000001"
SP_OWN, SP_FOREIGN, SP_MI = "5p-own", "5p-foreign", "5p-mi"


@pytest.fixture
def directory(base_doc):
    sps = [{"id": SP_OWN, "appOwnerOrganizationId": TENANT, "servicePrincipalType": "Application"},
           {"id": SP_FOREIGN, "appOwnerOrganizationId": "other", "servicePrincipalType": "Application"},
           {"id": SP_MI, "servicePrincipalType": "ManagedIdentity"}]
    return Directory(base_doc["users"], base_doc["groups"], base_doc["directoryRoles"], sps, TENANT)


def pol(patch=None, **kwargs):
    raw = ca_policy("p1", "p", **kwargs)
    for path, value in (patch or {}).items():
        *parents, leaf = path.split("/")
        target = raw
        for part in parents:
            target = target[part]
        target[leaf] = value
    return parse_policy(raw)


# device filter language -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "props", "expected"), [
    ('device.isCompliant -eq True', {"iscompliant": True}, True),
    ('device.isCompliant -eq True', {"iscompliant": False}, False),
    ('device.trustType -ne "ServerAD"', {"trusttype": "AzureAD"}, True),
    ('device.model -startsWith "Surface"', {"model": "surface pro"}, True),  # values are case-insensitive
    ('device.displayName -contains "kiosk"', {"displayname": "LOBBY-KIOSK-1"}, True),
    ('device.operatingSystem -in ["Windows", "macOS"]', {"operatingsystem": "macOS"}, True),
    ('device.operatingSystem -notIn ["Windows"]', {"operatingsystem": "Windows"}, False),
    ('device.a -eq "1" -or device.b -eq "2" -and device.c -eq "3"', {"a": "1"}, True),  # -and binds tighter
    ('(device.a -eq "1" -or device.b -eq "2") -and device.c -eq "3"', {"a": "1"}, False),
])
def test_rule_language(rule, props, expected):
    assert parse_rule(rule).evaluate(props) is expected


@pytest.mark.parametrize("rule", ['device.model -match "x.*"', "device.model -eq", "model -eq 1", "(device.a -eq 1",
                                  'device.a -eq 1 -xor device.b -eq 2'])
def test_rules_we_cannot_read_are_not_enough_information(directory, rule):
    parsed = parse_device_filter({"mode": "include", "rule": rule})
    assert parsed is not None and parsed.rule is None and parsed.error
    p = pol(patch={"conditions/devices": {"deviceFilter": {"mode": "include", "rule": rule}}})
    result = evaluate_policy(p, directory, SignInContext(ALICE, device=DeviceContext.of(model="x")))
    assert result.status is Applicability.NOT_ENOUGH_INFORMATION


@given(value=st.text(alphabet="abcXYZ01", max_size=5),
       op=st.sampled_from(["eq", "startsWith", "contains", "endsWith"]))
def test_unregistered_devices_positive_never_negative_always(value, op):
    negative = {"eq": "ne", "startsWith": "notStartsWith", "contains": "notContains", "endsWith": "notEndsWith"}[op]
    assert parse_rule(f'device.model -{op} "{value}"').evaluate({}) is False
    assert parse_rule(f'device.model -{negative} "{value}"').evaluate({}) is True
    registered = {"model": "aXb01"}
    assert parse_rule(f'device.model -{op} "{value}"').evaluate(registered) is not \
        parse_rule(f'device.model -{negative} "{value}"').evaluate(registered)


def test_exclude_filter_applies_to_unregistered_devices(directory):
    rule = {"mode": "exclude", "rule": "device.isCompliant -eq True"}
    p = pol(patch={"conditions/devices": {"deviceFilter": rule}})
    assert evaluate_policy(p, directory, SignInContext(ALICE, device=DeviceContext.unregistered())).applies
    compliant = SignInContext(ALICE, device=DeviceContext.of(isCompliant=True))
    assert evaluate_policy(p, directory, compliant).reasons == ("devices",)
    assert evaluate_policy(p, directory, SignInContext(ALICE)).status is Applicability.NOT_ENOUGH_INFORMATION


# locations -------------------------------------------------------------------------------------------------


NAMED = [
    {"id": "HQ", "isTrusted": True, "ipRanges": [{"cidrAddress": "203.0.113.0/24"}]},
    {"id": "v6", "ipRanges": [{"cidrAddress": "2001:db8::/32"}]},
    {"id": "bad", "ipRanges": [{"cidrAddress": "not-a-range"}]},
    {"id": "Countries", "countriesAndRegions": ["KP", "IR"]},
]


def test_resolve_location_by_ip_and_country():
    hq = resolve_location(NAMED, ip="203.0.113.9")
    assert hq.ids == {"hq"} and hq.trusted
    both = resolve_location(NAMED, ip="2001:db8::1", country="kp")
    assert both.ids == {"v6", "countries"} and not both.trusted and both.country == "KP"
    assert resolve_location(NAMED, ip="192.0.2.1").ids == frozenset()
    assert hq.undecided == {"countries"}  # an IP alone does not say which country it is in
    assert resolve_location(NAMED, ip="203.0.113.9", country="US").undecided == frozenset()
    assert resolve_location(NAMED, trusted=True).trusted


def test_unknown_country_is_not_enough_information_only_when_it_matters(directory):
    block = pol(patch={"conditions/locations": {"includeLocations": ["countries"]}})
    trusted_skip = pol(patch={"conditions/locations": {"includeLocations": ["All"], "excludeLocations": ["HQ"]}})
    ctx = SignInContext(ALICE, location=resolve_location(NAMED, ip="192.0.2.1"))
    assert evaluate_policy(block, directory, ctx).status is Applicability.NOT_ENOUGH_INFORMATION
    assert evaluate_policy(trusted_skip, directory, ctx).applies


def test_location_condition_sees_every_matching_named_location(directory):
    p = pol(patch={"conditions/locations": {"includeLocations": ["countries"]}})
    ctx = SignInContext(ALICE, location=resolve_location(NAMED, ip="2001:db8::1", country="IR"))
    assert evaluate_policy(p, directory, ctx).applies


# resources, user actions, authentication context ------------------------------------------------------------


def test_bundles(directory):
    office = pol(patch={"conditions/applications/includeApplications": ["Office365"]})
    portals = pol(patch={"conditions/applications/includeApplications": ["MicrosoftAdminPortals"]})
    all_but_exo = pol(patch={"conditions/applications/excludeApplications": [EXO]})
    assert evaluate_policy(office, directory, SignInContext(ALICE, application=OFFICE365)).applies
    assert evaluate_policy(office, directory, SignInContext(ALICE, application=EXO)).applies
    assert not evaluate_policy(office, directory, SignInContext(ALICE, application=ADMIN_PORTALS)).applies
    assert evaluate_policy(portals, directory, SignInContext(ALICE, application=ADMIN_PORTALS)).applies
    # the whole bundle is requested, and one of its apps is excluded: not covered
    assert not evaluate_policy(all_but_exo, directory, SignInContext(ALICE, application=OFFICE365)).applies
    assert evaluate_policy(all_but_exo, directory, SignInContext(ALICE, application=ADMIN_PORTALS)).applies


def test_user_actions_and_auth_contexts_are_separate_targets(directory):
    action = pol(patch={"conditions/applications": {"includeUserActions": ["urn:user:registerSecurityInfo"]}})
    c1 = pol(patch={"conditions/applications": {"includeAuthenticationContextClassReferences": ["c1"]}})
    resource = pol()
    register = SignInContext(ALICE, user_action="urn:user:registersecurityinfo")
    assert evaluate_policy(action, directory, register).applies
    assert evaluate_policy(resource, directory, register).reasons == ("application",)
    assert evaluate_policy(action, directory, SignInContext(ALICE)).reasons == ("userActions",)
    with_c1 = SignInContext(ALICE, application=EXO, auth_contexts=frozenset({"c1"}))
    assert evaluate_policy(c1, directory, with_c1).applies and evaluate_policy(resource, directory, with_c1).applies
    assert evaluate_policy(c1, directory, SignInContext(ALICE)).reasons == ("authenticationContext",)


# workload identities ---------------------------------------------------------------------------------------


def test_workload_identity_policies(directory):
    sp_policy = pol(include_users=["None"], exclude_groups=[], patch={"conditions/clientApplications": {
        "includeServicePrincipals": ["ServicePrincipalsInMyTenant"], "excludeServicePrincipals": []}})
    user_policy = pol()
    for sp, applies in ((SP_OWN, True), (SP_FOREIGN, False), (SP_MI, False)):
        ctx = SignInContext("", service_principal_id=sp)
        assert evaluate_policy(sp_policy, directory, ctx).applies is applies
        assert evaluate_policy(user_policy, directory, ctx).reasons == ("workloadIdentities",)
    assert evaluate_policy(sp_policy, directory, SignInContext(ALICE)).reasons == ("workloadIdentities",)
    filtered = pol(include_users=["None"], patch={"conditions/clientApplications": {
        "includeServicePrincipals": [SP_OWN], "servicePrincipalFilter": {"mode": "include", "rule": "x"}}})
    undecided = evaluate_policy(filtered, directory, SignInContext("", service_principal_id=SP_OWN))
    assert undecided.status is Applicability.NOT_ENOUGH_INFORMATION


# outcome ---------------------------------------------------------------------------------------------------


def test_session_controls_merge_to_the_strictest():
    def session(controls):
        return pol(patch={"sessionControls": controls})
    merged = merge_session([
        session({"signInFrequency": {"isEnabled": True, "type": "days", "value": 1}}),
        session({"signInFrequency": {"isEnabled": True, "type": "hours", "value": 8},
                 "persistentBrowser": {"isEnabled": True, "mode": "always"}}),
        session({"persistentBrowser": {"isEnabled": True, "mode": "never"},
                 "continuousAccessEvaluation": {"mode": "strictEnforcement"},
                 "secureSignInSession": {"isEnabled": True}}),
    ])
    assert merged["signInFrequency"]["hours"] == 8
    assert merged["persistentBrowser"]["mode"] == "never"
    assert merged["continuousAccessEvaluation"]["mode"] == "strictEnforcement"
    assert merged["tokenProtection"]["isEnabled"]
    every = merge_session([session({"signInFrequency": {"isEnabled": True, "frequencyInterval": "everyTime"}})])
    assert every["signInFrequency"]["frequencyInterval"] == "everyTime"


def test_verdict_and_undecided(directory):
    undecided = pol(patch={"conditions/devices": {"deviceFilter": {"mode": "include", "rule": "device.x -eq 1"}}})
    ev = evaluate([undecided], directory, SignInContext(ALICE, application=ALL_RESOURCES))
    assert ev.undecided() == (undecided,) and verdict(ev.enforced, ev.undecided()) == "notEnoughInformation"
    assert ev.result("p1").analysis_reasons == ("notEnoughInformation", "devices")


def test_original_context_api_still_works(directory):
    ctx = SignInContext(ALICE, ALL_RESOURCES)
    assert ctx.describe()["devicePlatform"] == "unknown" and "servicePrincipal" not in ctx.describe()
    assert evaluate([pol()], directory, ctx).guarantees_mfa()


def test_report_only_user_action_policy_gets_a_note(directory):
    from entra_agents.conditional_access.outcome import evaluation_json

    p = pol(state="enabledForReportingButNotEnforced",
            patch={"conditions/applications": {"includeUserActions": ["urn:user:registersecurityinfo"]}})
    doc = evaluation_json(evaluate([p], directory, SignInContext(ALICE, user_action="urn:user:registersecurityinfo")))
    assert doc["outcome"]["reportOnly"]["policies"] == ["p1"] and "not support" in doc["notes"][0]


@pytest.mark.parametrize(("device", "refused"), [
    (None, False),  # unknown device: nothing ruled out
    (DeviceContext.of(isCompliant=True), False),
    (DeviceContext.of(isCompliant=False, trustType="ServerAD"), False),  # hybrid join is the other option
    (DeviceContext.of(isCompliant=False, trustType="AzureAD"), True),
    (DeviceContext.unregistered(), True),
])
def test_known_device_state_that_meets_no_option(directory, device, refused):
    from entra_agents.conditional_access.outcome import evaluation_json

    p = pol(controls=["compliantDevice", "domainJoinedDevice"])
    doc = evaluation_json(evaluate([p], directory, SignInContext(ALICE, device=device)))
    enforced = doc["outcome"]["enforced"]
    assert enforced["blockedOnThisDevice"] is refused and enforced["effectivelyBlocked"] is False
