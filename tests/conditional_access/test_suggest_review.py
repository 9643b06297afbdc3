"""Policy review: sharp changes in a policy's logged sign-in results between the last two weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ca_fixtures import ALICE, P_DEVICE_CODE, P_LEGACY, P_MFA, base_document
from cov_fixtures import EXO, sign_in, snapshot

from entra_agents.conditional_access.suggest import review

JSON = dict[str, Any]
NEWEST = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def logged(n: int, days_ago: float, results: dict[str, str]) -> JSON:
    when = (NEWEST - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")  # Graph's 7 fractional digits
    record = sign_in(f"r{n}", ALICE, EXO, "Browser", "Windows 11")
    record.update(createdDateTime=when, appliedConditionalAccessPolicies=[
        {"id": pid, "displayName": pid, "result": result} for pid, result in results.items()])
    return record


def weeks(previous: list[dict[str, str]], recent: list[dict[str, str]]) -> JSON:
    """Sign-ins spread over days 8-13 before the newest (previous week) and days 0-6 (recent week)."""
    doc = base_document()
    doc["signIns"] = [logged(n, 8 + n % 6, r) for n, r in enumerate(previous)]
    doc["signIns"] += [logged(1000 + n, n % 7, r) for n, r in enumerate(recent)]
    return doc


QUIET = {P_MFA: "success", P_LEGACY: "notApplied", P_DEVICE_CODE: "notApplied"}


def test_a_spike_in_failures_gets_a_high_priority_review():
    doc = weeks([QUIET] * 40, [QUIET] * 10 + [{**QUIET, P_MFA: "failure"}] * 30)
    [found] = review.candidates(snapshot(doc))
    assert found.kind == "policy_review" and found.target_policy_id == P_MFA and found.key == P_MFA
    assert found.priority == "high" and found.title == "Review 'MFA all users': its sign-in results changed sharply"
    assert found.summary == (
        "Sign-ins where 'MFA all users' failed rose from 0 (0.0% of sign-ins) in the previous 7 days to 30 (75.0%) "
        "in the last 7; sign-ins where 'MFA all users' succeeded fell from 40 (100.0% of sign-ins) in the previous 7 "
        "days to 10 (25.0%) in the last 7.")
    failure, success, windows = found.evidence
    assert failure == {"kind": "resultChange", "metric": "failure", "previous": 0, "recent": 30,
                       "previousPercentOfSignIns": 0.0, "recentPercentOfSignIns": 75.0}
    assert success["metric"] == "success" and (success["previous"], success["recent"]) == (40, 10)
    assert windows["signIns"] == {"previous": 40, "recent": 40}
    assert windows["recent"]["upTo"] == NEWEST.isoformat()


def test_a_dip_in_report_only_applications_gets_a_review():
    # the legacy block applied (report-only failures) to 30 sign-ins a week, then to none
    doc = weeks([{**QUIET, P_LEGACY: "reportOnlyFailure"}] * 30 + [QUIET] * 10, [QUIET] * 40)
    [found] = review.candidates(snapshot(doc))
    assert found.target_policy_id == P_LEGACY and found.priority == "medium"
    assert [e["metric"] for e in found.evidence[:-1]] == ["failure", "applied"]
    assert found.summary.startswith("Sign-ins where 'Block legacy' failed fell from 30 (75.0% of sign-ins)")


def test_a_stable_policy_and_a_small_change_get_no_review():
    # 25 -> 44 failures: nearly double in count, but the share moves 1.0x (sign-in volume doubled too)
    stable = weeks([{**QUIET, P_MFA: "failure"}] * 25 + [QUIET] * 25, [{**QUIET, P_MFA: "failure"}] * 44 + [QUIET] * 44)
    assert review.candidates(snapshot(stable)) == []
    # 3 -> 19 failures: over 2x, but fewer than 20 sign-ins apart
    small = weeks([{**QUIET, P_MFA: "failure"}] * 3 + [QUIET] * 37, [{**QUIET, P_MFA: "failure"}] * 19 + [QUIET] * 21)
    assert review.candidates(snapshot(small)) == []


def test_without_applied_policies_in_the_log_there_is_no_review_and_it_says_why():
    doc = weeks([QUIET] * 40, [{**QUIET, P_MFA: "failure"}] * 40)
    for record in doc["signIns"]:
        del record["appliedConditionalAccessPolicies"]
    tenant = snapshot(doc)
    assert review.candidates(tenant) == []
    assert review.unavailable_reason(tenant) == (
        "80 of 80 sign-in records carry no appliedConditionalAccessPolicies, so what Conditional Access did cannot "
        "be counted")


def test_a_log_shorter_than_two_weeks_gets_no_review():
    doc = base_document()
    doc["signIns"] = [logged(n, n % 6, QUIET if n < 40 else {**QUIET, P_MFA: "failure"}) for n in range(80)]
    tenant = snapshot(doc)
    assert review.candidates(tenant) == []
    assert review.unavailable_reason(tenant) == ("the sign-in log covers 5.0 days; comparing two 7-day windows needs "
                                                 "at least 13")
    assert review.unavailable_reason(snapshot(base_document())) == "the snapshot holds no sign-ins"


def test_windows_follow_the_newest_sign_in_not_the_clock():
    doc = weeks([QUIET] * 40, [QUIET] * 10 + [{**QUIET, P_MFA: "failure"}] * 30)
    first = review.candidates(snapshot(doc))
    # older sign-ins (before the previous window) never count
    doc["signIns"] += [logged(5000 + n, 20, {**QUIET, P_MFA: "failure"}) for n in range(50)]
    assert [c.to_suggestion() for c in review.candidates(snapshot(doc))] == [c.to_suggestion() for c in first]


def test_deleted_or_disabled_policies_are_not_reviewed():
    doc = weeks([QUIET] * 40, [QUIET] * 10 + [{**QUIET, P_MFA: "failure"}] * 30)
    next(p for p in doc["conditionalAccessPolicies"] if p["id"] == P_MFA)["state"] = "disabled"
    assert review.candidates(snapshot(doc)) == []
