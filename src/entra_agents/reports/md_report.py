"""A run report as GitHub-flavoured Markdown. Every tenant string goes through ``md`` (inline) or ``fenced``."""

from __future__ import annotations

import json

from entra_agents.reports.data import (
    Activity,
    CoverageGap,
    Problem,
    RunReport,
    SuggestionView,
)
from entra_agents.reports.text import (
    change_phrase,
    code,
    counts_phrase,
    duration,
    fenced,
    impact_phrase,
    md,
    usage_phrase,
)


def render(report: RunReport) -> str:
    sections = [
        f"# {md(report.agent)} run on {md(report.tenant_name or report.tenant_id)}",
        _summary(report),
        _coverage(report),
        _suggestions(report),
        _activity(report.activity),
        _problems(report.problems),
    ]
    return "\n\n".join(sections) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _summary(report: RunReport) -> str:
    checks = ", ".join(f"{n} {status}" for status, n in sorted(report.check_counts.items())) or "none"
    rows = [
        ["Tenant", f"{md(report.tenant_name)} ({code(report.tenant_id)}, {md(report.tenant_source)})"],
        ["Agent", md(report.agent)],
        ["Run", code(report.run_id)],
        ["Model", md(report.model_label())],
        ["Status", f"**{md(report.status)}**"],
        ["Started", md(report.started or "")],
        ["Finished", md(report.finished or "not finished")],
        ["Duration", duration(report.duration_seconds)],
        ["Token usage", md(usage_phrase(report.usage))],
        ["Checks", md(checks)],
    ]
    return "## Agent summary\n\n" + _table(["", ""], rows)


def _coverage(report: RunReport) -> str:
    head = (f"## Unprotected users and apps\n\n{report.unprotected_users} users and {report.unprotected_apps} apps "
            f"are left unprotected by at least one coverage check.")
    if not report.coverage:
        return head + "\n\nNo coverage check found a gap."
    return head + "\n\n" + _table(["Check", "Gap", "Severity", "Users", "Apps", "Sample users", "Sample apps"],
                                  [_gap_row(gap) for gap in report.coverage])


def _ids(ids: list[str]) -> str:
    return ", ".join(code(i) for i in ids) or "none"


def _gap_row(gap: CoverageGap) -> list[str]:
    return [md(gap.check), f"{md(gap.title)} ({md(gap.status)}): {md(gap.summary)}", md(gap.severity),
            str(gap.users), str(gap.apps), _ids(gap.sample_users), _ids(gap.sample_apps)]


def _suggestions(report: RunReport) -> str:
    parts = [f"## Suggestions ({len(report.suggestions)})"]
    if not report.suggestions:
        parts.append("This run made no new suggestion.")
    for priority, group in report.by_priority():
        parts.append(f"### Priority {md(priority)} ({len(group)})")
        parts += [_suggestion(s) for s in group]
    return "\n\n".join(parts)


def _suggestion(s: SuggestionView) -> str:
    facts = [
        f"- **Kind** {md(s.kind)}, **check** {md(s.check)}, **status** {md(s.status)}, **id** {code(s.id)}",
        f"- **Affected** {md(counts_phrase(s.affected))}",
        f"- **Impact** {md(impact_phrase(s.impact))}",
    ]
    if s.target_policy_id:
        facts.append(f"- **Target policy** {code(s.target_policy_id)}")
    parts = [f"#### {md(s.title)}", "\n".join(facts), f"**Rationale.** {md(s.rationale)}"]
    if s.changes:
        rows = [[md(op), code(path), md(what)] for op, path, what in map(change_phrase, s.changes)]
        parts.append("**Property changes**\n\n" + _table(["Change", "Property", "Values"], rows))
    if s.policy is not None:
        parts.append("**Policy**\n\n" + fenced(json.dumps(s.policy, indent=2, ensure_ascii=False), "json"))
    return "\n\n".join(parts)


def _activity(activity: Activity) -> str:
    tools = ", ".join(f"{md(name)} ×{n}" for name, n in sorted(activity.tools.items())) or "none"
    lines = [
        f"- Work items fetched: {activity.items} (already suggested before, skipped: {activity.skipped})",
        f"- Model turns: {activity.model_turns}",
        f"- Tool calls: {activity.tool_calls} ({activity.tool_errors} failed): {tools}",
        (f"- Guard refusals: {activity.guard_refusals}; tool calls rejected before the guard: "
         f"{activity.rejected_tool_calls}"),
        f"- Tenant writes: {activity.writes}",
    ]
    lines += [f"  - refused: {md(reason)}" for reason in activity.refusals]
    return "## Activity\n\n" + "\n".join(lines)


def _problems(problems: list[Problem]) -> str:
    if not problems:
        return "## Failed checks and errors\n\nNone."
    rows = [[md(p.source), md(p.subject), md(p.message)] for p in problems]
    return "## Failed checks and errors\n\n" + _table(["Where", "What", "Message"], rows)
