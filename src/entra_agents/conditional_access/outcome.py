"""Rendering a combined outcome: required controls with strengths resolved, controls the client cannot
satisfy, merged session controls, and a one-line verdict (peers §1.2, §1.6, §1.7).

Kept apart from ``evaluator`` so the coverage engine's hot path (``Outcome.from_policies``) stays lean: this
module is only used when a person or a report reads one evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .context import DeviceContext, SignInContext
from .evaluator import Evaluation, Outcome, Requirement, unsatisfiable_reason
from .policy import AuthStrength, Control, Policy

JSON = dict[str, Any]

# The order Entra prompts grant controls in (peers §1.2), so text output reads like the sign-in experience.
_PROMPT_ORDER = ("mfa", "authenticationStrength", "compliantDevice", "domainJoinedDevice", "approvedApplication",
                 "compliantApplication", "passwordChange", "riskRemediation", "termsOfUse",
                 "customAuthenticationFactor")


def _order(control: Control) -> tuple[int, str]:
    rank = _PROMPT_ORDER.index(control.name) if control.name in _PROMPT_ORDER else len(_PROMPT_ORDER)
    return rank, control.label()


def requirement_label(requirement: Requirement) -> str:
    """``"compliantDevice OR mfa"``; each AND option as ``"a AND b"``. Sorted, so tests can compare text."""
    options = sorted(" AND ".join(sorted(c.label() for c in option)) for option in requirement.options)
    return " OR ".join(options)


def verdict(outcome: Outcome, undecided: Sequence[Policy] = ()) -> str | list[str]:
    """``"block"``, ``"notEnoughInformation"`` (a policy that may apply could change it), or the sorted
    requirement labels (empty: nothing required)."""
    if outcome.blocked:
        return "block"
    if undecided:
        return "notEnoughInformation"
    return sorted(requirement_label(r) for r in outcome.requirements)


def _strength_json(strength: AuthStrength) -> JSON:
    return {"id": strength.id, "displayName": strength.display_name,
            "allowedCombinations": sorted(strength.combinations), "multiFactor": strength.is_mfa,
            "resolved": strength.resolved}


def device_reason(control: Control, device: DeviceContext | None) -> str | None:
    """Why the known device cannot satisfy a device-state control; None when it can or the device is unknown."""
    if device is None or control.name not in ("compliantDevice", "domainJoinedDevice"):
        return None
    if not device.registered:
        return f"an unregistered device cannot satisfy {control.name}"
    if control.name == "compliantDevice" and device.get("isCompliant") is False:
        return "the device is not compliant"
    trust = device.get("trustType")
    if control.name == "domainJoinedDevice" and trust is not None and str(trust).lower() != "serverad":
        return f"the device is not hybrid joined (trustType {trust})"
    return None


def _requirement_json(requirement: Requirement, policy: Policy | None, ctx: SignInContext) -> JSON:
    options = [[c.label() for c in sorted(o, key=_order)] for o in requirement.options]
    controls = {c for o in requirement.options for c in o}
    unsatisfiable = [
        {"control": c.label(), "reason": reason}
        for c in sorted(controls, key=_order)
        if (reason := unsatisfiable_reason(c, ctx.client_app, ctx.auth_flow))
    ]
    # Only a device we know about can rule a control out; reported apart from the client's limits.
    device_blocked = [{"control": c.label(), "reason": reason} for c in sorted(controls, key=_order)
                      if (reason := device_reason(c, ctx.device))]
    by_device = {d["control"] for d in device_blocked} | {u["control"] for u in unsatisfiable}
    return {
        "policy": requirement.policy_id,
        "displayName": policy.display_name if policy else "",
        "operator": policy.grant.operator.value if policy and policy.grant else "AND",
        "options": options,
        "label": requirement_label(requirement),
        "satisfiable": bool(requirement.satisfiable(ctx.client_app, ctx.auth_flow)),
        "unsatisfiable": unsatisfiable,
        "deviceCannotSatisfy": device_blocked,
        "satisfiableOnThisDevice": any(not {c.label() for c in o} & by_device for o in requirement.options),
        "authenticationStrengths": [_strength_json(s) for s in (policy.strengths if policy else ())],
        "multiFactor": all(any(c.provides_mfa for c in o) for o in requirement.options),
    }


def _hours(frequency: Mapping[str, Any]) -> float:
    value = float(frequency.get("value") or 0)
    return value * 24 if str(frequency.get("type", "")).lower() == "days" else value


def merge_session(policies: Iterable[Policy]) -> JSON:
    """The strictest of each session control over the applying policies, with the policies that set it."""
    merged: JSON = {}
    sif: tuple[float, str, JSON] | None = None
    modes: dict[str, list[str]] = {}
    cae: dict[str, list[str]] = {}
    flags: dict[str, list[str]] = {}
    mcas: dict[str, list[str]] = {}
    for policy in policies:
        session = policy.session_controls or {}
        frequency = session.get("signInFrequency") or {}
        if frequency.get("isEnabled"):
            every = str(frequency.get("frequencyInterval", "")).lower() == "everytime"
            hours = 0.0 if every else _hours(frequency)
            if sif is None or hours < sif[0]:
                sif = (hours, policy.id, frequency)
        browser = session.get("persistentBrowser") or {}
        if browser.get("isEnabled"):
            modes.setdefault(str(browser.get("mode")), []).append(policy.id)
        mode = (session.get("continuousAccessEvaluation") or {}).get("mode")
        if mode:
            cae.setdefault(str(mode), []).append(policy.id)
        cas = session.get("cloudAppSecurity") or {}
        if cas.get("isEnabled"):
            mcas.setdefault(str(cas.get("cloudAppSecurityType")), []).append(policy.id)
        for name, enabled in (
            ("applicationEnforcedRestrictions", (session.get("applicationEnforcedRestrictions") or {}).get("isEnabled")),
            ("tokenProtection", (session.get("secureSignInSession") or {}).get("isEnabled")),
            ("disableResilienceDefaults", session.get("disableResilienceDefaults")),
        ):
            if enabled:
                flags.setdefault(name, []).append(policy.id)
    if sif is not None:
        hours, pid, raw = sif
        every = hours == 0.0 and str(raw.get("frequencyInterval", "")).lower() == "everytime"
        merged["signInFrequency"] = ({"frequencyInterval": "everyTime", "policy": pid} if every else
                                     {"value": raw.get("value"), "type": raw.get("type"), "hours": hours,
                                      "policy": pid})
    if modes:
        strictest = "never" if "never" in modes else min(modes)  # "never persist" is the stricter one
        merged["persistentBrowser"] = {"mode": strictest, "policies": modes[strictest]}
    if cae:
        strict = [m for m in cae if m != "disabled"]
        chosen = min(strict) if strict else "disabled"
        merged["continuousAccessEvaluation"] = {"mode": chosen, "policies": cae[chosen]}
    if mcas:
        merged["cloudAppSecurity"] = {"types": sorted(mcas), "policies": sorted({p for v in mcas.values() for p in v})}
    for name, pids in flags.items():
        merged[name] = {"isEnabled": True, "policies": pids}
    return merged


def outcome_json(outcome: Outcome, policies: Mapping[str, Policy], ctx: SignInContext,
                 undecided: Sequence[Policy] = ()) -> JSON:
    requirements = [_requirement_json(r, policies.get(r.policy_id), ctx) for r in outcome.requirements]
    why = [f"blocked by policy {pid}" for pid in outcome.blocking]
    why += [f"policy {r['policy']}: " + "; ".join(u["reason"] for u in r["unsatisfiable"])
            for r in requirements if not r["satisfiable"]]
    return {
        "policies": list(outcome.applied),
        "verdict": verdict(outcome, undecided),
        "blocked": outcome.blocked,
        "blockedBy": list(outcome.blocking),
        "effectivelyBlocked": outcome.effectively_blocked(ctx.client_app, ctx.auth_flow),
        "effectivelyBlockedBecause": why,
        # Known device state that no option of some requirement can get past (the user would be refused here).
        "blockedOnThisDevice": outcome.blocked or not all(r["satisfiableOnThisDevice"] for r in requirements),
        "guaranteesMfa": outcome.guarantees_mfa(ctx.client_app, ctx.auth_flow),
        "requirements": requirements,
        "sessionControls": merge_session(policies[pid] for pid in outcome.applied if pid in policies),
        "notEnoughInformation": [p.id for p in undecided],
    }


def evaluation_json(evaluation: Evaluation) -> JSON:
    """What-If shaped: one entry per policy (``whatIfAnalysisResult``) plus enforced and report-only outcomes."""
    by_id = {r.policy.id: r.policy for r in evaluation.results}
    ctx = evaluation.context
    enforced_undecided = evaluation.undecided()
    report_undecided = evaluation.undecided(report_only=True)
    # Entra does not support report-only on user-action policies (peers §1.1, trap 23): say so where it matters.
    notes = [
        f"policy {p.id} ({p.display_name}) targets user actions in report-only mode, which Entra does not "
        "support: it is not evaluated as shown and protects nothing"
        for p in evaluation.applying(report_only=True) if p.conditions.applications.user_actions
    ]
    return {
        "signIn": ctx.describe(),
        "notes": notes,
        "policies": [r.to_json() for r in evaluation.results],
        "outcome": {
            "enforced": outcome_json(evaluation.enforced, by_id, ctx, enforced_undecided),
            "reportOnly": outcome_json(evaluation.report_only, by_id, ctx, report_undecided),
            "ifReportOnlyEnabled": outcome_json(evaluation.if_report_only_enabled, by_id, ctx,
                                                (*enforced_undecided, *report_undecided)),
        },
    }
