"""Suggested policies that close a failing check, and the safety checks they must pass before anyone sees them.

Safety rule 3: every suggested policy is report-only, excludes the break-glass accounts and the Directory
Synchronization Accounts role, and is evaluated for lockout before it is emitted. ``validate_report_only_policy``
is deliberately independent of the tenant so a write guard can reuse it as a last line of defence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..graph.snapshot import TenantSnapshot
from .config import AnalysisConfig
from .coverage import ALL_PLATFORMS, TenantModel
from .evaluator import (
    ALL_RESOURCES, ANY_RESOURCE, Applicability, Outcome, SignInContext, evaluate, evaluate_policy, match_users,
)
from .findings import Finding, Status
from .policy import ClientApp, Control, Policy, PolicyState, parse_policy, parse_strengths
from .principals import DIRECTORY_SYNCHRONIZATION_ACCOUNTS

JSON = dict[str, Any]
REPORT_ONLY = PolicyState.REPORT_ONLY.value
_CANDIDATE_ID = "candidate-policy"
_LOCKOUT_CLIENTS = (ClientApp.BROWSER, ClientApp.MOBILE_DESKTOP)


@dataclass(frozen=True)
class Template:
    name: str
    client_app_types: tuple[str, ...]
    built_in_controls: tuple[str, ...]
    transfer_methods: str | None = None


TEMPLATES: dict[str, Template] = {
    "COV-01": Template("Require MFA for all users", ("all",), ("mfa",)),
    "COV-08": Template("Block legacy authentication", ("exchangeActiveSync", "other"), ("block",)),
    "COV-10": Template("Block device code flow", ("all",), ("block",), "deviceCodeFlow"),
}


def _policy_json(template: Template, prefix: str, break_glass: list[str]) -> JSON:
    conditions: JSON = {
        "users": {
            "includeUsers": ["All"], "excludeUsers": break_glass,
            "includeGroups": [], "excludeGroups": [],
            "includeRoles": [], "excludeRoles": [DIRECTORY_SYNCHRONIZATION_ACCOUNTS],
            "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None,
        },
        "applications": {
            "includeApplications": ["All"], "excludeApplications": [],
            "includeUserActions": [], "includeAuthenticationContextClassReferences": [],
        },
        "clientAppTypes": list(template.client_app_types),
        "signInRiskLevels": [],
        "userRiskLevels": [],
    }
    if template.transfer_methods:
        conditions["authenticationFlows"] = {"transferMethods": template.transfer_methods}
    return {
        "displayName": f"{prefix} - {template.name}",
        "state": REPORT_ONLY,
        "conditions": conditions,
        "grantControls": {
            "operator": "OR", "builtInControls": list(template.built_in_controls),
            "customAuthenticationFactors": [], "termsOfUse": [],
        },
        "sessionControls": None,
    }


def build_policy(check_id: str, snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> JSON:
    """The Graph ``conditionalAccessPolicy`` (no id) that closes ``check_id``, always report-only."""
    template = TEMPLATES.get(check_id)
    if template is None:
        known = ", ".join(sorted(TEMPLATES))
        raise UsageError(f"no remediation template for check {check_id!r}; checks with one: {known}")
    config = config or AnalysisConfig()
    model = TenantModel.build(snapshot, config)
    return _policy_json(template, config.policy_name_prefix, sorted(model.break_glass.ids))


def remediation_policy(snapshot: TenantSnapshot, config: AnalysisConfig | None, finding: Finding) -> JSON:
    """The policy that closes ``finding``'s check, whatever the finding's status (drafting is read-only)."""
    return build_policy(finding.check, snapshot, config)


def suggest_remediation(
    finding: Finding, snapshot: TenantSnapshot, config: AnalysisConfig | None = None
) -> JSON | None:
    if finding.status is not Status.FAIL or finding.check not in TEMPLATES:
        return None
    return build_policy(finding.check, snapshot, config)


def validate_report_only_policy(policy_json: Any) -> list[str]:
    """Structural rules for any policy we create; empty list means acceptable."""
    if not isinstance(policy_json, Mapping):
        return ["policy must be a JSON object"]
    problems = []
    if not isinstance(policy_json.get("displayName"), str) or not policy_json["displayName"].strip():
        problems.append("displayName must be a non-empty string")
    if policy_json.get("state") != REPORT_ONLY:
        problems.append(f"state must be {REPORT_ONLY!r} (report-only), got {policy_json.get('state')!r}")
    if "id" in policy_json:
        problems.append("policy must not carry an id: Graph assigns it on creation")
    conditions = policy_json.get("conditions")
    if not isinstance(conditions, Mapping):
        problems.append("conditions must be an object")
    else:
        for key in ("users", "applications"):
            if not isinstance(conditions.get(key), Mapping):
                problems.append(f"conditions.{key} must be an object")
        if ((conditions.get("applications") or {}).get("includeUserActions") or []):
            problems.append("report-only is not supported for user-action policies (includeUserActions)")
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
    for uid in sorted(model.sync_accounts):
        if match_users(candidate, uid, model.directory).matched:
            problems.append(f"does not exclude directory synchronization account {model.directory.label(uid)} ({uid})")
    return problems
