"""The offline justification: one or two plain sentences from the contributing signals, and nothing else.

A language model writes its own from the same signals (prompts/access_review_justify.yaml); this template is
what the offline model submits, and the fallback the engine documents. It never quotes tenant free text.
"""

from __future__ import annotations

from typing import Any

from entra_agents.access_reviews.insights import Signal

_PHRASES: dict[tuple[str, str], str] = {
    ("accountEnabled", "deny"): "the account is disabled",
    ("employeeLeaveDateTime", "deny"): "employment ends on {date} (employeeLeaveDateTime), before this review closes",
    ("lastSignIn", "approve"): "signed in on {date}, within the review's look-back window",
    ("lastSignIn", "deny"): "no sign-in within the review's look-back window (last: {date})",
    ("peerAffiliation", "deny"): "low affiliation with the others who hold this access ({detail})",
    ("peerAffiliation", "approve"): "well affiliated with the others who hold this access ({detail})",
    ("previousDecision", "deny"): "denied in the previous review",
    ("previousDecision", "approve"): "approved in the previous review",
    ("moverEvent", "deny"): "changed role recently (mover workflow completed {date})",
    ("accessRequest", "approve"): "requested this access package and the request was delivered",
    ("guestInviter", "deny"): "the guest's inviter ({who}) is no longer active",
}
_MISSING = {
    "lastSignIn": "sign-in activity is not available",
    "peerAffiliation": "peer affiliation could not be assessed",
    "employeeLeaveDateTime": "the leave date could not be read",
    "moverEvent": "lifecycle workflow history could not be read",
    "accessRequest": "access request history could not be read",
    "guestInviter": "who invited the guest is not known (invitations are audited for 30 days)",
    "accountEnabled": "the account state is not known",
}
_LEAD = {"Approve": "Recommend approve", "Deny": "Recommend deny", "NoInfoAvailable": "No recommendation"}


def _detail(signal: Signal) -> str:
    value = signal.value
    if isinstance(value, dict) and "score" in value:
        return f"peer score {value['score']:.2f} over {value['peers']} peers"
    return str(value or "Graph insight")


def _phrase(signal: Signal) -> str:
    template = _PHRASES.get((signal.name, signal.effect), "")
    value: Any = signal.value
    date = (value.get("completedDateTime") if isinstance(value, dict) else value) or "never"
    who = value.get("userPrincipalName") if isinstance(value, dict) else ""
    return template.format(date=str(date)[:10] if date != "never" else "never", detail=_detail(signal), who=who)


def draft(recommendation: str, signals: list[Signal]) -> str:
    """E.g. 'Recommend deny: no sign-in within the review's look-back window (last: 2025-09-02); denied in the
    previous review. Not available: peer affiliation could not be assessed.'"""
    weighed = sorted((s for s in signals if s.weight), key=lambda s: -s.weight)
    reasons = "; ".join(p for p in (_phrase(s) for s in weighed) if p) or "no signal points either way"
    text = f"{_LEAD.get(recommendation, recommendation)}: {reasons}."
    missing = [_MISSING[s.name] for s in signals if s.missing and s.name in _MISSING]
    if missing:
        text += " Not available: " + "; ".join(missing) + "."
    return text[0].upper() + text[1:]
