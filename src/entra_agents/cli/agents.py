"""`agents list|show|configure|summary`: the agents the loaded plugins define, and their stored configuration.

Configuration is stored per agent for one tenant (``--tenant``) or as the default for every tenant (no
``--tenant``). ``--tenant`` takes a tenant id (GUID) or a tenant source as elsewhere (live, demo,
fixture:PATH, DIR), which is opened to learn its id and to check custom instructions against it.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from entra_agents.cli.common import TENANT_HELP, add_json, print_json, run_async, store

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SCOPE_HELP = "a tenant id (GUID), or " + TENANT_HELP + "; omit for the default of every tenant"


def register(sub: Any) -> None:
    parser = sub.add_parser("agents", help="list the agents the loaded plugins define, show or change their settings")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list agents, their triggers and settings")
    add_json(listing)
    listing.set_defaults(handler=list_agents)

    show = actions.add_parser("show", help="effective settings and where each comes from, capabilities, webhooks")
    show.add_argument("agent", metavar="AGENT")
    show.add_argument("--tenant", metavar="TENANT", help=SCOPE_HELP)
    add_json(show)
    show.set_defaults(handler=show_agent)

    conf = actions.add_parser("configure", help="store settings and webhooks for an agent (recorded with who/when)")
    conf.add_argument("agent", metavar="AGENT")
    conf.add_argument("--tenant", metavar="TENANT", help=SCOPE_HELP)
    conf.add_argument("--set", dest="set_values", action="append", metavar="NAME=VALUE", help="store a setting")
    conf.add_argument("--unset", action="append", default=[], metavar="NAME",
                      help="remove a stored setting (the next source applies again)")
    conf.add_argument("--add-webhook", action="append", default=[], metavar="URL",
                      help="post run summaries here (https; http only on loopback)")
    conf.add_argument("--format", default="generic", choices=("generic", "teams"),
                      help="payload format of the webhooks added (default generic)")
    conf.add_argument("--remove-webhook", action="append", default=[], type=int, metavar="N",
                      help="remove webhook number N as `agents show` lists it")
    add_json(conf)
    conf.set_defaults(handler=configure_agent)

    summary = actions.add_parser("summary", help="what the agent did over the last N days (default 30)")
    summary.add_argument("agent", metavar="AGENT")
    summary.add_argument("--tenant", metavar="TENANT", help="a tenant id (GUID), or " + TENANT_HELP +
                         "; omit for every tenant")
    summary.add_argument("--days", type=int, default=30, metavar="N", help="the window, in days (default 30)")
    add_json(summary)
    summary.set_defaults(handler=summarize_agent)


def list_agents(args: argparse.Namespace) -> int:
    from entra_agents.cli.plugins import load

    catalog = load()
    rows = []
    for agent in catalog.agents.values():
        rows.append({
            "name": agent.name, "displayName": agent.display_name, "description": agent.description,
            "plugin": agent.plugin,
            "triggers": [{"name": t.name, "periodSeconds": t.period_seconds, "fetchSkill": t.fetch_skill,
                          "processSkill": t.process_skill} for t in agent.triggers],
            "settings": [{"name": s.name, "default": s.default_value, "required": s.required} for s in agent.settings],
        })
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(f"{row['name']}  {row['displayName']}")
        print(f"  {row['description']}")
        for trigger in row["triggers"]:
            period = trigger["periodSeconds"]
            every = f"every {period // 3600} h" if period and period % 3600 == 0 else f"every {period} s" if period else "on demand"
            print(f"  trigger {trigger['name']}: {every}; fetch {trigger['fetchSkill'] or '-'}; "
                  f"process {trigger['processSkill']}")
        for setting in row["settings"]:
            print(f"  setting {setting['name']} (default {json.dumps(setting['default'])})")
    return 0


async def _open(spec: str) -> Any:
    from entra_agents.graph.sources import open_tenant

    async with open_tenant(spec) as connection:
        return await connection.snapshot()


def _scope(spec: str | None) -> tuple[str | None, Any]:
    """(tenant id, snapshot or None) for ``--tenant``: a GUID is taken as is; a source is opened."""
    if not spec:
        return None, None
    if GUID.match(spec.strip()):
        return spec.strip().lower(), None
    snapshot = run_async(_open(spec))
    return snapshot.tenant_id, snapshot


def show_agent(args: argparse.Namespace) -> int:
    from entra_agents.agent_config.view import agent_view
    from entra_agents.cli.plugins import load

    agent = load().agent(args.agent)
    tenant_id, snapshot = _scope(args.tenant)
    view = agent_view(agent, store(), tenant_id, snapshot)
    if args.json:
        print_json(view)
        return 0
    _print_view(view)
    return 0


def summarize_agent(args: argparse.Namespace) -> int:
    from entra_agents.cli.plugins import load
    from entra_agents.errors import UsageError
    from entra_agents.reports.summary import agent_summary, render_summary_text

    if args.days < 1:
        raise UsageError(f"--days {args.days}: give a number of days of at least 1")
    agent = load().agent(args.agent)
    tenant_id, _ = _scope(args.tenant)
    summary = agent_summary(store(), agent.name, tenant_id, days=args.days)
    if args.json:
        print_json(summary)
    else:
        print(render_summary_text(summary))
    return 0


def _print_view(view: dict[str, Any]) -> None:
    tenant = view["tenant"]
    scope = (f"tenant {tenant['id']}" + (f" ({tenant['displayName']})" if tenant["displayName"] else "")
             if tenant else "default for every tenant")
    print(f"{view['agent']}  {view['displayName'] or ''}  [{scope}]")
    caps = view["capabilities"]
    origin = f"  ({caps['setting']}, {caps['source']})" if caps["setting"] else "  (not configurable for this agent)"
    print("\nCapabilities")
    print(f"  may create report-only policies: {'yes' if caps['createReportOnlyPolicies'] else 'no'}{origin}")
    print("\nSettings")
    width = max((len(s["name"]) for s in view["settings"]), default=0)
    for setting in view["settings"]:
        value = json.dumps(setting["value"], ensure_ascii=False)
        value = value if len(value) <= 60 else value[:59] + "…"
        print(f"  {setting['name']:<{width}}  {value:<20}  {setting['source']}")
    print("\nWebhooks" + (f" ({view['webhooksSource']})" if view["webhooksSource"] else ""))
    for hook in view["webhooks"]:
        print(f"  {hook['number']}. {hook['url']}  {hook['format']}")
    if not view["webhooks"]:
        print("  none")
    _print_instructions(view["customInstructions"])
    for warning in view["warnings"]:
        print(f"warning: {warning}")
    if not tenant and view["tenantsWithOwnConfiguration"]:
        print("\nTenants with their own configuration: " + ", ".join(view["tenantsWithOwnConfiguration"]))
    if view["history"]:
        print("\nChanges (newest first)")
        for entry in view["history"]:
            print(f"  {entry['at']}  by {entry['by']}: {'; '.join(_change(c) for c in entry['changes'])}")


def _print_instructions(resolved: dict[str, Any] | None) -> None:
    if resolved is None:
        return
    print(f"\nCustom instructions: {resolved['status']}")
    for obj in resolved.get("objects", []):
        print(f"  {obj['mention']!r} -> {obj['type']} {obj['displayName']} ({obj['id']})")
    for problem in resolved.get("unresolved", []):
        candidates = "; ".join(f"{c['type']} {c['displayName']} ({c['id']})" for c in problem["candidates"])
        print(f"  {problem['mention']!r}: {problem['problem'].upper()}" + (f": could be {candidates}" if candidates else ""))
    if resolved.get("note"):
        print(f"  {resolved['note']}")


def _change(change: dict[str, Any]) -> str:
    if "setting" in change:
        before, after = (("(not stored)" if v is None else json.dumps(v, ensure_ascii=False))
                         for v in (change["from"], change["to"]))
        return f"{change['setting']} {before} -> {after}"
    return f"webhook {change['webhook']} {change['url']} ({change['format']})"


def _pairs(pairs: list[str] | None) -> dict[str, str]:
    from entra_agents.errors import UsageError

    values: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set {pair!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return values


def configure_agent(args: argparse.Namespace) -> int:
    from entra_agents.agent_config.configure import configure
    from entra_agents.agent_config.instructions import describe, resolve
    from entra_agents.agent_config.settings import CUSTOM_INSTRUCTIONS
    from entra_agents.agent_config.webhooks import webhook
    from entra_agents.cli.plugins import load
    from entra_agents.errors import UsageError
    from entra_agents.store.agent_config import DEFAULT_TENANT

    agent = load().agent(args.agent)
    values = _pairs(args.set_values)
    hooks = [webhook(url, args.format) for url in args.add_webhook]
    if not (values or args.unset or hooks or args.remove_webhook):
        raise UsageError("nothing to change: give --set NAME=VALUE, --unset NAME, --add-webhook URL "
                         "or --remove-webhook N")
    tenant_id, snapshot = _scope(args.tenant)
    config, changes = configure(store(), agent, tenant_id or DEFAULT_TENANT, set_values=values, unset=args.unset,
                                add_webhooks=hooks, remove_webhooks=args.remove_webhook)
    warnings = []
    if snapshot is not None and values.get(CUSTOM_INSTRUCTIONS, "").strip():
        # Stored anyway: the tenant may change before the next run, which checks again and reports.
        warnings = [f"custom instructions: {line}" for line in describe(resolve(config.settings[CUSTOM_INSTRUCTIONS],
                                                                                snapshot))]
    if args.json:
        print_json({"agent": agent.name, "tenant": tenant_id, "changes": changes, "warnings": warnings})
        return 0
    scope = f"tenant {tenant_id}" if tenant_id else "the default for every tenant"
    if not changes:
        print(f"{agent.name}: nothing changed for {scope}")
    for change in changes:
        print(f"{agent.name} ({scope}): {_change(change)}")
    for warning in warnings:
        print(f"warning: {warning}")
    return 0
