"""The default model: deterministic, no network, and labelled as not an LLM.

It follows the workflow an agent's prompt declares under ``execution_settings.offline`` and calls the same
tools through the same auto-invocation loop and filters as a real model would. It sees only what a real model
sees: the chat history (the task's inputs arrive as a JSON block in the user message) and the advertised tools.

    execution_settings:
      offline:
        workflow:
          - call: GetCoverageGap                 # a tool, by skill name
            with: {check: "{{input.check}}"}     # strings are templates over inputs and earlier results
          - call: CreateReportOnlyPolicy
            when: "{{input.AllowReportOnlyPolicyCreation}}"   # skipped unless truthy
            with: {policy: "{{result.DraftRemediationPolicy.policy}}"}  # a whole reference keeps its JSON type
        answer: "Suggested {{result.SubmitSuggestion.title}}"
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    TextContent,
)
from semantic_kernel.contents.utils.finish_reason import FinishReason

from entra_agents.errors import ContentError
from entra_agents.runtime.validation import INVALID_PREFIX
from entra_agents.runtime.models.base import (
    LocalChatCompletion,
    LocalSettings,
    advertised_tools,
    tool_results,
    turn_since_user,
)

LABEL = "[offline model: deterministic, not an LLM]"
_REF = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
_JSON_BLOCK = re.compile(r"```json\s*(\{.*?\})\s*```", re.S)
_FALSY = {"", "false", "no", "0", "off", "none", "null"}


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    call: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    when: str | None = None


class Workflow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workflow: list[Step] = Field(default_factory=list)
    answer: str = "Done."

    @classmethod
    def parse(cls, raw: dict[str, Any], source: str) -> Workflow:
        try:
            return cls.model_validate(raw)
        except ValueError as exc:
            first = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc)}
            where = ".".join(str(p) for p in first["loc"])
            raise ContentError(source, f"execution_settings.offline.{where}", first["msg"],
                               "see the offline workflow format in src/entra_agents/runtime/models/offline.py") from exc


class OfflineSettings(LocalSettings):
    workflow: list[dict[str, Any]] = Field(default_factory=list)
    answer: str = "Done."


def _lookup(path: str, scope: dict[str, Any]) -> Any:
    value: Any = scope
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def render(template: Any, scope: dict[str, Any]) -> Any:
    if isinstance(template, dict):
        return {k: render(v, scope) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, scope) for v in template]
    if not isinstance(template, str):
        return template
    whole = _REF.fullmatch(template.strip())
    if whole:
        return _lookup(whole.group(1), scope)

    def text(match: re.Match[str]) -> str:
        value = _lookup(match.group(1), scope)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)

    return _REF.sub(text, template)


def parse_inputs(user_text: str) -> dict[str, Any]:
    match = _JSON_BLOCK.search(user_text)
    if not match:
        return {}
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def result_value(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _is_failure(value: Any) -> bool:
    if isinstance(value, dict):
        return "error" in value
    # Refusals by our guard, our argument validation and rejections by Semantic Kernel arrive as plain text.
    return isinstance(value, str) and (value.startswith(("REFUSED", INVALID_PREFIX))
                                       or "not part of the provided tools" in value
                                       or "Please revise the arguments" in value)


class OfflineChatCompletion(LocalChatCompletion):
    """Plays the declared workflow: one tool call per turn, then the answer template."""

    def get_prompt_execution_settings_class(self) -> type[OfflineSettings]:
        return OfflineSettings

    async def _inner_get_chat_message_contents(self, chat_history: ChatHistory, settings: Any) -> list[ChatMessageContent]:
        workflow = Workflow(workflow=[Step.model_validate(s) for s in settings.workflow], answer=settings.answer)
        user_text, turn = turn_since_user(chat_history)
        results = {r.function_name: result_value(r.result) for r in tool_results(turn)}
        failed = next(((name, value) for name, value in results.items() if _is_failure(value)), None)
        if failed:
            # A real model would not claim success after a failed step; neither do we.
            name, value = failed
            reason = value.get("error") if isinstance(value, dict) else value
            return [self._text(f"{LABEL} Stopped: {name} did not succeed: {reason}")]
        called = {item.function_name for m in turn for item in m.items if isinstance(item, FunctionCallContent)}
        scope = {"input": parse_inputs(user_text), "result": results}
        advertised = advertised_tools(settings)
        for index, step in enumerate(workflow.workflow):
            if step.call in called:
                continue
            if step.when is not None and str(render(step.when, scope)).strip().lower() in _FALSY:
                continue
            if not advertised:
                break  # tools are withdrawn on the loop's final call: answer with what we have
            name = next((t for t in advertised if t.split("-", 1)[-1] == step.call), None)
            if name is None:
                return [self._text(f"{LABEL} Stopped: workflow step {step.call} is not among the offered tools.")]
            call = FunctionCallContent(id=f"offline_{len(chat_history.messages)}_{index}", name=name,
                                       arguments=json.dumps(render(step.with_, scope), default=str))
            return [ChatMessageContent(role=AuthorRole.ASSISTANT, items=[call], ai_model_id=self.ai_model_id,
                                       finish_reason=FinishReason.TOOL_CALLS)]
        return [self._text(f"{LABEL} {render(workflow.answer, scope)}")]

    def _text(self, text: str) -> ChatMessageContent:
        return ChatMessageContent(role=AuthorRole.ASSISTANT, items=[TextContent(text=text)],
                                  ai_model_id=self.ai_model_id, finish_reason=FinishReason.STOP)
