"""Load a ``TenantSnapshot`` from Microsoft Graph (live, recorded or simulated: they all look like Graph).

Every collection is read in full as raw JSON, projected to the properties in ``load_plan`` (by ``$select``;
sign-ins, which Graph cannot ``$select``, as each page arrives). A collection Graph refuses (403, 404...) is
recorded in ``snapshot.failed`` and left empty, so dependent checks report ``error`` instead of passing on
missing data; a 403 names the permission that collection needs. Only the organization is mandatory: without
it we do not know which tenant we are looking at.

Requests are bounded (one semaphore for every request), throttling is retried as Graph asks (see
``client.RetryPolicy``), per-object reads go through ``$batch`` (``graph.batch``), and the whole load has a
deadline so a scheduled run cannot hang on a slow tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from msgraph import GraphServiceClient

from entra_agents.errors import TenantReadError
from entra_agents.graph.batch import read_collections
from entra_agents.graph.client import (
    DEFAULT_RETRY,
    PAGE_SIZE,
    GraphRequestError,
    RetryPolicy,
    get_collection,
    get_json,
)
from entra_agents.graph.load_plan import (
    APPLICATION_SELECT,
    GROUP_SELECT,
    MEMBER_SELECT,
    PATHS,
    PERMISSIONS,
    SERVICE_PRINCIPAL_SELECT,
    SIGN_IN_ACTIVITY,
    USER_SELECT,
    SignInProjection,
)
from entra_agents.graph.load_progress import LoadProgress, open_progress
from entra_agents.graph.load_reviews import read_review_context, read_stages
from entra_agents.graph.snapshot import ATTRIBUTES, JSON, TenantSnapshot

DEFAULT_CONCURRENCY = 8  # Graph throttles per app and tenant; 8 requests in flight stay well inside the limits
DEFAULT_LOOK_BACK_DAYS = 30  # Entra keeps sign-in logs for 30 days (P1/P2)
DEFAULT_DEADLINE = 1800.0  # seconds; a 100,000-user tenant reads in minutes, a hung one must not run for ever


async def load_snapshot(client: GraphServiceClient, *, look_back_days: int = DEFAULT_LOOK_BACK_DAYS,
                        now: datetime | None = None, deadline: float | None = DEFAULT_DEADLINE,
                        concurrency: int = DEFAULT_CONCURRENCY, page_size: int = PAGE_SIZE,
                        retry: RetryPolicy = DEFAULT_RETRY, progress: bool | None = None) -> TenantSnapshot:
    """Read everything an analysis needs, once.

    Sign-ins and directory audits cover ``look_back_days`` before ``now``, from midnight UTC, so two loads on
    the same day send the same filter (a recording made today replays today; replaying an older recording
    needs ``now`` = its recording time). ``deadline`` bounds the whole load in seconds (None: no bound);
    ``progress`` shows a live display (None: when stderr is a terminal).

    Raises ``TenantReadError`` if the organization cannot be read or the deadline passes.
    """
    if look_back_days < 0 or concurrency < 1 or not 1 <= page_size <= PAGE_SIZE:
        raise ValueError("look_back_days >= 0, concurrency >= 1 and 1 <= page_size <= 999 are required")
    since = (now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=look_back_days)
    display = open_progress(progress)
    load = _Load(client, asyncio.Semaphore(concurrency), retry, page_size, display,
                 since.strftime("%Y-%m-%dT00:00:00Z"))
    try:
        async with asyncio.timeout(deadline):
            return await load.run()
    except TimeoutError:
        still = ", ".join(sorted(load.loading)) or "nothing (the deadline passed between reads)"
        raise TenantReadError(f"reading the tenant did not finish within the {deadline:g} s deadline; still "
                              f"loading: {still}. Raise the deadline for a tenant this size, or check Graph "
                              "throttling") from None
    finally:
        display.close()


def failure_reason(name: str, exc: TenantReadError) -> str:
    """What ``snapshot.failed[name]`` says: Graph's error, plus the permission to grant when it is a 403."""
    if isinstance(exc, GraphRequestError) and exc.status == 403 and name in PERMISSIONS:
        return f"{exc} (needs {PERMISSIONS[name]})"
    return str(exc)


