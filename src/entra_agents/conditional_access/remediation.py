"""Suggested policies that close a failing check, and the safety checks they must pass before anyone sees them.

Safety rule 3: every suggested policy is report-only, excludes the break-glass accounts and the Directory
Synchronization Accounts role, and is evaluated for lockout before it is emitted. ``validate_report_only_policy``
is deliberately independent of the tenant so a write guard can reuse it as a last line of defence.

Vetting (``vetted_remediation``) is the conjunction of three questions answered by the engine, never by the
policy's shape: ``check_lockout`` (break-glass and sync accounts excluded, break-glass never demanded anything,
not every active Global Administrator blocked or demanded an unsatisfiable control) and ``closes_gap`` (the
check passes on a copy of the tenant with the policy enabled). User-action policies cannot run report-only, so
they are offered disabled, which enforces even less.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..graph.snapshot import TenantSnapshot
from .checks import CHECKS  # check modules never import remediation: no cycle
from .checks._coverage_checks import ADMIN_ROLES, PRIVILEGED_ROLES
from .config import AnalysisConfig
from .coverage import ALL_PLATFORMS, TenantModel
from .evaluator import (
    ALL_RESOURCES, ANY_RESOURCE, Applicability, Outcome, SignInContext, evaluate, evaluate_policy, match_users,
)
from .findings import Finding, Status
from .policy import ClientApp, Control, Policy, PolicyState, parse_policy, parse_strengths
from .principals import DIRECTORY_SYNCHRONIZATION_ACCOUNTS, GLOBAL_ADMINISTRATOR
from .signins import used_platforms

JSON = dict[str, Any]
REPORT_ONLY = PolicyState.REPORT_ONLY.value
DISABLED = PolicyState.DISABLED.value
_CANDIDATE_ID = "candidate-policy"
_LOCKOUT_CLIENTS = (ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP)


# Graph ids of built-in objects the templates reference.
PHISHING_RESISTANT_STRENGTH = "00000000-0000-0000-0000-000000000004"
AZURE_MANAGEMENT = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
REGISTER_SECURITY_INFO = "urn:user:registersecurityinfo"
ALL_GUEST_TYPES = ("internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,"
                   "otherExternalUser,serviceProvider")
DEFAULT_KNOWN_PLATFORMS = ("android", "iOS", "windows", "macOS", "linux")
_EVERY_TIME = {"signInFrequency": {"isEnabled": True, "frequencyInterval": "everyTime",
                                   "authenticationType": "primaryAndSecondaryAuthentication",
                                   "type": None, "value": None}}


@dataclass(frozen=True)
class Template:
    """The shape of one remediation policy; defaults are the All users / All resources baseline."""

    name: str
    client_app_types: tuple[str, ...]
    built_in_controls: tuple[str, ...]
    transfer_methods: str | None = None
    operator: str = "OR"
    strength: str | None = None  # authenticationStrength id
    include_roles: tuple[str, ...] = ()  # when set, targets these roles instead of All users
    guests: bool = False  # targets every guest and external user type instead of All users
    applications: tuple[str, ...] = ("All",)
    user_action: str | None = None  # replaces applications
    platforms: tuple[str, ...] | None = None  # includePlatforms; "all" excludes the platforms in use
    exclude_trusted_locations: bool = False
    sign_in_risk: tuple[str, ...] = ()
    user_risk: tuple[str, ...] = ()
    session: JSON | None = field(default=None, compare=False, hash=False)


TEMPLATES: dict[str, Template] = {
    "COV-01": Template("Require MFA for all users", ("all",), ("mfa",)),
    "COV-02": Template("Require phishing-resistant MFA for all users", ("all",), (),
                       strength=PHISHING_RESISTANT_STRENGTH),
    "COV-03": Template("Require MFA for administrators", ("all",), ("mfa",), include_roles=tuple(ADMIN_ROLES)),
    "COV-04": Template("Require phishing-resistant MFA for privileged roles", ("all",), (),
                       strength=PHISHING_RESISTANT_STRENGTH, include_roles=tuple(PRIVILEGED_ROLES)),
    "COV-05": Template("Require MFA for Azure management", ("all",), ("mfa",), applications=(AZURE_MANAGEMENT,)),
    "COV-07": Template("Require MFA for guests", ("all",), ("mfa",), guests=True),
    "COV-08": Template("Block legacy authentication", ("exchangeActiveSync", "other"), ("block",)),
    "COV-10": Template("Block device code flow", ("all",), ("block",), "deviceCodeFlow"),
    "COV-11": Template("Block authentication transfer", ("all",), ("block",), "authenticationTransfer"),
    "COV-12": Template("Require MFA to register security info", ("all",), ("mfa",),
                       user_action=REGISTER_SECURITY_INFO, exclude_trusted_locations=True),
    "COV-14": Template("Require MFA for risky sign-ins", ("all",), ("mfa",), sign_in_risk=("high", "medium"),
                       session=_EVERY_TIME),
    "COV-15": Template("Require password change for high-risk users", ("all",), ("mfa", "passwordChange"),
                       operator="AND", user_risk=("high",), session=_EVERY_TIME),
    "COV-17": Template("Require compliant or hybrid joined device", ("all",),
                       ("compliantDevice", "domainJoinedDevice")),
    "COV-19": Template("Require compliant or hybrid joined device or MFA", ("all",),
                       ("mfa", "compliantDevice", "domainJoinedDevice")),
    "COV-20": Template("Block unknown device platforms", ("all",), ("block",), platforms=("all",)),
    "COV-21": Template("Require app protection on mobile", ("browser", "mobileAppsAndDesktopClients"),
                       ("compliantApplication", "compliantDevice"), platforms=("android", "iOS")),
    "COV-29": Template("Baseline MFA for All users and All resources", ("all",), ("mfa",)),
}


def _users(template: Template, break_glass: list[str]) -> JSON:
    guests = None
    if template.guests:
        guests = {"guestOrExternalUserTypes": ALL_GUEST_TYPES,
                  "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                                      "membershipKind": "all"}}
    everyone = not template.include_roles and not template.guests
    return {
        "includeUsers": ["All"] if everyone else [], "excludeUsers": break_glass,
        "includeGroups": [], "excludeGroups": [],
        "includeRoles": list(template.include_roles), "excludeRoles": [DIRECTORY_SYNCHRONIZATION_ACCOUNTS],
        "includeGuestsOrExternalUsers": guests, "excludeGuestsOrExternalUsers": None,
    }


def _policy_json(template: Template, prefix: str, break_glass: list[str], used_platforms: tuple[str, ...] = ()) -> JSON:
    actions = [template.user_action] if template.user_action else []
    conditions: JSON = {
        "users": _users(template, break_glass),
        "applications": {
            "includeApplications": [] if actions else list(template.applications), "excludeApplications": [],
            "includeUserActions": actions, "includeAuthenticationContextClassReferences": [],
        },
        "clientAppTypes": list(template.client_app_types),
        "signInRiskLevels": list(template.sign_in_risk),
        "userRiskLevels": list(template.user_risk),
    }
    if template.transfer_methods:
        conditions["authenticationFlows"] = {"transferMethods": template.transfer_methods}
    if template.platforms:
        # Microsoft's pattern: include all, exclude what the organisation uses (trap 21), so unknown is caught.
        exclude = list(used_platforms or DEFAULT_KNOWN_PLATFORMS) if template.platforms == ("all",) else []
        conditions["platforms"] = {"includePlatforms": list(template.platforms), "excludePlatforms": exclude}
    if template.exclude_trusted_locations:
        conditions["locations"] = {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
    grant: JSON = {
        "operator": template.operator, "builtInControls": list(template.built_in_controls),
        "customAuthenticationFactors": [], "termsOfUse": [],
    }
    if template.strength:
        grant["authenticationStrength"] = {"id": template.strength}
    return {
        "displayName": f"{prefix} - {template.name}",
        # User-action policies cannot run in report-only (peers §1.1); they are offered disabled instead.
        "state": DISABLED if actions else REPORT_ONLY,
        "conditions": conditions,
        "grantControls": grant,
        "sessionControls": copy.deepcopy(template.session),
    }


def build_policy(check_id: str, snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> JSON:
    """The Graph ``conditionalAccessPolicy`` (no id) that closes ``check_id``, never enforcing: report-only,
    or disabled for user-action policies, which do not support report-only."""
    template = TEMPLATES.get(check_id)
    if template is None:
        known = ", ".join(sorted(TEMPLATES))
        raise UsageError(f"no remediation template for check {check_id!r}; checks with one: {known}")
    config = config or AnalysisConfig()
    model = TenantModel.build(snapshot, config)
    return _policy_json(template, config.policy_name_prefix, sorted(model.break_glass.ids),
                        used_platforms(snapshot.sign_ins))


def remediation_policy(snapshot: TenantSnapshot, config: AnalysisConfig | None, finding: Finding) -> JSON:
    """The policy that closes ``finding``'s check, whatever the finding's status (drafting is read-only)."""
    return build_policy(finding.check, snapshot, config)


def suggest_remediation(
    finding: Finding, snapshot: TenantSnapshot, config: AnalysisConfig | None = None
) -> JSON | None:
    """The vetted remediation of a failing finding, or None (passing, no template, or it failed vetting)."""
    if finding.status is not Status.FAIL or finding.check not in TEMPLATES:
        return None
    policy, problems = vetted_remediation(finding, snapshot, config)
    return None if problems else policy


def validate_report_only_policy(policy_json: Any) -> list[str]:
    """Structural rules for any policy we create; empty list means acceptable."""
    if not isinstance(policy_json, Mapping):
        return ["policy must be a JSON object"]
    problems = []
    if not isinstance(policy_json.get("displayName"), str) or not policy_json["displayName"].strip():
        problems.append("displayName must be a non-empty string")
    conditions = policy_json.get("conditions")
    actions = ((conditions.get("applications") or {}).get("includeUserActions") or []) \
        if isinstance(conditions, Mapping) and isinstance(conditions.get("applications"), Mapping) else []
    if actions:
        if policy_json.get("state") != DISABLED:
            problems.append("report-only is not supported for user-action policies (includeUserActions): "
                            f"create them {DISABLED!r} and enable after review")
    elif policy_json.get("state") != REPORT_ONLY:
        problems.append(f"state must be {REPORT_ONLY!r} (report-only), got {policy_json.get('state')!r}")
    if "id" in policy_json:
        problems.append("policy must not carry an id: Graph assigns it on creation")
    if not isinstance(conditions, Mapping):
        problems.append("conditions must be an object")
    else:
        for key in ("users", "applications"):
            if not isinstance(conditions.get(key), Mapping):
                problems.append(f"conditions.{key} must be an object")
    if not isinstance(policy_json.get("grantControls"), Mapping):
        problems.append("grantControls must be an object")
    return problems


def _demands(outcome: Outcome) -> str:
    if outcome.blocked:
        return "blocked"
    def option(controls: frozenset[Control]) -> str:
        return "+".join(sorted(c.label() for c in controls))

    labels = sorted({" or ".join(sorted(option(o) for o in r.options)) for r in outcome.requirements})
    return "required to satisfy " + "; ".join(labels)


def _lockout_for(model: TenantModel, candidate: Policy, existing: tuple[Policy, ...], uid: str) -> list[str]:
    """The first sign-in where the candidate would demand something of a break-glass account, if any.

    Both resource scopes are tried: ``Any`` catches a policy that bites on some resources only."""
    added = Outcome.from_policies([candidate])
    if not added.requires_anything:
        return []
    for client in _LOCKOUT_CLIENTS:
        for app in (ALL_RESOURCES, ANY_RESOURCE):
            for platform in ALL_PLATFORMS:
                ctx = SignInContext(uid, application=app, client_app=client, platform=platform)
                if evaluate_policy(candidate, model.directory, ctx).status is Applicability.DOES_NOT_APPLY:
                    continue
                combined = evaluate(existing, model.directory, ctx).enforced.merged(added)
                who = f"break-glass account {model.directory.label(uid)} ({uid})"
                return [f"{who}: would be {_demands(combined)} on a {client.value} sign-in ({app} resources) "
                        "once this policy is enabled"]
    return []


def check_lockout(snapshot: TenantSnapshot, config: AnalysisConfig | None, policy_json: Any) -> list[str]:
    """Problems that make ``policy_json`` unsafe to emit; empty means safe.

    The candidate is evaluated as if enabled, together with the tenant's enabled policies."""
    problems = validate_report_only_policy(policy_json)
    if not isinstance(policy_json, Mapping):
        return problems
    model = TenantModel.build(snapshot, config or AnalysisConfig())
    if not model.break_glass.ids:
        problems.append("no break-glass accounts configured or detected: set the agent setting BreakGlassAccounts "
                        "(object ids or UPNs) before creating policies")
    problems += [f"configured break-glass account {ref!r} not found in the tenant"
                 for ref in model.break_glass.unresolved]
    parsed = parse_policy(policy_json, parse_strengths(snapshot.authentication_strength_policies))
    candidate = dataclasses.replace(parsed, id=parsed.id or _CANDIDATE_ID, state=PolicyState.ENABLED)
    if DIRECTORY_SYNCHRONIZATION_ACCOUNTS not in candidate.conditions.users.exclude_roles:
        problems.append("does not exclude the Directory Synchronization Accounts role "
                        f"({DIRECTORY_SYNCHRONIZATION_ACCOUNTS})")
    existing = tuple(p for p in model.policies if p.is_enabled and p.id != candidate.id)
    for uid in sorted(model.break_glass.ids):
        if match_users(candidate, uid, model.directory).matched:
            problems.append(f"does not exclude break-glass account {model.directory.label(uid)} ({uid})")
        problems += _lockout_for(model, candidate, existing, uid)
    problems += _admin_lockout(model, candidate, existing)
    for uid in sorted(model.sync_accounts):
        if match_users(candidate, uid, model.directory).matched:
            problems.append(f"does not exclude directory synchronization account {model.directory.label(uid)} ({uid})")
    return problems


