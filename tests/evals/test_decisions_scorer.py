"""The access review scorer on hand-made outcomes: agreement, missing, extra and unjustified recommendations."""

from __future__ import annotations

from entra_agents.evals.model import Outcome
from entra_agents.evals.scorers.decisions import DecisionsScorer

TRUTH = [{"decisionId": "d1", "recommendation": "Approve"}, {"decisionId": "d2", "recommendation": "Deny"},
         {"decisionId": "d3", "recommendation": "NoInfoAvailable"}]


def made(decision: str, recommendation: str, rationale: str = "Signed in 3 days ago; peers share the group.") -> dict:
    return {"kind": "access_decision", "rationale": rationale,
            "changes": [{"op": "recordDecision", "decisionId": decision, "recommendation": recommendation}]}


def scores(*suggestions: dict) -> dict:
    case = {"truth": {"accessDecisions": TRUTH}}
    return {s.metric: s for s in DecisionsScorer().score(case, Outcome(suggestions=list(suggestions)))}


def test_full_agreement() -> None:
    got = scores(made("d1", "Approve"), made("d2", "Deny"), made("d3", "NoInfoAvailable"))
    assert got["agreement"].value == 1.0 and got["agreement"].passed and got["justified"].passed


def test_a_wrong_a_missing_and_an_extra_recommendation_are_named() -> None:
    got = scores(made("d1", "Deny"), made("d2", "Deny"), made("d9", "Approve"))
    agreement = got["agreement"]
    assert agreement.value == 1 / 3 and not agreement.passed
    assert "d1: Deny, expected Approve" in agreement.reason and "d3" in agreement.reason and "d9" in agreement.reason


def test_a_recommendation_without_a_justification_fails() -> None:
    got = scores(made("d1", "Approve", rationale=" "), made("d2", "Deny"), made("d3", "NoInfoAvailable"))
    assert got["agreement"].passed and not got["justified"].passed and "1 recommendations" in got["justified"].reason


def test_no_truth_no_scores() -> None:
    assert DecisionsScorer().score({"truth": {}}, Outcome()) == []
