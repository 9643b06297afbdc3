"""The store: one object the engine and CLI use to persist and read back runs and their outputs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from entra_agents.errors import UsageError
from entra_agents.graph.scrub import redact_tree
from entra_agents.store.tables import Base, FindingRow, RunRow, SuggestionRow, TraceRow


def data_home() -> Path:
    """Where runs and suggestions live: ``$ENTRA_AGENTS_HOME``, else the XDG data directory."""
    explicit = os.environ.get("ENTRA_AGENTS_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "entra-agents"


def default_store_url() -> str:
    return os.environ.get("ENTRA_AGENTS_DATABASE_URL") or f"sqlite:///{data_home() / 'entra-agents.db'}"


def now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite drops tzinfo; everything we write is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def iso(value: datetime | None) -> str | None:
    value = _aware(value)
    return value.isoformat().replace("+00:00", "Z") if value else None


class Store:
    def __init__(self, url: str | None = None, *, clock: Callable[[], datetime] = now) -> None:
        """``clock`` is "now" for suggestion reads and actions (a snooze ends when it passes); tests inject one."""
        self.url = url or default_store_url()
        self.clock = clock
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_engine(self.url)
        try:
            Base.metadata.create_all(self._engine)
        except OperationalError as exc:
            # Two processes (schedulers) opening a new database at once: both saw a table missing, one created
            # it first. The other's check now finds every table; anything else is a real error.
            if "already exists" not in str(exc):
                raise
            Base.metadata.create_all(self._engine)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # runs -------------------------------------------------------------------------------------------
    def create_run(self, *, agent: str, tenant_id: str, tenant_name: str, tenant_source: str, model: str) -> str:
        run_id = str(uuid.uuid4())
        with self._session() as s:
            s.add(RunRow(id=run_id, agent=agent, tenant_id=tenant_id, tenant_name=tenant_name,
                         tenant_source=tenant_source, model=model, status="running", started=now(), usage={}))
        return run_id

    def finish_run(self, run_id: str, *, status: str, usage: dict[str, Any], error: str | None = None) -> None:
        with self._session() as s:
            row = s.get(RunRow, run_id)
            if row is None:
                raise UsageError(f"run {run_id}: not found")
            row.status, row.usage, row.error, row.finished = status, usage, _clean(error), now()

    def get_run(self, run_id: str) -> dict[str, Any]:
        with self._session() as s:
            rows = s.scalars(select(RunRow).where(RunRow.id.startswith(run_id))).all()
            if len(rows) != 1:
                problem = "not found" if not rows else "matches several runs; give more characters"
                raise UsageError(f"run {run_id}: {problem} (see `entra-agents runs list`)")
            return _run_json(rows[0])

    def list_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._session() as s:
            rows = s.scalars(select(RunRow).order_by(RunRow.started.desc()).limit(limit)).all()
            return [_run_json(r) for r in rows]

    # trace ------------------------------------------------------------------------------------------
    def add_event(self, run_id: str, kind: str, data: dict[str, Any]) -> int:
        with self._session() as s:
            last = s.scalars(select(TraceRow.seq).where(TraceRow.run_id == run_id)
                             .order_by(TraceRow.seq.desc()).limit(1)).first()
            seq = (last or 0) + 1
            s.add(TraceRow(run_id=run_id, seq=seq, kind=kind, at=now(), data=_clean(data)))
            return seq

    def trace(self, run_id: str) -> list[dict[str, Any]]:
        with self._session() as s:
            rows = s.scalars(select(TraceRow).where(TraceRow.run_id == run_id).order_by(TraceRow.seq)).all()
            return [{"seq": r.seq, "kind": r.kind, "at": iso(r.at), **r.data} for r in rows]

    # findings ---------------------------------------------------------------------------------------
    def add_findings(self, run_id: str, findings: list[dict[str, Any]]) -> None:
        with self._session() as s:
            s.add_all(FindingRow(run_id=run_id, check=f["check"], status=f["status"], data=_clean(f)) for f in findings)

    def findings(self, run_id: str) -> list[dict[str, Any]]:
        with self._session() as s:
            rows = s.scalars(select(FindingRow).where(FindingRow.run_id == run_id).order_by(FindingRow.id)).all()
            return [r.data for r in rows]

    # suggestions ------------------------------------------------------------------------------------
    def add_suggestion(self, *, tenant_id: str, agent: str, run_id: str, suggestion: dict[str, Any]) -> dict[str, Any]:
        """Store a new suggestion; if its fingerprint is already known for the tenant, return the stored one."""
        created = now()
        doc = _clean({**suggestion, "id": str(uuid.uuid4()), "status": "open", "runId": run_id, "created": iso(created)})
        try:
            with self._session() as s:
                s.add(SuggestionRow(id=doc["id"], tenant_id=tenant_id, fingerprint=doc["fingerprint"], agent=agent,
                                    status="open", run_id=run_id, created=created, data=doc))
        except IntegrityError:
            existing = self.suggestion_by_fingerprint(tenant_id, doc["fingerprint"])
            assert existing is not None  # the unique constraint just told us it exists
            return existing
        return doc

    def add_suggestions(self, *, tenant_id: str, agent: str, run_id: str,
                        suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Store many new suggestions in one transaction (an access review page: SQLite commits one at a time
        cost seconds per thousand). If any fingerprint is already known, they are stored one by one instead, each
        returning the stored one as ``add_suggestion`` does."""
        created = now()
        docs = [_clean({**suggestion, "id": str(uuid.uuid4()), "status": "open", "runId": run_id,
                        "created": iso(created)}) for suggestion in suggestions]
        try:
            with self._session() as s:
                s.add_all(SuggestionRow(id=d["id"], tenant_id=tenant_id, fingerprint=d["fingerprint"], agent=agent,
                                        status="open", run_id=run_id, created=created, data=d) for d in docs)
        except IntegrityError:
            return [self.add_suggestion(tenant_id=tenant_id, agent=agent, run_id=run_id, suggestion=suggestion)
                    for suggestion in suggestions]
        return docs

    def suggestion_by_fingerprint(self, tenant_id: str, fingerprint: str) -> dict[str, Any] | None:
        with self._session() as s:
            row = s.scalars(select(SuggestionRow).where(SuggestionRow.tenant_id == tenant_id,
                                                        SuggestionRow.fingerprint == fingerprint)).first()
            return self._effective(row) if row else None

    def get_suggestion(self, suggestion_id: str) -> dict[str, Any]:
        with self._session() as s:
            return self._effective(_one_suggestion(s, suggestion_id))

    def suggestion_tenant_id(self, suggestion_id: str) -> str:
        """The tenant a suggestion was made for: an action that writes must reach that tenant and no other."""
        with self._session() as s:
            return _one_suggestion(s, suggestion_id).tenant_id

    def suggestion_agent(self, suggestion_id: str) -> str:
        """The agent that made a suggestion: its settings (break-glass accounts) apply when it is written."""
        with self._session() as s:
            return _one_suggestion(s, suggestion_id).agent

    def change_suggestion(self, suggestion_id: str,
                          change: Callable[[dict[str, Any], datetime], dict[str, Any]]) -> dict[str, Any]:
        """Read, change and write one suggestion in one transaction; ``change(doc, now)`` returns the new document
        (see ``suggestions.lifecycle``) or raises, which leaves the row as it was."""
        with self._session() as s:
            row = _one_suggestion(s, suggestion_id, lock=True)
            at = self.clock()
            doc = _clean(change(_effective_json(row, at), at))
            row.data = {k: v for k, v in doc.items() if k != "status"} | {"status": doc["status"]}
            row.status = doc["status"]
            return _suggestion_json(row)

    def list_suggestions(self, *, tenant_id: str | None = None, run_id: str | None = None,
                         status: str | None = None) -> list[dict[str, Any]]:
        query = select(SuggestionRow).order_by(SuggestionRow.created, SuggestionRow.id)
        if tenant_id:
            query = query.where(SuggestionRow.tenant_id == tenant_id)
        if run_id:
            query = query.where(SuggestionRow.run_id == run_id)
        if status:
            # a snoozed row may read as open (its snooze ended): fetch both, filter on the status as read
            query = query.where(SuggestionRow.status.in_({status, "snoozed"}))
        with self._session() as s:
            found = [self._effective(r) for r in s.scalars(query).all()]
        return [d for d in found if not status or d["status"] == status]

    def _effective(self, row: SuggestionRow) -> dict[str, Any]:
        return _effective_json(row, self.clock())

    def update_suggestion(self, suggestion_id: str, **changes: Any) -> dict[str, Any]:
        with self._session() as s:
            row = s.get(SuggestionRow, suggestion_id)
            if row is None:
                raise UsageError(f"suggestion {suggestion_id}: not found")
            row.data = _clean({**row.data, **changes})
            row.status = row.data.get("status", row.status)
            return _suggestion_json(row)


