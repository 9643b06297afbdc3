"""The deterministic recommendation: a fixed table of signal outcomes, each with an effect and a weight.

=====================  ===============================================================  ========  ======
signal                 outcome                                                          effect    weight
=====================  ===============================================================  ========  ======
accountEnabled         disabled                                                         deny      100 *
employeeLeaveDateTime  leaving: leave date on or before the instance ends               deny      100 *
lastSignIn             recent: interactive or non-interactive sign-in in the look-back  approve   40
                       window (definition's recommendationLookBackDuration, 30 days)
                       before the instance started
lastSignIn             stale (older) or never signed in                                 deny      60
peerAffiliation        low: Graph membership outlier, or our peer score below 0.10      deny      40
peerAffiliation        high: Graph computed outliers and this member is none, or our    approve   20
                       peer score 0.50 or more
previousDecision       Deny in the latest earlier instance of this review               deny      30
previousDecision       Approve in the latest earlier instance                           approve   20
moverEvent             a mover lifecycle workflow completed for the user in the 30      deny      30
                       days before the instance started
accessRequest          access package reviews: the user's own request was delivered     approve   20
guestInviter           the guest's inviter is disabled, left or deleted                 deny      20
=====================  ===============================================================  ========  ======

Every other outcome (enabled, no leave date, medium affiliation, no earlier decision, no mover event, an
administrator's assignment, inviter present) has effect none and weight 0; so has every missing signal.

Rules, in order:

1. a decisive signal (*) -> **Deny**;
2. ``lastSignIn`` missing -> **NoInfoAvailable** (activity is the base signal; without it we do not guess);
3. deny weight 60 or more, or more deny than approve weight -> **Deny**;
4. more approve than deny weight -> **Approve**;
5. otherwise (a tie: e.g. recent sign-in but a membership outlier) -> **NoInfoAvailable**.

The contributing signals are those with a non-zero weight (plus missing ones, which a reviewer should know
about). The model never changes the result: it only writes the justification.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from entra_agents.access_reviews.insights import Signal

Recommendation = Literal["Approve", "Deny", "NoInfoAvailable"]
DECISIVE = 100
DENY_THRESHOLD = 60
_NONE = ("none", 0)

# (signal, outcome) -> (effect, weight); every outcome a signal can have is listed, so a typo fails loudly
WEIGHTS: dict[tuple[str, str], tuple[str, int]] = {
    ("accountEnabled", "disabled"): ("deny", DECISIVE), ("accountEnabled", "enabled"): _NONE,
    ("accountEnabled", "missing"): _NONE,
    ("employeeLeaveDateTime", "leaving"): ("deny", DECISIVE), ("employeeLeaveDateTime", "later"): _NONE,
    ("employeeLeaveDateTime", "none"): _NONE, ("employeeLeaveDateTime", "missing"): _NONE,
    ("lastSignIn", "recent"): ("approve", 40), ("lastSignIn", "stale"): ("deny", 60),
    ("lastSignIn", "never"): ("deny", 60), ("lastSignIn", "missing"): _NONE,
    ("peerAffiliation", "low"): ("deny", 40), ("peerAffiliation", "high"): ("approve", 20),
    ("peerAffiliation", "medium"): _NONE, ("peerAffiliation", "missing"): _NONE,
    ("previousDecision", "deny"): ("deny", 30), ("previousDecision", "approve"): ("approve", 20),
    ("previousDecision", "none"): _NONE,
    ("moverEvent", "moved"): ("deny", 30), ("moverEvent", "none"): _NONE, ("moverEvent", "missing"): _NONE,
    ("accessRequest", "requested"): ("approve", 20), ("accessRequest", "assigned"): _NONE,
    ("accessRequest", "none"): _NONE, ("accessRequest", "missing"): _NONE,
    ("guestInviter", "gone"): ("deny", 20), ("guestInviter", "present"): _NONE,
    ("guestInviter", "missing"): _NONE,
}


def recommend(signals: Sequence[Signal]) -> tuple[Recommendation, list[Signal]]:
    """The recommendation and the signals that contributed to it (see the table above)."""
    contributing = [s for s in signals if s.weight or s.missing]
    if any(s.effect == "deny" and s.weight >= DECISIVE for s in signals):
        return "Deny", contributing
    if any(s.name == "lastSignIn" and s.missing for s in signals):
        return "NoInfoAvailable", contributing
    deny = sum(s.weight for s in signals if s.effect == "deny")
    approve = sum(s.weight for s in signals if s.effect == "approve")
    if deny >= DENY_THRESHOLD or deny > approve:
        return "Deny", contributing
    if approve > deny:
        return "Approve", contributing
    return "NoInfoAvailable", contributing
