"""Insights and recommendations over generated tenants: agreement with the generator's ground truth, missing
data as its own signal, hostile reviewer text that changes nothing, and a review of thousands of decisions."""

from __future__ import annotations

import copy
import time
from typing import Any

from entra_agents.access_reviews.recommendations import evaluate
from entra_agents.graph.synthetic import generate
from entra_agents.graph.synthetic.reviews_designed import HOSTILE

from .conftest import snapshot_of


def by_decision(snapshot: Any, as_of: Any) -> dict[str, Any]:
    return {r.item.decision_id: r for r in evaluate(snapshot, as_of, None)}


def test_every_in_scope_decision_agrees_with_ground_truth(tenant: Any, as_of: Any) -> None:
    got = by_decision(snapshot_of(tenant.document), as_of)
    expected = tenant.manifest["expectedAccessDecisions"]
    assert len(got) == len(expected) > 0
    assert {e["decisionId"]: e["recommendation"] for e in expected} == {k: r.recommendation for k, r in got.items()}
    cases = {e["case"] for e in expected}
    assert {"multi-stage, no insights", "Entra role review", "access package", "application assignment, no insights",
            "group review, Graph insights"} <= cases


def test_withheld_sign_in_is_missing_not_never(tenant: Any, as_of: Any) -> None:
    got = by_decision(snapshot_of(tenant.document), as_of)
    missing = [r for r in got.values() if any(s.name == "lastSignIn" and s.missing for s in r.signals)]
    assert missing and all(r.recommendation in ("NoInfoAvailable", "Deny") for r in missing)


def test_a_refused_read_makes_its_signal_missing(tenant: Any, as_of: Any) -> None:
    snapshot = snapshot_of(copy.deepcopy(tenant.document))
    snapshot.failed = {"lifecycleWorkflows": "403", "employeeLeaveDateTime": "403"}
    for r in evaluate(snapshot, as_of, None):
        named = {s.name: s for s in r.signals}
        assert named["moverEvent"].missing and named["employeeLeaveDateTime"].missing


def test_hostile_justifications_change_no_recommendation(tenant: Any, as_of: Any) -> None:
    plain = by_decision(snapshot_of(tenant.document), as_of)
    hostile = copy.deepcopy(tenant.document)
    for definition in hostile["accessReviews"]:
        for instance in definition["instances"]:
            for decision in instance.get("decisions") or []:
                decision["justification"] = HOSTILE[0]
    changed = by_decision(snapshot_of(hostile), as_of)
    assert {k: (r.recommendation, r.key) for k, r in plain.items()} == {
        k: (r.recommendation, r.key) for k, r in changed.items()}
    assert not any(HOSTILE[0] in r.draft() for r in changed.values())


def test_review_definitions_setting_limits_the_scope(tenant: Any, as_of: Any) -> None:
    first = tenant.document["accessReviews"][0]["id"]
    chosen = evaluate(snapshot_of(tenant.document), as_of, {first.lower()})
    assert chosen and {r.item.definition["id"] for r in chosen} == {first}


def test_two_thousand_decisions_score_in_seconds(as_of: Any) -> None:
    big = generate(2400, 3, review_decisions=2000)
    started = time.perf_counter()
    got = by_decision(snapshot_of(big.document), as_of)
    assert time.perf_counter() - started < 20
    assert {e["decisionId"]: e["recommendation"] for e in big.manifest["expectedAccessDecisions"]} == {
        k: r.recommendation for k, r in got.items()}
    assert sum(1 for r in got.values() if r.item.definition["displayName"].startswith("Annual")) == 2000
