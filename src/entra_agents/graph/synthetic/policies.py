"""Named locations, authentication strengths and the baseline Conditional Access policy set.

The baseline is what a careful administrator deploys first and what passes COV-01, COV-08 and COV-10: MFA for
all users on all resources and all client types, a legacy-authentication block, a device-code-flow block, each
excluding only the break-glass group and the Directory Synchronization Accounts role. Around it sit
phishing-resistant MFA for privileged roles, a country block, a report-only compliant-device pilot and a
retired (disabled) policy, because real tenants have them and checks must not be confused by them. What it
leaves for later (``baseline_findings``) is what most real tenants leave too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import PRIVILEGED_ROLES
from .names import BLOCKED_COUNTRIES, TRUSTED_IPV4, TRUSTED_IPV6
from .state import DIRECTORY_SYNCHRONIZATION_ACCOUNTS, JSON, Tenant, before_epoch

REPORT_ONLY = "enabledForReportingButNotEnforced"
BUILT_IN_STRENGTH_CREATED = "2021-12-01T00:00:00Z"

_PHISHING_RESISTANT = ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"]
BUILT_IN_STRENGTHS: tuple[tuple[str, str, str, str, list[str]], ...] = (
    ("00000000-0000-0000-0000-000000000002", "mfa", "Multifactor authentication",
     "Combinations of methods that satisfy strong authentication, such as a password + SMS", [
         *_PHISHING_RESISTANT, "deviceBasedPush", "temporaryAccessPassOneTime", "temporaryAccessPassMultiUse",
         "password,microsoftAuthenticatorPush", "password,softwareOath", "password,hardwareOath", "password,sms",
         "password,voice", "federatedMultiFactor", "microsoftAuthenticatorPush,federatedSingleFactor",
         "softwareOath,federatedSingleFactor", "hardwareOath,federatedSingleFactor", "sms,federatedSingleFactor",
         "voice,federatedSingleFactor"]),
    ("00000000-0000-0000-0000-000000000003", "passwordless", "Passwordless MFA",
     "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft "
     "Authenticator", [*_PHISHING_RESISTANT, "deviceBasedPush"]),
    ("00000000-0000-0000-0000-000000000004", "phishingResistant", "Phishing-resistant MFA",
     "Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
     list(_PHISHING_RESISTANT)),
)


def build_policies(t: Tenant) -> None:
    _named_locations(t)
    _strengths(t)
    _baseline(t)


def _named_locations(t: Tenant) -> None:
    rng = t.rng("named-locations")
    trusted = {
        "@odata.type": "#microsoft.graph.ipNamedLocation", "id": t.new_id("named-locations"),
        "displayName": "Corporate HQ egress", "createdDateTime": before_epoch(rng, 600, 700),
        "modifiedDateTime": before_epoch(rng, 300, 400), "isTrusted": True,
        "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": TRUSTED_IPV4},
                     {"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": TRUSTED_IPV6}],
    }
    countries = {
        "@odata.type": "#microsoft.graph.countryNamedLocation", "id": t.new_id("named-locations"),
        "displayName": "Blocked countries", "createdDateTime": before_epoch(rng, 600, 700),
        "modifiedDateTime": before_epoch(rng, 100, 300), "countriesAndRegions": list(BLOCKED_COUNTRIES),
        "includeUnknownCountriesAndRegions": False, "countryLookupMethod": "clientIpAddress",
    }
    t.named_locations += [trusted, countries]
    t.location_ids.update(trusted=trusted["id"], blockedCountries=countries["id"])


def _strength(sid: str, name: str, description: str, policy_type: str, combinations: list[str],
              created: str, modified: str) -> JSON:
    return {
        "id": sid, "createdDateTime": created, "modifiedDateTime": modified, "displayName": name,
        "description": description, "policyType": policy_type, "requirementsSatisfied": "mfa",
        "allowedCombinations": list(combinations), "combinationConfigurations": [],
    }


def _strengths(t: Tenant) -> None:
    for sid, key, name, description, combinations in BUILT_IN_STRENGTHS:
        t.strengths.append(_strength(sid, name, description, "builtIn", combinations,
                                     BUILT_IN_STRENGTH_CREATED, BUILT_IN_STRENGTH_CREATED))
        t.strength_ids[key] = sid
    rng = t.rng("strengths")
    custom = _strength(
        t.new_id("strengths"), "Contoso MFA (no SMS or voice)", "Multifactor authentication without SMS or voice.",
        "custom", [*_PHISHING_RESISTANT, "deviceBasedPush", "temporaryAccessPassOneTime",
                   "password,microsoftAuthenticatorPush", "password,softwareOath", "password,hardwareOath"],
        before_epoch(rng, 400, 500), before_epoch(rng, 100, 300))
    t.strengths.append(custom)
    t.strength_ids["custom"] = custom["id"]


def strength_reference(t: Tenant, key: str) -> JSON:
    """The ``grantControls.authenticationStrength`` object as Graph returns it inside a policy."""
    s = next(x for x in t.strengths if x["id"] == t.strength_ids[key])
    return {k: s[k] for k in ("id", "createdDateTime", "modifiedDateTime", "displayName", "description",
                              "policyType", "requirementsSatisfied", "allowedCombinations")}


def users_condition(t: Tenant, *, include_users: Sequence[str] = ("All",), include_groups: Sequence[str] = (),
                    include_roles: Sequence[str] = ()) -> JSON:
    """Users condition with the exclusions every generated policy carries: the break-glass group always, the
    Directory Synchronization Accounts role on All-users policies. Lists are fresh: mutators append to them."""
    return {
        "includeUsers": list(include_users), "excludeUsers": [],
        "includeGroups": list(include_groups), "excludeGroups": [t.group_ids["breakGlass"]],
        "includeRoles": list(include_roles),
        "excludeRoles": [DIRECTORY_SYNCHRONIZATION_ACCOUNTS] if "All" in include_users else [],
        "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None,
    }


def ca_policy(t: Tenant, name: str, users: JSON, *, state: str = "enabled", client_app_types: Sequence[str] = ("all",),
              controls: Sequence[str] = ("mfa",), operator: str = "OR", strength: JSON | None = None,
              locations: JSON | None = None, transfer_methods: str | None = None,
              sign_in_risk: Sequence[str] = (), exclude_apps: Sequence[str] = (), key: str | None = None) -> JSON:
    """Add a Conditional Access policy in Graph v1.0's full shape (nulls and empty lists as Graph writes them)."""
    rng = t.rng("policies")
    policy: dict[str, Any] = {
        "id": t.new_id("policies"),
        "templateId": None,
        "displayName": name,
        "createdDateTime": before_epoch(rng, 200, 700),
        "modifiedDateTime": before_epoch(rng, 30, 200),
        "state": state,
        "sessionControls": None,
        "conditions": {
            "userRiskLevels": [],
            "signInRiskLevels": list(sign_in_risk),
            "clientAppTypes": list(client_app_types),
            "servicePrincipalRiskLevels": [],
            "platforms": None,
            "locations": locations,
            "devices": None,
            "clientApplications": None,
            "authenticationFlows": {"transferMethods": transfer_methods} if transfer_methods else None,
            "applications": {
                "includeApplications": ["All"], "excludeApplications": list(exclude_apps),
                "includeUserActions": [], "includeAuthenticationContextClassReferences": [],
                "applicationFilter": None,
            },
            "users": users,
        },
        "grantControls": {
            "operator": operator, "builtInControls": list(controls), "customAuthenticationFactors": [],
            "termsOfUse": [], "authenticationStrength": strength,
        },
    }
    return t.add_policy(policy, key)


