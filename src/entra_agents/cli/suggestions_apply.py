"""`suggestions apply|enable ID --tenant T [--yes]`: an administrator writes a suggestion to the tenant.

DESIGN safety rule 1(b): the write uses the administrator's own credential. With ``--tenant live`` that is a
delegated sign-in (device code, browser, or Azure CLI as a user); app-only sign-in is refused. Simulator, fixture
and ``graph:URL`` tenants take no credential, so the local OS user is recorded, labelled as such.
The plan is shown and confirmed before anything is written; without a terminal, ``--yes`` is the confirmation.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from entra_agents.cli import common
from entra_agents.cli.common import TENANT_HELP
from entra_agents.errors import EntraAgentsError, UsageError
from entra_agents.suggestions.apply import ApplyRefused


class Cancelled(EntraAgentsError):
    """The administrator answered no."""


def register(actions: Any) -> None:
    apply = actions.add_parser(
        "apply", help="write a suggestion to the tenant (after showing the change and asking)",
        description="Write a suggestion to the tenant with your own credential: a new policy is created "
                    "report-only, a change is made exactly as shown. Asks for confirmation first.")
    enable = actions.add_parser(
        "enable", help="turn on the report-only policy an applied suggestion made (after asking)",
        description="Turn on (state enabled) the report-only policy an applied suggestion created or changed. "
                    "Asks for confirmation first.")
    for parser, handler in ((apply, apply_suggestion), (enable, enable_suggestion)):
        parser.add_argument("suggestion_id", metavar="ID", help="suggestion id (a unique prefix is enough)")
        parser.add_argument("--tenant", required=True, metavar="TENANT",
                            help=TENANT_HELP + ", or 'graph:URL' (a running simulator, e.g. `tenant serve`)")
        parser.add_argument("--yes", action="store_true",
                            help="do not ask: you have read the change (needed without a terminal)")
        parser.set_defaults(handler=handler)


def apply_suggestion(args: argparse.Namespace) -> int:
    db = common.store()
    doc = db.get_suggestion(args.suggestion_id)
    if doc["status"] == "applied":
        last = next((h for h in reversed(doc.get("history", [])) if h["action"] == "apply"), {})
        print(f"suggestion {doc['id']} was already applied{_when(last)}: {last.get('detail', '')}; nothing was "
              "written")
        return 0
    return common.run_async(_act(args, db, doc, "apply"))


def enable_suggestion(args: argparse.Namespace) -> int:
    db = common.store()
    return common.run_async(_act(args, db, db.get_suggestion(args.suggestion_id), "enable"))


async def _act(args: argparse.Namespace, db: Any, doc: dict[str, Any], action: str) -> int:
    from entra_agents.suggestions.apply import check_tenant, execute, plan_apply, plan_enable
    from entra_agents.suggestions.lifecycle import check_allowed, transition

    check_allowed(doc, action)  # before signing in: a dismissed suggestion fails fast
    tenant_id = db.suggestion_tenant_id(doc["id"])
    async with admin_tenant(args.tenant) as (conn, admin):
        await check_tenant(conn.client, tenant_id, doc["id"], conn.label)
        plan = await (plan_apply if action == "apply" else plan_enable)(conn.client, doc)
        print(f"Suggestion {doc['id']}: {doc.get('title')}")
        print("\n".join(plan.lines))
        if action == "apply" and plan.writes:
            problems = await _lockout(conn, db, doc, plan)
            if problems:
                raise ApplyRefused(f"suggestion {doc['id']} would now lock people out: {'; '.join(problems)}. "
                                   "Nothing was written; fix the settings or re-run the agent")
        if plan.writes:
            _confirm(f"{action.capitalize()} it in {conn.label} as {admin.label}?", args.yes)
        outcome = await execute(conn.client, plan)
        kind = conn.kind
    fields: dict[str, Any] = {"appliedPolicyId": outcome.policy_id} if action == "apply" else {}
    if action == "apply" and plan.operation in ("create", "reuse"):
        fields["createdPolicyId"] = outcome.policy_id
    # demo and fixture tenants are served for this command only: say so, here and in the history
    ephemeral = " (in-process simulator: the tenant file is unchanged)" if kind == "fixture" else ""
    where = f"{args.tenant}{ephemeral}"
    detail = f"{outcome.detail} in {where}" + "".join(f"; WARNING: {p}" for p in outcome.problems)
    recorded = db.change_suggestion(doc["id"], lambda d, at: transition(
        d, action, by=admin.label, at=at, detail=detail, **fields))
    print(f"{outcome.detail}; suggestion {recorded['id']} is {recorded['status']} (recorded for {admin.label})")
    if ephemeral and plan.writes:
        print(f"note: {args.tenant} is served by an in-process simulator for this command only; the write is gone "
              "now. Use --tenant live, or graph:URL with `entra-agents tenant serve`, to keep it")
    for note in (*plan.after_notes, *outcome.problems):
        print(f"note: {note}")
    if action == "apply" and plan.operation != "none" and doc.get("kind") != "modify_policy":
        print(f"to turn it on after reviewing its report-only results: entra-agents suggestions enable "
              f"{recorded['id'][:8]} --tenant {args.tenant}")
    return 0


async def _lockout(conn: Any, db: Any, doc: dict[str, Any], plan: Any) -> list[str]:
    """Lockout problems of the planned write on the tenant as read now, with the agent's stored settings
    (break-glass accounts) for that tenant."""
    from datetime import UTC, datetime

    from entra_agents.agent_config.run_setup import prepare
    from entra_agents.cli.plugins import load
    from entra_agents.conditional_access.config import AnalysisConfig
    from entra_agents.suggestions.apply import lockout_problems

    snapshot = await conn.snapshot()
    agent = load().agent(db.suggestion_agent(doc["id"]))
    setup = prepare(agent, db, snapshot, conn.as_of or datetime.now(UTC), {})
    return lockout_problems(snapshot, AnalysisConfig.from_settings(setup.values), plan)


def _when(entry: dict[str, Any]) -> str:
    return f" on {entry['at']} by {entry['by']}" if entry else ""


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError("refused: writing to the tenant needs your confirmation and there is no terminal to ask "
                         "in; read the change above and run again with --yes. Nothing was written")
    answer = input(f"{question} [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise Cancelled("cancelled; nothing was written")


def _credential(settings: Any) -> Any:
    """The live credential. Tests replace this to stand in for the identity provider they cannot reach."""
    from entra_agents.graph.live import build_credential

    return build_credential(settings)


def _live_client(settings: Any, credential: Any) -> Any:
    """The live Graph client. Tests replace this to point a live sign-in at the simulator."""
    from entra_agents.graph.live import live_client

    return live_client(settings, credential=credential)


@asynccontextmanager
async def admin_tenant(spec: str) -> AsyncIterator[tuple[Any, Any]]:
    """The tenant to write to and the administrator writing: live only with a delegated (user) token."""
    from entra_agents.graph.delegated import delegated_sign_in
    from entra_agents.graph.sources import TenantConnection, open_tenant
    from entra_agents.suggestions.administrator import PURPOSE, local_administrator, signed_in_administrator

    if spec.strip() != "live":
        async with open_tenant(spec) as conn:
            if not conn.writable:
                raise UsageError(f"{conn.label} is a recorded tenant and read-only; apply to the tenant itself "
                                 "(--tenant live) or to a running simulator (--tenant graph:URL)")
            yield conn, local_administrator()
        return
    from entra_agents.graph.live import LiveSettings

    settings = LiveSettings.from_env()
    async with delegated_sign_in(settings, PURPOSE, credential=_credential, client=_live_client) as (
            client, _, identity):
        yield TenantConnection(kind="live", label=settings.label, client=client), signed_in_administrator(identity)
