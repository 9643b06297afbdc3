"""The two choke points every model-requested tool call passes: the guard and the trace."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from semantic_kernel import Kernel
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
    TextContent,
)
from semantic_kernel.contents.utils.finish_reason import FinishReason
from semantic_kernel.filters import AutoFunctionInvocationContext, FilterTypes, FunctionInvocationContext
from semantic_kernel.functions import FunctionResult

from entra_agents.runtime import guard
from entra_agents.runtime.context import SkillContext
from entra_agents.runtime.models.usage import TokenUsage, turn_usage
from entra_agents.runtime.validation import METADATA_KEY as INVALID_METADATA_KEY
from entra_agents.runtime.validation import check_call

Next = Callable[[Any], Awaitable[None]]

CORRECTIONS_PER_ITEM = 1
ONE_CORRECTION_NOTE = "Correct the call; another invalid output stops this task."


def digest(value: Any) -> dict[str, Any]:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return {"sha256": hashlib.sha256(text.encode()).hexdigest()[:16], "chars": len(text), "preview": text[:200]}


def model_turn_event(message: Any) -> dict[str, Any]:
    calls = [{"id": c.id, "tool": c.name, "arguments": _json_or_text(c.arguments)}
             for c in message.items if isinstance(c, FunctionCallContent)]
    return {"role": str(message.role.value), "text": message.content or "", "toolCalls": calls,
            "model": message.ai_model_id or ""}


def _json_or_text(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return dict(arguments or {})


@dataclass
class ItemState:
    """What one item's conversation has done so far: what the observer and the filters decide on."""

    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Tool name -> the parameters schema the model was shown."""
    usage: TokenUsage = field(default_factory=TokenUsage)
    corrections_used: int = 0
    succeeded: set[str] = field(default_factory=set)
    """Skill names whose function ran and did not answer ``{"error": ...}`` (not refused, not rejected)."""
    failure: str | None = None
    refusal: str | None = None

    def spend_correction(self) -> bool:
        """One correction per item, whatever went wrong (invalid call, missing required tool); then it stops."""
        if self.corrections_used >= CORRECTIONS_PER_ITEM:
            return False
        self.corrections_used += 1
        return True


class ModelObserver:
    """Sees every model reply before Semantic Kernel acts on it: traces it with its token usage, records a
    refusal, and checks its tool calls against the advertised schemas.

    An invalid call is answered with its validation error (``validation.ToolCallKernel``) the first time; the
    second invalid reply in the same item is replaced by a text reply, so SK's loop ends without running any of
    its calls, and the item is marked failed. SK's own rejections (should any call get past the check) are
    still traced by ``sweep``.
    """

    def __init__(self, ctx: SkillContext) -> None:
        self.ctx = ctx
        self.filtered_calls: set[str] = set()
        self.reported: set[str] = set()
        self.item = ItemState()

    def attach(self, service: Any) -> None:
        original = type(service)._inner_get_chat_message_contents

        async def observed(chat_history: ChatHistory, settings: Any) -> Any:
            self.sweep(chat_history)
            replies = await original(service, chat_history, settings)
            if replies:
                usage = turn_usage(replies[0])
                self.item.usage.add(usage)
                self.ctx.tracer.event("model_turn", **model_turn_event(replies[0]), usage=usage.as_json())
                replies[0] = self.police(replies[0])
            return replies

        # An instance attribute shadows the method for this run's service only (works for any connector).
        object.__setattr__(service, "_inner_get_chat_message_contents", observed)

    def new_task(self, schemas: dict[str, dict[str, Any]]) -> None:
        # Call ids are only unique within one conversation; each task starts a new one.
        self.filtered_calls.clear()
        self.reported.clear()
        self.item = ItemState(schemas=schemas)

    def police(self, reply: ChatMessageContent) -> ChatMessageContent:
        """The reply SK may act on: unchanged, with rejected calls marked, or stripped of its calls."""
        calls = [item for item in reply.items if isinstance(item, FunctionCallContent)]
        refusal = refusal_text(reply)
        if refusal is not None:
            # The provider's safety system declined: recorded as such, never argued with, nothing runs.
            self.item.refusal = refusal
            self.ctx.tracer.event("model_refusal", text=refusal, droppedToolCalls=len(calls))
            return _text_reply(reply, refusal) if calls else reply
        problems = [(call, problem) for call in calls
                    if (problem := check_call(call.name or "", call.arguments, self.item.schemas))]
        if not problems:
            return reply
        corrected = self.item.spend_correction()
        for call, problem in problems:
            self.reported.add(call.id or "")
            self.ctx.tracer.event("tool_rejected", tool=call.name or "", callId=call.id or "", reason=problem,
                                  arguments=_json_or_text(call.arguments), stopsItem=not corrected)
            call.metadata[INVALID_METADATA_KEY] = problem + (" " + ONE_CORRECTION_NOTE if corrected else "")
        if corrected:
            return reply
        self.item.failure = f"invalid tool call after the one correction allowed per item: {problems[0][1]}"
        return _text_reply(reply, f"[entra-agents] item stopped: {self.item.failure}")

    def sweep(self, chat_history: ChatHistory) -> None:
        for message in chat_history.messages:
            for item in message.items:
                if not isinstance(item, FunctionResultContent) or not item.id:
                    continue
                if item.id in self.filtered_calls or item.id in self.reported:
                    continue
                self.reported.add(item.id)
                self.ctx.tracer.event("tool_rejected", tool=item.name or "", callId=item.id,
                                      reason=str(item.result)[:300])


def refusal_text(reply: ChatMessageContent) -> str | None:
    """``message.refusal`` of an OpenAI-style response (SK keeps only its text, as ordinary content)."""
    choices = getattr(reply.inner_content, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    refusal = getattr(message, "refusal", None)
    return refusal if isinstance(refusal, str) and refusal else None


def _is_error_result(value: Any) -> bool:
    # Python tools report an expected failure as the JSON object {"error": ...} (tools.python_tool).
    if isinstance(value, str) and value.startswith('{"error"'):
        try:
            return "error" in json.loads(value)
        except ValueError:
            return False
    return False


def _text_reply(reply: ChatMessageContent, text: str) -> ChatMessageContent:
    return ChatMessageContent(role=AuthorRole.ASSISTANT, items=[TextContent(text=text)], ai_model_id=reply.ai_model_id,
                              metadata=reply.metadata, finish_reason=FinishReason.STOP)


class RunFilters:
    """Registers the guard (auto-invocation) and trace (every invocation) filters for one agent run."""

    def __init__(self, ctx: SkillContext, skills_by_tool: dict[str, Any], observer: ModelObserver) -> None:
        self.ctx = ctx
        self.skills_by_tool = skills_by_tool
        self.observer = observer

    def install(self, kernel: Kernel) -> None:
        kernel.add_filter(FilterTypes.AUTO_FUNCTION_INVOCATION, self.guard_filter)
        kernel.add_filter(FilterTypes.FUNCTION_INVOCATION, self.trace_filter)

    async def guard_filter(self, context: AutoFunctionInvocationContext, next: Next) -> None:
        # A raise here would abort the model loop and leave a dangling tool call, so every path sets a result.
        try:
            if context.function_call_content is not None and context.function_call_content.id:
                self.observer.filtered_calls.add(context.function_call_content.id)
            tool = context.function.fully_qualified_name
            skill = self.skills_by_tool.get(tool)
            arguments = {k: v for k, v in (context.arguments or {}).items()}
            if skill is None:
                decision = guard.GuardDecision(False, f"{tool} is not one of this agent's skills")
            else:
                decision = guard.decide(skill, arguments, self.ctx)
            if not decision.allowed or decision is not guard.ALLOW:
                self.ctx.tracer.event("guard", tool=tool, skill=getattr(skill, "full_name", tool),
                                      decision="allow" if decision.allowed else "refuse",
                                      reason=decision.reason, arguments=arguments)
        except Exception as exc:  # noqa: BLE001 - fail closed
            decision = guard.GuardDecision(False, f"guard failure: {type(exc).__name__}: {exc}")
        if not decision.allowed:
            context.function_result = FunctionResult(function=context.function.metadata, value=decision.refusal)
            return
        await next(context)

    async def trace_filter(self, context: FunctionInvocationContext, next: Next) -> None:
        started = time.perf_counter()
        tool = context.function.fully_qualified_name
        skill = self.skills_by_tool.get(tool)
        event: dict[str, Any] = {"tool": tool, "skill": getattr(skill, "full_name", tool),
                                 "arguments": {k: v for k, v in (context.arguments or {}).items()}}
        try:
            await next(context)
            value = context.result.value if context.result else None
            event["result"] = digest(value)
            if skill is not None and not _is_error_result(value):
                self.observer.item.succeeded.add(skill.name)
        except Exception as exc:
            event["error"] = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            event["durationMs"] = round((time.perf_counter() - started) * 1000, 1)
            self.ctx.tracer.event("tool_call", **event)
