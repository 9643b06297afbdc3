"""The two choke points every model-requested tool call passes: the guard and the trace."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from semantic_kernel import Kernel
from semantic_kernel.contents import FunctionCallContent
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


class RunFilters:
    """Registers the guard (auto-invocation) and trace (every invocation) filters for one agent run."""

    def __init__(self, ctx: SkillContext, skills_by_tool: dict[str, Any]) -> None:
        self.ctx = ctx
        self.skills_by_tool = skills_by_tool

    def install(self, kernel: Kernel) -> None:
        kernel.add_filter(FilterTypes.AUTO_FUNCTION_INVOCATION, self.guard_filter)
        kernel.add_filter(FilterTypes.FUNCTION_INVOCATION, self.trace_filter)

    async def guard_filter(self, context: AutoFunctionInvocationContext, next: Next) -> None:
        # A raise here would abort the model loop and leave a dangling tool call, so every path sets a result.
        try:
            if context.function_sequence_index == 0 and context.chat_history and context.chat_history.messages:
                self.ctx.tracer.event("model_turn", **model_turn_event(context.chat_history.messages[-1]))
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
