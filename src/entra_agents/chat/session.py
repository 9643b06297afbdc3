"""A conversation with the chat agent: each turn is one recorded run of the agent's PromptSkill.

A turn goes through the same runtime as an agent run (``run_agent_skill``: the kernel holds only the PromptSkill's
ChildSkills, every tool call passes the guard and trace filters), with ``UserRequest`` as its input plus the
conversation so far and the pending edit, if any. The offline model is the router (``ChatPlanner``); any other
``--model`` is the LLM it names. The tenant is loaded once per conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from entra_agents.chat.edits import EVENT as PENDING_EVENT
from entra_agents.chat.state import ChatState, attach
from entra_agents.errors import UsageError

AGENT = "entra-chat"
HISTORY_TURNS = 6  # earlier questions and answers an LLM sees: enough for "and for Megan?", bounded in tokens


@dataclass
class Turn:
    question: str
    answer: str
    run_id: str
    status: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    route: list[tuple[str, float]] = field(default_factory=list)
    pending: str | None = None  # the token of a proposed edit awaiting "confirm"

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer, "runId": self.run_id, "status": self.status,
                "toolCalls": self.tool_calls, "route": [{"skill": s, "score": v} for s, v in self.route],
                "pendingEdit": self.pending}


class ChatSession:
    def __init__(self, catalog: Any, connection: Any, store: Any, choice: Any, agent: str = AGENT) -> None:
        self.catalog, self.connection, self.store, self.choice = catalog, connection, store, choice
        self.agent = catalog.agent(agent)
        if not self.agent.prompt_skill:
            raise UsageError(f"agent {agent} is not interactive: it has no PromptSkill")
        self.skill = catalog.skill(self.agent.prompt_skill)
        self.turns: list[Turn] = []
        self.pending: str | None = None
        self._state: ChatState | None = None
        self._service: Any = None
        self._planner: Any = None

    async def _prepare(self) -> ChatState:
        if self._state is None:
            snapshot = await self.connection.snapshot()
            self._state = ChatState.of(snapshot)
            self._state.catalog = self.catalog
            if self.choice.kind == "offline":
                from entra_agents.chat.planner import build_planner
                from entra_agents.runtime.models.router import RouterChatCompletion

                self._planner = build_planner(self.catalog, self.skill, self._state.index)
                self._service = RouterChatCompletion(ai_model_id="offline-router", service_id="offline",
                                                     planner=self._planner)
            else:
                from entra_agents.runtime.models.providers import build_service

                self._service = build_service(self.choice)
        return self._state

    def _inputs(self, question: str) -> dict[str, Any]:
        history = [{"question": t.question, "answer": t.answer} for t in self.turns[-HISTORY_TURNS:]]
        inputs: dict[str, Any] = {"UserRequest": question, "ConversationHistory": history}
        if self.pending:
            inputs["PendingEdit"] = self.pending
        return inputs

    async def ask(self, question: str) -> Turn:
        from entra_agents.runtime.agent import run_agent_skill
        from entra_agents.runtime.context import SkillContext, Tracer
        from entra_agents.runtime.filters import ModelObserver

        question = question.strip()
        if not question:
            raise UsageError("ask a question, e.g. \"which users are not protected by MFA?\"")
        state = await self._prepare()
        snapshot = state.snapshot
        run_id = self.store.create_run(agent=self.agent.name, tenant_id=snapshot.tenant_id,
                                       tenant_name=snapshot.display_name, tenant_source=self.connection.label,
                                       model=self.choice.spec)
        tracer = Tracer(self.store, run_id)
        ctx = SkillContext(agent=self.agent.name, run_id=run_id, connection=self.connection, snapshot=snapshot,
                           store=self.store, tracer=tracer, settings={})
        attach(ctx, state)
        tracer.event("run_started", agent=self.agent.name, model=self.choice.spec, llm=self.choice.is_llm,
                     tenant={"id": snapshot.tenant_id, "source": self.connection.label}, question=question)
        observer = ModelObserver(ctx)
        observer.attach(self._service)
        status, error, answer, usage = "succeeded", None, "", {}
        try:
            outcome = await run_agent_skill(self.catalog, self.skill, self._inputs(question), ctx=ctx,
                                            service=self._service, choice=self.choice, observer=observer)
            answer, usage = outcome.answer, outcome.tokens.as_json()
            if outcome.status != "succeeded":
                status, error = "failed", outcome.error
        except BaseException as exc:
            # recorded whatever happened (including Ctrl-C): a turn's run is never left "running"
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            tracer.event("error", message=error)
            raise
        finally:
            self.store.finish_run(run_id, status=status, usage=usage, error=error)
        return self._record(question, answer, run_id, status)

    def _record(self, question: str, answer: str, run_id: str, status: str) -> Turn:
        trace = self.store.trace(run_id)
        calls = [{k: e.get(k) for k in ("skill", "arguments", "result", "error", "durationMs")}
                 for e in trace if e["kind"] == "tool_call"]
        proposed = [e["token"] for e in trace if e["kind"] == PENDING_EVENT]
        if proposed:
            self.pending = proposed[-1]
        elif any(e["kind"] == "suggestion_edited" for e in trace) or _cancelled(question):
            self.pending = None
        route = list(self._planner.last_route) if self._planner is not None else []
        turn = Turn(question, answer, run_id, status, calls, route, self.pending)
        self.turns.append(turn)
        return turn


def _cancelled(question: str) -> bool:
    from entra_agents.chat.extract import CANCEL

    return bool(CANCEL.match(question))
