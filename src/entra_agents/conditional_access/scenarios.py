"""The documented scenario grid of effective coverage (issue 4, build point 4).

A scenario is one sign-in shape, independent of who signs in. The full grid is the product of:

* **resources**: ``All`` (every resource at once: only an All-resources policy without exclusions covers
  it), Office 365 and Microsoft admin portals (the ``Office365`` and ``MicrosoftAdminPortals`` bundle
  tokens, which the evaluator matches against bundle and member-app targets), Azure management
  (``797f4846-ba00-4fd7-ba43-dac1f8f63013``) and every application that has sign-ins in the snapshot (by appId);
* **client app types**: browser, mobile apps and desktop clients, Exchange ActiveSync, other clients;
* **device platforms**: unknown (``None``, only an ``all`` platform condition sees it), android, iOS,
  windows, windowsPhone, macOS, linux;
* **locations**: an unnamed untrusted network, an unnamed trusted network, and every named location with its
  own trust flag;
* **sign-in risk**: none, low, medium, high;
* **authentication flows**: a standard sign-in, device code flow, authentication transfer.

The full product is thousands of scenarios; each check asks for the sub-grid it judges
(``ScenarioGrid.restrict``), e.g. COV-01 keeps browser and mobile/desktop clients from untrusted networks.
User risk and insider risk stay ``none``: they describe the user, not the sign-in, and no check of the grid
judges them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..graph.snapshot import TenantSnapshot
from .evaluator import (
    ADMIN_PORTALS, ALL_RESOURCES, AZURE_MANAGEMENT, OFFICE365, PLATFORM_VALUES, UNTRUSTED, LocationContext,
    SignInContext,
)
from .policy import AuthFlow, ClientApp

TRUSTED = LocationContext(None, True)
ALL_PLATFORMS: tuple[str | None, ...] = (None, *PLATFORM_VALUES)
SIGN_IN_RISKS = ("none", "low", "medium", "high")
ALL_FLOWS: tuple[AuthFlow | None, ...] = (None, *AuthFlow)
BASE_RESOURCES = (ALL_RESOURCES, OFFICE365, ADMIN_PORTALS, AZURE_MANAGEMENT)


@dataclass(frozen=True)
class Scenario:
    client_app: ClientApp
    platform: str | None = None
    location: LocationContext = UNTRUSTED
    auth_flow: AuthFlow | None = None
    application: str = ALL_RESOURCES

    def for_user(self, user_id: str) -> SignInContext:
        return SignInContext(
            user_id=user_id, application=self.application, client_app=self.client_app,
            platform=self.platform, location=self.location, auth_flow=self.auth_flow,
        )


@dataclass(frozen=True)
class RiskScenario(Scenario):
    """A scenario with sign-in (and user) risk. A subclass rather than new ``Scenario`` fields, so code that
    rebuilds scenarios from ``Scenario``'s fields keeps working; the grid only makes one when risk is set."""

    sign_in_risk: str = "none"
    user_risk: str = "none"

    def for_user(self, user_id: str) -> SignInContext:
        return replace(super().for_user(user_id), sign_in_risk=self.sign_in_risk, user_risk=self.user_risk)


def _scenario(client: ClientApp, platform: str | None, location: LocationContext, flow: AuthFlow | None,
              resource: str, risk: str) -> Scenario:
    if risk == "none":
        return Scenario(client, platform, location, flow, resource)
    return RiskScenario(client, platform, location, flow, resource, risk)


@dataclass(frozen=True)
class ScenarioGrid:
    """Dimensions of a grid; ``scenarios`` is their product in a stable order (resource outermost)."""

    resources: tuple[str, ...] = (ALL_RESOURCES,)
    client_apps: tuple[ClientApp, ...] = tuple(ClientApp)
    platforms: tuple[str | None, ...] = ALL_PLATFORMS
    locations: tuple[LocationContext, ...] = (UNTRUSTED,)
    sign_in_risks: tuple[str, ...] = ("none",)
    flows: tuple[AuthFlow | None, ...] = (None,)

    @classmethod
    def full(cls, snapshot: TenantSnapshot) -> ScenarioGrid:
        """Every dimension at every documented value for this tenant."""
        return cls(resources=resources_of(snapshot), locations=(UNTRUSTED, TRUSTED, *named_locations(snapshot)),
                   sign_in_risks=SIGN_IN_RISKS, flows=ALL_FLOWS)

    def restrict(self, **dimensions: Iterable[Any]) -> ScenarioGrid:
        """The sub-grid with some dimensions replaced, e.g. ``grid.restrict(client_apps=[ClientApp.OTHER])``."""
        return replace(self, **{name: tuple(values) for name, values in dimensions.items()})

    def scenarios(self) -> tuple[Scenario, ...]:
        return tuple(
            _scenario(client, platform, location, flow, resource, risk)
            for resource, client, platform, location, risk, flow in itertools.product(
                self.resources, self.client_apps, self.platforms, self.locations, self.sign_in_risks, self.flows)
        )

    def __len__(self) -> int:
        return (len(self.resources) * len(self.client_apps) * len(self.platforms) * len(self.locations)
                * len(self.sign_in_risks) * len(self.flows))


def scenario_grid(
    client_apps: Iterable[ClientApp],
    *,
    platforms: Sequence[str | None] = ALL_PLATFORMS,
    locations: Sequence[LocationContext] = (UNTRUSTED,),
    flows: Sequence[AuthFlow | None] = (None,),
    resources: Sequence[str] = (ALL_RESOURCES,),
    sign_in_risks: Sequence[str] = ("none",),
) -> tuple[Scenario, ...]:
    """The historical entry point: a sub-grid as a tuple of scenarios (client app outermost)."""
    return tuple(
        _scenario(client, platform, location, flow, resource, risk)
        for client in client_apps for platform in platforms for location in locations for flow in flows
        for resource in resources for risk in sign_in_risks
    )


def named_locations(snapshot: TenantSnapshot) -> tuple[LocationContext, ...]:
    return tuple(
        LocationContext(str(n["id"]).lower(), bool(n.get("isTrusted")))
        for n in snapshot.named_locations if n.get("id")
    )


def location_grid(snapshot: TenantSnapshot) -> tuple[LocationContext, ...]:
    """An untrusted unnamed location plus every named location, so location exclusions are exercised."""
    return (UNTRUSTED, *named_locations(snapshot))


def apps_with_sign_ins(snapshot: TenantSnapshot) -> tuple[str, ...]:
    """appIds that appear in the sign-in log, most used first (ties by id, so the order is stable)."""
    counts: dict[str, int] = {}
    for record in snapshot.sign_ins:
        app = str(record.get("appId") or "").lower()
        if app:
            counts[app] = counts.get(app, 0) + 1
    return tuple(sorted(counts, key=lambda a: (-counts[a], a)))


def resources_of(snapshot: TenantSnapshot) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*BASE_RESOURCES, *apps_with_sign_ins(snapshot))))
