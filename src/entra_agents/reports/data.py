"""What a run report says, gathered once from the store: the Markdown and HTML renderers and the webhook
payloads all read this, so they cannot disagree.

Only the store's public contract is read (run, trace, findings, suggestions); unknown trace event kinds and
suggestion fields are ignored, so agents can grow without breaking reports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

JSON = dict[str, Any]

PRIORITIES = ("critical", "high", "medium", "low")
SAMPLE = 5
# Coverage checks report who is unprotected; other families (hygiene, exclusions) are about policies.
COVERAGE_PREFIX = "COV-"
PROBLEM_STATUSES = ("fail", "review")
OBJECT_KINDS = ("users", "groups", "roles", "apps", "servicePrincipals", "policies")


class RunStore(Protocol):
    """The part of ``entra_agents.store.Store`` a report needs (tests may pass anything shaped like it)."""

    def get_run(self, run_id: str) -> JSON: ...
    def trace(self, run_id: str) -> list[JSON]: ...
    def findings(self, run_id: str) -> list[JSON]: ...
    def list_suggestions(self, *, run_id: str | None = None) -> list[JSON]: ...


@dataclass(frozen=True)
class CoverageGap:
    """One coverage check that found unprotected objects."""

    check: str
    title: str
    severity: str
    status: str
    summary: str
    users: int
    apps: int  # applications and service principals: both are "apps" to an administrator
    sample_users: list[str]
    sample_apps: list[str]


@dataclass(frozen=True)
class SuggestionView:
    id: str
    title: str
    kind: str
    check: str
    priority: str
    status: str
    rationale: str
    affected: dict[str, int]  # object kind -> count
    impact: JSON | None
    changes: list[JSON]  # the property diff; only for modify suggestions
    target_policy_id: str | None
    policy: JSON | None


@dataclass(frozen=True)
class Activity:
    """What the run did, counted from its trace."""

    model_turns: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    guard_refusals: int = 0
    rejected_tool_calls: int = 0  # calls the model made that never reached the guard (e.g. unknown tool)
    writes: int = 0  # tenant writes that happened (guard-allowed and executed)
    items: int = 0  # work items the fetch skill returned
    skipped: int = 0  # items already suggested before
    tools: dict[str, int] = field(default_factory=dict)  # skill -> calls
    refusals: list[str] = field(default_factory=list)  # guard refusal reasons, in order


@dataclass(frozen=True)
class Problem:
    """Something that went wrong: a check that errored, a failed tool call, a failed Graph read, the run itself."""

    source: str  # check | tool | graph | run
    subject: str
    message: str


@dataclass(frozen=True)
class RunReport:
    run_id: str
    agent: str
    tenant_id: str
    tenant_name: str
    tenant_source: str
    model: str
    llm: bool | None  # None when the trace does not say (older runs)
    status: str
    started: str | None
    finished: str | None
    duration_seconds: float | None
    usage: dict[str, int]
    check_counts: dict[str, int]  # finding status -> number of checks
    coverage: list[CoverageGap]
    unprotected_users: int  # distinct across coverage checks
    unprotected_apps: int
    suggestions: list[SuggestionView]  # ordered by priority, then as created
    activity: Activity
    problems: list[Problem]

    def model_label(self) -> str:
        # The offline model's output must never pass for an LLM's (README: it is labelled as such).
        return f"{self.model} (deterministic, not an LLM)" if self.llm is False else self.model

    def by_priority(self) -> list[tuple[str, list[SuggestionView]]]:
        groups: dict[str, list[SuggestionView]] = {}
        for suggestion in self.suggestions:
            groups.setdefault(suggestion.priority, []).append(suggestion)
        return list(groups.items())


def gather(store: RunStore, run_id: str) -> RunReport:
    run = store.get_run(run_id)
    run_id = run["id"]  # a unique prefix may have been given
    trace = store.trace(run_id)
    findings = store.findings(run_id)
    suggestions = store.list_suggestions(run_id=run_id)
    started = next((e for e in trace if e.get("kind") == "run_started"), {})
    coverage = [_gap(f) for f in findings if _is_coverage_gap(f)]
    users, apps = unprotected(findings)
    return RunReport(
        run_id=run_id, agent=run["agent"], tenant_id=run["tenant"]["id"],
        tenant_name=run["tenant"].get("displayName") or "", tenant_source=run["tenant"].get("source") or "",
        model=run["model"], llm=started.get("llm"), status=run["status"], started=run.get("started"),
        finished=run.get("finished"), duration_seconds=_seconds(run.get("started"), run.get("finished")),
        usage={k: v for k, v in (run.get("usage") or {}).items() if isinstance(v, int)},
        check_counts=dict(Counter(str(f.get("status")) for f in findings)),
        coverage=coverage,
        unprotected_users=len(users), unprotected_apps=len(apps),
        suggestions=sorted((_suggestion(s) for s in suggestions), key=lambda s: _priority_rank(s.priority)),
        activity=_activity(trace),
        problems=_problems(run, trace, findings),
    )


def _is_coverage_gap(finding: JSON) -> bool:
    return str(finding.get("check", "")).startswith(COVERAGE_PREFIX) and finding.get("status") in PROBLEM_STATUSES


def _ids(finding: JSON, kinds: tuple[str, ...]) -> list[str]:
    affected = finding.get("affected") or {}
    return [str(i) for kind in kinds for i in affected.get(kind) or []]


def _distinct(findings: list[JSON], kinds: tuple[str, ...]) -> set[str]:
    return {i for f in findings if _is_coverage_gap(f) for i in _ids(f, kinds)}


def unprotected(findings: list[JSON]) -> tuple[set[str], set[str]]:
    """Distinct (users, apps) that at least one coverage check reports as unprotected."""
    return _distinct(findings, ("users",)), _distinct(findings, ("apps", "servicePrincipals"))


def _gap(finding: JSON) -> CoverageGap:
    users, apps = _ids(finding, ("users",)), _ids(finding, ("apps", "servicePrincipals"))
    return CoverageGap(check=finding["check"], title=str(finding.get("title", "")),
                       severity=str(finding.get("severity", "")), status=finding["status"],
                       summary=str(finding.get("summary", "")), users=len(users), apps=len(apps),
                       sample_users=users[:SAMPLE], sample_apps=apps[:SAMPLE])


def _priority_rank(priority: str) -> int:
    return PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)


def _suggestion(s: JSON) -> SuggestionView:
    affected = s.get("affected") or {}
    kind = str(s.get("kind", ""))
    return SuggestionView(
        id=str(s.get("id", "")), title=str(s.get("title", "")), kind=kind, check=str(s.get("check", "")),
        priority=str(s.get("priority", "")), status=str(s.get("status", "")),
        rationale=str(s.get("rationale", "")),
        affected={k: len(affected.get(k) or []) for k in OBJECT_KINDS},
        impact=s.get("impact") if isinstance(s.get("impact"), dict) else None,
        # A new policy's `changes` is just [{"op": "create"}]; only a modification has a diff worth showing.
        changes=list(s.get("changes") or []) if kind == "modify_policy" else [],
        target_policy_id=s.get("targetPolicyId"),
        policy=s.get("policy") if isinstance(s.get("policy"), dict) else None,
    )


def _activity(trace: list[JSON]) -> Activity:
    kinds = Counter(e.get("kind") for e in trace)
    tool_events = [e for e in trace if e.get("kind") == "tool_call"]
    refusals = [e for e in trace if e.get("kind") == "guard" and e.get("decision") == "refuse"]
    fetched = sum(len(e.get("items") or []) for e in trace if e.get("kind") == "fetch")
    return Activity(
        model_turns=kinds["model_turn"], tool_calls=len(tool_events),
        tool_errors=sum(1 for e in tool_events if "error" in e), guard_refusals=len(refusals),
        rejected_tool_calls=kinds["tool_rejected"], writes=kinds["tenant_write"], items=fetched,
        skipped=kinds["skip"],
        tools=dict(Counter(_short_skill(e.get("skill") or e.get("tool")) for e in tool_events)),
        refusals=[str(e.get("reason", "")) for e in refusals],
    )


def _short_skill(name: Any) -> str:
    # "EntraAgents.CAOptimizer.GetCoverageGap" -> "GetCoverageGap": the plugin prefix is the same for all.
    return str(name or "unknown").rsplit(".", 1)[-1]


def _problems(run: JSON, trace: list[JSON], findings: list[JSON]) -> list[Problem]:
    problems = [Problem("check", str(f.get("check")), str(f.get("summary") or f.get("title") or ""))
                for f in findings if f.get("status") == "error"]
    for event in trace:
        if event.get("kind") == "run_started":
            failed = event.get("failedCollections") or {}
            problems += [Problem("graph", str(name), str(why)) for name, why in failed.items()]
        elif event.get("kind") == "tool_call" and "error" in event:
            problems.append(Problem("tool", _short_skill(event.get("skill")), str(event["error"])))
    if run.get("error"):
        problems.append(Problem("run", run["status"], str(run["error"])))
    return problems


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)  # Python 3.11 reads the store's "Z" suffix


def _seconds(started: str | None, finished: str | None) -> float | None:
    if not started or not finished:
        return None
    return (parse_time(finished) - parse_time(started)).total_seconds()
