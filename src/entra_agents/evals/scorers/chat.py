"""The chat scorer: did a question reach the skills it needs, and does the answer state the facts it must?"""

from __future__ import annotations

from entra_agents.evals.model import JSON, Outcome, Score


class ChatScorer:
    name = "chat"

    def score(self, case: JSON, outcome: Outcome) -> list[Score]:
        from entra_agents.chat.evaluate import chat_verdict

        verdict = chat_verdict(case, outcome)
        problems = []
        if verdict["error"]:
            problems.append(f"the turn failed: {verdict['error']}")
        expected = list((case.get("expect") or {}).get("tools") or [])
        if verdict["called"] != expected:
            problems.append(f"called {verdict['called'] or 'no skill'}, expected {expected}")
        if verdict["missingFacts"]:
            problems.append(f"the answer does not state {verdict['missingFacts']}")
        reason = "; ".join(problems) or f"reached {expected} and stated every expected fact"
        return [Score("chat", "passed", 1.0 if verdict["passed"] else 0.0, verdict["passed"], reason,
                      {"called": verdict["called"], "missingFacts": verdict["missingFacts"]})]
