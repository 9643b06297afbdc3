"""A scripted model for tests, drills and benchmarks: replays fixed turns, including hostile ones.

Script (YAML or JSON): a list of turns, replayed from the start for every user message (every processed
item). A turn is ``{text: "..."}`` or ``{tool_calls: [{tool: Name, arguments: {...}}]}``. ``tool`` is a skill
name resolved against the offered tools, or a full ``plugin-function`` name used verbatim, so a test can make
the model ask for a tool it was never offered. ``arguments`` is either an object, whose strings are templates
over the task inputs and earlier results as in the offline workflow (``"{{input.check}}"``,
``"{{result.DraftRemediationPolicy.policy}}"``), or a string sent verbatim (malformed JSON, for tests).

Token usage: a turn may state it (``usage: {prompt_tokens: N, completion_tokens: M}``, labelled
``configured``); otherwise the model estimates it from the size of everything it was sent (messages and tool
definitions) and of its reply, labelled ``estimated``. That makes prompt growth measurable without an LLM.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field
from semantic_kernel.contents import AuthorRole, ChatHistory, ChatMessageContent, FunctionCallContent, TextContent
from semantic_kernel.contents.utils.finish_reason import FinishReason

from entra_agents.errors import ContentError
from entra_agents.runtime.models.base import LocalChatCompletion, advertised_tools, tool_results, turn_since_user
from entra_agents.runtime.models.offline import parse_inputs, render, result_value
from entra_agents.runtime.models.usage import METADATA_KEY, TokenUsage, estimate_tokens


def load_script(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    try:
        turns = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(path, "", f"cannot read the model script ({exc})", "give a YAML list of turns") from exc
    if not isinstance(turns, list) or not all(isinstance(t, dict) and ({"text"} <= t.keys() or "tool_calls" in t)
                                              for t in turns):
        raise ContentError(path, "turns", "must be a list of {text: ...} or {tool_calls: [...]} turns",
                           "see src/entra_agents/runtime/models/scripted.py")
    return turns


class ScriptedChatCompletion(LocalChatCompletion):
    turns: list[dict[str, Any]] = Field(default_factory=list)
    seen_tools: list[list[str]] = Field(default_factory=list)

    async def _inner_get_chat_message_contents(self, chat_history: ChatHistory, settings: Any) -> list[ChatMessageContent]:
        advertised = advertised_tools(settings)
        self.seen_tools.append(sorted(advertised))
        user_text, turn = turn_since_user(chat_history)
        index = sum(1 for m in turn if m.role == AuthorRole.ASSISTANT)
        step = self.turns[index] if index < len(self.turns) else {"text": "script finished"}
        if not advertised:
            # A completion without tools (a GPT skill, or the loop's last call) gets the next text turn.
            step = next((t for t in self.turns[index:] if "text" in t), {"text": "script finished"})
        if "tool_calls" in step and advertised:
            scope = {"input": parse_inputs(user_text),
                     "result": {r.function_name: result_value(r.result) for r in tool_results(turn)}}
            items: list[Any] = [FunctionCallContent(id=f"scripted_{len(chat_history.messages)}_{n}",
                                                    name=self._resolve(call["tool"], advertised),
                                                    arguments=_arguments(call.get("arguments", {}), scope))
                                for n, call in enumerate(step["tool_calls"])]
            finish = FinishReason.TOOL_CALLS
        else:
            items, finish = [TextContent(text=str(step.get("text", "")))], FinishReason.STOP
        reply = ChatMessageContent(role=AuthorRole.ASSISTANT, items=items, ai_model_id=self.ai_model_id,
                                   finish_reason=finish)
        reply.metadata[METADATA_KEY] = _usage(step, chat_history, settings, reply)
        return [reply]

    @staticmethod
    def _resolve(tool: str, advertised: set[str]) -> str:
        if "-" in tool:
            return tool
        return next((t for t in sorted(advertised) if t.split("-", 1)[-1] == tool), f"unknown-{tool}")


def _arguments(arguments: Any, scope: dict[str, Any]) -> str:
    if isinstance(arguments, str):
        return arguments
    return json.dumps(render(arguments, scope), default=str)


def _usage(step: dict[str, Any], chat_history: ChatHistory, settings: Any, reply: ChatMessageContent) -> TokenUsage:
    configured = step.get("usage")
    if isinstance(configured, dict):
        prompt, completion = int(configured.get("prompt_tokens", 0)), int(configured.get("completion_tokens", 0))
        return TokenUsage(1, prompt, completion, prompt + completion, "configured")
    # What an OpenAI-style request would carry: every message and the tool definitions.
    sent = {"messages": [m.to_dict() for m in chat_history.messages], "tools": getattr(settings, "tools", None) or []}
    prompt, completion = estimate_tokens(sent), estimate_tokens(reply.to_dict())
    return TokenUsage(1, prompt, completion, prompt + completion, "estimated")
