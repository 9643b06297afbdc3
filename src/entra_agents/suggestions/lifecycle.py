"""What administrators do with a suggestion: its status, the allowed transitions, and the history they leave.

Statuses: ``open`` (new, or back from a snooze or a reopen), ``reviewed`` (an administrator looked at it and
left it actionable), ``snoozed`` (hidden until ``snoozedUntil``), ``dismissed`` (with a reason), ``applied``
(written to the tenant by an administrator; ``enable`` later turns a report-only policy on and leaves it applied).

Every action appends ``{"action", "at", "by", "detail"}`` to ``history`` (``at`` is ISO 8601 UTC; ``by`` names who
acted, labelled with how we know: a signed-in user's UPN, or the local OS user). Notes are kept in ``notes`` as
``{"text", "by", "at"}`` and also leave a history entry.

A snooze ends on read, not by a background job: :func:`effective` shows a suggestion whose date has passed as
``open``, with a ``snooze-ended`` history entry dated when the snooze ended. The stored row keeps its
fingerprint either way, so an agent run still sees the suggestion as known and never suggests it again.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from entra_agents.errors import UsageError

JSON = dict[str, Any]
SYSTEM = "entra-agents"  # `by` of entries nobody typed (a snooze that ended)


class Status(StrEnum):
    OPEN = "open"
    REVIEWED = "reviewed"
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"
    APPLIED = "applied"


# action -> statuses it may start from
_FROM: dict[str, frozenset[Status]] = {
    "apply": frozenset({Status.OPEN, Status.REVIEWED, Status.SNOOZED}),
    "enable": frozenset({Status.APPLIED}),
    "dismiss": frozenset({Status.OPEN, Status.REVIEWED, Status.SNOOZED}),
    "snooze": frozenset({Status.OPEN, Status.REVIEWED, Status.SNOOZED}),
    "mark-reviewed": frozenset({Status.OPEN, Status.SNOOZED}),
    "reopen": frozenset({Status.REVIEWED, Status.SNOOZED, Status.DISMISSED}),
    "note": frozenset(Status),
}
# action -> the status it leaves (None: unchanged)
_TO: dict[str, Status | None] = {
    "apply": Status.APPLIED, "enable": None, "dismiss": Status.DISMISSED, "snooze": Status.SNOOZED,
    "mark-reviewed": Status.REVIEWED, "reopen": Status.OPEN, "note": None,
}


class TransitionError(UsageError):
    """The action does not apply to a suggestion in its current status."""


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def effective(doc: JSON, now: datetime) -> JSON:
    """``doc`` as of ``now``: a snooze whose date has passed is over (see the module docstring)."""
    until = doc.get("snoozedUntil")
    if doc.get("status") != Status.SNOOZED or not until or parse_iso(until) > now:
        return doc
    doc = {k: v for k, v in doc.items() if k != "snoozedUntil"}
    doc["status"] = Status.OPEN.value
    doc["history"] = [*doc.get("history", []), {"action": "snooze-ended", "at": until, "by": SYSTEM,
                                                 "detail": "the snooze ended; the suggestion is open again"}]
    return doc


def transition(doc: JSON, action: str, *, by: str, at: datetime, detail: str = "", **fields: Any) -> JSON:
    """A copy of ``doc`` after ``action``: new status, ``fields`` set, one history entry appended.

    Raises :class:`TransitionError` naming the suggestion, its status and what to do instead."""
    check_allowed(doc, action)
    result = copy.deepcopy(doc)
    result.update(fields)
    target = _TO[action]
    if target is not None:
        result["status"] = target.value
    if target is not Status.SNOOZED:
        result.pop("snoozedUntil", None)
    result["history"] = [*doc.get("history", []), {"action": action, "at": iso(at), "by": by, "detail": detail}]
    return result


def check_allowed(doc: JSON, action: str) -> None:
    """:class:`TransitionError` unless ``action`` applies to ``doc`` now (checked again when it is recorded)."""
    try:
        status = Status(doc.get("status", Status.OPEN))
    except ValueError:
        raise TransitionError(f"suggestion {doc['id']} has status {doc.get('status')!r}, which no action "
                              "accepts; it was written by a newer or foreign tool") from None
    if status not in _FROM[action]:
        raise TransitionError(f"suggestion {doc['id']} is {status.value}; cannot {action} it: "
                              f"{_fix(action, status, doc['id'])}")


def add_note(doc: JSON, text: str, *, by: str, at: datetime) -> JSON:
    text = text.strip()
    if not text:
        raise UsageError(f"suggestion {doc['id']}: the note is empty; write what other administrators should know")
    result = transition(doc, "note", by=by, at=at, detail=text)
    result["notes"] = [*doc.get("notes", []), {"text": text, "by": by, "at": iso(at)}]
    return result


def _fix(action: str, status: Status, sid: str) -> str:
    short = sid[:8]
    if status is Status.APPLIED:
        if action == "reopen" or action == "dismiss":
            return ("it was already written to the tenant; to undo it, change or delete the policy in the tenant "
                    "(Entra admin center > Conditional Access)")
        return "it was already applied; see `entra-agents suggestions show " + short + "`"
    if status is Status.DISMISSED:
        return f"reopen it first: `entra-agents suggestions reopen {short}`"
    if action == "enable":
        return f"apply it first: `entra-agents suggestions apply {short} --tenant T`"
    if action == "mark-reviewed" and status is Status.REVIEWED:
        return "it is already marked as reviewed"
    if action == "reopen" and status is Status.OPEN:
        return "it is already open"
    return f"see `entra-agents suggestions show {short}`"
