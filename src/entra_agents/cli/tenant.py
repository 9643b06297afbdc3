"""`tenant record`: capture a tenant as a vcrpy cassette that replays offline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from entra_agents.cli.common import run_async


def register(sub: Any) -> None:
    parser = sub.add_parser("tenant", help="record tenants for offline replay")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    record = actions.add_parser("record", help="record what the agents read from a tenant into DIR")
    record.add_argument("--from", dest="source", required=True, metavar="SOURCE",
                        help="'demo' or 'fixture:PATH' (live tenants arrive with the tenant issue)")
    record.add_argument("--out", required=True, type=Path, metavar="DIR")
    record.set_defaults(handler=record_tenant)
    # Further tenant verbs live in their own modules (serve, generate), each adding its parser here.
    for verb in _verbs():
        verb.register(actions)


def _verbs() -> list[Any]:
    import importlib

    found = []
    for name in ("serve", "generate"):
        try:
            found.append(importlib.import_module(f"entra_agents.cli.tenant_{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"entra_agents.cli.tenant_{name}":
                raise
    return found


def record_tenant(args: argparse.Namespace) -> int:
    from entra_agents.graph.recording import record_from_spec

    snapshot = run_async(record_from_spec(args.source, args.out))
    print(f"recorded {snapshot.display_name} ({snapshot.tenant_id}) to {args.out}; "
          f"replay with --tenant {args.out}")
    return 0