def _clean(value: Any) -> Any:
    """What the store keeps never holds a token (safety rule 5): a model may echo one it was shown or invented,
    and tenant data read before the loader redacted it (an older recording) may carry one."""
    return redact_tree(value)


def _run_json(row: RunRow) -> dict[str, Any]:
    return {"id": row.id, "agent": row.agent, "tenant": {"id": row.tenant_id, "displayName": row.tenant_name,
                                                        "source": row.tenant_source},
            "model": row.model, "status": row.status, "started": iso(row.started), "finished": iso(row.finished),
            "usage": row.usage or {}, "error": row.error}


def _suggestion_json(row: SuggestionRow) -> dict[str, Any]:
    return {**row.data, "status": row.status}


def _effective_json(row: SuggestionRow, at: datetime) -> dict[str, Any]:
    from entra_agents.suggestions.lifecycle import effective

    return effective(_suggestion_json(row), at)


def _one_suggestion(s: Session, suggestion_id: str, *, lock: bool = False) -> SuggestionRow:
    query = select(SuggestionRow).where(SuggestionRow.id.startswith(suggestion_id.strip()))
    # PostgreSQL: two administrators acting at once queue up instead of overwriting each other's history
    rows = s.scalars(query.with_for_update() if lock else query).all()
    if len(rows) != 1 or not suggestion_id.strip():
        problem = "not found" if not rows else "matches several suggestions; give more characters"
        raise UsageError(f"suggestion {suggestion_id}: {problem} (see `entra-agents suggestions list`)")
    return rows[0]
