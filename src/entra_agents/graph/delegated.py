"""A person signed in: the rule that some tenant writes need a user's own (delegated) token, never an app's.

DESIGN safety rule 1(b) and 1(c): an administrator applies a suggestion, and a reviewer records an access review
decision, with their own credential. An app-only sign-in (client secret, certificate, managed identity) is the
agent's kind of identity, not a person's. The token itself is the proof: Azure CLI can be signed in as a service
principal, so a delegated *mode* is not enough. Shared by ``suggestions.administrator`` and
``access_reviews.record``; ``purpose`` says in each refusal why a person's credential is needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from entra_agents.errors import UsageError

if TYPE_CHECKING:
    from entra_agents.graph.live import LiveSettings
    from entra_agents.graph.permissions import TokenIdentity

HOW_TO_SIGN_IN = ("sign in as yourself: ENTRA_AGENTS_AUTH=device-code or browser (with ENTRA_AGENTS_TENANT_ID and "
                  "ENTRA_AGENTS_CLIENT_ID of a public client app registration), or azure-cli after `az login` with "
                  "your own account; check with `entra-agents auth status`")


class AppOnlyRefused(UsageError):
    """A tenant write was asked for with an application's credential instead of a person's."""


def refuse_app_only_mode(auth_mode: str, purpose: str) -> None:
    """Refuse before any sign-in when the configured mode can only ever be an application."""
    from entra_agents.graph.live import APP_ONLY_MODES

    if auth_mode in APP_ONLY_MODES:
        raise AppOnlyRefused(f"refused: ENTRA_AGENTS_AUTH={auth_mode} signs in as an application, and {purpose}; "
                             f"{HOW_TO_SIGN_IN}")


def signed_in_user(access_token: str, auth_mode: str, purpose: str) -> TokenIdentity:
    """The user the token speaks for; :class:`AppOnlyRefused` if it speaks for an application or cannot be read."""
    from entra_agents.graph.permissions import TokenIdentity, TokenNotReadable

    try:
        identity = TokenIdentity.from_token(access_token)
    except TokenNotReadable:
        raise AppOnlyRefused(f"refused: cannot tell whom the ENTRA_AGENTS_AUTH={auth_mode} token speaks for (it is "
                             f"not a JWT), and {purpose}; {HOW_TO_SIGN_IN}") from None
    if identity.kind != "user":
        who = f"app {identity.app_display_name or identity.app_id or 'unknown'}"
        raise AppOnlyRefused(f"refused: ENTRA_AGENTS_AUTH={auth_mode} gave an app-only token ({who}, e.g. `az login "
                             f"--service-principal`), and {purpose}; {HOW_TO_SIGN_IN}")
    return identity


@asynccontextmanager
async def delegated_sign_in(
        settings: LiveSettings, purpose: str, *, credential: Callable[[LiveSettings], Any],
        client: Callable[[LiveSettings, Any], Any]) -> AsyncIterator[tuple[Any, Any, TokenIdentity]]:
    """Sign in to the live tenant as a person: yields ``(graph client, credential, the user's identity)``.

    ``credential`` and ``client`` build the live credential and Graph client (the CLI modules pass hooks that
    tests replace). App-only modes are refused before any sign-in; an app-only token right after it.
    """
    from entra_agents.graph.client import close_graph_client

    refuse_app_only_mode(settings.auth, purpose)
    cred = credential(settings)
    try:
        token = await cred.get_token(settings.endpoints.scope)
        identity = signed_in_user(token.token, settings.auth, purpose)
        graph = client(settings, cred)
        try:
            yield graph, cred, identity
        finally:
            await close_graph_client(graph)
    finally:
        await cred.close()
