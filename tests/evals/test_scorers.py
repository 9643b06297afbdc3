"""Scorers on hand-made outcomes: the arithmetic, and what each one catches."""

from __future__ import annotations

import json
from typing import Any

from entra_agents.evals.model import Outcome
from entra_agents.evals.scorers import aggregate, get_scorer
from entra_agents.graph.snapshot import TenantSnapshot

A, B, C, D = (f"00000000-0000-4000-8000-00000000000{n}" for n in range(1, 5))


def finding(check: str, status: str, users: list[str]) -> dict[str, Any]:
    return {"check": check, "status": status, "summary": "s", "affected": {"users": users, "policies": ["p"]}}


def truth(**findings: Any) -> dict[str, Any]:
    return {"truth": {"findings": findings}}


def by_metric(scores: list[Any]) -> dict[str, Any]:
    return {s.metric: s for s in scores}


def test_findings_precision_and_recall_per_check_over_vouched_kinds() -> None:
    scorer = get_scorer("findings")
    case = truth(**{"COV-01": {"status": "fail", "affected": {"users": [A, B, C]}},
                    "COV-08": {"status": "pass", "affected": {"users": []}},
                    "COV-10": {"status": "pass", "affected": {"users": []}}})
    # one expected user missed, one extra reported; the policies kind is not vouched for, so never counted
    outcome = Outcome(findings=[finding("COV-01", "fail", [A.upper(), B, D]), finding("COV-08", "pass", []),
                                finding("COV-10", "error", [])])
    scores = by_metric(scorer.score(case, outcome))
    assert scores["precision:COV-01"].value == 2 / 3 and scores["recall:COV-01"].value == 2 / 3
    assert scores["precision:COV-01"].details["extra"] == {"users": [D]}
    assert "1 of 3 expected objects not reported (users " + C in scores["recall:COV-01"].reason
    # expected pass with nothing affected: correct exactly when it passes
    assert scores["precision:COV-08"].value == 1.0 and scores["recall:COV-08"].passed
    assert scores["status:COV-10"].value == 0.0 and scores["recall:COV-10"].value == 0.0
    assert "COV-10 is error, expected pass" in scores["status:COV-10"].reason

    second = by_metric(scorer.score(case, Outcome(findings=[finding("COV-01", "fail", [A, B, C]),
                                                            finding("COV-08", "pass", []),
                                                            finding("COV-10", "pass", [])])))
    totals = aggregate(scorer, [*scores.values(), *second.values()])
    # micro-averaged over both cases: COV-01 has 5 true positives, 1 false positive, 1 false negative
    assert totals["findings.precision:COV-01"] == round(5 / 6, 6) and totals["findings.recall:COV-01"] == round(5 / 6, 6)
    assert totals["findings.precision:COV-08"] == 1.0
    assert totals["findings.recall:COV-10"] == 0.0  # nothing to count, and one case disagreed on status
    assert totals["findings.status"] == round(5 / 6, 6)


def test_findings_for_a_missing_check_and_a_failed_run() -> None:
    scorer = get_scorer("findings")
    case = truth(**{"COV-01": {"status": "fail", "affected": {"users": [A]}}})
    scores = by_metric(scorer.score(case, Outcome(findings=[])))
    assert scores["status:COV-01"].details["got"] == "missing" and scores["recall:COV-01"].value == 0.0
    failed = scorer.score(case, Outcome(error="TenantReadError: boom"))
    assert failed[0].passed is False and "boom" in failed[0].reason


def snapshot() -> TenantSnapshot:
    return TenantSnapshot(organization={"id": "t", "displayName": "T"},
                          users=[{"id": A, "displayName": "Alice Real", "userPrincipalName": "alice@t.example"},
                                 {"id": B, "displayName": "Bob Elsewhere", "userPrincipalName": "bob@t.example"}],
                          groups=[{"id": C, "displayName": "Sales-Contractors"}])


def test_grounding_catches_an_invented_name_and_an_unseen_real_object() -> None:
    scorer = get_scorer("grounding")
    results = [json.dumps({"users": [{"id": A, "displayName": "Alice Real"}], "group": "Sales-Contractors"})]
    grounded = Outcome(snapshot=snapshot(), tool_results=results,
                       answers=[f"Alice Real ({A}) is excluded through 'Sales-Contractors'."])
    assert by_metric(scorer.score({}, grounded))["ungrounded"].value == 0
    invented = Outcome(snapshot=snapshot(), tool_results=results,
                       answers=["Exclude 'Zed Fabricated' and Bob Elsewhere; see 11111111-2222-4333-8444-555555555555."])
    scores = by_metric(scorer.score({}, invented))
    assert scores["ungrounded"].value == 3 and scores["ungrounded"].passed is False
    assert set(scores["ungrounded"].details["ungrounded"]) == {
        "Zed Fabricated", "Bob Elsewhere", "11111111-2222-4333-8444-555555555555"}
    assert scores["grounded"].value == 0.0


def test_grounding_reads_names_inside_json_escapes() -> None:
    scorer = get_scorer("grounding")
    snap = TenantSnapshot(organization={"id": "t"}, groups=[{"id": C, "displayName": "Équipe \"Nord\""}])
    outcome = Outcome(snapshot=snap, tool_results=['{"name": "\\u00c9quipe \\"Nord\\""}'],
                      answers=['The group Équipe "Nord" is excluded.'])
    assert by_metric(scorer.score({}, outcome))["ungrounded"].value == 0


def test_suggestions_accuracy_and_aspects() -> None:
    scorer = get_scorer("suggestions", {"verify": False})
    case = {"truth": {"suggestions": [
        {"kind": "modify_policy", "checks": ["COV-01"], "targetPolicyId": "P1", "users": [A, B]},
        {"kind": "new_policy", "checks": ["COV-15"], "targetPolicyId": None}]}}
    got = [{"kind": "modify_policy", "check": "COV-01", "targetPolicyId": "p1", "affected": {"users": [B, A]},
            "evidence": [{"kind": "closes", "checks": ["COV-01"]}]},
           {"kind": "new_policy", "check": "COV-17", "targetPolicyId": None, "affected": {"users": [C]}}]
    scores = by_metric(scorer.score(case, Outcome(suggestions=got)))
    assert scores["accuracy"].value == 1 / 3  # one matched of (2 expected + 2 made - 1)
    assert scores["kind"].value == 1.0 and scores["target"].value == 1.0 and scores["checks"].value == 0.5
    assert "missing: new_policy COV-15" in scores["accuracy"].reason
    assert by_metric(scorer.score({"truth": {"suggestions": []}}, Outcome()))["accuracy"].value == 1.0


def test_cost_and_latency_are_measurements() -> None:
    trace = [{"kind": "model_turn"}, {"kind": "tool_call"}, {"kind": "tool_call"}]
    outcome = Outcome(run={"usage": {"totalTokens": 120, "tokenSource": "estimated"}}, trace=trace, seconds=1.5)
    cost = by_metric(get_scorer("cost").score({}, outcome))
    assert cost["totalTokens"].value == 120 and cost["modelCalls"].value == 1 and cost["toolCalls"].value == 2
    assert all(s.passed is None for s in cost.values())
    assert get_scorer("latency").score({}, outcome)[0].value == 1.5
