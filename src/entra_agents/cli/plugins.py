"""`plugins list|validate`: the content this runtime loaded, and whether it is well-formed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from entra_agents.cli.common import add_json, print_json


def register(sub: Any) -> None:
    parser = sub.add_parser("plugins", help="list or validate plugin manifests, prompts and skills")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list loaded plugins and their skills")
    add_json(listing)
    listing.set_defaults(handler=list_plugins)
    validate = actions.add_parser("validate", help="validate all content; exit 2 with one line per problem")
    validate.add_argument("roots", nargs="*", type=Path, metavar="DIR",
                          help="extra content roots (each with plugins/, skills/, prompts/) to validate too")
    validate.set_defaults(handler=validate_plugins)


def load(roots: list[Path] | None = None) -> Any:
    from entra_agents.catalog import load_catalog
    from entra_agents.paths import content_roots

    return load_catalog([*content_roots(), *(roots or [])])


def list_plugins(args: argparse.Namespace) -> int:
    catalog = load()
    rows = [{"name": p.name, "displayName": p.display_name, "source": str(p.file),
             "skills": [_skill_row(catalog, s) for s in (catalog.skills[n] for g in p.skill_groups for n in g.skills)],
             "agents": list(p.agents)} for p in catalog.plugins]
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(f"{row['name']}  ({row['source']})")
        for skill in row["skills"]:
            note = "" if skill["executable"] else "  [validated, not executable yet]"
            if skill.get("access") == "write":
                note += f"  [WRITES, only if setting {skill['writeSetting']} is on]"
            if skill.get("permissions"):
                note += f"  ({', '.join(skill['permissions'])})"
            print(f"  {skill['format']:<8} {skill['name']}{note}")
        for agent in row["agents"]:
            print(f"  agent    {agent}")
    return 0


def _skill_row(catalog: Any, skill: Any) -> dict[str, Any]:
    row = {"name": skill.full_name, "format": skill.format.value, "executable": catalog.executable(skill)}
    if skill.python is not None:
        row |= {"access": skill.python.access, "permissions": list(skill.python.permissions),
                "writeSetting": skill.python.write_setting}
    return row


def validate_plugins(args: argparse.Namespace) -> int:
    catalog = load(args.roots)
    skills = len(catalog.skills)
    print(f"ok: {len(catalog.plugins)} plugins, {skills} skills, {len(catalog.prompts)} prompts, "
          f"{len(catalog.agents)} agents")
    return 0
