"""record_decisions writes only with a person's own token: app-only, the agent's fake token, and a credential that
changed hands are refused before anything reaches Graph; a reviewer's write names the reviewer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from entra_agents.access_reviews.record import (
    DecisionWrite,
    ReviewerSession,
    record_decisions,
    reviewer_from_token,
    simulator_token,
)
from entra_agents.errors import UsageError
from entra_agents.graph.client import GRAPH_SCOPES, StaticTokenCredential, close_graph_client, make_graph_client
from entra_agents.graph.delegated import AppOnlyRefused
from entra_agents.graph.simulator import GraphSimulator
from tests.access_reviews.review_tenant import DECISION, OSCAR, RITA, decisions, review_tenant
from tests.test_cli_auth import APP_TOKEN, jwt

BOB = DECISION["u-bob2"]


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    with GraphSimulator(review_tenant()) as server:
        yield server


def _write(decision: str = "Deny", justification: str = "left the team") -> DecisionWrite:
    return DecisionWrite("def-1", "inst-1", BOB, decision, justification)  # type: ignore[arg-type]


def _record(sim: GraphSimulator, session_token: str, token_now: str | None = None,
            writes: list[DecisionWrite] | None = None) -> Any:
    """Open a session as ``session_token`` says, then write with a credential that now gives ``token_now``."""

    async def go() -> Any:
        reviewer = reviewer_from_token(session_token, "simulator", verified=False)
        credential = StaticTokenCredential(token_now or session_token)
        client = make_graph_client(sim.base_url, credential)
        try:
            session = ReviewerSession(reviewer, credential, client, GRAPH_SCOPES[0], "simulator")
            return await record_decisions(session, writes or [_write()])
        finally:
            await close_graph_client(client)

    return asyncio.run(go())


def test_the_reviewer_records_and_graph_names_the_reviewer(sim: GraphSimulator) -> None:
    [outcome] = _record(sim, simulator_token(RITA))
    assert outcome.ok
    recorded = decisions(sim)["u-bob2"]
    assert (recorded["decision"], recorded["justification"], recorded["reviewedBy"]) == (
        "Deny", "left the team", RITA)
    assert sim.writes[0].headers["authorization"] == "Bearer " + simulator_token(RITA)


@pytest.mark.parametrize(("token", "message"), [
    (APP_TOKEN, "gave an app-only token (app entra-agents CA"),
    ("fake-token", "it is not a JWT"),  # what an agent's simulator connection sends
    (jwt({"upn": "nobody@contoso.test", "scp": "AccessReview.ReadWrite.All"}), "names no user object id"),
])
def test_app_only_and_agent_credentials_are_refused(sim: GraphSimulator, token: str, message: str) -> None:
    with pytest.raises(AppOnlyRefused, match="refused: .*" + message.replace("(", r"\(")):
        _record(sim, token)
    assert sim.writes == []


def test_a_credential_that_now_speaks_for_someone_else_is_refused(sim: GraphSimulator) -> None:
    with pytest.raises(AppOnlyRefused, match="now speaks for oscar@contoso.test .* not rita@contoso.test"):
        _record(sim, simulator_token(RITA), simulator_token(OSCAR))
    with pytest.raises(AppOnlyRefused, match="app-only token"):
        _record(sim, simulator_token(RITA), APP_TOKEN)
    assert sim.writes == []


def test_graph_refuses_a_person_who_is_not_a_reviewer(sim: GraphSimulator) -> None:
    [outcome] = _record(sim, simulator_token(OSCAR))
    assert not outcome.ok and "403 Authorization_RequestDenied" in outcome.detail
    assert "oscar@contoso.test is not a reviewer" in outcome.detail
    assert decisions(sim)["u-bob2"]["decision"] == "NotReviewed"


def test_a_justification_is_required(sim: GraphSimulator) -> None:
    with pytest.raises(UsageError, match="a justification is required; nothing was written"):
        _record(sim, simulator_token(RITA), writes=[_write(justification="  ")])
    assert sim.writes == []
