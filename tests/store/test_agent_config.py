"""Stored agent configuration: per agent and tenant, a default row for every tenant, and a history of changes."""

from __future__ import annotations

from entra_agents.store import Store
from entra_agents.store import agent_config as stored


def test_default_and_tenant_rows_are_separate_and_survive_reopening() -> None:
    store = Store()
    stored.save(store, stored.StoredConfig("ca-optimizer", "", {"LargeExclusionUsers": "40"}),
                actor="alice", changes=[{"setting": "LargeExclusionUsers", "from": None, "to": "40"}])
    stored.save(store, stored.StoredConfig("ca-optimizer", "t1", {"LargeExclusionUsers": "10"},
                                           [{"url": "https://hooks.example/secret", "format": "teams"}]),
                actor="bob", changes=[{"setting": "LargeExclusionUsers", "from": None, "to": "10"}])
    again = Store()  # a new process reading the same database
    assert stored.load(again, "ca-optimizer").settings == {"LargeExclusionUsers": "40"}
    tenant = stored.load(again, "ca-optimizer", "t1")
    assert tenant.settings == {"LargeExclusionUsers": "10"} and tenant.updated_by == "bob"
    assert tenant.webhooks == [{"url": "https://hooks.example/secret", "format": "teams"}]
    assert stored.load(again, "ca-optimizer", "t2").settings == {}  # never stored: empty, not an error
    assert stored.tenants(again, "ca-optimizer") == ["t1"]


def test_history_is_newest_first_with_who_and_when() -> None:
    store = Store()
    for n, actor in enumerate(("alice", "bob")):
        stored.save(store, stored.StoredConfig("ca-optimizer", "", {"LargeExclusionUsers": str(n)}), actor=actor,
                    changes=[{"setting": "LargeExclusionUsers", "from": None, "to": str(n)}])
    entries = stored.history(store, "ca-optimizer", stored.DEFAULT_TENANT)
    assert [e["by"] for e in entries] == ["bob", "alice"]
    assert entries[0]["changes"][0]["to"] == "1" and entries[0]["at"].endswith("Z")
