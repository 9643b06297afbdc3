"""`tenant generate`: write a synthetic tenant file and the manifest of the findings it must produce."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import Any

DESCRIPTION = (
    "Write a synthetic tenant (tenant-file contract, Graph v1.0 JSON) of N users: departments, managers, nested "
    "and dynamic groups, guests, admins, break-glass accounts, apps, sign-ins, audits, access reviews and a "
    "baseline Conditional Access policy set that passes COV-01, COV-08 and COV-10. Mutators plant known "
    "misconfigurations; the manifest lists the findings they must cause. Same seed, same bytes.")


def register(actions: Any) -> None:
    parser = actions.add_parser("generate", help="write a synthetic tenant file and its expected-findings manifest",
                                description=DESCRIPTION)
    parser.add_argument("--users", type=int, metavar="N", help="number of user objects (at least 100)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument("--mutate", action="extend", nargs="+", default=[], metavar="NAME",
                        help="plant a misconfiguration; repeatable, or 'all' (see --list-mutators)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="tenant file to write: .json for JSON, else YAML")
    parser.add_argument("--manifest", type=Path, metavar="FILE",
                        help="where to write the manifest (default: FILE with .manifest.json)")
    parser.add_argument("--list-mutators", action="store_true", help="list the mutators and exit")
    parser.set_defaults(handler=generate_tenant)


def generate_tenant(args: argparse.Namespace) -> int:
    from entra_agents.errors import UsageError
    from entra_agents.graph import synthetic

    if args.list_mutators:
        width = max(len(m.name) for m in synthetic.MUTATORS)
        for m in synthetic.MUTATORS:
            print(f"{m.name:<{width}}  {m.description}")
        return 0
    if args.users is None or args.out is None:
        raise UsageError("tenant generate needs --users N and --out FILE (or --list-mutators)")
    if args.users < synthetic.MIN_USERS:
        raise UsageError(f"--users {args.users}: a synthetic tenant needs at least {synthetic.MIN_USERS} users")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: use zero or a positive number")
    _check_mutators(args.mutate, [m.name for m in synthetic.MUTATORS])
    tenant = synthetic.generate(args.users, args.seed, args.mutate)
    out, manifest = synthetic.write(tenant, args.out, args.manifest)
    expected = tenant.manifest["expected"]
    reported = [f"{check} {e['status']}" + (f" ({len(e['affected']['users'])} users)" if e["affected"].get("users")
                                            else "")
                for check, e in expected.items() if e["status"] != "pass"]
    summary = ", ".join(reported) or "every check passes"
    applied = tenant.manifest["mutators"]
    print(f"wrote {out} ({args.users} users, seed {args.seed}, "
          f"{'mutators: ' + ', '.join(applied) if applied else 'no mutators'})")
    print(f"wrote {manifest}: expected {summary}")
    return 0


def _check_mutators(requested: list[str], known: list[str]) -> None:
    from entra_agents.errors import UsageError

    for name in requested:
        if name != "all" and name not in known:
            close = difflib.get_close_matches(name, [*known, "all"], n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise UsageError(f"--mutate {name}: no such mutator; {hint}list them with "
                             "'entra-agents tenant generate --list-mutators'")
