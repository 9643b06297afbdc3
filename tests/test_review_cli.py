"""`entra-agents review` in process: the reviewer's decisions with the agent's recommendations, questions answered
from stored signals, and decisions recorded in a running simulator as the reviewer, only after "yes"."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from entra_agents.cli import review
from entra_agents.graph import live
from entra_agents.graph.client import make_graph_client
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.store import Store
from tests.access_reviews.review_tenant import DECISION, PEOPLE, RITA, decisions, review_tenant, store_recommendations
from tests.helpers import FakeCredential, clear_live_env, cli
from tests.test_cli_auth import APP_ENV, APP_TOKEN, jwt


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    with GraphSimulator(review_tenant()) as server:
        yield server


def _review(sim: GraphSimulator, monkeypatch: pytest.MonkeyPatch, lines: list[str],
            *extra: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    return cli("review", "--tenant", f"graph:{sim.base_url}", "--reviewer-login", RITA["userPrincipalName"], *extra)


def _writes(sim: GraphSimulator) -> list[tuple[str, str]]:
    return [(w.method, w.path.rsplit("/", 1)[-1]) for w in sim.writes]


def test_lists_decisions_with_recommendations_and_says_when_there_is_none(
        sim: GraphSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    store_recommendations(Store())
    code, out, err = _review(sim, monkeypatch, ["quit"])
    assert (code, err) == (0, "")
    assert "Signed in as rita@contoso.test (simulator sign-in, not verified). You review 6 decision(s)." in out
    assert "[2] Bob Jones (bob.jones@contoso.test) in Sales Team: recommendation Deny; not decided" in out
    assert "[6] Pat Pending (pat@contoso.test) in Sales Team: recommendation none yet; not decided" in out
    assert f"1 decision(s) have no recommendation yet; to get them: entra-agents run access-review --tenant " \
           f"graph:{sim.base_url}" in out
    assert sim.writes == []


def test_why_cites_the_signals_and_ambiguous_names_are_asked_back(sim: GraphSimulator,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store_recommendations(Store())
    code, out, _ = _review(sim, monkeypatch, ["why deny Bob?", "2", "why approve bob jones", "why Pat", "quit"])
    assert code == 0
    assert '"Bob" matches 2 decisions; which one do you mean?' in out
    assert "The agent recommends Deny for Bob Jones in Sales Team." in out
    assert f"lastSignIn: {PEOPLE[1][4]} (effect deny, weight 3; source decision.insights.userSignInInsight)" in out
    assert "The agent does not recommend Approve for Bob Jones in Sales Team: it recommends Deny." in out
    assert "The agent has no recommendation for Pat Pending in Sales Team yet" in out
    assert "entra-agents run access-review --tenant" in out


def test_questions_filter_on_signals_and_user_facts(sim: GraphSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    store_recommendations(Store())
    code, out, _ = _review(sim, monkeypatch, ["who has not signed in for 90 days?", "which guests are there?",
                                              "who is recommended for deny", "help", "quit"])
    assert code == 0
    inactive = out[out.index("2 of your 6 decisions match (no sign-in for 90 days):"):out.index("match (guests)")]
    assert "Bob Jones" in inactive and "Gary Guest" in inactive and "Bob Smith" not in inactive
    assert f"because last sign-in {PEOPLE[1][4]} (lastSignIn signal, source decision.insights" in out
    assert "cannot be told, the data is missing:\n  [5] Nora Noinfo: lastSignIn signal missing" in out
    assert "[6] Pat Pending: no sign-in data: no recommendation yet" in out
    assert "1 of your 6 decisions match (guests):" in out and "userType Guest (users/{id}.userType)" in out
    assert "2 of your 6 decisions match (recommended Deny):" in out
    assert "accept all recommendations" in out  # help


def test_single_decision_is_recorded_as_the_reviewer_only_after_yes(sim: GraphSimulator,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store_recommendations(Store())
    code, out, _ = _review(sim, monkeypatch, ["deny 2", "no", "deny bob jones because left the sales team",
                                              "yes", "quit"])
    assert code == 0
    assert out.count("Cancelled; nothing was written.") == 1
    assert _writes(sim) == [("PATCH", DECISION["u-bob2"])]
    recorded = decisions(sim)["u-bob2"]
    assert (recorded["decision"], recorded["justification"]) == ("Deny", "left the sales team")
    assert recorded["reviewedBy"] == RITA
    assert "Recorded Deny for [2] Bob Jones as rita@contoso.test (simulator sign-in, not verified)." in out


def test_deciding_against_the_recommendation_asks_for_a_reason_and_overwrites_only_saying_so(
        sim: GraphSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    store_recommendations(Store())
    code, out, _ = _review(sim, monkeypatch, ["approve 2", "", "approve 1", "yes", "deny 1 because moved teams",
                                              "yes", "quit"])
    assert code == 0
    assert "Justification (required; empty cancels)> Cancelled; nothing was written." in out
    assert "justification: Agreed with the access review agent's recommendation: Bob Smith signed in" in out
    assert "NOTE: this replaces the decision already recorded: Approve by rita@contoso.test." in out
    assert decisions(sim)["u-bob1"]["decision"] == "Deny" and len(sim.writes) == 2


def test_accept_all_skips_no_info_and_missing_and_asks_first(sim: GraphSimulator,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    store_recommendations(Store())
    code, out, _ = _review(sim, monkeypatch, ["approve alice", "yes", "accept all recommendations", "yes", "quit"])
    assert code == 0
    assert "Skipping 1 (NoInfoAvailable: decide these yourself): [5] Nora Noinfo" in out
    assert "Skipping 1 (no recommendation yet): [6] Pat Pending" in out
    assert "Skipping 1 (already decided, not overwritten): [3] Alice Archer" in out
    assert "About to record 3 decision(s) in Graph, as rita@contoso.test" in out
    now = decisions(sim)
    assert {uid: now[uid]["decision"] for uid in now} == {
        "u-bob1": "Approve", "u-bob2": "Deny", "u-alice": "Approve", "u-gary": "Deny", "u-nora": "NotReviewed",
        "u-pat": "NotReviewed"}
    assert {now[u]["reviewedBy"]["id"] for u in ("u-bob1", "u-bob2", "u-gary", "u-alice")} == {RITA["id"]}
    # one PATCH on its own, then the three accepted ones in one $batch
    assert [(w.method, w.path.rsplit("/", 1)[-1], w.batched) for w in sim.writes] == [
        ("PATCH", DECISION["u-alice"], False),
        *(("PATCH", DECISION[u], True) for u in ("u-bob1", "u-bob2", "u-gary"))]


def test_a_reviewer_sees_only_their_reviews(sim: GraphSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    code, out, _ = cli("review", "--tenant", f"graph:{sim.base_url}", "--reviewer-login", "oscar@contoso.test")
    assert code == 0 and "You review 0 decision(s)." in out


def test_simulator_tenant_needs_the_reviewer_login(sim: GraphSimulator) -> None:
    code, _, err = cli("review", "--tenant", f"graph:{sim.base_url}")
    assert code == 2 and "--reviewer-login UPN is needed" in err
    code, _, err = cli("review", "--tenant", f"graph:{sim.base_url}", "--reviewer-login", "nobody@contoso.test")
    assert code == 2 and "no such user" in err


# ----------------------------------------------------------------------------------------- live credentials

RITA_TOKEN = jwt({"aud": "https://graph.microsoft.com", "oid": RITA["id"], "upn": RITA["userPrincipalName"],
                  "name": RITA["displayName"], "scp": "AccessReview.ReadWrite.All User.Read"})


@pytest.fixture
def live_env(monkeypatch: pytest.MonkeyPatch, sim: GraphSimulator) -> dict[str, Any]:
    clear_live_env(monkeypatch)
    seen: dict[str, Any] = {"built": []}

    def credential(settings: Any) -> Any:
        seen["built"].append(settings.auth)
        return live.LiveCredential(seen["fake"], settings)

    monkeypatch.setattr(review, "_credential", credential)
    monkeypatch.setattr(review, "_live_client", lambda settings, cred: make_graph_client(sim.base_url, cred))
    return seen


def test_app_only_sign_in_is_refused_before_signing_in(live_env: dict[str, Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in APP_ENV.items():
        monkeypatch.setenv(var, value)
    code, _, err = cli("review", "--tenant", "live")
    assert code == 2 and "ENTRA_AGENTS_AUTH=client-secret signs in as an application" in err
    assert "recorded only with the reviewer's own identity" in err and live_env["built"] == []


def test_azure_cli_as_a_service_principal_is_refused(live_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_AUTH", "azure-cli")
    live_env["fake"] = FakeCredential(APP_TOKEN)
    code, _, err = cli("review", "--tenant", "live")
    assert code == 2 and "app-only token (app entra-agents CA" in err and live_env["fake"].closed


def test_delegated_sign_in_records_under_the_signed_in_reviewer(
        live_env: dict[str, Any], sim: GraphSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_AUTH", "azure-cli")
    live_env["fake"] = FakeCredential(RITA_TOKEN)
    code, _, err = cli("review", "--tenant", "live", "--reviewer-login", "someone.else@contoso.test")
    assert code == 2 and "signed in as rita@contoso.test, not someone.else@contoso.test" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("deny 2 because left\nyes\nquit\n"))
    code, out, err = cli("review", "--tenant", "live", "--reviewer-login", "RITA@contoso.test")
    assert (code, err) == (0, "")
    assert "Signed in as rita@contoso.test. You review 6 decision(s)." in out  # no "not verified": Entra's token
    assert decisions(sim)["u-bob2"]["reviewedBy"] == RITA
    assert [w.headers.get("authorization") for w in sim.writes] == ["Bearer " + RITA_TOKEN]