def _unsatisfiable(candidate: Policy) -> bool:
    """A grant nobody can meet whatever the client: every option names a strength that does not resolve."""
    grant = candidate.grant
    if grant is None or grant.blocks or not grant.options():
        return False
    broken = {s.id for s in candidate.strengths if not s.resolved or not s.combinations}
    return all(any(c.name == "authenticationStrength" and c.ref in broken for c in o) for o in grant.options())


def _locked_out(model: TenantModel, candidate: Policy, existing: tuple[Policy, ...], uid: str) -> bool:
    """No browser or mobile/desktop sign-in, on any platform, that still gets through once the candidate is on."""
    added = Outcome.from_policies([candidate])
    for client in _LOCKOUT_CLIENTS:
        for platform in ALL_PLATFORMS:
            ctx = SignInContext(uid, application=ALL_RESOURCES, client_app=client, platform=platform)
            outcome = evaluate(existing, model.directory, ctx).enforced
            if evaluate_policy(candidate, model.directory, ctx).status is not Applicability.DOES_NOT_APPLY:
                if _unsatisfiable(candidate):
                    continue
                outcome = outcome.merged(added)
            if not outcome.effectively_blocked(client, None):
                return False
    return True


def _admin_lockout(model: TenantModel, candidate: Policy, existing: tuple[Policy, ...]) -> list[str]:
    """Refuse a policy that would leave no active Global Administrator able to sign in (break-glass apart,
    which is checked on its own): blocked, or required to meet a control nobody can meet."""
    admins = sorted(u for u in model.directory.role_holders(GLOBAL_ADMINISTRATOR)
                    if model.directory.is_enabled(u) and u not in model.break_glass.ids)
    if not admins or not all(_locked_out(model, candidate, existing, uid) for uid in admins):
        return []
    if all(_locked_out(model, dataclasses.replace(candidate, grant=None), existing, uid) for uid in admins):
        return []  # already locked out without the candidate: not this policy's doing
    names = ", ".join(model.directory.label(u) for u in admins[:5])
    return [f"would lock out every active Global Administrator ({len(admins)}: {names}) once enabled"]


