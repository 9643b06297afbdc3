"""Compare two results logs of the same suite: per-case regressions and improvements.

A regression is a score that passed in A and fails in B (or a case that ran in A and errors in B); an
improvement the reverse. Quality aggregates (precision, recall, accuracy, grounding...) that drop are regressions
too, so a change spread thinly over many cases still shows. Cost and latency are reported as changes only:
they are budgets for a baseline to cap, not right or wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from entra_agents.evals.results import CaseResult, EvalLog

# aggregates where higher is better (prefix match on "scorer.metric")
QUALITY = ("findings.precision", "findings.recall", "findings.status", "suggestions.", "grounding.grounded",
           "cases.passed")
CHANGES = ("cost.total:totalTokens", "cost.total:modelCalls", "cost.total:toolCalls", "latency.total:seconds")


@dataclass
class Comparison:
    regressions: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # neither: cost, latency, cases only in one log
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [*self.notes]
        for title, items in (("Regressions", self.regressions), ("Improvements", self.improvements),
                             ("Changes", self.changes)):
            out += [f"{title}: {len(items)}", *(f"  {i}" for i in items)]
        return out


def _scores(case: CaseResult) -> dict[str, bool | None]:
    return {f"{s.scorer}.{s.metric}": s.passed for s in case.scores}


def compare(a: EvalLog, b: EvalLog) -> Comparison:
    result = Comparison()
    if a.spec.get("suite") != b.spec.get("suite"):
        result.notes.append(f"note: comparing different suites ({a.spec.get('suite')} vs {b.spec.get('suite')})")
    elif a.spec.get("fileHash") != b.spec.get("fileHash"):
        result.notes.append("note: the suite file changed between the two runs")
    for case_a in a.cases:
        case_b = b.case(case_a.id)
        if case_b is None:
            result.changes.append(f"{case_a.id}: only in A")
            continue
        if case_b.error and not case_a.error:
            result.regressions.append(f"{case_a.id}: now fails to run: {case_b.error}")
        elif case_a.error and not case_b.error:
            result.improvements.append(f"{case_a.id}: runs again")
        before, after = _scores(case_a), _scores(case_b)
        reasons = {f"{s.scorer}.{s.metric}": s.reason for s in case_b.scores}
        for metric in sorted(before.keys() | after.keys()):
            was, now = before.get(metric), after.get(metric)
            if was is True and now is False:
                result.regressions.append(f"{case_a.id}: {metric}: {reasons.get(metric, '')}")
            elif was is False and now is True:
                result.improvements.append(f"{case_a.id}: {metric} passes now")
            elif was is True and now is None and metric not in after and not case_b.error:
                result.regressions.append(f"{case_a.id}: {metric} is no longer measured")
    result.changes += [f"{c.id}: only in B" for c in b.cases if a.case(c.id) is None]
    for key in sorted(a.aggregates.keys() & b.aggregates.keys()):
        va, vb = a.aggregates[key], b.aggregates[key]
        if key.startswith(QUALITY) and not key.endswith(".sum"):
            if vb < va - 1e-9:
                result.regressions.append(f"aggregate {key}: {va:.4g} -> {vb:.4g}")
            elif vb > va + 1e-9:
                result.improvements.append(f"aggregate {key}: {va:.4g} -> {vb:.4g}")
        elif key in CHANGES and abs(vb - va) > 1e-9:
            result.changes.append(f"aggregate {key}: {va:.4g} -> {vb:.4g}")
    return result
