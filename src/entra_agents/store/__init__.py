"""Durable state: runs, trace events, findings, suggestions (SQLAlchemy; SQLite by default)."""

from entra_agents.store.db import Store, default_store_url

__all__ = ["Store", "default_store_url"]
