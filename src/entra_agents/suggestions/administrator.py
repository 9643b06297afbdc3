"""Who is acting on a suggestion, and the rule that a tenant write uses the administrator's own credential.

DESIGN safety rule 1(b): an approved suggestion reaches the tenant only through an administrator, with the
administrator's own credential. An app-only sign-in (client secret, certificate, managed identity) is the agent's
kind of identity, not a person's, so it may read for an agent but never apply or enable a suggestion. The token
itself is the proof: Azure CLI can be signed in as a service principal, so a delegated *mode* is not enough.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from entra_agents.errors import UsageError

HOW_TO_SIGN_IN = ("sign in as yourself: ENTRA_AGENTS_AUTH=device-code or browser (with ENTRA_AGENTS_TENANT_ID and "
                  "ENTRA_AGENTS_CLIENT_ID of a public client app registration), or azure-cli after `az login` with "
                  "your own account; check with `entra-agents auth status`")


class AppOnlyRefused(UsageError):
    """A tenant write was asked for with an application's credential instead of an administrator's."""


@dataclass(frozen=True)
class Administrator:
    name: str
    """The signed-in user's UPN, or the local OS user name."""
    signed_in: bool
    """True when Microsoft Entra ID vouches for ``name`` (a delegated token); False for the local OS user."""

    @property
    def label(self) -> str:
        """``by`` in the suggestion history: says how we know who it was."""
        return self.name if self.signed_in else f"{self.name} (local OS user)"


def local_administrator() -> Administrator:
    """The OS user: who acted on the local store, or on a simulator or fixture tenant (nobody signs in there)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        name = "unknown"
    return Administrator(name=name, signed_in=False)


def refuse_app_only_mode(auth_mode: str) -> None:
    """Refuse before any sign-in when the configured mode can only ever be an application."""
    from entra_agents.graph.live import APP_ONLY_MODES

    if auth_mode in APP_ONLY_MODES:
        raise AppOnlyRefused(
            f"refused: ENTRA_AGENTS_AUTH={auth_mode} signs in as an application, and a suggestion is written to the "
            "tenant only with the administrator's own credential (so the tenant's audit log names the person who "
            f"approved it); {HOW_TO_SIGN_IN}")


def delegated_administrator(access_token: str, auth_mode: str) -> Administrator:
    """The signed-in user the token speaks for; :class:`AppOnlyRefused` if it speaks for an application."""
    from entra_agents.graph.permissions import TokenIdentity, TokenNotReadable

    try:
        identity = TokenIdentity.from_token(access_token)
    except TokenNotReadable:
        raise AppOnlyRefused(f"refused: cannot tell whom the ENTRA_AGENTS_AUTH={auth_mode} token speaks for (it is "
                             "not a JWT), and a suggestion is written only with an administrator's own credential; "
                             f"{HOW_TO_SIGN_IN}") from None
    if identity.kind != "user":
        who = f"app {identity.app_display_name or identity.app_id or 'unknown'}"
        raise AppOnlyRefused(
            f"refused: ENTRA_AGENTS_AUTH={auth_mode} gave an app-only token ({who}, e.g. `az login "
            "--service-principal`), and a suggestion is written to the tenant only with the administrator's own "
            f"credential; {HOW_TO_SIGN_IN}")
    return Administrator(name=identity.user or identity.object_id or "unnamed user", signed_in=True)
