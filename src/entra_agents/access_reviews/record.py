"""Recording access review decisions in Graph, with the reviewer's own identity and nobody else's.

DESIGN safety rule 1(c): a reviewer records decisions with their own identity; the agent never does (it has no
write skill, and this module is imported by the reviewer's CLI only). Every write goes through a
:class:`ReviewerSession`, whose Graph client is built on the reviewer's credential; right before writing,
:func:`record_decisions` asks that credential for its token again and refuses unless the token speaks for a
person (not an application, not the agent's fake or app-only token) and for the same person the session was
opened for. Graph then records ``reviewedBy`` from that token.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Literal

from entra_agents.errors import UsageError
from entra_agents.graph.delegated import AppOnlyRefused, signed_in_user

JSON = dict[str, Any]
Decision = Literal["Approve", "Deny", "DontKnow"]
REVIEWS = "/identityGovernance/accessReviews/definitions"
PURPOSE = ("an access review decision is recorded only with the reviewer's own identity (the agent's or an "
           "application's identity never records one)")
BATCH = 20  # Graph's $batch limit


@dataclass(frozen=True)
class Reviewer:
    object_id: str
    user_principal_name: str
    display_name: str
    verified: bool
    """True when Microsoft Entra ID issued the token; False for a simulator sign-in (nobody verifies it)."""

    @property
    def label(self) -> str:
        name = self.user_principal_name or self.object_id
        return name if self.verified else f"{name} (simulator sign-in, not verified)"


@dataclass(frozen=True)
class ReviewerSession:
    """The reviewer, their credential and the Graph client built on it (nothing else writes decisions)."""

    reviewer: Reviewer
    credential: Any
    client: Any
    scope: str
    auth_mode: str
    """How the reviewer signed in (``device-code``, ``azure-cli``..., or ``simulator``), for refusals."""


@dataclass(frozen=True)
class DecisionWrite:
    definition_id: str
    instance_id: str
    decision_id: str
    decision: Decision
    justification: str

    @property
    def path(self) -> str:
        return f"{REVIEWS}/{self.definition_id}/instances/{self.instance_id}/decisions/{self.decision_id}"


@dataclass(frozen=True)
class WriteOutcome:
    write: DecisionWrite
    ok: bool
    detail: str


def reviewer_from_token(access_token: str, auth_mode: str, *, verified: bool) -> Reviewer:
    """The person a token speaks for; :class:`AppOnlyRefused` for an application's or an unreadable token."""
    identity = signed_in_user(access_token, auth_mode, PURPOSE)
    if not identity.object_id:
        raise AppOnlyRefused(f"refused: the ENTRA_AGENTS_AUTH={auth_mode} token names no user object id (oid), so "
                             f"Graph could not record who decided; {PURPOSE}")
    from entra_agents.graph.permissions import token_claims

    name = str(token_claims(access_token).get("name") or "")
    return Reviewer(object_id=identity.object_id, user_principal_name=identity.user or "", display_name=name,
                    verified=verified)


def simulator_token(user: JSON) -> str:
    """An unsigned delegated token for ``user``, for a Graph simulator (it trusts its callers and reads the
    claims to record ``reviewedBy``). Never sent to Microsoft: a real tenant would reject it."""
    claims = {"oid": user["id"], "upn": user.get("userPrincipalName") or "", "name": user.get("displayName") or "",
              "scp": "AccessReview.ReadWrite.All User.Read", "idtyp": "user"}

    def part(data: JSON) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def check_session(session: ReviewerSession) -> Reviewer:
    """The reviewer the session's credential speaks for *now*; refused if it is not the session's person."""
    token = await session.credential.get_token(session.scope)
    now = reviewer_from_token(token.token, session.auth_mode, verified=session.reviewer.verified)
    if now.object_id.lower() != session.reviewer.object_id.lower():
        raise AppOnlyRefused(f"refused: the credential now speaks for {now.label}, not {session.reviewer.label} who "
                             "opened this review session; nothing was written")
    return now


async def record_decisions(session: ReviewerSession, writes: list[DecisionWrite]) -> list[WriteOutcome]:
    """PATCH each decision (``decision`` and ``justification``) as the session's reviewer.

    One write is a plain PATCH; several go 20 to a ``$batch`` (a reviewer accepting hundreds of
    recommendations should not wait for hundreds of round trips). Writes are never retried (safety rule 7:
    Graph's answer is reported per decision instead).
    """
    from entra_agents.graph.client import GraphRequestError, patch_json, post_batch

    if not writes:
        return []
    await check_session(session)
    for w in writes:
        if not w.justification.strip():
            raise UsageError(f"decision {w.decision_id}: a justification is required; nothing was written")
    if len(writes) == 1:
        try:
            await patch_json(session.client, writes[0].path, _body(writes[0]))
        except GraphRequestError as exc:
            return [WriteOutcome(writes[0], False, str(exc))]
        return [WriteOutcome(writes[0], True, f"recorded {writes[0].decision}")]
    outcomes: list[WriteOutcome] = []
    for start in range(0, len(writes), BATCH):
        chunk = writes[start:start + BATCH]
        requests = [{"id": str(n), "method": "PATCH", "url": w.path, "body": _body(w),
                     "headers": {"Content-Type": "application/json"}} for n, w in enumerate(chunk)]
        answers = {str(a.get("id")): a for a in await post_batch(session.client, requests)}
        for n, w in enumerate(chunk):
            answer = answers.get(str(n)) or {}
            status = int(answer.get("status") or 0)
            if 200 <= status < 300:
                outcomes.append(WriteOutcome(w, True, f"recorded {w.decision}"))
            else:
                error = ((answer.get("body") or {}).get("error") or {}) if isinstance(answer.get("body"), dict) else {}
                outcomes.append(WriteOutcome(w, False, f"{status} {error.get('code', '')}: "
                                                       f"{error.get('message', 'no answer')}"))
    return outcomes


def _body(write: DecisionWrite) -> JSON:
    return {"decision": write.decision, "justification": write.justification}
