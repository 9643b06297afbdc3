"""Impact estimation: what a suggested policy would have done to the sign-ins of the look-back window."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ca_fixtures import ALICE, BOB, CAROL_GUEST, DAVE_DISABLED, P_DEVICE_CODE
from cov_fixtures import EXO, snapshot

from entra_agents.conditional_access.evaluator import LocationContext
from entra_agents.conditional_access.impact import estimate_impact
from entra_agents.conditional_access.policy import ClientApp
from entra_agents.conditional_access.remediation import build_policy
from entra_agents.conditional_access.signins import LocationResolver, client_app, platform

DATA = Path(__file__).resolve().parent / "data" / "impact_legacy_sign_ins.yaml"
SPO = "00000003-0000-0ff1-ce00-000000000000"


@pytest.fixture
def tenant():
    return snapshot(yaml.safe_load(DATA.read_text(encoding="utf-8")))


def test_legacy_block_stops_exactly_the_legacy_sign_ins(tenant):
    impact = estimate_impact(tenant, None, build_policy("COV-08", tenant))
    assert impact.blocked == 3 and impact.new_controls == 0
    assert impact.users == tuple(sorted([ALICE, BOB, CAROL_GUEST]))  # Dave's IMAP: disabled, never affected
    assert DAVE_DISABLED not in impact.users and impact.evaluated == 7
    assert impact.apps == (EXO,)
    assert impact.by_client_app == {"Exchange ActiveSync": 1, "IMAP4": 1, "Other clients": 1}
    assert {s["id"] for s in impact.sample} == {"si-01", "si-02", "si-06"}
    doc = impact.to_json()
    assert doc["signInsAffected"] == 3 and doc["window"] == {"from": "2026-11-10T08:00:00Z",
                                                              "to": "2026-11-17T08:00:00Z"}


def test_device_code_block_stops_the_device_code_sign_in(tenant):
    policy = build_policy("COV-10", tenant)
    already = estimate_impact(tenant, None, policy)  # the tenant's own device code block is enabled
    assert already.blocked == 0 and already.already_enforced == 1 and already.users == ()
    tenant.conditional_access_policies = [p for p in tenant.conditional_access_policies if p["id"] != P_DEVICE_CODE]
    impact = estimate_impact(tenant, None, policy)
    assert impact.blocked == 1 and [s["id"] for s in impact.sample] == ["si-07"] and impact.users == (BOB,)


def test_mfa_already_enforced_on_modern_clients_is_not_new(tenant):
    impact = estimate_impact(tenant, None, build_policy("COV-01", tenant))
    # modern sign-ins already need MFA; the legacy ones cannot perform it, so the MFA policy blocks them
    assert impact.already_enforced == 4 and impact.blocked == 3 and impact.new_controls == 0


def test_managed_device_policy_demands_new_controls(tenant):
    impact = estimate_impact(tenant, None, build_policy("COV-17", tenant))
    # legacy clients cannot present device state; the device code sign-in is blocked already
    assert impact.new_controls == 3 and impact.blocked == 3 and impact.already_enforced == 1
    assert set(impact.apps) == {EXO, SPO}


def test_risky_sign_in_policy_touches_only_risky_sign_ins(tenant):
    policy = build_policy("COV-14", tenant)
    policy["grantControls"]["builtInControls"] = ["block"]
    impact = estimate_impact(tenant, None, policy)
    assert impact.blocked == 1 and impact.users == (ALICE,) and impact.sample[0]["id"] == "si-08"


def test_sign_in_vocabulary():
    assert client_app("IMAP4") is ClientApp.OTHER
    assert client_app("Exchange ActiveSync") is ClientApp.EXCHANGE_ACTIVE_SYNC
    assert client_app("Browser") is ClientApp.BROWSER and client_app(None) is ClientApp.MOBILE_DESKTOP
    assert [platform(p) for p in ("Windows 10", "Windows Phone", "iOS 17", "iPadOS", "MacOs", "Ubuntu", "", "PS4")] \
        == ["windows", "windowsPhone", "iOS", "iOS", "macOS", "linux", None, None]


def test_new_policy_suggestion_carries_its_impact(tenant):
    from entra_agents.conditional_access.config import AnalysisConfig
    from entra_agents.conditional_access.suggest import gaps

    legacy = next(c for c in gaps.candidates(tenant, AnalysisConfig()) if c.check == "COV-08")
    assert legacy.kind == "new_policy" and legacy.impact is not None
    assert legacy.impact["signInsBlocked"] == 3 and legacy.impact["users"] == sorted([ALICE, BOB, CAROL_GUEST])


def test_sign_in_locations_resolve_to_named_locations(tenant):
    office, countries = "0e000000-0000-4000-8000-0000000000a1", "0e000000-0000-4000-8000-0000000000a2"
    tenant.named_locations = [
        {"id": office, "displayName": "Office", "isTrusted": True,
         "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}]},
        {"id": countries, "displayName": "Blocked countries", "countriesAndRegions": ["KP"],
         "includeUnknownCountriesAndRegions": True},
    ]
    resolver = LocationResolver(tenant.named_locations)
    assert resolver.resolve({"ipAddress": "203.0.113.7"}) == LocationContext(office, True)
    assert resolver.resolve({"ipAddress": "198.51.100.1", "location": {"countryOrRegion": "KP"}}).named_location_id \
        == countries
    assert resolver.resolve({"ipAddress": "198.51.100.1", "location": {}}).named_location_id == countries
    assert resolver.resolve({"ipAddress": "198.51.100.1", "location": {"countryOrRegion": "NL"}}) == LocationContext()
    # a block outside trusted locations spares every sign-in from the office range
    policy = build_policy("COV-08", tenant)
    policy["conditions"]["clientAppTypes"] = ["all"]
    policy["conditions"]["locations"] = {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
    assert estimate_impact(tenant, None, policy).blocked == 0


def test_transfer_flows_from_sign_in_fields():
    from entra_agents.conditional_access.policy import AuthFlow
    from entra_agents.conditional_access.signins import auth_flow

    assert auth_flow({"authenticationProtocol": "deviceCode"}) is AuthFlow.DEVICE_CODE
    assert auth_flow({"originalTransferMethod": "authenticationTransfer"}) is AuthFlow.AUTHENTICATION_TRANSFER
    assert auth_flow({"authenticationProtocol": "none"}) is None and auth_flow({}) is None
