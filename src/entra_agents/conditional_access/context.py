"""What the evaluator knows about one sign-in (Graph What-If's ``signInIdentity``/``signInContext``/
``signInConditions``). Every field that can be unknown has a value meaning "unknown" (usually None), because a
missing input must give notEnoughInformation or the conservative answer, never an invented match.

Re-exported by ``evaluator``; import from there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .policy import AuthFlow, ClientApp

ALL_RESOURCES = "All"  # the sign-in must be covered for every resource: only All without exclusions matches
ANY_RESOURCE = "Any"  # some resource: any policy that targets resources at all matches (used for lockout)
NO_RESOURCE = ""  # the sign-in targets only a user action or an authentication context
OFFICE365 = "Office365"
ADMIN_PORTALS = "MicrosoftAdminPortals"
AZURE_MANAGEMENT = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
EXCHANGE_ONLINE = "00000002-0000-0ff1-ce00-000000000000"
SHAREPOINT_ONLINE = "00000003-0000-0ff1-ce00-000000000000"
TEAMS = "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"
OFFICE365_APPS = frozenset({
    EXCHANGE_ONLINE, SHAREPOINT_ONLINE, TEAMS, "67ad5377-2d78-4ac2-a867-6300cda00e85",
})
# The apps behind the MicrosoftAdminPortals bundle we can name; the bundle token itself is the reliable input.
ADMIN_PORTAL_APPS = frozenset({
    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",  # Azure portal (and the Entra admin center)
    "00000006-0000-0ff1-ce00-000000000000",  # Microsoft 365 admin center (Office 365 portal)
})
BUNDLES = {OFFICE365: OFFICE365_APPS, ADMIN_PORTALS: ADMIN_PORTAL_APPS}
REGISTER_SECURITY_INFO = "urn:user:registersecurityinfo"
REGISTER_DEVICE = "urn:user:registerdevice"
USER_ACTIONS = (REGISTER_SECURITY_INFO, REGISTER_DEVICE)
PLATFORM_VALUES = ("android", "iOS", "windows", "windowsPhone", "macOS", "linux")
LEGACY_TRUSTED_IPS = "00000000-0000-0000-0000-000000000000"  # MFA service trusted IPs


@dataclass(frozen=True)
class LocationContext:
    """Where the sign-in comes from. ``named_location_id`` plus ``also`` are every named location the IP or
    country falls in; ``trusted`` is true when any of them is marked trusted."""

    named_location_id: str | None = None
    trusted: bool = False
    also: frozenset[str] = frozenset()
    ip: str | None = None
    country: str | None = None
    # Country locations we cannot place the sign-in in or out of (an IP was given, its country was not).
    undecided: frozenset[str] = frozenset()
    # Precomputed: location matching runs in the coverage engine's hot loop.
    ids: frozenset[str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        first = frozenset({self.named_location_id.lower()}) if self.named_location_id else frozenset()
        object.__setattr__(self, "ids", first | self.also)


UNTRUSTED = LocationContext()


@dataclass(frozen=True)
class DeviceContext:
    """Device properties as device filter rules see them (lower-cased names, without ``device.``).
    An unregistered device has none: every property is null."""

    properties: tuple[tuple[str, Any], ...] = ()
    registered: bool = True

    @classmethod
    def unregistered(cls) -> DeviceContext:
        return cls((), registered=False)

    @classmethod
    def of(cls, **properties: Any) -> DeviceContext:
        return cls(tuple(sorted((k.lower(), v) for k, v in properties.items() if v is not None)))

    def as_mapping(self) -> Mapping[str, Any]:
        return dict(self.properties)

    def get(self, name: str) -> Any:
        return self.as_mapping().get(name.lower())


@dataclass(frozen=True)
class SignInContext:
    user_id: str
    application: str = ALL_RESOURCES
    client_app: ClientApp = ClientApp.BROWSER
    platform: str | None = None  # None: unknown or unsupported platform
    location: LocationContext | None = None  # None: unknown, evaluated as an untrusted location
    sign_in_risk: str = "none"
    user_risk: str = "none"
    auth_flow: AuthFlow | None = None
    # Added for What-If; defaults keep the original user sign-in meaning.
    service_principal_id: str | None = None  # set: a workload identity signs in, user_id is ignored
    user_action: str | None = None  # urn:user:registersecurityinfo / urn:user:registerdevice
    auth_contexts: frozenset[str] = frozenset()  # authentication context class references requested (c1..)
    device: DeviceContext | None = None  # None: device unknown (a device filter cannot be decided)
    insider_risk: str = "none"  # minor / moderate / elevated
    service_principal_risk: str = "none"

    @property
    def is_workload(self) -> bool:
        return self.service_principal_id is not None

    def describe(self) -> dict[str, Any]:
        location = self.location or UNTRUSTED
        described: dict[str, Any] = {
            "application": self.application,
            "clientAppType": self.client_app.value,
            "devicePlatform": self.platform or "unknown",
            "location": location.named_location_id or ("trusted" if location.trusted else "untrusted"),
            "signInRisk": self.sign_in_risk,
            "userRisk": self.user_risk,
            "authenticationFlow": self.auth_flow.value if self.auth_flow else None,
        }
        extra: dict[str, Any] = {
            "servicePrincipal": self.service_principal_id,
            "userAction": self.user_action,
            "authenticationContexts": sorted(self.auth_contexts) or None,
            "ipAddress": location.ip,
            "country": location.country,
            "insiderRisk": self.insider_risk if self.insider_risk != "none" else None,
            "servicePrincipalRisk": self.service_principal_risk if self.service_principal_risk != "none" else None,
        }
        if self.device is not None:
            extra["device"] = dict(self.device.properties) if self.device.registered else "unregistered"
        described.update({k: v for k, v in extra.items() if v is not None})
        return described


@dataclass(frozen=True)
class ConditionResult:
    """One condition's verdict; ``matched`` None means not enough information."""

    reason: str
    matched: bool | None
    detail: str = ""
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    excluded: bool = False  # users only: failed because of an exclusion, not because never targeted


