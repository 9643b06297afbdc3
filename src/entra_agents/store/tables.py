"""Table definitions. Payloads are JSON documents so the public contracts can grow additively."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent: Mapped[str] = mapped_column(String(200), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    tenant_name: Mapped[str] = mapped_column(String(400))
    tenant_source: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    usage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class TraceRow(Base):
    __tablename__ = "trace_events"
    __table_args__ = (UniqueConstraint("run_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    check: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class SuggestionRow(Base):
    __tablename__ = "suggestions"
    # One suggestion per gap per tenant: a retried or repeated run never duplicates it.
    __table_args__ = (UniqueConstraint("tenant_id", "fingerprint"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class AgentConfigRow(Base):
    """Stored configuration of one agent: for one tenant, or (tenant_id "") the default for every tenant."""

    __tablename__ = "agent_configs"
    __table_args__ = (UniqueConstraint("agent", "tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(String(200), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # setting name -> normalised text
    webhooks: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{url, format}]; urls are secrets
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))


class AgentConfigChangeRow(Base):
    """Who changed an agent's configuration, when, and what (secret values and webhook URLs redacted)."""

    __tablename__ = "agent_config_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(String(200), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    changes: Mapped[list[Any]] = mapped_column(JSON)


class ScheduleRow(Base):
    """A stored schedule entry: run ``agent`` on ``tenant`` (a ``--tenant`` value) unattended."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("agent", "tenant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(String(200), index=True)
    tenant: Mapped[str] = mapped_column(String(1000))
    period_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the manifest's period
    activity: Mapped[str | None] = mapped_column(String(100), nullable=True)  # an activity rule's name
    added: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_by: Mapped[str] = mapped_column(String(200))


class ScheduleStateRow(Base):
    """What schedulers know about one agent on one tenant: the anchor of its period, the last runs per trigger,
    and the lease a scheduler holds while running it (owner and expiry; see ``store.schedules``)."""

    __tablename__ = "schedule_state"
    __table_args__ = (UniqueConstraint("agent", "tenant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(String(200), index=True)
    tenant: Mapped[str] = mapped_column(String(1000))
    anchor: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    periodic_started: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    activity_started: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_trigger: Mapped[str | None] = mapped_column(String(20), nullable=True)
    last_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    last_started: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_started: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_trigger: Mapped[str | None] = mapped_column(String(20), nullable=True)
    lease_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
