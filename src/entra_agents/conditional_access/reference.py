"""The reference evaluator of effective coverage: deliberately simple, deliberately slow.

For every counted user, every scenario and every live policy it calls the evaluator, with no principal
classes, no bitsets, no memoisation. It answers the same question as ``coverage.assess`` in the same shape
(a ``CoverageReport`` whose classes each hold one user), so a property test can demand that both agree on
random tenants, and the benchmark can say how much the engine's shortcuts buy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .coverage import ClassGap, CoverageReport, Covered, FailedSignIn, PrincipalClass, Scenario, TenantModel
from .evaluator import SignInContext, evaluate, match_users


def reference_assess(model: TenantModel, scenarios: Sequence[Scenario], covered: Covered,
                     users: Sequence[str] | None = None) -> CoverageReport:
    """``users`` (default: every counted user) lets a benchmark time a sample."""
    population = tuple(model.counted_users() if users is None else users)
    policies, directory = model.live_policies, model.directory
    classes, gaps, enforcing = [], [], set()
    for uid in population:
        scope = frozenset(p.id for p in policies if match_users(p, uid, directory).matched)
        cls = PrincipalClass(scope, (uid,))
        classes.append(cls)
        failing = []
        for scenario in scenarios:
            evaluation = evaluate(policies, directory, scenario.for_user(uid))
            enforcing.update(evaluation.enforced.applied)
            if not covered(evaluation.enforced, evaluation.context):
                report_only = sorted((r.policy for r in evaluation.results if r.applies and r.policy.is_report_only),
                                     key=lambda p: p.id)
                failing.append(FailedSignIn(evaluation.context, evaluation.enforced, tuple(report_only)))
        if failing:
            gaps.append(ClassGap(cls, tuple(failing)))
    return CoverageReport(population, tuple(classes), tuple(scenarios), tuple(gaps), frozenset(enforcing))


UserView = dict[str, Any]


def per_user(report: CoverageReport) -> dict[str, UserView]:
    """A report flattened to what each user gets, independent of how users were grouped: the policies in
    scope, and for each failing sign-in (keyed by its context without the user) the enforced and report-only
    policy ids. Two reports answer the same question identically exactly when these are equal."""
    out: dict[str, UserView] = {}
    for cls in report.classes:
        for uid in cls.members:
            out[uid] = {"scope": cls.in_scope_of, "failing": {}}
    for gap in report.gaps:
        failing = {
            _anonymous(f.context): (tuple(sorted(f.enforced.applied)), tuple(sorted(p.id for p in f.report_only)))
            for f in gap.failing
        }
        for uid in gap.principal_class.members:
            out[uid]["failing"] = failing
    return out


def _anonymous(context: SignInContext) -> SignInContext:
    return replace(context, user_id="")
