"""Graph permissions: what a token carries, what each agent's skills declare, and what is missing.

Tokens are decoded, not verified: we only read our own token to tell the administrator what it can do, and Graph
verifies it on every request anyway. The token itself is never printed or put in an error message.

Satisfaction rules (kept small and explicit; each is a "higher privileged permission" in Graph's API reference):

1. A permission satisfies itself (names compare case-insensitively).
2. ``X.ReadWrite.Y`` satisfies ``X.Read.Y`` (e.g. ``Policy.ReadWrite.ConditionalAccess`` does *not* satisfy
   ``Policy.Read.All``: the suffixes differ).
3. ``Directory.Read.All`` and ``Directory.ReadWrite.All`` satisfy ``User.Read.All``, ``Group.Read.All``,
   ``GroupMember.Read.All``, ``RoleManagement.Read.Directory`` and ``Application.Read.All``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from entra_agents.errors import UsageError

DIRECTORY_WIDE = ("Directory.Read.All", "Directory.ReadWrite.All")
IMPLIED_BY_DIRECTORY = frozenset(p.lower() for p in (
    "User.Read.All", "Group.Read.All", "GroupMember.Read.All", "RoleManagement.Read.Directory",
    "Application.Read.All"))


class TokenNotReadable(UsageError):
    """The access token is not a JWT we can read claims from (e.g. an opaque token)."""


def token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT access token, without verifying its signature."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1]:
        raise TokenNotReadable("the access token is not a JWT (expected three dot-separated parts); cannot read "
                               "its permissions")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        raise TokenNotReadable("the access token's payload is not base64url-encoded JSON; cannot read its "
                               "permissions") from None
    if not isinstance(claims, dict):
        raise TokenNotReadable("the access token's payload is not a JSON object; cannot read its permissions")
    return claims


@dataclass(frozen=True)
class TokenIdentity:
    """Who a token speaks for and what it may do: application permissions (``roles``) or delegated (``scp``)."""

    kind: Literal["app", "user"]
    permissions: tuple[str, ...]
    tenant_id: str | None = None
    object_id: str | None = None
    user: str | None = None
    app_id: str | None = None
    app_display_name: str | None = None
    audience: str | None = None
    expires_at: int | None = None

    @property
    def permission_type(self) -> Literal["application", "delegated"]:
        return "delegated" if self.kind == "user" else "application"

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> TokenIdentity:
        scp = claims.get("scp")
        # v1 and v2 tokens name the user and the app differently; idtyp is only present when requested
        delegated = bool(scp) or claims.get("idtyp") == "user"
        roles = claims.get("roles") or []
        permissions = str(scp or "").split() if delegated else [str(r) for r in roles if isinstance(r, str)]
        user = claims.get("upn") or claims.get("preferred_username") or claims.get("unique_name")
        exp = claims.get("exp")
        return cls(
            kind="user" if delegated else "app", permissions=tuple(permissions),
            tenant_id=_str(claims.get("tid")), object_id=_str(claims.get("oid")),
            user=_str(user) if delegated else None, app_id=_str(claims.get("appid") or claims.get("azp")),
            app_display_name=_str(claims.get("app_displayname")), audience=_str(claims.get("aud")),
            expires_at=int(exp) if isinstance(exp, (int, float)) else None)

    @classmethod
    def from_token(cls, token: str) -> TokenIdentity:
        return cls.from_claims(token_claims(token))


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def required_permissions(catalog: Any, agent_name: str, *,
                         access: Literal["read", "write"] | None = None) -> dict[str, list[str]]:
    """Permission -> names of the agent's skills that declare it, over ``catalog.skills_for(agent)``.

    ``access`` keeps only read or only write skills, e.g. to tell which permissions only writes need.
    Permissions appear in the order the skills are reached, skills in declaration order.
    """
    needed: dict[str, list[str]] = {}
    for skill in catalog.skills_for(agent_name):
        python = getattr(skill, "python", None)
        if python is None or (access is not None and python.access != access):
            continue
        for permission in python.permissions:
            users = needed.setdefault(permission, [])
            if skill.name not in users:
                users.append(skill.name)
    return needed


def satisfied_by(granted: Iterable[str], permission: str) -> str | None:
    """The granted permission that satisfies ``permission`` (itself first), or ``None``."""
    by_lower = {g.lower(): g for g in granted}
    wanted = permission.lower()
    if wanted in by_lower:
        return by_lower[wanted]
    resource, dot, rest = wanted.partition(".")
    if dot and rest.startswith("read."):
        broader = f"{resource}.readwrite.{rest[len('read.'):]}"
        if broader in by_lower:
            return by_lower[broader]
    if wanted in IMPLIED_BY_DIRECTORY:
        for wide in DIRECTORY_WIDE:
            if wide.lower() in by_lower:
                return by_lower[wide.lower()]
    return None


def missing(granted: Iterable[str], required: Iterable[str]) -> list[str]:
    """The required permissions no granted permission satisfies, in the order required."""
    granted = list(granted)
    return [p for p in dict.fromkeys(required) if satisfied_by(granted, p) is None]
