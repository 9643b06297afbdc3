"""A run report as one self-contained HTML page: inline CSS, no scripts, no external resources.

Every tenant string goes through ``html.escape`` (quotes too: some land in attributes). A Content-Security-Policy
forbids scripts and remote loads as a second line of defence, should an unescaped string ever slip through.
"""

from __future__ import annotations

import html
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
    counts_phrase,
    duration,
    impact_phrase,
    usage_phrase,
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { color-scheme: light; --fg: #1b1b1b; --muted: #5c5c5c; --line: #d6d6d6; --accent: #0f6cbd; }
body { font: 14px/1.5 "Segoe UI", system-ui, sans-serif; color: var(--fg); margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid var(--accent); padding-bottom: .2rem;
     margin-top: 2rem; } h3 { margin-top: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #f3f3f3; white-space: nowrap; }
code, pre { font-family: ui-monospace, Consolas, monospace; font-size: 12px; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
.muted { color: var(--muted); }
.suggestion { border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: .2rem 1rem;
              margin: 1rem 0; border-radius: 4px; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: 12px; background: #e8e8e8; }
.p-critical, .p-high, .s-failed { background: #fde7e9; color: #a4262c; }
.p-medium { background: #fff4ce; color: #8a5a00; } .p-low, .s-succeeded { background: #dff6dd; color: #107c10; }
.figures { display: flex; gap: 1rem; flex-wrap: wrap; }
.figure { border: 1px solid var(--line); border-radius: 4px; padding: .5rem 1rem; min-width: 9rem; }
.figure b { display: block; font-size: 1.6rem; }
"""


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def render(report: RunReport) -> str:
    title = f"{report.agent} run on {report.tenant_name or report.tenant_id}"
    body = "\n".join([
        f"<h1>{e(title)}</h1>",
        f'<p class="muted">Run <code>{e(report.run_id)}</code></p>',
        _summary(report), _coverage(report), _suggestions(report), _activity(report.activity),
        _problems(report.problems),
    ])
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _rows(rows: list[tuple[str, str]]) -> str:
    """Two-column rows; the values are already HTML."""
    return "".join(f"<tr><th>{e(label)}</th><td>{value}</td></tr>" for label, value in rows)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table whose cells are already HTML."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _badge(text: str, css: str) -> str:
    return f'<span class="badge {e(css)}">{e(text)}</span>'


def _summary(report: RunReport) -> str:
    checks = ", ".join(f"{n} {status}" for status, n in sorted(report.check_counts.items())) or "none"
    figures = "".join(f'<div class="figure"><b>{n}</b>{e(label)}</div>' for n, label in [
        (report.unprotected_users, "unprotected users"), (report.unprotected_apps, "unprotected apps"),
        (len(report.suggestions), "suggestions"), (len(report.problems), "errors")])
    rows = [
        ("Tenant", (f"{e(report.tenant_name)} <code>{e(report.tenant_id)}</code> "
                    f'<span class="muted">{e(report.tenant_source)}</span>')),
        ("Agent", e(report.agent)),
        ("Model", e(report.model_label())),
        ("Status", _badge(report.status, f"s-{report.status}")),
        ("Started", e(report.started)),
        ("Finished", e(report.finished or "not finished")),
        ("Duration", e(duration(report.duration_seconds))),
        ("Token usage", e(usage_phrase(report.usage))),
        ("Checks", e(checks)),
    ]
    return f'<h2>Agent summary</h2>\n<div class="figures">{figures}</div>\n<table>{_rows(rows)}</table>'


def _ids(ids: list[str]) -> str:
    return "<br>".join(f"<code>{e(i)}</code>" for i in ids) or '<span class="muted">none</span>'


def _gap_row(gap: CoverageGap) -> list[str]:
    return [e(gap.check), f"<b>{e(gap.title)}</b> ({e(gap.status)})<br>{e(gap.summary)}", e(gap.severity),
            str(gap.users), str(gap.apps), _ids(gap.sample_users), _ids(gap.sample_apps)]


def _coverage(report: RunReport) -> str:
    head = (f"<h2>Unprotected users and apps</h2>\n<p>{report.unprotected_users} users and "
            f"{report.unprotected_apps} apps are left unprotected by at least one coverage check.</p>")
    if not report.coverage:
        return head + "<p>No coverage check found a gap.</p>"
    return head + _table(["Check", "Gap", "Severity", "Users", "Apps", "Sample users", "Sample apps"],
                         [_gap_row(gap) for gap in report.coverage])


def _suggestions(report: RunReport) -> str:
    parts = [f"<h2>Suggestions ({len(report.suggestions)})</h2>"]
    if not report.suggestions:
        parts.append("<p>This run made no new suggestion.</p>")
    for priority, group in report.by_priority():
        parts.append(f"<h3>Priority {e(priority)} ({len(group)})</h3>")
        parts += [_suggestion(s) for s in group]
    return "\n".join(parts)


def _suggestion(s: SuggestionView) -> str:
    rows = [("Kind", e(s.kind)), ("Check", e(s.check)), ("Status", e(s.status)), ("Id", f"<code>{e(s.id)}</code>"),
            ("Affected", e(counts_phrase(s.affected))), ("Impact", e(impact_phrase(s.impact)))]
    if s.target_policy_id:
        rows.append(("Target policy", f"<code>{e(s.target_policy_id)}</code>"))
    parts = [f'<section class="suggestion"><h4>{_badge(s.priority, f"p-{s.priority}")} {e(s.title)}</h4>',
             f"<p>{e(s.rationale)}</p>", f"<table>{_rows(rows)}</table>"]
    if s.changes:
        cells = [[e(op), f"<code>{e(path)}</code>", e(what)] for op, path, what in map(change_phrase, s.changes)]
        parts.append("<h5>Property changes</h5>" + _table(["Change", "Property", "Values"], cells))
    if s.policy is not None:
        policy = json.dumps(s.policy, indent=2, ensure_ascii=False)
        parts.append(f"<details><summary>Policy JSON</summary><pre>{e(policy)}</pre></details>")
    return "\n".join(parts) + "</section>"


def _activity(activity: Activity) -> str:
    rows = [
        ("Work items fetched", f"{activity.items} (already suggested before, skipped: {activity.skipped})"),
        ("Model turns", str(activity.model_turns)),
        ("Tool calls", f"{activity.tool_calls} ({activity.tool_errors} failed)"),
        ("Guard refusals", str(activity.guard_refusals)),
        ("Tool calls rejected before the guard", str(activity.rejected_tool_calls)),
        ("Tenant writes", str(activity.writes)),
    ]
    rows += [(f"{name} calls", str(n)) for name, n in sorted(activity.tools.items())]
    refusals = "".join(f"<li>{e(reason)}</li>" for reason in activity.refusals)
    return f"<h2>Activity</h2>\n<table>{_rows(rows)}</table>" + (f"<ul>{refusals}</ul>" if refusals else "")


def _problems(problems: list[Problem]) -> str:
    if not problems:
        return "<h2>Failed checks and errors</h2>\n<p>None.</p>"
    return "<h2>Failed checks and errors</h2>\n" + _table(
        ["Where", "What", "Message"], [[e(p.source), e(p.subject), e(p.message)] for p in problems])
