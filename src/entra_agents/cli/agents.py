"""`agents list`: the agents defined by the loaded plugins."""

from __future__ import annotations

import argparse
import json
from typing import Any

from entra_agents.cli.common import add_json, print_json


def register(sub: Any) -> None:
    parser = sub.add_parser("agents", help="list the agents the loaded plugins define")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list agents, their triggers and settings")
    add_json(listing)
    listing.set_defaults(handler=list_agents)


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
