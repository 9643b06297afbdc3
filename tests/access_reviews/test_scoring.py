"""The scoring table (access_reviews.scoring): each rule, decided by signals alone."""

from __future__ import annotations

import pytest

from entra_agents.access_reviews.insights import Signal, _signal
from entra_agents.access_reviews.scoring import WEIGHTS, recommend


def signals(**outcomes: str) -> list[Signal]:
    return [_signal(name, outcome, None, "test") for name, outcome in outcomes.items()]


@pytest.mark.parametrize(("outcomes", "expected"), [
    ({"accountEnabled": "disabled", "lastSignIn": "recent", "peerAffiliation": "high"}, "Deny"),
    ({"employeeLeaveDateTime": "leaving", "lastSignIn": "recent"}, "Deny"),
    ({"accountEnabled": "disabled", "lastSignIn": "missing"}, "Deny"),  # decisive beats missing
    ({"lastSignIn": "missing", "peerAffiliation": "high", "previousDecision": "approve"}, "NoInfoAvailable"),
    ({"lastSignIn": "stale", "peerAffiliation": "high", "previousDecision": "approve"}, "Deny"),  # 60 >= 60
    ({"lastSignIn": "never"}, "Deny"),
    ({"lastSignIn": "recent"}, "Approve"),
    ({"lastSignIn": "recent", "peerAffiliation": "low"}, "NoInfoAvailable"),  # 40 vs 40: a tie
    ({"lastSignIn": "recent", "peerAffiliation": "low", "previousDecision": "approve"}, "Approve"),
    ({"lastSignIn": "recent", "peerAffiliation": "low", "moverEvent": "moved"}, "Deny"),  # 70 >= 60
    ({"lastSignIn": "recent", "previousDecision": "deny"}, "Approve"),  # 40 > 30
    ({"lastSignIn": "recent", "moverEvent": "moved", "guestInviter": "gone"}, "Deny"),  # 50 > 40
    ({"lastSignIn": "recent", "accessRequest": "requested", "moverEvent": "moved"}, "Approve"),
    ({"lastSignIn": "recent", "peerAffiliation": "missing", "moverEvent": "missing"}, "Approve"),
])
def test_table(outcomes: dict[str, str], expected: str) -> None:
    assert recommend(signals(**outcomes))[0] == expected


def test_missing_signals_weigh_nothing_and_are_listed_as_contributing() -> None:
    found = signals(lastSignIn="recent", moverEvent="missing", accountEnabled="enabled")
    result, contributing = recommend(found)
    assert result == "Approve"
    assert [(s.name, s.missing, s.weight) for s in contributing] == [("lastSignIn", False, 40),
                                                                      ("moverEvent", True, 0)]


def test_every_missing_outcome_weighs_zero() -> None:
    assert all(weight == 0 and effect == "none" for (_, outcome), (effect, weight) in WEIGHTS.items()
               if outcome == "missing")


def test_unknown_outcome_fails_loudly() -> None:
    with pytest.raises(KeyError):
        _signal("lastSignIn", "probably", None, "test")
