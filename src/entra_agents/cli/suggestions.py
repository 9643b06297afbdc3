"""`suggestions list|show|dismiss|snooze|mark-reviewed|reopen|note|export` (apply and enable: suggestions_apply).

Every action is recorded in the suggestion's history (see ``suggestions.lifecycle``) under the local OS user:
these actions change only the local store, never the tenant.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from entra_agents.cli import common, suggestions_apply
from entra_agents.cli.common import TENANT_HELP, add_json, print_json

SNOOZE_DAYS = 14  # as in the Entra admin center ("Snooze for 14 days")


def register(sub: Any) -> None:
    parser = sub.add_parser("suggestions", help="review agent suggestions and act on them")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="suggestions, oldest first")
    listing.add_argument("--tenant", default=None, metavar="TENANT",
                         help="only this tenant: its object id, or the --tenant value its runs used")
    listing.add_argument("--status", default=None,
                         help="only this status (open, reviewed, snoozed, dismissed, applied)")
    add_json(listing)
    listing.set_defaults(handler=list_suggestions)

    show = _with_id(actions, "show", "one suggestion in full: description, policy, changes, affected objects, "
                                     "impact, history and notes")
    show.add_argument("--tenant", metavar="TENANT", help="name the affected objects from this tenant; " + TENANT_HELP)
    add_json(show)
    show.set_defaults(handler=show_suggestion)

    suggestions_apply.register(actions)

    dismiss = _with_id(actions, "dismiss", "decline a suggestion, saying why (kept: the agent will not suggest it "
                                           "again)")
    dismiss.add_argument("--reason", required=True, metavar="TEXT", help="why, for the other administrators")
    dismiss.set_defaults(handler=_simple("dismiss", _reason))

    snooze = _with_id(actions, "snooze", f"hide a suggestion until a date (default {SNOOZE_DAYS} days); it is "
                                         "open again after it")
    until = snooze.add_mutually_exclusive_group()
    until.add_argument("--days", type=int, metavar="N", help=f"for N days (default {SNOOZE_DAYS})")
    until.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="until this day (00:00 UTC)")
    snooze.set_defaults(handler=snooze_suggestion)

    reviewed = _with_id(actions, "mark-reviewed", "record that you reviewed it (it stays actionable)")
    reviewed.set_defaults(handler=_simple("mark-reviewed", lambda a: ""))
    reopen = _with_id(actions, "reopen", "make a reviewed, snoozed or dismissed suggestion open again")
    reopen.set_defaults(handler=_simple("reopen", lambda a: ""))

    note = _with_id(actions, "note", "add a note for the other administrators (kept with author and time)")
    note.add_argument("text", metavar="TEXT")
    note.set_defaults(handler=note_suggestion)

    export = _with_id(actions, "export", "the affected objects (CSV or JSON), or the policy as Graph JSON")
    export.add_argument("--format", choices=("csv", "json", "policy"), default="csv",
                        help="csv or json: the affected objects; policy: the suggested policy as Graph JSON "
                             "(for policies-as-code)")
    export.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    export.add_argument("--tenant", metavar="TENANT", help="add displayName and userPrincipalName from this tenant")
    export.set_defaults(handler=export_suggestion)


def _with_id(actions: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("suggestion_id", metavar="ID", help="suggestion id (a unique prefix is enough)")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, not {text!r}") from None


def _reason(args: argparse.Namespace) -> str:
    from entra_agents.errors import UsageError

    if not args.reason.strip():
        raise UsageError(f"suggestion {args.suggestion_id}: --reason is empty; say why it is dismissed")
    return str(args.reason.strip())


def list_suggestions(args: argparse.Namespace) -> int:
    from entra_agents.cli.run import print_suggestion

    db = common.store()
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
    from entra_agents.suggestions.export import names
    from entra_agents.suggestions.render import show_lines

    suggestion = common.store().get_suggestion(args.suggestion_id)
    if args.json:
        print_json(suggestion)
        return 0
    index = common.run_async(tenant_index(args.tenant)) if args.tenant else None
    print("\n".join(show_lines(suggestion, names(index) if index is not None else None)))
    return 0


async def tenant_index(spec: str) -> dict[str, Any]:
    from entra_agents.graph.sources import open_tenant
    from entra_agents.suggestions.export import directory_index

    async with open_tenant(spec) as conn:
        return directory_index(await conn.snapshot())


def _simple(action: str, detail: Any) -> Any:
    def handler(args: argparse.Namespace) -> int:
        return _record(args.suggestion_id, action, detail(args))
    return handler


def _record(suggestion_id: str, action: str, detail: str, **fields: Any) -> int:
    from entra_agents.suggestions.administrator import local_administrator
    from entra_agents.suggestions.lifecycle import transition

    by = local_administrator().label
    doc = common.store().change_suggestion(
        suggestion_id, lambda d, at: transition(d, action, by=by, at=at, detail=detail, **fields))
    until = f" until {doc['snoozedUntil']}" if doc.get("snoozedUntil") else ""
    print(f"suggestion {doc['id']} is {doc['status']}{until} ({action} recorded for {by})")
    return 0


def snooze_suggestion(args: argparse.Namespace) -> int:
    from entra_agents.errors import UsageError
    from entra_agents.suggestions.lifecycle import iso

    db = common.store()
    now = db.clock()
    if args.until is not None:
        until = datetime.combine(args.until, time(), UTC)
        if until <= now:
            raise UsageError(f"--until {args.until} is not in the future; give a later day")
    else:
        days = SNOOZE_DAYS if args.days is None else args.days
        if not 1 <= days <= 365:
            raise UsageError(f"--days {days}: snooze for 1 to 365 days")
        until = now + timedelta(days=days)
    return _record(args.suggestion_id, "snooze", f"until {iso(until)}", snoozedUntil=iso(until))


def note_suggestion(args: argparse.Namespace) -> int:
    from entra_agents.suggestions.administrator import local_administrator
    from entra_agents.suggestions.lifecycle import add_note

    by = local_administrator().label
    doc = common.store().change_suggestion(args.suggestion_id, lambda d, at: add_note(d, args.text, by=by, at=at))
    print(f"note added to suggestion {doc['id']} by {by} ({len(doc['notes'])} note(s))")
    return 0


def export_suggestion(args: argparse.Namespace) -> int:
    import json

    from entra_agents.suggestions.export import affected_rows, policy_document, to_csv

    doc = common.store().get_suggestion(args.suggestion_id)
    if args.format == "policy":
        return _write(args.out, json.dumps(policy_document(doc), indent=2, ensure_ascii=False) + "\n",
                      f"the policy of suggestion {doc['id']}")
    index = common.run_async(tenant_index(args.tenant)) if args.tenant else None
    rows = affected_rows(doc, index)
    text = (to_csv(rows, named=index is not None) if args.format == "csv"
            else json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    return _write(args.out, text, f"{len(rows)} affected object(s) of suggestion {doc['id']}")


def _write(out: Path | None, text: str, what: str) -> int:
    if out is None:
        sys.stdout.write(text)
        return 0
    out.write_text(text, encoding="utf-8", newline="")
    print(f"wrote {what} to {out}", file=sys.stderr)
    return 0
