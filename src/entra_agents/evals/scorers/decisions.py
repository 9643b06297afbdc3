"""Access review recommendations against ground truth (issue 7): one recommendation with a justification for every
in-scope decision, and the same recommendation the truth gives.

The truth is the generator manifest's ``expectedAccessDecisions`` (worked out from what the generator planted);
the run's answers are its ``access_decision`` suggestions, one per decision item (``changes[0].decisionId``).
"""

from __future__ import annotations

from entra_agents.evals.model import JSON, Outcome, Score

SHOWN = 5  # decisions named in a reason


class DecisionsScorer:
    name = "decisions"

    def score(self, case: JSON, outcome: Outcome) -> list[Score]:
        truth = (case.get("truth") or {}).get("accessDecisions")
        if truth is None:
            return []
        expected = {t["decisionId"]: t["recommendation"] for t in truth}
        made: dict[str, tuple[str, str]] = {}
        for s in outcome.suggestions:
            if s.get("kind") == "access_decision" and s.get("changes"):
                change = s["changes"][0]
                made[str(change.get("decisionId"))] = (str(change.get("recommendation")), str(s.get("rationale") or ""))
        agree = [d for d, rec in expected.items() if d in made and made[d][0] == rec]
        wrong = [f"{d}: {made[d][0]}, expected {rec}" for d, rec in expected.items() if d in made and made[d][0] != rec]
        missing = sorted(set(expected) - set(made))
        extra = sorted(set(made) - set(expected))
        unjustified = sorted(d for d, (_, why) in made.items() if not why.strip())
        total = len(expected) or 1
        agreement = len(agree) / total
        problems = [f"{len(wrong)} differ ({'; '.join(wrong[:SHOWN])})" if wrong else "",
                    f"{len(missing)} decisions without a recommendation ({', '.join(missing[:SHOWN])})" if missing else "",
                    f"{len(extra)} recommendations for decisions out of scope ({', '.join(extra[:SHOWN])})"
                    if extra else ""]
        reason = "; ".join(p for p in problems if p) or f"all {len(expected)} recommendations agree"
        return [
            Score(self.name, "agreement", agreement, agreement == 1.0 and not extra, reason,
                  {"expected": len(expected), "agree": len(agree), "wrong": wrong, "missing": missing, "extra": extra}),
            Score(self.name, "justified", 1.0 - len(unjustified) / max(len(made), 1), not unjustified,
                  f"{len(unjustified)} recommendations without a justification" if unjustified
                  else "every recommendation has a justification", {"unjustified": unjustified}),
        ]
