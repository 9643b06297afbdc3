"""Per-condition matching (peers §1.3-§1.5). Each function answers one What-If ``analysisReasons`` entry.

Within a condition exclude beats include; an unconfigured condition matches everything; a condition that
cannot be decided from the sign-in answers ``matched=None`` (notEnoughInformation). ``match_context`` never
looks at who signs in, so the coverage engine can evaluate it once per scenario. Re-exported by ``evaluator``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .context import (
    ALL_RESOURCES,
    ANY_RESOURCE,
    BUNDLES,
    NO_RESOURCE,
    UNTRUSTED,
    ConditionResult,
    DeviceContext,
    LocationContext,
    SignInContext,
)
from .policy import LEGACY_CLIENTS, AuthFlow, ClientApp, GuestCondition, Policy
from .principals import Directory

# Matching results are shared constants: building a frozen dataclass per condition per call is most of the
# cost of match_context, which the coverage engine calls for every policy and scenario.
_OK = {reason: ConditionResult(reason, True) for reason in (
    "users", "workloadIdentities", "application", "userActions", "authenticationContext", "clientApps",
    "devicePlatform", "location", "signInRisk", "userRisk", "insiderRisk", "servicePrincipalRisk",
    "authenticationFlow", "devices",
)}

# users -----------------------------------------------------------------------------------------------------


def _guest_matches(condition: GuestCondition | None, is_guest: bool, excluding: bool) -> bool:
    if condition is None or not is_guest:
        return False
    # userType Guest is all we can see; it is a B2B collaboration guest or an internal guest.
    if not condition.types & {"b2bCollaborationGuest", "internalGuest"}:
        return False
    # A guest's home tenant is unknown here: assume the answer that can only hide coverage, never invent it.
    return condition.tenant_kind == "all" or excluding


def _hit(ids: Iterable[str], candidates: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(candidates.intersection(ids)))


def match_users(policy: Policy, user_id: str, directory: Directory) -> ConditionResult:
    users = policy.conditions.users
    uid = user_id.lower()
    guest = directory.is_guest(uid)
    groups, roles = directory.groups_of(uid), directory.roles_of(uid)
    if uid in users.exclude_users or (guest and "GuestsOrExternalUsers" in users.exclude_users):
        return ConditionResult("users", False, "user excluded by excludeUsers", excluded=True)
    if hit := _hit(groups, users.exclude_groups):
        names = ", ".join(f"{directory.group_name(g)!r} ({g})" for g in hit)
        detail = f"user excluded via group {names} (transitive membership)"
        return ConditionResult("users", False, detail, groups=hit, excluded=True)
    if hit := _hit(roles, users.exclude_roles):
        return ConditionResult("users", False, f"user excluded via role {', '.join(hit)}", roles=hit, excluded=True)
    if _guest_matches(users.exclude_guests, guest, excluding=True):
        return ConditionResult("users", False, "guest excluded by excludeGuestsOrExternalUsers", excluded=True)
    included = (
        "All" in users.include_users
        or uid in users.include_users
        or (guest and "GuestsOrExternalUsers" in users.include_users)
        or bool(_hit(groups, users.include_groups))
        or bool(_hit(roles, users.include_roles))
        or _guest_matches(users.include_guests, guest, excluding=False)
    )
    if not included:
        return ConditionResult("users", False, "user not included by includeUsers/Groups/Roles or guest settings")
    return _OK["users"]


def match_workload(policy: Policy, sp_id: str, directory: Directory) -> ConditionResult:
    """A service principal signs in: only workload identity policies (``clientApplications``) can apply."""
    workload = policy.conditions.workload
    sid = sp_id.lower()
    if workload is None or not workload.targets_any:
        return ConditionResult("workloadIdentities", False, "policy targets users, not workload identities")
    if directory.is_managed_identity(sid):
        return ConditionResult("workloadIdentities", False, "managed identities are never subject to Conditional "
                               "Access", excluded=True)
    if sid in workload.exclude:
        return ConditionResult("workloadIdentities", False, "service principal excluded by excludeServicePrincipals",
                               excluded=True)
    in_tenant = "ServicePrincipalsInMyTenant" in workload.include and directory.is_tenant_owned(sid)
    if not (sid in workload.include or in_tenant):
        return ConditionResult("workloadIdentities", False, "service principal not included (only single-tenant "
                               "service principals registered in this tenant count as ServicePrincipalsInMyTenant)")
    if workload.has_filter:
        return ConditionResult("workloadIdentities", None, "servicePrincipalFilter (custom security attributes) "
                               "not evaluated")
    return _OK["workloadIdentities"]


def match_identity(policy: Policy, context: SignInContext, directory: Directory) -> ConditionResult:
    """User policies never apply to service principals, and workload identity policies never to users."""
    if context.service_principal_id is not None:
        return match_workload(policy, context.service_principal_id, directory)
    workload = policy.conditions.workload
    if workload is not None and workload.targets_any:
        return ConditionResult("workloadIdentities", False, "policy targets workload identities, not users")
    return match_users(policy, context.user_id, directory)


# target resources ------------------------------------------------------------------------------------------


def _listing(values: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(values)) + "]"


def _targets(ids: frozenset[str], app: str) -> bool:
    if "All" in ids or app in ids:
        return True
    return any(bundle in ids and app in members for bundle, members in BUNDLES.items())


def _match_application(policy: Policy, app: str) -> ConditionResult:
    apps = policy.conditions.applications
    include, exclude = apps.include - {"None"}, apps.exclude
    if app == ANY_RESOURCE:
        return ConditionResult("application", bool(include), "" if include else "policy targets no resources")
    if app == NO_RESOURCE:
        return ConditionResult("application", False, "the sign-in requests no resource")
    if app == ALL_RESOURCES:
        if "All" not in include:
            detail = f"includeApplications {_listing(include)} is not All resources"
            return ConditionResult("application", False, detail)
        if exclude or apps.has_filter:
            what = f"excludeApplications {_listing(exclude)}" if exclude else "applicationFilter"
            return ConditionResult("application", False, f"{what} leaves some resources uncovered")
        return _OK["application"]
    if app in BUNDLES:
        # The whole bundle is requested: covered only if no member is excluded.
        included = "All" in include or app in include
        excluded = app in exclude or bool(BUNDLES[app] & exclude)
    else:
        app = app.lower()
        included, excluded = _targets(include, app), _targets(exclude, app)
    if not included or excluded:
        why = "excluded by excludeApplications" if included else f"not in includeApplications {_listing(include)}"
        return ConditionResult("application", False, f"application {app} {why}")
    if apps.has_filter:
        return ConditionResult("application", None, "applicationFilter (custom security attributes) not evaluated")
    return _OK["application"]


def _match_target(policy: Policy, context: SignInContext) -> ConditionResult:
    """A policy targets exactly one kind of resource: apps, user actions or authentication contexts."""
    apps = policy.conditions.applications
    if apps.user_actions:
        actions = {a.lower() for a in apps.user_actions}
        if context.user_action and context.user_action.lower() in actions:
            return _OK["userActions"]
        return ConditionResult("userActions", False, f"policy targets user actions {_listing(actions)}, the "
                               f"sign-in {('performs ' + context.user_action) if context.user_action else 'does not'}")
    if apps.auth_contexts:
        if apps.auth_contexts & context.auth_contexts:
            return _OK["authenticationContext"]
        asked = _listing(context.auth_contexts) if context.auth_contexts else "none"
        return ConditionResult("authenticationContext", False, f"policy targets authentication contexts "
                               f"{_listing(apps.auth_contexts)}, the sign-in requests {asked}")
    if context.user_action:
        return ConditionResult("application", False, f"the sign-in is the user action {context.user_action}; "
                               "resource policies do not apply to it")
    return _match_application(policy, context.application)


# sign-in conditions ----------------------------------------------------------------------------------------


def _match_client_app(policy: Policy, client: ClientApp) -> ConditionResult:
    types = policy.conditions.client_app_types
    if not types or client.value in types:
        return _OK["clientApps"]
    legacy = " (legacy clients excluded)" if client in LEGACY_CLIENTS else ""
    detail = f"clientAppTypes {_listing(types)} does not include {client.value}{legacy}"
    return ConditionResult("clientApps", False, detail)


def _match_platform(policy: Policy, platform: str | None) -> ConditionResult:
    include, exclude = policy.conditions.include_platforms, policy.conditions.exclude_platforms
    if include is None:
        return _OK["devicePlatform"]
    # An unknown platform only matches "all" and is never excluded by a named platform (Microsoft's
    # "block unknown platforms" template depends on exactly this).
    included = "all" in include or (platform is not None and platform in include)
    excluded = "all" in exclude or (platform is not None and platform in exclude)
    if included and not excluded:
        return _OK["devicePlatform"]
    detail = (f"platform {platform or 'unknown'} not in scope of includePlatforms {_listing(include)}"
              f" / excludePlatforms {_listing(exclude)}")
    return ConditionResult("devicePlatform", False, detail)


def _match_location(policy: Policy, location: LocationContext | None) -> ConditionResult:
    include, exclude = policy.conditions.include_locations, policy.conditions.exclude_locations
    if include is None:
        return _OK["location"]
    loc = location or UNTRUSTED
    lids = loc.ids

    def covers(ids: frozenset[str], lids: frozenset[str] = lids) -> bool:
        return "All" in ids or (loc.trusted and "AllTrusted" in ids) or bool(lids & ids)

    inside = covers(include) and not covers(exclude)
    if loc.undecided & (include | exclude):
        maybe = loc.ids | loc.undecided
        if inside != (covers(include, maybe) and not covers(exclude, maybe)):
            detail = f"country of IP {loc.ip} unknown; country locations {_listing(loc.undecided)} undecided"
            return ConditionResult("location", None, detail)
    if inside:
        return _OK["location"]
    where = ", ".join(sorted(lids)) or ("a trusted location" if loc.trusted else "an untrusted location")
    detail = (f"sign-in from {where} not in scope of includeLocations {_listing(include)}"
              f" / excludeLocations {_listing(exclude)}")
    return ConditionResult("location", False, detail)


def _match_levels(reason: str, field_name: str, levels: frozenset[str], level: str) -> ConditionResult:
    if not levels or level in levels:
        return _OK[reason]
    return ConditionResult(reason, False, f"{field_name} {_listing(levels)} does not include {level}")


def _match_flow(policy: Policy, flow: AuthFlow | None) -> ConditionResult:
    methods = policy.conditions.transfer_methods
    if not methods or (flow is not None and flow.value in methods):
        return _OK["authenticationFlow"]
    used = flow.value if flow else "a standard sign-in"
    return ConditionResult("authenticationFlow", False, f"transferMethods {_listing(methods)} does not include {used}")


def _match_device(policy: Policy, device: DeviceContext | None) -> ConditionResult:
    rule = policy.conditions.device_rule
    if rule is None:
        if policy.conditions.device_filter:  # a filter without a rule we could read
            return ConditionResult("devices", None, "device filter without a rule")
        return _OK["devices"]
    if rule.rule is None:
        return ConditionResult("devices", None, f"device filter rule not understood ({rule.error}): {rule.text}")
    if device is None:
        return ConditionResult("devices", None, f"device unknown; filter {rule.mode} {rule.text!r} needs it")
    applies = rule.applies_to(device.as_mapping())
    if applies:
        return _OK["devices"]
    state = "registered device" if device.registered else "unregistered device (all properties null)"
    verdict = "matches" if rule.mode == "exclude" else "does not match"
    return ConditionResult("devices", False, f"{state} {verdict} {rule.mode} filter {rule.text!r}")


def match_context(policy: Policy, context: SignInContext) -> list[ConditionResult]:
    """Every non-identity condition, evaluated; independent of who signs in."""
    c = policy.conditions
    # Unconfigured conditions short-circuit to shared results: this runs for every policy and scenario.
    results = [
        _match_target(policy, context),
        _match_client_app(policy, context.client_app) if c.client_app_types else _OK["clientApps"],
        _match_platform(policy, context.platform) if c.include_platforms is not None else _OK["devicePlatform"],
        _match_location(policy, context.location) if c.include_locations is not None else _OK["location"],
        _match_levels("signInRisk", "signInRiskLevels", c.sign_in_risk, context.sign_in_risk)
        if c.sign_in_risk else _OK["signInRisk"],
        _match_levels("userRisk", "userRiskLevels", c.user_risk, context.user_risk) if c.user_risk else _OK["userRisk"],
        _match_levels("insiderRisk", "insiderRiskLevels", c.insider_risk, context.insider_risk)
        if c.insider_risk else _OK["insiderRisk"],
        _match_levels("servicePrincipalRisk", "servicePrincipalRiskLevels", c.service_principal_risk,
                      context.service_principal_risk) if c.service_principal_risk else _OK["servicePrincipalRisk"],
        _match_flow(policy, context.auth_flow) if c.transfer_methods else _OK["authenticationFlow"],
    ]
    if c.device_filter or c.device_rule is not None:
        results.append(_match_device(policy, context.device))
    return results