def _in_ranges(ip: str, location: Mapping[str, Any]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for item in location.get("ipRanges") or ():
        try:
            if address in ipaddress.ip_network(str(item.get("cidrAddress")), strict=False):
                return True
        except (ValueError, AttributeError):
            continue
    return False


def resolve_location(
    named_locations: Iterable[Mapping[str, Any]], *, ip: str | None = None, country: str | None = None,
    named: Iterable[str] = (), trusted: bool = False,
) -> LocationContext:
    """The location context for an IP and/or country: every named location they fall in. ``named`` adds
    locations chosen by id. Country locations need the country; an IP alone does not say it."""
    matched = {n.lower() for n in named}
    undecided: set[str] = set()
    is_trusted = trusted
    code = country.upper() if country else None
    for loc in named_locations:
        lid = str(loc.get("id", "")).lower()
        countries = {str(c).upper() for c in loc.get("countriesAndRegions") or ()}
        if ip and not code and (countries or loc.get("includeUnknownCountriesAndRegions")) and lid not in matched:
            undecided.add(lid)
        hit = lid in matched
        if ip and loc.get("ipRanges") and _in_ranges(ip, loc):
            hit = True
        if code and code in countries:
            hit = True
        if hit:
            matched.add(lid)
            is_trusted = is_trusted or bool(loc.get("isTrusted"))
    ordered = sorted(matched)
    return LocationContext(ordered[0] if ordered else None, is_trusted, frozenset(ordered[1:]), ip, code,
                           frozenset(undecided - matched))


__all__ = [
    "ADMIN_PORTALS",
    "ALL_RESOURCES",
    "ANY_RESOURCE",
    "AZURE_MANAGEMENT",
    "BUNDLES",
    "NO_RESOURCE",
    "OFFICE365",
    "OFFICE365_APPS",
    "PLATFORM_VALUES",
    "UNTRUSTED",
    "USER_ACTIONS",
    "ConditionResult",
    "DeviceContext",
    "LocationContext",
    "SignInContext",
    "field",
    "resolve_location",
]
