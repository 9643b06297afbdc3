"""The offline model for interactive agents: a planner decides each turn, no LLM, no network.

Where the offline model plays a declared workflow, the router asks a ``Planner`` what to do next: call one tool
(through the same auto-invocation loop, guard and trace filters as any model) or answer. The planner sees what
a real model sees of this turn (the last user message and the tool results since) plus the advertised tool
names. What a planner knows beyond that (skill descriptions, example prompts, the tenant's names) it was given
when it was built, by whoever assembled the conversation. Answers carry ``LABEL``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import Field
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    TextContent,
)
from semantic_kernel.contents.utils.finish_reason import FinishReason

from entra_agents.runtime.models.base import (
    LocalChatCompletion,
    advertised_tools,
    tool_results,
    turn_since_user,
)
from entra_agents.runtime.models.offline import result_value

LABEL = "[offline chat: deterministic routing, not an LLM]"


@dataclass(frozen=True)
class ToolStep:
    skill: str  # a skill name, matched against the advertised tools (``Plugin-Skill``)
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolResult:
    skill: str
    value: Any  # parsed JSON when the tool returned JSON, else the text (refusals, validation errors)


class Planner(Protocol):
    def next_step(self, user_text: str, tools: set[str], results: list[ToolResult]) -> ToolStep | str:
        """The next tool call, or the final answer text (without the label)."""
        ...


class RouterChatCompletion(LocalChatCompletion):
    planner: Any = Field(default=None, exclude=True)

    async def _inner_get_chat_message_contents(self, chat_history: ChatHistory, settings: Any) -> list[ChatMessageContent]:
        user_text, turn = turn_since_user(chat_history)
        results = [ToolResult(r.function_name, result_value(r.result)) for r in tool_results(turn)]
        advertised = advertised_tools(settings)
        skills = {t.split("-", 1)[-1]: t for t in advertised}
        step = self.planner.next_step(user_text, set(skills), results)
        if isinstance(step, ToolStep) and step.skill in skills:
            call = FunctionCallContent(id=f"router_{len(chat_history.messages)}", name=skills[step.skill],
                                       arguments=json.dumps(step.arguments, default=str))
            return [ChatMessageContent(role=AuthorRole.ASSISTANT, items=[call], ai_model_id=self.ai_model_id,
                                       finish_reason=FinishReason.TOOL_CALLS)]
        if isinstance(step, ToolStep):
            # tools are withdrawn on the loop's last call, or the planner chose one this agent lacks
            text = f"I cannot answer that here: {step.skill} is not available in this turn."
        else:
            text = step
        return [ChatMessageContent(role=AuthorRole.ASSISTANT, items=[TextContent(text=f"{LABEL} {text}")],
                                   ai_model_id=self.ai_model_id, finish_reason=FinishReason.STOP)]
