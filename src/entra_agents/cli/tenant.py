"""`tenant`: record a tenant as a vcrpy cassette that replays offline; further verbs come from their own modules."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from entra_agents.cli import tenant_generate, tenant_serve
from entra_agents.cli.common import run_async


def register(sub: Any) -> None:
    parser = sub.add_parser("tenant", help="record tenants for offline replay, and work with tenant files")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    record = actions.add_parser(
        "record", help="record what the agents read from a tenant into DIR (replay it with --tenant DIR)",
        description="Record every Graph read of a tenant snapshot into DIR/cassette.yaml, with DIR/tenant.json "
                    "describing it. Tokens, keys and client secrets are always scrubbed.")
    record.add_argument("--from", dest="source", required=True, metavar="SOURCE",
                        help="'live' (Microsoft Graph, signed in as `entra-agents auth status` shows), 'demo', "
                             "or 'fixture:PATH' (a tenant file)")
    record.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory to create")
    record.add_argument("--pseudonymize", action="store_true",
                        help="replace people's and groups' names, UPNs, mail addresses and the tenant's domains "
                             "with consistent fake values, so the recording can be shared; ids and policy logic stay, "
                             "so the analysis is the same. Policy, named location and role names are kept")
    record.add_argument("--seed", metavar="SEED",
                        help="with --pseudonymize: the same seed gives the same fake values (for test fixtures)")
    record.add_argument("--force", action="store_true", help="replace a recording already in DIR")
    record.set_defaults(handler=record_tenant)
    # Further tenant verbs live in their own modules, each adding its parser here.
    tenant_serve.register(actions)
    tenant_generate.register(actions)


def record_tenant(args: argparse.Namespace) -> int:
    from entra_agents.graph.recording import CASSETTE, read_recording_info, record_from_spec

    run_async(record_from_spec(args.source, args.out, pseudonymize=args.pseudonymize, seed=args.seed,
                               force=args.force))
    info = read_recording_info(args.out)
    org = info.get("organization") or {}
    scope = info.get("scope") or {}
    size = (args.out / CASSETTE).stat().st_size
    print(f"recorded {org.get('displayName')} ({org.get('id')}) from {args.source}: "
          f"{info.get('interactions')} requests, {size / 1024:.1f} KiB"
          + (", pseudonymized" if info.get("pseudonymized") else ""))
    for name, failure in (scope.get("failed") or {}).items():
        print(f"  not recorded: {name}: {failure.get('message')}")
    print(f"replay with --tenant {args.out}")
    return 0
