"""`review --tenant T [--reviewer-login UPN] [--instance ID]`: a reviewer goes through their access review
decisions with the agent's recommendations, asks about them, and records decisions as themselves.

DESIGN safety rule 1(c): decisions are recorded with the reviewer's own identity. With ``--tenant live`` that is a
delegated sign-in (device code, browser, or Azure CLI as a user); app-only sign-in is refused, as is a signed-in
user other than ``--reviewer-login``. A simulator tenant (``graph:URL``, ``demo``, ``fixture:PATH``) has nobody
to sign in with, so ``--reviewer-login`` says who you are there and the simulator records that user (labelled
as not verified).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from entra_agents.cli import common
from entra_agents.cli.common import TENANT_HELP
from entra_agents.errors import UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "review", help="go through your access review decisions with the agent, and record them as yourself",
        description="Sign in as a reviewer, list your decisions in in-progress access reviews with the access "
                    "review agent's recommendations, ask about them (\"why deny Bob?\", \"who has not signed in "
                    "for 90 days?\") and record decisions with your own identity after confirming each.")
    parser.add_argument("--tenant", required=True, metavar="TENANT",
                        help=TENANT_HELP + ", or 'graph:URL' (a running simulator, e.g. `tenant serve`)")
    parser.add_argument("--reviewer-login", metavar="UPN",
                        help="who you are: checked against your sign-in on a live tenant; on a simulator tenant "
                             "(nobody signs in there) the reviewer to act as")
    parser.add_argument("--instance", metavar="ID", help="only this access review instance")
    parser.set_defaults(handler=review)


def review(args: argparse.Namespace) -> int:
    return common.run_async(_review(args))


async def _review(args: argparse.Namespace) -> int:
    from entra_agents.access_reviews.conversation import Conversation
    from entra_agents.access_reviews.conversation_pending import load_pending, stored_recommendations, tenant_id

    db = common.store()
    async with reviewer_tenant(args.tenant, args.reviewer_login) as (conn, session):
        recommendations = stored_recommendations(db, await tenant_id(session.client))
        items = await load_pending(session.client, recommendations, instance_id=args.instance)
        if conn.kind == "fixture":
            print(f"note: {args.tenant} is served by an in-process simulator for this command only; decisions "
                  "recorded here are gone when it ends. Use graph:URL with `entra-agents tenant serve` to keep them")
        await Conversation(session, items, args.tenant, ask=input, say=print, now=conn.as_of).loop()
    return 0


def _credential(settings: Any) -> Any:
    """The live credential. Tests replace this to stand in for the identity provider they cannot reach."""
    from entra_agents.graph.live import build_credential

    return build_credential(settings)


def _live_client(settings: Any, credential: Any) -> Any:
    """The live Graph client. Tests replace this to point a live sign-in at the simulator."""
    from entra_agents.graph.live import live_client

    return live_client(settings, credential=credential)


@asynccontextmanager
async def reviewer_tenant(spec: str, login: str | None) -> AsyncIterator[tuple[Any, Any]]:
    """The tenant and the reviewer's session on it: live only with the reviewer's own delegated token."""
    from entra_agents.access_reviews.record import PURPOSE, ReviewerSession, reviewer_from_token
    from entra_agents.graph.delegated import AppOnlyRefused, delegated_sign_in
    from entra_agents.graph.sources import TenantConnection

    if spec.strip() != "live":
        async with _simulator_session(spec, login) as pair:
            yield pair
        return
    from entra_agents.graph.live import LiveSettings

    settings = LiveSettings.from_env()
    async with delegated_sign_in(settings, PURPOSE, credential=_credential, client=_live_client) as (
            client, credential, _):
        token = await credential.get_token(settings.endpoints.scope)
        reviewer = reviewer_from_token(token.token, settings.auth, verified=True)
        if login and login.strip().lower() not in (reviewer.user_principal_name.lower(), reviewer.object_id.lower()):
            raise AppOnlyRefused(f"refused: you are signed in as {reviewer.label}, not {login}; sign in as {login} "
                                 "(or leave out --reviewer-login) so decisions are recorded under the right person")
        session = ReviewerSession(reviewer, credential, client, settings.endpoints.scope, settings.auth)
        yield TenantConnection(kind="live", label=settings.label, client=client), session


@asynccontextmanager
async def _simulator_session(spec: str, login: str | None) -> AsyncIterator[tuple[Any, Any]]:
    from entra_agents.access_reviews.record import ReviewerSession, reviewer_from_token, simulator_token
    from entra_agents.graph.client import (
        GRAPH_SCOPES,
        GraphRequestError,
        StaticTokenCredential,
        base_url_of,
        close_graph_client,
        get_json,
        make_graph_client,
    )
    from entra_agents.graph.sources import open_tenant

    async with open_tenant(spec) as conn:
        if not conn.writable:
            raise UsageError(f"{conn.label} is a recorded tenant: it cannot answer for a reviewer or take decisions; "
                             "use --tenant live, or a simulator (graph:URL from `entra-agents tenant serve`)")
        if not login:
            raise UsageError(f"--reviewer-login UPN is needed with --tenant {spec}: nobody signs in to a simulator, so "
                             "say which reviewer you are")
        try:
            user = await get_json(conn.client, f"/users/{login}?$select=id,displayName,userPrincipalName")
        except GraphRequestError as exc:
            raise UsageError(f"--reviewer-login {login}: no such user in {conn.label} ({exc})") from None
        token = simulator_token(user)
        credential = StaticTokenCredential(token)
        client = make_graph_client(base_url_of(conn.client), credential)
        try:
            reviewer = reviewer_from_token(token, "simulator", verified=False)
            yield conn, ReviewerSession(reviewer, credential, client, GRAPH_SCOPES[0], "simulator")
        finally:
            await close_graph_client(client)
