"""The two choke points every model-requested tool call passes: the guard and the trace."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from semantic_kernel import Kernel
from semantic_kernel.contents import ChatHistory, FunctionCallContent, FunctionResultContent
from semantic_kernel.filters import AutoFunctionInvocationContext, FilterTypes, FunctionInvocationContext
from semantic_kernel.functions import FunctionResult

from entra_agents.runtime import guard
from entra_agents.runtime.context import SkillContext

Next = Callable[[Any], Awaitable[None]]


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


class ModelObserver:
    """Traces every model reply, and tool calls Semantic Kernel rejected before any filter ran.

    SK answers a call with an unknown tool name or unexpected arguments itself ("please retry"), so neither
    the guard nor the trace filter sees it. Those attempts are still attempts: they go in the trace too.
    """

    def __init__(self, ctx: SkillContext) -> None:
        self.ctx = ctx
        self.filtered_calls: set[str] = set()
        self.reported: set[str] = set()

    def attach(self, service: Any) -> None:
        original = type(service)._inner_get_chat_message_contents

        async def observed(chat_history: ChatHistory, settings: Any) -> Any:
            self.sweep(chat_history)
            replies = await original(service, chat_history, settings)
            for reply in replies[:1]:
                self.ctx.tracer.event("model_turn", **model_turn_event(reply))
            return replies

        # An instance attribute shadows the method for this run's service only (works for any connector).
        object.__setattr__(service, "_inner_get_chat_message_contents", observed)

    def new_task(self) -> None:
        # Call ids are only unique within one conversation; each task starts a new one.
        self.filtered_calls.clear()
        self.reported.clear()

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
        except Exception as exc:
            event["error"] = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            event["durationMs"] = round((time.perf_counter() - started) * 1000, 1)
            self.ctx.tracer.event("tool_call", **event)
