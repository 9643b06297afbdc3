"""The status model: which action applies in which status, what it leaves, and the error when it does not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from entra_agents.suggestions.lifecycle import TransitionError, add_note, effective, transition

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _doc(status: str = "open", **extra: object) -> dict:
    return {"id": "abcdef12-0000", "status": status, **extra}


@pytest.mark.parametrize(("action", "start", "end"), [
    ("apply", "open", "applied"), ("apply", "reviewed", "applied"), ("apply", "snoozed", "applied"),
    ("enable", "applied", "applied"), ("dismiss", "snoozed", "dismissed"), ("snooze", "reviewed", "snoozed"),
    ("mark-reviewed", "open", "reviewed"), ("reopen", "dismissed", "open"), ("note", "applied", "applied"),
])
def test_allowed(action: str, start: str, end: str) -> None:
    doc = transition(_doc(start), action, by="alice", at=AT, detail="d")
    assert doc["status"] == end
    assert doc["history"] == [{"action": action, "at": "2026-03-01T12:00:00Z", "by": "alice", "detail": "d"}]


@pytest.mark.parametrize(("action", "start", "fix"), [
    ("apply", "dismissed", "reopen it first: `entra-agents suggestions reopen abcdef12`"),
    ("enable", "open", "apply it first"),
    ("dismiss", "applied", "change or delete the policy in the tenant"),
    ("reopen", "applied", "change or delete the policy in the tenant"),
    ("snooze", "applied", "it was already applied"),
])
def test_refused_with_the_fix(action: str, start: str, fix: str) -> None:
    with pytest.raises(TransitionError, match=f"suggestion abcdef12-0000 is {start}; cannot {action} it") as err:
        transition(_doc(start), action, by="alice", at=AT)
    assert fix in str(err.value)


def test_leaving_a_snooze_drops_its_date() -> None:
    doc = transition(_doc("snoozed", snoozedUntil="2026-04-01T00:00:00Z"), "mark-reviewed", by="a", at=AT)
    assert "snoozedUntil" not in doc


def test_effective_leaves_unexpired_and_other_statuses_alone() -> None:
    snoozed = _doc("snoozed", snoozedUntil="2026-04-01T00:00:00Z")
    assert effective(snoozed, AT) is snoozed
    assert effective(_doc("dismissed"), datetime(2030, 1, 1, tzinfo=UTC))["status"] == "dismissed"


def test_empty_note_is_refused() -> None:
    with pytest.raises(Exception, match="the note is empty"):
        add_note(_doc(), "  ", by="a", at=AT)
