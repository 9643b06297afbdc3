"""Conditional Access policies as frozen, typed values.

Graph's CA JSON has shapes that have produced false results in other tools (peers §11, traps 10, 11, 19, 20):
null versus empty collections, ``transferMethods`` as one comma-separated string, ``All`` versus ``all``, and
enum members newer than our code. All of that is normalised here, once, so the evaluator never reads raw JSON.
Unknown enum members are kept (they still fail to match a known sign-in) and reported in ``Policy.warnings``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from .device_filter import DeviceFilter, parse_device_filter

JSON = dict[str, Any]


class PolicyState(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"
    REPORT_ONLY = "enabledForReportingButNotEnforced"
    UNKNOWN = "unknown"


class GrantOperator(StrEnum):
    AND = "AND"
    OR = "OR"


class ClientApp(StrEnum):
    BROWSER = "browser"
    MOBILE_DESKTOP = "mobileAppsAndDesktopClients"
    EXCHANGE_ACTIVE_SYNC = "exchangeActiveSync"
    OTHER = "other"


class AuthFlow(StrEnum):
    DEVICE_CODE = "deviceCodeFlow"
    AUTHENTICATION_TRANSFER = "authenticationTransfer"


LEGACY_CLIENTS = frozenset({ClientApp.EXCHANGE_ACTIVE_SYNC, ClientApp.OTHER})

# Canonical spelling per vocabulary, keyed by lower case. Graph mixes `All`/`all` across fields.
USER_TOKENS = {"all": "All", "none": "None", "guestsorexternalusers": "GuestsOrExternalUsers"}
APP_TOKENS = {"all": "All", "none": "None", "office365": "Office365", "microsoftadminportals": "MicrosoftAdminPortals"}
SP_TOKENS = {"serviceprincipalsinmytenant": "ServicePrincipalsInMyTenant", "none": "None"}
LOCATION_TOKENS = {"all": "All", "alltrusted": "AllTrusted"}
PLATFORMS = {p.lower(): p for p in ("all", "android", "iOS", "windows", "windowsPhone", "macOS", "linux")}
CLIENT_APP_TYPES = {c.lower(): c for c in ("all", *ClientApp)}
# Deprecated EAS variants still appear on old policies; they only ever meant Exchange ActiveSync clients.
CLIENT_APP_TYPES |= {"eassupported": "exchangeActiveSync", "easunsupported": "exchangeActiveSync"}
RISK_LEVELS = {r.lower(): r for r in ("low", "medium", "high", "hidden", "none")}
INSIDER_RISK_LEVELS = {r: r for r in ("minor", "moderate", "elevated")}
TRANSFER_METHODS = {f.lower(): f.value for f in AuthFlow}
BUILT_IN_CONTROLS = {
    c.lower(): c
    for c in (
        "block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication",
        "compliantApplication", "passwordChange", "riskRemediation",
    )
}
GUEST_TYPES = {
    g.lower(): g
    for g in (
        "internalGuest", "b2bCollaborationGuest", "b2bCollaborationMember", "b2bDirectConnectUser",
        "otherExternalUser", "serviceProvider",
    )
}

# Authentication-strength combinations that are multi-factor on their own; any combination of two or more
# methods ("password,sms") is multi-factor too. Everything else (password, sms, voice, federatedSingleFactor,
# x509CertificateSingleFactor, qrCodePin, email...) is a single factor.
MULTI_FACTOR_METHODS = frozenset({
    "windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush",
    "temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "federatedMultiFactor",
})
_PHISHING_RESISTANT = ("windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor")
# Built-in strengths have fixed ids; used when the tenant's strength list lacks them.
BUILT_IN_STRENGTHS: dict[str, tuple[str, tuple[str, ...]]] = {
    "00000000-0000-0000-0000-000000000002": ("Multifactor authentication", (
        *_PHISHING_RESISTANT, "deviceBasedPush", "temporaryAccessPassOneTime", "temporaryAccessPassMultiUse",
        "password,microsoftAuthenticatorPush", "password,softwareOath", "password,hardwareOath", "password,sms",
        "password,voice", "federatedMultiFactor", "federatedSingleFactor,microsoftAuthenticatorPush",
        "federatedSingleFactor,softwareOath", "federatedSingleFactor,hardwareOath", "federatedSingleFactor,sms",
        "federatedSingleFactor,voice",
    )),
    "00000000-0000-0000-0000-000000000003": ("Passwordless MFA", (*_PHISHING_RESISTANT, "deviceBasedPush")),
    "00000000-0000-0000-0000-000000000004": ("Phishing-resistant MFA", _PHISHING_RESISTANT),
}


def combination_is_multi_factor(combination: str) -> bool:
    methods = {m.strip() for m in combination.split(",") if m.strip()}
    return len(methods) >= 2 or bool(methods & MULTI_FACTOR_METHODS)


@dataclass(frozen=True)
class AuthStrength:
    id: str
    display_name: str
    combinations: frozenset[str]
    resolved: bool = True

    @property
    def is_mfa(self) -> bool:
        """MFA only if every allowed combination is multi-factor: one weak combination lets a user skip MFA."""
        return self.resolved and bool(self.combinations) and all(map(combination_is_multi_factor, self.combinations))


@dataclass(frozen=True)
class Control:
    """One grant control. ``name`` is a builtInControls member, or authenticationStrength/termsOfUse/
    customAuthenticationFactor with ``ref`` naming the strength, agreement or custom control."""

    name: str
    ref: str | None = None
    provides_mfa: bool = False

    def label(self) -> str:
        return f"{self.name}:{self.ref}" if self.ref else self.name


@dataclass(frozen=True)
class GrantControls:
    operator: GrantOperator
    controls: tuple[Control, ...]

    @property
    def blocks(self) -> bool:
        return any(c.name == "block" for c in self.controls)

    def options(self) -> tuple[frozenset[Control], ...]:
        """Ways to satisfy this grant: OR offers each control alone, AND one set of all of them."""
        granting = tuple(c for c in self.controls if c.name != "block")
        if not granting:
            return ()
        if self.operator is GrantOperator.OR:
            return tuple(frozenset({c}) for c in granting)
        return (frozenset(granting),)

    def describe(self) -> str:
        return f"{self.operator.value} [{', '.join(c.label() for c in self.controls)}]"


@dataclass(frozen=True)
class GuestCondition:
    types: frozenset[str]
    tenant_kind: str  # "all" or "enumerated"
    tenants: frozenset[str]


@dataclass(frozen=True)
class UserCondition:
    include_users: frozenset[str] = frozenset()
    exclude_users: frozenset[str] = frozenset()
    include_groups: frozenset[str] = frozenset()
    exclude_groups: frozenset[str] = frozenset()
    include_roles: frozenset[str] = frozenset()
    exclude_roles: frozenset[str] = frozenset()
    include_guests: GuestCondition | None = None
    exclude_guests: GuestCondition | None = None

    @property
    def targets_all_users(self) -> bool:
        return "All" in self.include_users


@dataclass(frozen=True)
class ApplicationCondition:
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    user_actions: frozenset[str] = frozenset()
    auth_contexts: frozenset[str] = frozenset()
    has_filter: bool = False


@dataclass(frozen=True)
class WorkloadCondition:
    """``conditions.clientApplications``: which service principals a workload identity policy targets."""

    include: frozenset[str] = frozenset()  # SP object ids and/or "ServicePrincipalsInMyTenant"
    exclude: frozenset[str] = frozenset()
    has_filter: bool = False

    @property
    def targets_any(self) -> bool:
        return bool(self.include - {"None"}) or self.has_filter


@dataclass(frozen=True)
class Conditions:
    """``None`` means the condition is not configured and matches everything; empty ``client_app_types``
    (or ``all``), risk levels and transfer methods likewise match everything."""

    users: UserCondition = UserCondition()
    applications: ApplicationCondition = ApplicationCondition()
    client_app_types: frozenset[str] = frozenset()
    include_platforms: frozenset[str] | None = None
    exclude_platforms: frozenset[str] = frozenset()
    include_locations: frozenset[str] | None = None
    exclude_locations: frozenset[str] = frozenset()
    sign_in_risk: frozenset[str] = frozenset()
    user_risk: frozenset[str] = frozenset()
    insider_risk: frozenset[str] = frozenset()
    transfer_methods: frozenset[str] = frozenset()
    device_filter: JSON | None = field(default=None, compare=False, hash=False)
    # Parsed once here because the evaluator runs in the coverage engine's hot loops.
    device_rule: DeviceFilter | None = field(default=None, compare=False, hash=False)
    workload: WorkloadCondition | None = None  # None: clientApplications not configured (a user policy)
    service_principal_risk: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Policy:
    id: str
    display_name: str
    state: PolicyState
    raw_state: str
    conditions: Conditions
    grant: GrantControls | None  # None: session-only policy, which requires nothing (Maester #2168 trap)
    session_controls: JSON | None = field(default=None, compare=False, hash=False)
    strengths: tuple[AuthStrength, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def is_enabled(self) -> bool:
        return self.state is PolicyState.ENABLED

    @property
    def is_report_only(self) -> bool:
        return self.state is PolicyState.REPORT_ONLY


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (s.strip() for s in value.split(",")) if v]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if v not in (None, "")]
    return [value]


def _ids(value: Any, tokens: Mapping[str, str] | None = None) -> frozenset[str]:
    """Object ids (lower-cased, GUID case is not significant) plus special tokens in canonical spelling."""
    out = set()
    for item in _items(value):
        text = str(item).strip()
        out.add(tokens.get(text.lower(), text.lower()) if tokens else text.lower())
    return frozenset(out)


def _enum(value: Any, vocabulary: Mapping[str, str], where: str, warnings: list[str]) -> frozenset[str]:
    out = set()
    for item in _items(value):
        text = str(item).strip()
        canonical = vocabulary.get(text.lower())
        if canonical is None:
            warnings.append(f"{where}: unknown value {text!r} kept as-is")
            canonical = text
        out.add(canonical)
    return frozenset(out)


def _guests(raw: Any, where: str, warnings: list[str]) -> GuestCondition | None:
    if not isinstance(raw, Mapping):
        return None
    tenants = raw.get("externalTenants") or {}
    kind = str(tenants.get("membershipKind") or "all")
    return GuestCondition(
        types=_enum(raw.get("guestOrExternalUserTypes"), GUEST_TYPES, where, warnings),
        tenant_kind=kind,
        tenants=_ids(tenants.get("members")),
    )


def _users(raw: Mapping[str, Any], warnings: list[str]) -> UserCondition:
    return UserCondition(
        include_users=_ids(raw.get("includeUsers"), USER_TOKENS),
        exclude_users=_ids(raw.get("excludeUsers"), USER_TOKENS),
        include_groups=_ids(raw.get("includeGroups")),
        exclude_groups=_ids(raw.get("excludeGroups")),
        include_roles=_ids(raw.get("includeRoles")),
        exclude_roles=_ids(raw.get("excludeRoles")),
        include_guests=_guests(raw.get("includeGuestsOrExternalUsers"), "includeGuestsOrExternalUsers", warnings),
        exclude_guests=_guests(raw.get("excludeGuestsOrExternalUsers"), "excludeGuestsOrExternalUsers", warnings),
    )


def _applications(raw: Mapping[str, Any]) -> ApplicationCondition:
    return ApplicationCondition(
        include=_ids(raw.get("includeApplications"), APP_TOKENS),
        exclude=_ids(raw.get("excludeApplications"), APP_TOKENS),
        user_actions=frozenset(str(a) for a in _items(raw.get("includeUserActions"))),
        auth_contexts=frozenset(str(a) for a in _items(raw.get("includeAuthenticationContextClassReferences"))),
        has_filter=bool(raw.get("applicationFilter")),
    )


def _conditions(raw: Mapping[str, Any], warnings: list[str]) -> Conditions:
    platforms = raw.get("platforms")
    locations = raw.get("locations")
    flows = raw.get("authenticationFlows") or {}
    devices = raw.get("devices") or {}
    client_apps = _enum(raw.get("clientAppTypes"), CLIENT_APP_TYPES, "clientAppTypes", warnings)
    device_rule = parse_device_filter(devices.get("deviceFilter"))
    if device_rule is not None and device_rule.rule is None:
        warnings.append(f"deviceFilter rule not understood ({device_rule.error}); evaluated as notEnoughInformation")
    return Conditions(
        users=_users(raw.get("users") or {}, warnings),
        applications=_applications(raw.get("applications") or {}),
        client_app_types=frozenset() if "all" in client_apps else client_apps,
        include_platforms=(
            _enum(platforms.get("includePlatforms"), PLATFORMS, "includePlatforms", warnings)
            if isinstance(platforms, Mapping) else None
        ),
        exclude_platforms=_enum((platforms or {}).get("excludePlatforms"), PLATFORMS, "excludePlatforms", warnings),
        include_locations=(
            _ids(locations.get("includeLocations"), LOCATION_TOKENS) if isinstance(locations, Mapping) else None
        ),
        exclude_locations=_ids((locations or {}).get("excludeLocations"), LOCATION_TOKENS),
        sign_in_risk=_enum(raw.get("signInRiskLevels"), RISK_LEVELS, "signInRiskLevels", warnings),
        user_risk=_enum(raw.get("userRiskLevels"), RISK_LEVELS, "userRiskLevels", warnings),
        insider_risk=_enum(raw.get("insiderRiskLevels"), INSIDER_RISK_LEVELS, "insiderRiskLevels", warnings),
        transfer_methods=_enum(flows.get("transferMethods"), TRANSFER_METHODS, "transferMethods", warnings),
        device_filter=copy.deepcopy(devices.get("deviceFilter")) or None,
        device_rule=device_rule,
        workload=_workload(raw.get("clientApplications")),
        service_principal_risk=_enum(
            raw.get("servicePrincipalRiskLevels"), RISK_LEVELS, "servicePrincipalRiskLevels", warnings
        ),
    )


def _workload(raw: Any) -> WorkloadCondition | None:
    if not isinstance(raw, Mapping):
        return None
    return WorkloadCondition(
        include=_ids(raw.get("includeServicePrincipals"), SP_TOKENS),
        exclude=_ids(raw.get("excludeServicePrincipals"), SP_TOKENS),
        has_filter=bool(raw.get("servicePrincipalFilter")),
    )


def parse_strengths(raws: Iterable[Mapping[str, Any]]) -> dict[str, AuthStrength]:
    """authenticationStrengthPolicies by lower-cased id."""
    out: dict[str, AuthStrength] = {}
    for raw in raws:
        sid = str(raw.get("id", "")).lower()
        if sid:
            combinations = frozenset(_items(raw.get("allowedCombinations")))
            out[sid] = AuthStrength(sid, str(raw.get("displayName", "")), combinations)
    return out


def _strength(raw: Mapping[str, Any], strengths: Mapping[str, AuthStrength], warnings: list[str]) -> AuthStrength:
    sid = str(raw.get("id", "")).lower()
    if sid in strengths:
        return strengths[sid]
    inline = frozenset(_items(raw.get("allowedCombinations")))
    if inline:
        return AuthStrength(sid, str(raw.get("displayName", "")), inline)
    if sid in BUILT_IN_STRENGTHS:
        name, combos = BUILT_IN_STRENGTHS[sid]
        return AuthStrength(sid, name, frozenset(combos))
    warnings.append(f"authenticationStrength {sid or '(no id)'} not found; not counted as MFA")
    return AuthStrength(sid, str(raw.get("displayName", "")), frozenset(), resolved=False)


def _grant(
    raw: Any, strengths: Mapping[str, AuthStrength], warnings: list[str]
) -> tuple[GrantControls | None, tuple[AuthStrength, ...]]:
    if not isinstance(raw, Mapping):
        return None, ()
    controls: list[Control] = []
    for name in _enum(raw.get("builtInControls"), BUILT_IN_CONTROLS, "builtInControls", warnings):
        controls.append(Control(name, provides_mfa=name == "mfa"))
    used: list[AuthStrength] = []
    if isinstance(raw.get("authenticationStrength"), Mapping):
        strength = _strength(raw["authenticationStrength"], strengths, warnings)
        used.append(strength)
        controls.append(Control("authenticationStrength", strength.id, provides_mfa=strength.is_mfa))
    for custom in _items(raw.get("customAuthenticationFactors")):
        # Legitimate MFA today but deprecated (peers §11 trap 12): counted, with a warning to migrate.
        warnings.append(f"customAuthenticationFactors {custom!r} treated as MFA-equivalent (deprecated)")
        controls.append(Control("customAuthenticationFactor", str(custom), provides_mfa=True))
    for agreement in _items(raw.get("termsOfUse")):
        controls.append(Control("termsOfUse", str(agreement).lower()))
    operator_text = str(raw.get("operator") or "AND").upper()
    if operator_text not in GrantOperator.__members__:
        warnings.append(f"grantControls.operator: unknown value {operator_text!r}; treated as OR (weakest)")
    operator = GrantOperator.AND if operator_text == "AND" else GrantOperator.OR
    ordered = tuple(sorted(controls, key=Control.label))
    return (GrantControls(operator, ordered) if ordered else None), tuple(used)


def _state(raw: Any, warnings: list[str]) -> PolicyState:
    try:
        return PolicyState(str(raw))
    except ValueError:
        warnings.append(f"state: unknown value {raw!r}; treated as not enforced")
        return PolicyState.UNKNOWN


def parse_policy(raw: Mapping[str, Any], strengths: Mapping[str, AuthStrength] | None = None) -> Policy:
    """Normalise one Graph ``conditionalAccessPolicy``. Never raises on unexpected content."""
    warnings: list[str] = []
    conditions = raw.get("conditions") if isinstance(raw.get("conditions"), Mapping) else {}
    grant, used = _grant(raw.get("grantControls"), strengths or {}, warnings)
    session = raw.get("sessionControls")
    return Policy(
        id=str(raw.get("id", "")).lower(),
        display_name=str(raw.get("displayName", "")),
        state=_state(raw.get("state"), warnings),
        raw_state=str(raw.get("state")),
        conditions=_conditions(conditions, warnings),
        grant=grant,
        session_controls=copy.deepcopy(session) if isinstance(session, Mapping) else None,
        strengths=used,
        warnings=tuple(warnings),
    )


def parse_policies(
    raws: Iterable[Mapping[str, Any]], strength_raws: Iterable[Mapping[str, Any]] = ()
) -> tuple[Policy, ...]:
    """Every policy, each with an id: ids key all later bookkeeping, so a missing one gets a stand-in."""
    strengths = parse_strengths(strength_raws)
    policies = []
    for index, raw in enumerate(r for r in raws if isinstance(r, Mapping)):
        policy = parse_policy(raw, strengths)
        if not policy.id:
            policy = replace(policy, id=f"missing-id-{index}", warnings=(*policy.warnings, "policy has no id"))
        policies.append(policy)
    return tuple(policies)