@dataclass
class _Load:
    client: GraphServiceClient
    gate: asyncio.Semaphore
    retry: RetryPolicy
    page_size: int
    progress: LoadProgress
    since: str  # ISO timestamp: start of the sign-in / audit window
    loading: set[str] = field(default_factory=set)  # what the deadline message names
    failed: dict[str, str] = field(default_factory=dict)

    async def run(self) -> TenantSnapshot:
        snapshot = TenantSnapshot(organization=await self._organization())
        readers: dict[str, Callable[[], Awaitable[Any]]] = {
            "securityDefaults": self._security_defaults,
            "users": self._users,
            "groups": lambda: self._with_members("groups", GROUP_SELECT, self.page_size,
                                                 f"?$select={','.join(MEMBER_SELECT)}&$top={self.page_size}"),
            # directoryRoles and their members document no query options; a tenant has a few dozen roles
            "directoryRoles": lambda: self._with_members("directoryRoles", None, None, ""),
            "servicePrincipals": lambda: self._read("servicePrincipals", SERVICE_PRINCIPAL_SELECT, self.page_size),
            "applications": lambda: self._read("applications", APPLICATION_SELECT, self.page_size),
            # the policy endpoints page on their own and document no $top
            "conditionalAccessPolicies": lambda: self._read("conditionalAccessPolicies"),
            "namedLocations": lambda: self._read("namedLocations"),
            "authenticationStrengthPolicies": lambda: self._read("authenticationStrengthPolicies"),
            "signIns": lambda: self._read("signIns", top=self.page_size,
                                          params={"$filter": f"createdDateTime ge {self.since}"},
                                          keep=SignInProjection()),
            "directoryAudits": lambda: self._read("directoryAudits", top=self.page_size,
                                                  params={"$filter": f"activityDateTime ge {self.since}"}),
            "accessReviews": self._access_reviews,
        }
        async with asyncio.TaskGroup() as group:
            tasks = {name: group.create_task(self._guarded(name, read)) for name, read in readers.items()}
        for name, task in tasks.items():
            ok, value = task.result()
            if not ok:
                continue
            if name == "securityDefaults":
                snapshot.security_defaults_enabled = value
            else:
                setattr(snapshot, ATTRIBUTES[name], value)
        if snapshot.access_reviews:
            # after the users: the access review context is merged onto them
            self.loading.add("accessReviewContext")
            await read_review_context(self, snapshot)
            self.loading.discard("accessReviewContext")
        snapshot.failed = dict(sorted(self.failed.items()))
        return snapshot

    async def _guarded(self, name: str, read: Callable[[], Awaitable[Any]]) -> tuple[bool, Any]:
        self.loading.add(name)
        self.progress.begin(name)
        # not discarded when cancelled: the deadline message names what was still loading
        try:
            value = await read()
        except TenantReadError as exc:  # anything else is a bug: let it surface with its traceback
            self.loading.discard(name)
            self.failed[name] = failure_reason(name, exc)
            self.progress.done(name, ok=False)
            return False, None
        self.loading.discard(name)
        self.progress.done(name, ok=True)
        return True, value

    async def _read(self, name: str, select: list[str] | None = None, top: int | None = None,
                    params: dict[str, str] | None = None, keep: Callable[[JSON], JSON] | None = None) -> list[JSON]:
        return await get_collection(self.client, PATHS[name], select, top, params=params, retry=self.retry,
                                    gate=self.gate, on_page=lambda n: self.progress.advance(name, n), keep=keep)

    async def _organization(self) -> JSON:
        self.loading.add("organization")
        try:
            orgs = await self._read("organization")
        except TenantReadError as exc:
            raise TenantReadError(f"cannot read the tenant's organization: {failure_reason('organization', exc)}"
                                  ) from None
        self.loading.discard("organization")
        if not orgs:
            raise TenantReadError("Graph returned no organization; check that the credential belongs to the tenant")
        return orgs[0]

    async def _security_defaults(self) -> bool | None:
        async with self.gate:
            policy = await get_json(self.client, PATHS["securityDefaults"], self.retry)
        enabled = policy.get("isEnabled")
        return enabled if isinstance(enabled, bool) else None

    async def _users(self) -> list[JSON]:
        try:
            return await self._read("users", [*USER_SELECT, SIGN_IN_ACTIVITY], self.page_size)
        except GraphRequestError as exc:
            if exc.status != 403:
                raise
            # signInActivity needs AuditLog.Read.All and Entra ID P1; the users themselves may still be readable
            self.failed[SIGN_IN_ACTIVITY] = failure_reason(SIGN_IN_ACTIVITY, exc)
            return await self._read("users", USER_SELECT, self.page_size)

    async def _with_members(self, name: str, select: list[str] | None, top: int | None,
                            member_query: str) -> list[JSON]:
        """Read a collection, then each object's direct members (batched), put back as ``members: [ids]``.

        If any member list cannot be read the whole collection fails: half-known membership would make
        coverage look better or worse than it is. Transitive membership is the CA engine's job.
        """
        objects = await self._read(name, select, top)
        paths = [f"{PATHS[name]}/{obj['id']}/members{member_query}" for obj in objects]
        lists = await read_collections(self.client, paths, self.retry, self.gate)
        for obj, members in zip(objects, lists, strict=True):
            obj["members"] = [str(m["id"]) for m in members if "id" in m]
        return objects

    async def _access_reviews(self) -> list[JSON]:
        """Definitions, each with ``instances``, each with ``decisions`` carrying ``insights`` and, in multi-stage
        reviews, ``stages`` with their own ``decisions`` (tenant-file shape)."""
        definitions = await self._read("accessReviews")
        base = PATHS["accessReviews"]
        instance_lists = await read_collections(
            self.client, [f"{base}/{d['id']}/instances" for d in definitions], self.retry, self.gate)
        instances = [(d, i) for d, found in zip(definitions, instance_lists, strict=True) for i in found]
        decision_lists = await read_collections(
            self.client, [f"{base}/{d['id']}/instances/{i['id']}/decisions?$expand=insights" for d, i in instances],
            self.retry, self.gate, on_page=lambda n: self.progress.advance("accessReviews", n))
        for definition, found in zip(definitions, instance_lists, strict=True):
            definition["instances"] = found
        for (_, instance), decisions in zip(instances, decision_lists, strict=True):
            instance["decisions"] = decisions
        await read_stages(self, instances)
        return definitions
