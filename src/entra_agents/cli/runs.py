"""`runs list|show|report`: past runs, the chain of reasoning behind each, and a run's report."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from entra_agents.cli.common import add_json, indent, print_json, store


def register(sub: Any) -> None:
    parser = sub.add_parser("runs", help="list past runs or show one run's chain of reasoning")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="most recent runs first")
    listing.add_argument("--limit", type=int, default=20)
    add_json(listing)
    listing.set_defaults(handler=list_runs)
    show = actions.add_parser("show", help="a run's trace: model turns, tool calls, guard decisions, suggestions")
    show.add_argument("run_id", metavar="ID", help="run id (a unique prefix is enough)")
    add_json(show)
    show.set_defaults(handler=show_run)
    report = actions.add_parser("report", help="a run's report: summary, unprotected users and apps, suggestions, "
                                               "activity, errors")
    report.add_argument("run_id", metavar="RUN_ID", help="run id (a unique prefix is enough)")
    report.add_argument("--format", choices=("md", "html"), default="md",
                        help="md (Markdown, default) or html (one self-contained page)")
    report.add_argument("--out", metavar="FILE", default=None, help="write to FILE instead of standard output")
    report.set_defaults(handler=report_run)


def list_runs(args: argparse.Namespace) -> int:
    runs = store().list_runs(args.limit)
    if args.json:
        print_json(runs)
        return 0
    for run in runs:
        print(f"{run['id'][:8]}  {run['started']}  {run['agent']:<16} {run['status']:<10} "
              f"{run['tenant']['displayName']}  model {run['model']}")
    if not runs:
        print("no runs yet: try `entra-agents run ca-optimizer --tenant demo`")
    return 0


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(event: dict[str, Any]) -> str:
    kind = event["kind"]
    if kind == "model_turn":
        calls = "; ".join(f"{c['tool']}({_short(c['arguments'], 100)})" for c in event.get("toolCalls", []))
        return f"model   {'asks for ' + calls if calls else _short(event.get('text', ''), 400)}"
    if kind == "tool_call":
        outcome = f"error {event['error']}" if "error" in event else _short(event["result"]["preview"], 120)
        return f"tool    {event['skill']}({_short(event['arguments'], 100)}) {event['durationMs']} ms -> {outcome}"
    if kind == "guard":
        return f"guard   {event['decision'].upper()} {event['skill']}: {event['reason']}"
    if kind == "suggestion":
        return f"suggest {event['title']} ({event['check']}) id {event['id']}"
    if kind == "task":
        return f"task    {event['skill']} {_short(event['inputs'])}"
    if kind == "fetch":
        return f"fetch   {event['skill']} -> {len(event['items'])} item(s) {_short(event['items'])}"
    if kind == "scan":
        return "scan    " + ", ".join(f"{c['check']} {c['status']}" for c in event["checks"])
    rest = {k: v for k, v in event.items() if k not in {"seq", "kind", "at"}}
    return f"{kind:<7} {_short(rest, 300)}"


def show_run(args: argparse.Namespace) -> int:
    db = store()
    run = db.get_run(args.run_id)
    events = db.trace(run["id"])
    if args.json:
        print_json({"run": run, "trace": events, "findings": db.findings(run["id"]),
                    "suggestions": db.list_suggestions(run_id=run["id"])})
        return 0
    print(f"Run {run['id']}  agent {run['agent']}  {run['status']}  model {run['model']}")
    print(f"tenant {run['tenant']['displayName']} ({run['tenant']['source']})  {run['started']} -> {run['finished']}")
    if run.get("error"):
        print(f"error: {run['error']}")
    for event in events:
        print(indent(f"{event['seq']:>3}  {describe(event)}", "  "))
    return 0


def report_run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from entra_agents.reports.run_report import render_html, render_markdown

    render = render_html if args.format == "html" else render_markdown
    text = render(store(), args.run_id)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
