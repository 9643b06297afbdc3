"""Routing and argument extraction, deterministic and without a model."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from entra_agents.chat.coverage import check_for
from entra_agents.chat.extract import extract
from entra_agents.chat.names import NameIndex
from entra_agents.chat.routing import Router, RoutingDocument, terms
from tests.helpers import cli_json


def test_bm25_prefers_the_document_sharing_rare_words_and_breaks_ties_by_name() -> None:
    router = Router([RoutingDocument("A", "users not covered by mfa"), RoutingDocument("B", "explain a policy"),
                     RoutingDocument("C", "explain a policy")])
    assert router.rank("who is not protected by MFA")[0].skill == "A"  # "protected" -> "cover" (synonym)
    assert [r.skill for r in router.rank("explain this policy")][:2] == ["B", "C"]
    boosted = Router([RoutingDocument("B", "explain a policy"), RoutingDocument("S", "explain a suggestion",
                                                                                 frozenset({"suggestion"}))])
    assert boosted.rank("explain number 2", {"suggestion": 1})[0].skill == "S"


def test_terms_normalise_suffixes_and_synonyms() -> None:
    assert terms("Policies protected signs") == ["polic", "cover", "sign"]


@pytest.mark.parametrize(("topic", "check"), [("which users are not protected by MFA?", "COV-01"),
                                              ("are all administrators required to use MFA?", "COV-03"),
                                              ("who can still use legacy authentication", "COV-08"),
                                              ("device code flow", "COV-10"), ("COV-14", "COV-14")])
def test_topics_map_to_checks(topic: str, check: str) -> None:
    assert check_for(topic) == check


@pytest.fixture(scope="module")
def generated() -> str:
    """A recorded 100-user generated tenant (the chat eval suite's): fixed bytes, whatever the generator does next."""
    return str(Path(__file__).resolve().parents[2] / "evals" / "chat" / "tenants" / "gen100")


def test_shared_first_name_is_asked_back(generated: str) -> None:
    turn = cli_json("ask", "What happens when Keziah signs in from an iPhone?", "--tenant", generated)
    assert "fits several objects" in turn["answer"] and turn["answer"].count("(user, ") >= 2


def test_sign_in_and_review_questions_on_a_generated_tenant(generated: str) -> None:
    signins = cli_json("ask", "Summarize the sign-ins", "--tenant", generated)
    assert signins["toolCalls"][0]["skill"] == "EntraAgents.Chat.SignInSummary"
    assert "100 recorded" in signins["answer"]
    reviews = cli_json("ask", "What is the status of the access reviews?", "--tenant", generated)
    assert reviews["toolCalls"][0]["skill"] == "EntraAgents.Chat.AccessReviewStatus"
    assert "3 access review(s)" in reviews["answer"]


def test_mentions_take_the_longest_name() -> None:
    snap = SimpleNamespace(
        users=[{"id": "u1", "displayName": "Ann Lee", "userPrincipalName": "ann@x.test", "givenName": "Ann"}],
        groups=[{"id": "g1", "displayName": "Sales"}, {"id": "g2", "displayName": "Sales-Contractors"}],
        directory_roles=[], service_principals=[], applications=[], named_locations=[],
        conditional_access_policies=[{"id": "p1", "displayName": "CA001 - Require MFA", "state": "enabled"}])

    q = extract("exclude sales contractors and ann@x.test from CA001", NameIndex(snap))
    assert [m.objects[0].id for m in q.mentions] == ["g2", "u1", "p1"]
    assert q.edit_action == "exclude"
