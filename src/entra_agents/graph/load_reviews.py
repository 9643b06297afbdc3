"""The access review part of a snapshot load: stage decisions of multi-stage reviews, and the context the
access review agent's insights read (leave dates, managers, lifecycle workflow movers, access package
requests).

The context is read only when the tenant has access review definitions, so a Conditional Access analysis
pays nothing for it. Each read has its own Graph permission; a refusal is recorded in ``snapshot.failed``
under its own name and leaves the rest of the snapshot intact. The insights then report that signal as
missing, never as "no leave date" or "no mover event".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from entra_agents.errors import TenantReadError
from entra_agents.graph.batch import read_collections
from entra_agents.graph.client import RetryPolicy, get_collection
from entra_agents.graph.load_plan import (
    LEAVE_SELECT,
    MANAGER_QUERY,
    PATHS,
    PROCESSING_RESULT_SELECT,
    REQUEST_EXPAND,
    WORKFLOW_SELECT,
)
from entra_agents.graph.snapshot import JSON, TenantSnapshot

# An access package review's scope names the package it reviews (Graph: accessPackageAssignments filtered
# by accessPackageId); only then is the request history worth reading.
_PACKAGE_SCOPE = re.compile(r"accessPackageAssignments", re.IGNORECASE)


class Reader(Protocol):
    """What the loader gives this module: its client, request gate, retry policy and failure record."""

    client: Any
    gate: asyncio.Semaphore
    retry: RetryPolicy
    page_size: int
    failed: dict[str, str]


async def read_stages(load: Reader, instances: list[tuple[JSON, JSON]]) -> None:
    """Put ``stages`` (each with its ``decisions``) on the instances of multi-stage definitions.

    Graph documents no ``$expand=insights`` on a stage's decisions, so they come without insights and the
    agent falls back to the user's own sign-in activity and its peer score (and says so)."""
    base = PATHS["accessReviews"]
    staged = [(d, i) for d, i in instances if d.get("stageSettings")]
    if not staged:
        return
    stage_lists = await read_collections(load.client, [f"{base}/{d['id']}/instances/{i['id']}/stages"
                                                       for d, i in staged], load.retry, load.gate)
    stages = [(d, i, s) for (d, i), found in zip(staged, stage_lists, strict=True) for s in found]
    decision_lists = await read_collections(
        load.client, [f"{base}/{d['id']}/instances/{i['id']}/stages/{s['id']}/decisions" for d, i, s in stages],
        load.retry, load.gate)
    for (_, instance), found in zip(staged, stage_lists, strict=True):
        instance["stages"] = found
    for (_, _, stage), decisions in zip(stages, decision_lists, strict=True):
        stage["decisions"] = decisions


async def read_review_context(load: Reader, snapshot: TenantSnapshot) -> None:
    """Leave dates and managers onto ``snapshot.users``; movers and package requests into their collections."""
    packages = any(_PACKAGE_SCOPE.search(str((d.get("scope") or {}).get("query", "")))
                   for d in snapshot.access_reviews)
    reads: dict[str, Callable[[], Awaitable[Any]]] = {
        "employeeLeaveDateTime": lambda: _collection(load, "users", {"$select": ",".join(LEAVE_SELECT)},
                                                     load.page_size),
        "managers": lambda: _collection(load, "users", dict(MANAGER_QUERY), load.page_size),
        "lifecycleWorkflows": lambda: _movers(load),
    }
    if packages:
        reads["accessPackageAssignmentRequests"] = lambda: _collection(
            load, "accessPackageAssignmentRequests", {"$expand": REQUEST_EXPAND})
    names = list(reads)
    results = await asyncio.gather(*(reads[n]() for n in names), return_exceptions=True)
    by_id = {str(u.get("id")): u for u in snapshot.users}
    for name, result in zip(names, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, TenantReadError):
                raise result  # anything else is a bug: let it surface
            from entra_agents.graph.loader import failure_reason

            load.failed[name] = failure_reason(name, result)
        elif name == "employeeLeaveDateTime":
            _merge(by_id, result, "employeeLeaveDateTime", lambda r: r.get("employeeLeaveDateTime"))
        elif name == "managers":
            _merge(by_id, result, "manager", lambda r: {"id": str(r["manager"]["id"])}
                   if isinstance(r.get("manager"), dict) and r["manager"].get("id") else None)
        elif name == "lifecycleWorkflows":
            snapshot.lifecycle_workflows = result
        else:
            snapshot.access_package_assignment_requests = result


def _merge(by_id: dict[str, JSON], rows: list[JSON], key: str, value: Callable[[JSON], Any]) -> None:
    # only values that are set: an unset leave date or manager is the absence of the property, as in Graph's
    # default projection (the read itself succeeded, so "absent" means "none", not "unknown")
    for row in rows:
        user = by_id.get(str(row.get("id")))
        found = value(row)
        if user is not None and found is not None:
            user[key] = found


async def _collection(load: Reader, name: str, params: dict[str, str], top: int | None = None) -> list[JSON]:
    return await get_collection(load.client, PATHS[name], None, top, params=params, retry=load.retry,
                                gate=load.gate)


async def _movers(load: Reader) -> list[JSON]:
    """Mover workflows, each with its ``userProcessingResults`` (joiner and leaver runs are no review signal)."""
    workflows = await get_collection(load.client, PATHS["lifecycleWorkflows"], WORKFLOW_SELECT, None,
                                      retry=load.retry, gate=load.gate)
    movers = [w for w in workflows if str(w.get("category", "")).lower() == "mover"]
    select = ",".join(PROCESSING_RESULT_SELECT)
    results = await read_collections(
        load.client, [f"{PATHS['lifecycleWorkflows']}/{w['id']}/userProcessingResults?$select={select}"
                      for w in movers], load.retry, load.gate)
    for workflow, found in zip(movers, results, strict=True):
        workflow["userProcessingResults"] = found
    return movers