def closes_gap(snapshot: TenantSnapshot, config: AnalysisConfig | None, check_id: str, policy_json: Any) -> list[str]:
    """Problems with the claim that ``policy_json`` closes ``check_id``; empty when the check passes on a copy of
    the tenant where the policy is added as enabled."""
    check = CHECKS.get(check_id)
    if check is None:
        return [f"unknown check {check_id!r}"]
    if not isinstance(policy_json, Mapping):
        return ["policy must be a JSON object"]
    enabled = {**copy.deepcopy(dict(policy_json)), "id": _CANDIDATE_ID, "state": PolicyState.ENABLED.value}
    trial = dataclasses.replace(snapshot, conditional_access_policies=[*snapshot.conditional_access_policies, enabled])
    finding = check.evaluate(trial, config or AnalysisConfig())
    if finding.status is Status.PASS:
        return []
    return [f"{check_id} would still be {finding.status.value} with this policy enabled: {finding.summary}"]


def vetted_remediation(finding: Finding, snapshot: TenantSnapshot,
                       config: AnalysisConfig | None = None) -> tuple[JSON | None, list[str]]:
    """The remediation for a failing finding together with every reason not to offer it (lockout, structure,
    or not closing the gap); a policy is offered only when that list is empty."""
    if finding.check not in TEMPLATES:
        return None, [f"no remediation template for {finding.check}"]
    policy = build_policy(finding.check, snapshot, config)
    return policy, [*check_lockout(snapshot, config, policy), *closes_gap(snapshot, config, finding.check, policy)]
