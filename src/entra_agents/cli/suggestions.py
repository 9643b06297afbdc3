"""`suggestions list|show`: what the agents proposed, with rationale and policy JSON."""

from __future__ import annotations

import argparse
from typing import Any

from entra_agents.cli.common import add_json, print_json, store


def register(sub: Any) -> None:
    parser = sub.add_parser("suggestions", help="list or show agent suggestions")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="suggestions, oldest first")
    listing.add_argument("--tenant", default=None, metavar="TENANT",
                         help="only this tenant: its object id, or the --tenant value its runs used")
    listing.add_argument("--status", default=None, help="only this status (open, dismissed, ...)")
    add_json(listing)
    listing.set_defaults(handler=list_suggestions)
    show = actions.add_parser("show", help="one suggestion in full, with its policy JSON")
    show.add_argument("suggestion_id", metavar="ID", help="suggestion id (a unique prefix is enough)")
    add_json(show)
    show.set_defaults(handler=show_suggestion)


def list_suggestions(args: argparse.Namespace) -> int:
    from entra_agents.cli.run import print_suggestion

    db = store()
    if args.tenant:
        ids = {args.tenant} | {r["tenant"]["id"] for r in db.list_runs(limit=10_000)
                               if r["tenant"]["source"] == args.tenant}
        suggestions = [s for tid in sorted(ids) for s in db.list_suggestions(tenant_id=tid, status=args.status)]
    else:
        suggestions = db.list_suggestions(status=args.status)
    if args.json:
        print_json(suggestions)
        return 0
    for suggestion in suggestions:
        print_suggestion(suggestion)
        print()
    if not suggestions:
        print("no suggestions")
    return 0


def show_suggestion(args: argparse.Namespace) -> int:
    from entra_agents.cli.run import print_suggestion

    suggestion = store().get_suggestion(args.suggestion_id)
    if args.json:
        print_json(suggestion)
        return 0
    print_suggestion(suggestion, full=True)
    affected = suggestion.get("affected") or {}
    for kind, ids in affected.items():
        if ids:
            print(f"  affected {kind}: {len(ids)}: {', '.join(ids[:20])}{' …' if len(ids) > 20 else ''}")
    return 0
