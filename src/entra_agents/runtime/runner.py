"""Run an agent with Security Copilot trigger semantics and record everything in the store.

FetchSkill returns a list of items; ProcessSkill (an Agent skill) runs once per item with the item's values
mapped onto its inputs. No FetchSkill: ProcessSkill runs once.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from entra_agents.agent_config.run_setup import RunSetup, check_overrides, prepare
from entra_agents.errors import ContentError
from entra_agents.graph.scrub import redact_tokens
from entra_agents.runtime.agent import run_agent_skill
from entra_agents.runtime.context import SkillContext, Tracer
from entra_agents.runtime.filters import ModelObserver
from entra_agents.runtime.models.providers import ModelChoice, build_service
from entra_agents.runtime.models.usage import TokenUsage


@dataclass
class RunResult:
    run: dict[str, Any]
    findings: list[dict[str, Any]]
    suggestions: list[dict[str, Any]]
    answers: list[str]
    # things the operator should see even in a successful run (unresolved instructions, capped work...)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        run = {k: self.run[k] for k in ("id", "agent", "tenant", "model", "status", "started", "finished", "usage")}
        # "warnings" is an additive key of the `run --json` contract
        return {"run": run, "findings": self.findings, "suggestions": self.suggestions, "warnings": self.warnings}


async def _fetch(catalog: Any, ref: str, ctx: SkillContext) -> list[dict[str, Any]]:
    skill = catalog.skill(ref)
    catalog.require_executable(skill)
    if skill.python is None:
        raise ContentError(skill.file, f"{skill.full_name}", "a FetchSkill must be a Python skill in this version",
                           "point FetchSkill at a Python skill that returns a list of items")
    started_items = skill.python.callable(ctx)
    items = await started_items if inspect.isawaitable(started_items) else started_items
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ContentError(skill.file, skill.full_name, "the FetchSkill did not return a list of objects",
                           "return a list of dicts whose keys are the ProcessSkill's inputs")
    ctx.tracer.event("fetch", skill=skill.full_name, items=items)
    return items


def _inputs(process: Any, settings: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    declared = {i.name: i for i in process.inputs}
    values = {name: settings[name] for name in declared if name in settings}
    values.update({k: v for k, v in item.items() if k in declared})
    for name, spec in declared.items():
        if name not in values and spec.default_value is not None:
            values[name] = spec.default_value
    missing = [n for n, spec in declared.items() if spec.required and n not in values]
    if missing:
        raise ContentError(process.file, f"{process.full_name}.Inputs.{missing[0]}",
                           "is required but neither the fetched item nor the agent settings provide it",
                           "make the FetchSkill return it or add an agent setting with that name")
    return values


def _trace_setup(tracer: Tracer, setup: RunSetup) -> None:
    """Warnings first (they are what an operator must read), then what the run starts from."""
    for warning in setup.warnings:
        tracer.event("warning", message=warning)
    if setup.instructions is not None:
        tracer.event("custom_instructions", **setup.instructions.to_json())
    if setup.monitored is not None:
        tracer.event("monitored_objects", **setup.monitored.to_json())


def _capped(items: list[dict[str, Any]], setup: RunSetup, tracer: Tracer, usage: dict[str, int]) -> list[dict[str, Any]]:
    """At most MaxItemsPerRun items, in fetch order; the rest wait for the next run (they are not suggested
    yet, so the FetchSkill returns them again)."""
    limit = setup.item_cap()
    if limit is None or len(items) <= limit:
        return items
    deferred = len(items) - limit
    usage["deferredItems"] = deferred
    tracer.event("cap", setting="MaxItemsPerRun", limit=limit, fetched=len(items), deferred=deferred)
    setup.warnings.append(f"{deferred} of {len(items)} items deferred to the next run (MaxItemsPerRun={limit})")
    return items[:limit]


async def run_agent(catalog: Any, agent_name: str, *, connection: Any, store: Any, choice: ModelChoice,
                    settings: dict[str, str] | None = None) -> RunResult:
    """Run ``agent_name``. Settings: ``settings`` (the command line) > stored for the tenant > stored default >
    manifest default."""
    agent = catalog.agent(agent_name)
    overrides = settings or {}
    check_overrides(agent, overrides)
    service = build_service(choice)
    # "New in the last 24 h" is measured from the moment the data describes: a recording's or tenant file's
    # own time, else now (when the loader reads the live tenant).
    as_of = connection.as_of or datetime.now(UTC)
    snapshot = await connection.snapshot()
    setup = prepare(agent, store, snapshot, as_of, overrides)
    values = setup.values
    run_id = store.create_run(agent=agent.name, tenant_id=snapshot.tenant_id, tenant_name=snapshot.display_name,
                              tenant_source=connection.label, model=choice.spec)
    tracer = Tracer(store, run_id)
    ctx = SkillContext(agent=agent.name, run_id=run_id, connection=connection, snapshot=snapshot, store=store,
                       tracer=tracer, settings=values, monitored=setup.monitored, instructions=setup.instructions)
    tracer.event("run_started", agent=agent.name, model=choice.spec, llm=choice.is_llm, **setup.trace_settings(),
                 tenant={"id": snapshot.tenant_id, "source": connection.label}, failedCollections=snapshot.failed)
    _trace_setup(tracer, setup)
    observer = ModelObserver(ctx)
    observer.attach(service)
    tokens = TokenUsage()
    usage: dict[str, Any] = {"items": 0, "failedItems": 0}
    answers: list[str] = []
    status, error = "succeeded", None
    try:
        trigger = agent.triggers[0]
        items = await _fetch(catalog, trigger.fetch_skill, ctx) if trigger.fetch_skill else [{}]
        process = catalog.skill(trigger.process_skill)
        inputs = {**values, **setup.model_inputs()}
        for item in _capped(items, setup, tracer, usage):
            outcome = await run_agent_skill(catalog, process, _inputs(process, inputs, item), ctx=ctx,
                                            service=service, choice=choice, observer=observer)
            answers.append(redact_tokens(outcome.answer))  # printed as is: never a token (rule 5)
            usage["items"] += 1
            tokens.add(outcome.tokens)
            usage["failedItems"] += outcome.status != "succeeded"
    except BaseException as exc:
        # Recorded whatever happened (including Ctrl-C): a run is never left "running" by us.
        interrupted = isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError))
        status, error = ("interrupted" if interrupted else "failed"), f"{type(exc).__name__}: {exc}"
        tracer.event("error", message=error)
        raise
    finally:
        usage.update(tokens.as_json())
        # an item the model failed (invalid output twice, a refusal) leaves the others done: partial, not failed
        if status == "succeeded" and usage["failedItems"]:
            status = "partial"
        store.finish_run(run_id, status=status, usage=usage, error=error)
    await _notify(store, run_id, setup, tracer)
    return RunResult(run=store.get_run(run_id), findings=store.findings(run_id),
                     suggestions=store.list_suggestions(run_id=run_id), answers=answers, warnings=setup.warnings)


async def _notify(store: Any, run_id: str, setup: RunSetup, tracer: Tracer) -> None:
    """Tell the configured webhooks about the finished run. A delivery problem is traced, never a run failure."""
    if not setup.webhooks:
        return
    from entra_agents.notify import Webhook, deliver_run

    hooks = [Webhook(h["url"], h["format"]) for h in setup.webhooks]
    for delivery in await deliver_run(store, run_id, hooks):
        tracer.event("notification", **delivery.to_event())
