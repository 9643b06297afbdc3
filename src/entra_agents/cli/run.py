"""`run AGENT`: one agent run, stored with its trace, findings and suggestions."""

from __future__ import annotations

import argparse
from typing import Any

from entra_agents.cli.common import add_json, add_tenant, indent, parse_settings, print_json, run_async, store


def register(sub: Any) -> None:
    parser = sub.add_parser("run", help="run an agent against a tenant")
    parser.add_argument("agent", metavar="AGENT", help="agent name (see `entra-agents agents list`)")
    add_tenant(parser)
    parser.add_argument("--model", default=None, metavar="MODEL",
                        help="offline (default) | openai[:MODEL] | azure-openai[:DEPLOYMENT] | "
                             "openai-compatible:MODEL | scripted:PATH; or set ENTRA_AGENTS_MODEL")
    parser.add_argument("--setting", action="append", metavar="NAME=VALUE",
                        help="override an agent setting for this run (repeatable)")
    add_json(parser)
    parser.set_defaults(handler=run_agent)


async def _run(args: argparse.Namespace) -> Any:
    from entra_agents.cli.plugins import load
    from entra_agents.graph.sources import open_tenant
    from entra_agents.runtime.models.providers import choose
    from entra_agents.runtime.runner import run_agent as run

    catalog = load()
    choice = choose(args.model)
    settings = parse_settings(args.setting)
    async with open_tenant(args.tenant) as connection:
        return await run(catalog, args.agent, connection=connection, store=store(), choice=choice,
                         settings=settings)


def print_suggestion(s: dict[str, Any], *, full: bool = False) -> None:
    print(f"[{s['priority']}] {s['title']}  ({s['check']}, {s['kind']}, {s['status']})  id {s['id']}")
    print(indent(s["rationale"]))
    if full and s.get("policy"):
        import json

        print(indent(json.dumps(s["policy"], indent=2)))


def run_agent(args: argparse.Namespace) -> int:
    from entra_agents.cli.analyze import print_findings

    result = run_async(_run(args))
    if args.json:
        print_json(result.to_json())
        return 0
    run = result.run
    print(f"Run {run['id']}  agent {run['agent']}  tenant {run['tenant']['displayName']}  model {run['model']}  "
          f"{run['status']}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    print("\nFindings")
    print_findings(result.findings)
    print(f"\nSuggestions from this run: {len(result.suggestions)}")
    for suggestion in result.suggestions:
        print()
        print_suggestion(suggestion)
    if result.answers:
        print("\nThe model's closing notes, one per item:")
        for answer in result.answers:
            print(indent(answer))
    earlier = [s for s in store().list_suggestions(tenant_id=run["tenant"]["id"], status="open")
               if s["runId"] != run["id"]]
    if earlier:
        print(f"\nStill open from earlier runs (not suggested again): {len(earlier)}")
        for suggestion in earlier:
            print()
            print_suggestion(suggestion)
    print(f"\nThe chain of reasoning: entra-agents runs show {run['id'][:8]}")
    return 0