def _baseline(t: Tenant) -> None:
    ca_policy(t, "CA001 - Require MFA for all users", users_condition(t), key="mfa")
    ca_policy(t, "CA002 - Block legacy authentication", users_condition(t),
              client_app_types=["exchangeActiveSync", "other"], controls=["block"], key="legacy")
    ca_policy(t, "CA003 - Block device code flow", users_condition(t), controls=["block"],
              transfer_methods="deviceCodeFlow", key="deviceCode")
    ca_policy(t, "CA004 - Require phishing-resistant MFA for privileged roles",
              users_condition(t, include_users=[], include_roles=PRIVILEGED_ROLES), controls=[],
              strength=strength_reference(t, "phishingResistant"), key="admins")
    ca_policy(t, "CA005 - Block access from blocked countries", users_condition(t), controls=["block"],
              locations={"includeLocations": [t.location_ids["blockedCountries"]], "excludeLocations": []},
              key="countries")
    ca_policy(t, "CA006 - Require compliant device for Field Service (pilot)",
              users_condition(t, include_users=[], include_groups=[t.group_ids["app:Field Service"]]),
              state=REPORT_ONLY, controls=["compliantDevice"], key="compliantPilot")
    ca_policy(t, "CA099 - Old MFA pilot (retired)", users_condition(t), state="disabled", key="retired")
    # the baseline is how the tenant was set up, not a recent change: it is not in the recent audit log
    t.policy_changes.clear()


def baseline_findings(t: Tenant) -> dict[str, dict[str, list[str]]]:
    """What the catalogue reports on the baseline alone, from what it deploys and what it does not.

    Privileged administrators get phishing-resistant MFA (CA004); nobody else does (COV-02). CA003 blocks the
    device code flow but not authentication transfer (COV-11). No policy protects security-info registration
    (COV-12), forces a password change at high user risk (COV-15), requires a compliant device (COV-17),
    blocks unknown platforms (COV-20) or requires app protection on iOS and Android (COV-21). The compliant
    device pilot is report-only and would enforce a control nothing enforces today (HYG-01).
    """
    everyone = t.counted(u["id"] for u in t.users)
    privileged = {u for role in PRIVILEGED_ROLES for u in t.role_holders.get(role, [])}
    found = {check: {"users": everyone} for check in ("COV-11", "COV-12", "COV-15", "COV-17", "COV-20", "COV-21")}
    found["COV-02"] = {"users": [u for u in everyone if u not in privileged]}
    found["HYG-01"] = {"policies": [t.policy_ids["compliantPilot"]]}
    return found
