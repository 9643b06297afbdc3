"""Deterministic answers about the reviewer's decisions: who is meant ("Bob", "3", a UPN, a decision id), why the
agent recommends what it does, and who matches a question ("who has not signed in for 90 days?", "which
guests..."). No model: every answer is read from Graph's decision items and the agent's stored signals, and
names the signals and sources it rests on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from entra_agents.access_reviews.conversation_pending import RUN_HINT, Pending
from entra_agents.timestamps import graph_time

HELP = """Ask about your decisions, or decide:
  show recommendations            the list, with the agent's recommendation for each
  why deny Bob? / why 3           the agent's justification and the signals it rests on
  who has not signed in for 90 days?   also: which guests ..., who is disabled, who is recommended for deny,
                                  which are not decided (these combine: "which guests have not signed in ...")
  approve Bob / deny 3 because <reason>   record one decision (asks you to confirm first)
  decide <decision id> approve because <reason>
  accept all recommendations      record every Approve/Deny recommendation not yet decided (asks first)
  quit"""


def resolve(ref: str, items: list[Pending]) -> list[Pending]:
    """The decisions ``ref`` may mean: a list number, a decision id (or a prefix of 8+), a UPN, a name.

    An exact match wins over a partial one; several partial matches are all returned, for the caller to ask
    back which one was meant (never guessed).
    """
    ref = ref.strip().strip("?.!\"'").strip()
    if not ref:
        return []
    if ref.isdigit():
        return [i for i in items if i.number == int(ref)]
    low = ref.lower()
    for exact in (lambda i: i.decision_id.lower() == low, lambda i: i.upn.lower() == low,
                  lambda i: i.name.lower() == low):
        found = [i for i in items if exact(i)]
        if found:
            return found
    if len(low) >= 8:
        by_id = [i for i in items if i.decision_id.lower().startswith(low)]
        if by_id:
            return by_id
    words = low.split()
    return [i for i in items if all(_word_in(w, i) for w in words)]


def _word_in(word: str, item: Pending) -> bool:
    names = re.split(r"[\s.@_-]+", f"{item.name} {item.upn.split('@')[0]}".lower())
    return any(n.startswith(word) for n in names if n)


def ask_back(ref: str, candidates: list[Pending]) -> str:
    lines = [f'"{ref}" matches {len(candidates)} decisions; which one do you mean? Answer with its number:']
    return "\n".join([*lines, *(f"  {c.line()}" for c in candidates)])


def not_found(ref: str) -> str:
    return f'No decision of yours matches "{ref}". Say "show recommendations" for the list.'


def show(items: list[Pending], tenant: str) -> str:
    if not items:
        return "You have no decisions to make in in-progress access reviews."
    lines = [i.line() for i in items]
    missing = sum(1 for i in items if i.suggestion is None)
    if missing:
        lines.append(f"{missing} decision(s) have no recommendation yet; to get them: {RUN_HINT.format(tenant=tenant)}")
    return "\n".join(lines)


def why(item: Pending, asked: str | None, tenant: str) -> str:
    """The agent's recommendation for ``item`` with its justification and every signal, contributing or not.

    ``asked`` is the recommendation the question assumed ("why deny Bob?"); a different one is said plainly.
    """
    head = f"{item.name} in {item.resource}"
    if item.suggestion is None:
        return (f"The agent has no recommendation for {head} yet (decision {item.decision_id}). To get one: "
                f"{RUN_HINT.format(tenant=tenant)}")
    rec = item.recommendation or "NoInfoAvailable"
    lines = []
    if asked and asked.lower() != rec.lower():
        lines.append(f"The agent does not recommend {asked.capitalize()} for {head}: it recommends {rec}.")
    else:
        lines.append(f"The agent recommends {rec} for {head}.")
    lines.append(f"Justification: {item.justification or '(none stored)'}")
    lines.append("Signals it rests on:")
    lines += [f"  - {_signal_text(s)}" for s in item.signals] or ["  (none stored)"]
    if item.decided:
        lines.append(f"Already decided in Graph: {item.current} by {reviewed_by(item)}.")
    return "\n".join(lines)


def _signal_text(signal: dict[str, object]) -> str:
    value = "missing" if signal.get("missing") else _short(signal.get("value"))
    return (f"{signal.get('name')}: {value} (effect {signal.get('effect')}, weight {signal.get('weight')}; "
            f"source {signal.get('source')})")


def _short(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v is not None)
    return "none" if value is None else str(value)


def reviewed_by(item: Pending) -> str:
    by = item.decision.get("reviewedBy") or {}
    return str(by.get("userPrincipalName") or by.get("displayName") or by.get("id") or "unknown")


@dataclass(frozen=True)
class Question:
    """The filters a "who/which ..." question asks for; all of them must hold."""

    inactive_days: int | None = None
    guests: bool = False
    disabled: bool = False
    recommended: str | None = None
    undecided: bool = False

    @property
    def empty(self) -> bool:
        return self == Question()


_INACTIVE = re.compile(r"(?:not|n't|never)\s+(?:signed|logged)\s*in|inactive|no sign-?ins?", re.I)
_DAYS = re.compile(r"(\d+)\s*days?", re.I)
_RECOMMENDED = re.compile(r"recommend\w*\s+(?:for\s+|to\s+)?(approv\w*|den\w*|no\s*info\w*)", re.I)


def parse_question(text: str) -> Question:
    days = _DAYS.search(text)
    recommended = _RECOMMENDED.search(text)
    rec = None
    if recommended:
        word = recommended.group(1).lower()
        rec = "Approve" if word.startswith("approv") else "Deny" if word.startswith("den") else "NoInfoAvailable"
    inactive = _INACTIVE.search(text)
    return Question(
        inactive_days=(int(days.group(1)) if days else 30) if inactive else None,
        guests=bool(re.search(r"\bguests?\b|\bexternal", text, re.I)),
        disabled=bool(re.search(r"\bdisabled\b", text, re.I)),
        recommended=rec,
        undecided=bool(re.search(r"not (?:yet )?decided|undecided|pending", text, re.I)))


def answer(question: Question, items: list[Pending], now: datetime | None = None) -> str:
    """The decisions that match every filter, each with the facts that made it match and their sources;
    decisions whose facts are missing are listed apart, never counted in or out by guess."""
    now = now or datetime.now(UTC)
    matched: list[tuple[Pending, list[str]]] = []
    unknown: list[tuple[Pending, str]] = []
    for item in items:
        reasons, gap = _match(question, item, now)
        if gap:
            unknown.append((item, gap))
        elif reasons is not None:
            matched.append((item, reasons))
    lines = [f"{len(matched)} of your {len(items)} decisions match ({_describe(question)}):"]
    lines += [f"  {i.line()}\n      because {'; '.join(r)}" for i, r in matched]
    if unknown:
        lines.append(f"{len(unknown)} cannot be told, the data is missing:")
        lines += [f"  [{i.number}] {i.name}: {gap}" for i, gap in unknown]
    return "\n".join(lines)


def _match(q: Question, item: Pending, now: datetime) -> tuple[list[str] | None, str | None]:
    """(reasons it matches, or None if it does not), or a missing fact that keeps it from being told."""
    reasons: list[str] = []
    if q.recommended:
        if item.recommendation != q.recommended:
            return None, None
        reasons.append(f"the agent recommends {q.recommended} (stored access_decision suggestion)")
    if q.undecided:
        if item.decided:
            return None, None
        reasons.append("decision is NotReviewed in Graph")
    if q.guests or q.disabled:
        if item.user is None:
            return None, "userType/accountEnabled unknown (Graph gave no user for this principal)"
        if q.guests and item.user.get("userType") != "Guest":
            return None, None
        if q.disabled and item.user.get("accountEnabled") is not False:
            return None, None
        reasons += (["userType Guest (users/{id}.userType)"] if q.guests else []) + (
            ["accountEnabled false (users/{id}.accountEnabled)"] if q.disabled else [])
    if q.inactive_days is not None:
        signal = item.signal("lastSignIn")
        if signal is None or signal.get("missing"):
            return None, ("no sign-in data: no recommendation yet" if item.suggestion is None
                          else f"lastSignIn signal missing (source {signal.get('source') if signal else 'none'})")
        last = graph_time(signal.get("value"))
        cutoff = now - timedelta(days=q.inactive_days)
        if last is not None and last >= cutoff:
            return None, None
        seen = f"last sign-in {signal['value']}" if last is not None else "never signed in"
        reasons.append(f"{seen} (lastSignIn signal, source {signal.get('source')})")
    return reasons, None


def _describe(q: Question) -> str:
    parts = [p for p, on in (("guests", q.guests), ("disabled accounts", q.disabled),
                             (f"no sign-in for {q.inactive_days} days", q.inactive_days is not None),
                             (f"recommended {q.recommended}", bool(q.recommended)), ("not decided", q.undecided)) if on]
    return ", ".join(parts)

