"""`schedule add|remove|run|status`: agents running by themselves, per manifest period and on tenant activity."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
from typing import Any

from entra_agents.cli.common import TENANT_HELP, add_json, print_json, run_async, store


def register(sub: Any) -> None:
    parser = sub.add_parser("schedule", help="run agents unattended: on their period and on tenant activity")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="schedule AGENT on a tenant (stored; anchored now)")
    add.add_argument("agent", metavar="AGENT")
    add.add_argument("--tenant", required=True, metavar="TENANT", help=TENANT_HELP)
    add.add_argument("--every", metavar="PERIOD", default=None,
                     help="instead of the manifest's DefaultPeriodSeconds: seconds, or 30m, 6h, 1d")
    add.add_argument("--activity", metavar="RULE", default=None,
                     help="also run on tenant activity, e.g. ca-policy-changes (Conditional Access policy changes: "
                          "polled every 5 min, 3 changes start a run, at most one activity run per 6 h)")
    add.set_defaults(handler=add_entry)

    remove = actions.add_parser("remove", help="stop scheduling AGENT on a tenant")
    remove.add_argument("agent", metavar="AGENT")
    remove.add_argument("--tenant", required=True, metavar="TENANT", help=TENANT_HELP)
    remove.set_defaults(handler=remove_entry)

    run = actions.add_parser("run", help="the scheduler: a long-running process (SIGTERM stops it cleanly)")
    run.add_argument("--tenant", action="append", default=[], metavar="TENANT",
                     help="also schedule every periodic agent (or each --agent) on TENANT for this process, and "
                          "run only this tenant's stored entries (repeatable)")
    run.add_argument("--agent", action="append", default=[], metavar="AGENT", help="only these agents (repeatable)")
    run.add_argument("--once", action="store_true", help="run what is due now, then exit (for cron)")
    run.add_argument("--model", default=None, metavar="MODEL", help="as for `entra-agents run` (default offline)")
    run.add_argument("--grace", type=float, default=60.0, metavar="SECONDS",
                     help="after SIGTERM, how long the current run may take to finish before it is interrupted")
    run.add_argument("--lease", type=float, default=600.0, metavar="SECONDS",
                     help="a run whose scheduler stops renewing its lease this long is taken over and recorded "
                          "interrupted")
    run.set_defaults(handler=run_scheduler)

    status = actions.add_parser("status", help="the plan: next runs, last outcomes, runs in progress")
    add_json(status)
    status.set_defaults(handler=show_status)


def add_entry(args: argparse.Namespace) -> int:
    from entra_agents.cli.plugins import load
    from entra_agents.errors import UsageError
    from entra_agents.scheduler.activity import rule
    from entra_agents.scheduler.plan import (
        Entry,
        format_period,
        manifest_period,
        parse_period,
    )
    from entra_agents.store import schedules

    catalog = load()
    catalog.agent(args.agent)
    period = parse_period(args.every) if args.every else None
    activity = rule(args.activity).name if args.activity else None
    effective = period if period is not None else manifest_period(catalog, args.agent)
    if not effective and not activity:
        raise UsageError(f"agent `{args.agent}` declares no period (manual runs only); give --every or --activity")
    s = store()
    schedules.add_entry(s, args.agent, args.tenant, period_seconds=period, activity=activity, actor=getpass.getuser(),
                        at=s.clock())
    entry = Entry(args.agent, args.tenant, effective, rule(activity) if activity else None, stored=True)
    print(f"scheduled {args.agent} on {args.tenant}: {entry.describe()}"
          + ("" if period is not None or not effective else f" (manifest period {format_period(effective)})"))
    print("runs happen while `entra-agents schedule run` is running")
    return 0


def remove_entry(args: argparse.Namespace) -> int:
    from entra_agents.errors import UsageError
    from entra_agents.store import schedules

    if not schedules.remove_entry(store(), args.agent, args.tenant):
        raise UsageError(f"{args.agent} is not scheduled on {args.tenant} (see `entra-agents schedule status`)")
    print(f"no longer scheduled: {args.agent} on {args.tenant}")
    return 0


def show_status(args: argparse.Namespace) -> int:
    from entra_agents.cli.plugins import load
    from entra_agents.scheduler.status import render, status_rows
    from entra_agents.store import schedules

    s = store()
    rows = status_rows(load(), schedules.entries(s), schedules.states(s), s.clock())
    if args.json:
        print_json(rows)
    else:
        print("\n".join(render(rows)))
    return 0


def run_scheduler(args: argparse.Namespace) -> int:
    run_async(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    from entra_agents.cli.plugins import load
    from entra_agents.errors import UsageError
    from entra_agents.scheduler.activity import GraphAuditSource
    from entra_agents.scheduler.execute import AgentExecutor
    from entra_agents.scheduler.plan import Entry, build_plan
    from entra_agents.scheduler.scheduler import Scheduler, Settings
    from entra_agents.store import schedules

    s, catalog = store(), load()

    def plan() -> list[Entry]:
        # re-read every pass: entries added or removed while the scheduler runs take effect
        return build_plan(catalog, schedules.entries(s), tenants=args.tenant, agents=args.agent)

    first = plan()
    if not first:
        raise UsageError("nothing to schedule: add entries with `entra-agents schedule add AGENT --tenant T` "
                         "or give --tenant")
    scheduler = Scheduler(s, plan, AgentExecutor(s, catalog, args.model), audits=GraphAuditSource(),
                          settings=Settings(lease_seconds=args.lease, grace_seconds=args.grace))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, scheduler.request_stop)
    for entry in first:
        print(f"{entry.agent} on {entry.tenant}: {entry.describe()}", flush=True)
    print(f"scheduler {scheduler.owner} running; SIGTERM or Ctrl-C stops it", flush=True)
    await scheduler.serve(once=args.once)
    print("scheduler stopped", flush=True)
