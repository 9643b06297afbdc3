"""Graph ``signIn`` records as sign-in contexts for the evaluator.

Sign-in logs describe clients and platforms in display strings ("Exchange ActiveSync", "IMAP4", "Windows 10"),
not in the policy vocabulary; this module is the one place that translates them. Anything we cannot map is
left unknown (platform ``None``, untrusted location), which is what Conditional Access itself does with an
unrecognised user agent or an IP outside every named location.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .evaluator import LocationContext, SignInContext
from .policy import AuthFlow, ClientApp

_MODERN = {"browser": ClientApp.BROWSER, "mobile apps and desktop clients": ClientApp.MOBILE_DESKTOP}
_EAS = {"exchange activesync", "exchange activesync (supported)", "exchange activesync (unsupported)"}
# Substrings of deviceDetail.operatingSystem -> policy platform, most specific first ("Windows Phone" before
# "Windows", "iPadOS" is iOS to Conditional Access).
_PLATFORMS = (
    ("windows phone", "windowsPhone"), ("windows", "windows"), ("ios", "iOS"), ("ipados", "iOS"),
    ("android", "android"), ("mac", "macOS"), ("linux", "linux"), ("ubuntu", "linux"),
)
_FLOWS = {"devicecode": AuthFlow.DEVICE_CODE, "devicecodeflow": AuthFlow.DEVICE_CODE,
          "authenticationtransfer": AuthFlow.AUTHENTICATION_TRANSFER}
_RISK = {"none", "low", "medium", "high", "hidden"}


def client_app(value: Any) -> ClientApp:
    """clientAppUsed -> client app type. Every protocol that is neither browser, modern client nor EAS (IMAP4,
    POP3, SMTP, MAPI, "Other clients"...) is legacy 'other'; a missing value is a modern client."""
    text = str(value or "").strip().lower()
    if not text:
        return ClientApp.MOBILE_DESKTOP
    if text in _MODERN:
        return _MODERN[text]
    if text in _EAS:
        return ClientApp.EXCHANGE_ACTIVE_SYNC
    return ClientApp.OTHER


def platform(operating_system: Any) -> str | None:
    text = str(operating_system or "").strip().lower()
    return next((p for key, p in _PLATFORMS if key in text), None) if text else None


def auth_flow(sign_in: Mapping[str, Any]) -> AuthFlow | None:
    for key in ("originalTransferMethod", "authenticationProtocol"):
        flow = _FLOWS.get(str(sign_in.get(key) or "").replace(" ", "").lower())
        if flow is not None:
            return flow
    return None


@dataclass(frozen=True)
class _Named:
    id: str
    trusted: bool
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    countries: frozenset[str]
    unknown_countries: bool


def _named(raw: Mapping[str, Any]) -> _Named:
    networks = []
    for item in raw.get("ipRanges") or ():
        try:
            networks.append(ipaddress.ip_network(str((item or {}).get("cidrAddress")), strict=False))
        except ValueError:
            continue
    countries = frozenset(str(c).upper() for c in raw.get("countriesAndRegions") or ())
    return _Named(str(raw.get("id", "")).lower(), bool(raw.get("isTrusted")), tuple(networks), countries,
                  bool(raw.get("includeUnknownCountriesAndRegions")))


class LocationResolver:
    """IP and country -> the first named location containing it (IP ranges before countries)."""

    def __init__(self, named_locations: Iterable[Mapping[str, Any]]) -> None:
        self._named = [_named(n) for n in named_locations if isinstance(n, Mapping) and n.get("id")]

    def resolve(self, sign_in: Mapping[str, Any]) -> LocationContext:
        try:
            ip = ipaddress.ip_address(str(sign_in.get("ipAddress") or ""))
        except ValueError:
            ip = None
        country = str((sign_in.get("location") or {}).get("countryOrRegion") or "").upper()
        if ip is not None:
            for n in self._named:
                if any(ip.version == net.version and ip in net for net in n.networks):
                    return LocationContext(n.id, n.trusted)
        for n in self._named:
            if (country and country in n.countries) or (not country and n.unknown_countries):
                return LocationContext(n.id, n.trusted)
        return LocationContext()


def context(sign_in: Mapping[str, Any], locations: LocationResolver) -> SignInContext:
    risk = str(sign_in.get("riskLevelDuringSignIn") or "none").lower()
    return SignInContext(
        user_id=str(sign_in.get("userId") or "").lower(),
        application=str(sign_in.get("appId") or "").lower(),
        client_app=client_app(sign_in.get("clientAppUsed")),
        platform=platform((sign_in.get("deviceDetail") or {}).get("operatingSystem")),
        location=locations.resolve(sign_in),
        sign_in_risk=risk if risk in _RISK else "none",
        auth_flow=auth_flow(sign_in),
    )


def used_platforms(sign_ins: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Platforms the organisation actually signs in from (COV-20's exclusions)."""
    found = {platform((s.get("deviceDetail") or {}).get("operatingSystem")) for s in sign_ins}
    return tuple(sorted(p for p in found if p is not None))


def apps_with_sign_ins(sign_ins: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """appId -> {displayName, signIns, users} for every app that appears in the sign-in log."""
    apps: dict[str, dict[str, Any]] = {}
    for s in sign_ins:
        app = str(s.get("appId") or "").lower()
        if not app:
            continue
        entry = apps.setdefault(app, {"displayName": str(s.get("appDisplayName") or ""), "signIns": 0,
                                      "users": set()})
        entry["signIns"] += 1
        if s.get("userId"):
            entry["users"].add(str(s["userId"]).lower())
    return apps
