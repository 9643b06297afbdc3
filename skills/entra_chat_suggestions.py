"""Suggestion skills of the Entra chat agent: list and prioritise, explain, and edit users in two steps.

Listing and explaining read the store. Editing never writes the tenant: ``ProposeSuggestionEdit`` only computes
and vets the change; ``ConfirmSuggestionEdit``, in a later turn and with the token the proposal returned,
updates the stored suggestion (see src/entra_agents/chat/edits.py). Both are ``access="read"`` because the
guard's write rule is about the tenant (DESIGN safety rule 1), which neither touches.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from entra_agents.chat import edits, suggestions
from entra_agents.chat.policies import Unresolved
from entra_agents.chat.state import chat_state
from entra_agents.skill import skill

SuggestionRef = Annotated[str, "The suggestion: its rank in the prioritised list (1, 2, 'first'...) or its id"]


@skill(access="read", permissions=[])
def list_suggestions(
    ctx: Any, status: Annotated[str, "open, reviewed, snoozed, dismissed, applied; empty for open and reviewed"] = "",
) -> dict[str, Any]:
    """The agent's suggestions for this tenant, prioritised: high before medium before low, then by users protected."""
    return suggestions.list_suggestions(ctx.store, ctx.tenant_id, status)


@skill(access="read", permissions=["Policy.Read.All"])
def explain_suggestion(ctx: Any, suggestion: SuggestionRef) -> dict[str, Any]:
    """Details of one suggestion: what it changes, who it protects, its impact, and why this policy and not
    another (the root cause, and why the tenant's other policies do not close the gap)."""
    return suggestions.explain(chat_state(ctx), ctx.analysis, ctx.store, ctx.tenant_id, suggestion)


def _config(ctx: Any, suggestion: str) -> Any:
    _, doc = suggestions.resolve(ctx.store, ctx.tenant_id, suggestion)
    return chat_state(ctx).agent_config(ctx.store, ctx.store.suggestion_agent(doc["id"]))


@skill(access="read", permissions=["Policy.Read.All", "Directory.Read.All"])
def propose_suggestion_edit(
    ctx: Any,
    suggestion: SuggestionRef,
    action: Annotated[Literal["exclude", "include", "remove_exclusion", "remove_inclusion"],
                      "exclude: add to the exclusions; include: add to the targets; remove_exclusion / "
                      "remove_inclusion: take out of them"],
    objects: Annotated[list[str], "Users, groups or roles by name, UPN or id"],
) -> dict[str, Any]:
    """Step 1 of changing the users, groups or roles a suggestion includes or excludes: shows the change and
    the engine's safety checks, and returns a token. Nothing is changed until the administrator confirms."""
    try:
        return edits.propose(ctx, chat_state(ctx), _config(ctx, suggestion), suggestion, action, list(objects))
    except Unresolved as exc:
        return exc.result


@skill(access="read", permissions=["Policy.Read.All", "Directory.Read.All"])
def confirm_suggestion_edit(
    ctx: Any, token: Annotated[str, "The token ProposeSuggestionEdit returned, after the administrator confirmed"],
) -> dict[str, Any]:
    """Step 2: after the administrator says confirm, updates the stored suggestion with the proposed change
    (re-checked first). Never writes to the tenant."""
    from entra_agents.suggestions.administrator import local_administrator

    event = edits.pending(ctx, token)
    config = _config(ctx, event["suggestionId"])
    return edits.confirm(ctx, chat_state(ctx), config, token, local_administrator().label)
