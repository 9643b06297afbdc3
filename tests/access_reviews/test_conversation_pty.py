"""Issue 7's "done when": a scripted reviewer conversation through a pseudo-terminal (pexpect) against a Graph
simulator started here records decisions under the reviewer's id, only after confirmation; declining writes
nothing; an ambiguous name is asked back; app-only sign-in is refused."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from entra_agents.graph.simulator import GraphSimulator
from entra_agents.store import Store
from tests.access_reviews.review_tenant import RITA, decisions, review_tenant, store_recommendations
from tests.test_cli_auth import APP_ENV

pexpect = pytest.importorskip("pexpect")  # a dev extra (pyproject.toml); `make test` installs it
PROMPT = "review> "
CONFIRM = 'Type "yes" to record, anything else cancels> '


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    with GraphSimulator(review_tenant()) as server:
        yield server


def _spawn(*args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    # the child inherits this test's private ENTRA_AGENTS_HOME (conftest), so it reads the same store
    environment = {**os.environ, **(env or {}), "COLUMNS": "200"}
    return pexpect.spawn(sys.executable, ["-m", "entra_agents", *args], env=environment, encoding="utf-8",
                         timeout=60, dimensions=(50, 200))


def test_reviewer_conversation_records_only_after_yes(sim: GraphSimulator) -> None:
    store_recommendations(Store())
    child = _spawn("review", "--tenant", f"graph:{sim.base_url}", "--reviewer-login", RITA["userPrincipalName"])
    child.expect_exact("You review 6 decision(s).")
    child.expect_exact(PROMPT)

    child.sendline("why deny Bob?")  # two Bobs: asked back, not guessed
    child.expect_exact('"Bob" matches 2 decisions; which one do you mean?')
    child.expect_exact("number> ")
    child.sendline("2")
    child.expect_exact("The agent recommends Deny for Bob Jones in Sales Team.")
    child.expect_exact("lastSignIn: ")
    child.expect_exact(PROMPT)

    child.sendline("who has not signed in for 90 days?")
    child.expect_exact("2 of your 6 decisions match (no sign-in for 90 days):")
    child.expect_exact(PROMPT)

    child.sendline("deny bob jones because left the sales team")
    child.expect_exact(CONFIRM)
    child.sendline("no")
    child.expect_exact("Cancelled; nothing was written.")
    child.expect_exact(PROMPT)
    assert sim.writes == []

    child.sendline("deny 2 because left the sales team")
    child.expect_exact(CONFIRM)
    child.sendline("yes")
    child.expect_exact("Recorded Deny for [2] Bob Jones as rita@contoso.test")
    child.expect_exact(PROMPT)
    assert decisions(sim)["u-bob2"]["reviewedBy"] == RITA

    child.sendline("accept all recommendations")
    child.expect_exact("Skipping 1 (NoInfoAvailable: decide these yourself): [5] Nora Noinfo")
    child.expect_exact("About to record 3 decision(s) in Graph, as rita@contoso.test")
    child.expect_exact(CONFIRM)
    child.sendline("yes")
    child.expect_exact("Recorded Deny for [4] Gary Guest")
    child.expect_exact(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    now = decisions(sim)
    assert {uid: d["decision"] for uid, d in now.items()} == {
        "u-bob1": "Approve", "u-bob2": "Deny", "u-alice": "Approve", "u-gary": "Deny", "u-nora": "NotReviewed",
        "u-pat": "NotReviewed"}
    assert {now[u]["reviewedBy"]["id"] for u in ("u-bob1", "u-bob2", "u-alice", "u-gary")} == {RITA["id"]}
    assert now["u-bob2"]["justification"] == "left the sales team"
    assert now["u-gary"]["justification"].startswith("Agreed with the access review agent's recommendation: ")
    assert len(sim.writes) == 4  # one PATCH, then three in one $batch: nothing for the declined one


def test_app_only_sign_in_is_refused_in_the_terminal(sim: GraphSimulator) -> None:
    child = _spawn("review", "--tenant", "live", env=APP_ENV)
    child.expect_exact("signs in as an application")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2 and sim.requests == []
