"""Editing a suggestion's users through chat: a proposal, then a confirmation in a later turn; never the tenant."""

from __future__ import annotations

from tests.helpers import cli, cli_json

FINANCE = "f19098e8-3b08-4a8e-b39f-6b8bee0b4a70"
BREAK_GLASS_GROUP = "18155c38-d690-4a4f-8dd5-09ab09f7a769"


def _ranked_second() -> dict:
    turn = cli_json("ask", "prioritize the open suggestions", "--tenant", "demo")
    assert turn["toolCalls"][0]["skill"] == "EntraAgents.Chat.ListSuggestions"
    return turn


def test_two_step_edit_updates_the_stored_suggestion_only() -> None:
    assert cli("run", "ca-optimizer", "--tenant", "demo")[0] == 0
    listing = _ranked_second()
    assert "2. [high]" in listing["answer"]
    proposal = cli_json("ask", "exclude group Finance from suggestion 2", "--tenant", "demo")
    assert proposal["toolCalls"][0]["skill"] == "EntraAgents.Chat.ProposeSuggestionEdit"
    assert f"+ conditions.users.excludeGroups: {FINANCE}" in proposal["answer"]
    token = proposal["pendingEdit"]
    assert token and proposal["confirmWith"] == f'entra-agents ask "confirm {token}" --tenant demo'
    suggestion_id = proposal["answer"].split("(")[1].split(")")[0]
    assert FINANCE not in str(cli_json("suggestions", "show", suggestion_id)["policy"])  # nothing yet

    done = cli_json("ask", f"confirm {token}", "--tenant", "demo")
    assert done["toolCalls"][0]["skill"] == "EntraAgents.Chat.ConfirmSuggestionEdit"
    assert "Updated suggestion" in done["answer"]
    stored = cli_json("suggestions", "show", suggestion_id)
    assert FINANCE in stored["policy"]["conditions"]["users"]["excludeGroups"]
    assert stored["history"][-1]["action"] == "edit" and "Finance" in stored["history"][-1]["detail"]

    again = cli_json("ask", f"confirm {token}", "--tenant", "demo")  # the basis changed: refused, not re-applied
    assert "changed after this edit was proposed" in again["answer"]


def test_edit_that_drops_break_glass_is_refused() -> None:
    assert cli("run", "ca-optimizer", "--tenant", "demo")[0] == 0
    # the modification of CA001 keeps excluding the break-glass group; removing that exclusion fails vetting
    listing = cli_json("ask", "list the recommendations", "--tenant", "demo")["answer"]
    rank = next(line.split(".")[0].strip("- ") for line in listing.splitlines() if "CA001" in line)
    turn = cli_json("ask", f"stop excluding group CA-Exclude-BreakGlass from suggestion {rank}", "--tenant", "demo")
    assert turn["toolCalls"][0]["arguments"]["action"] == "remove_exclusion"
    assert "Refused by the engine's safety checks" in turn["answer"] and turn["pendingEdit"] is None


def test_confirm_in_the_same_turn_or_without_pending_is_refused() -> None:
    turn = cli_json("ask", "confirm", "--tenant", "demo")
    assert "no pending change" in turn["answer"] and not turn["toolCalls"]
