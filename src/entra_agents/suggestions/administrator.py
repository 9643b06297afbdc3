"""Who is acting on a suggestion, and the rule that a tenant write uses the administrator's own credential.

DESIGN safety rule 1(b): an approved suggestion reaches the tenant only through an administrator, with the
administrator's own credential. The token rule itself (app-only refused) lives in ``graph.delegated``, shared with
access review decisions.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entra_agents.graph.permissions import TokenIdentity

__all__ = ["PURPOSE", "Administrator", "local_administrator", "signed_in_administrator"]

PURPOSE = ("a suggestion is written to the tenant only with the administrator's own credential (so the tenant's "
           "audit log names the person who approved it)")


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


def signed_in_administrator(identity: TokenIdentity) -> Administrator:
    """The administrator a delegated token speaks for (``graph.delegated.signed_in_user`` refused app tokens)."""
    return Administrator(name=identity.user or identity.object_id or "unnamed user", signed_in=True)
