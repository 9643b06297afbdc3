"""The store keeps runs, ordered traces, findings and suggestions, and never duplicates a suggestion."""

from __future__ import annotations

import pytest

from entra_agents.errors import UsageError
from entra_agents.store import Store


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'db.sqlite'}")


def _run(store: Store) -> str:
    return store.create_run(agent="ca-optimizer", tenant_id="t1", tenant_name="Contoso", tenant_source="demo",
                            model="offline")


def test_run_lifecycle_and_trace_order(store: Store) -> None:
    run_id = _run(store)
    for n in range(3):
        store.add_event(run_id, "tool_call", {"n": n})
    store.finish_run(run_id, status="succeeded", usage={"modelCalls": 2})
    run = store.get_run(run_id[:8])
    assert run["status"] == "succeeded" and run["usage"] == {"modelCalls": 2}
    assert run["started"].endswith("Z") and run["finished"].endswith("Z")
    assert [e["n"] for e in store.trace(run_id)] == [0, 1, 2]
    assert [e["seq"] for e in store.trace(run_id)] == [1, 2, 3]


def test_same_fingerprint_returns_the_stored_suggestion(store: Store) -> None:
    run_id = _run(store)
    first = store.add_suggestion(tenant_id="t1", agent="a", run_id=run_id,
                                 suggestion={"fingerprint": "fp", "title": "one"})
    again = store.add_suggestion(tenant_id="t1", agent="a", run_id=run_id,
                                 suggestion={"fingerprint": "fp", "title": "two"})
    assert again["id"] == first["id"] and again["title"] == "one"
    assert len(store.list_suggestions(tenant_id="t1")) == 1
    # another tenant with the same gap is a different suggestion
    store.add_suggestion(tenant_id="t2", agent="a", run_id=run_id, suggestion={"fingerprint": "fp", "title": "x"})
    assert len(store.list_suggestions()) == 2


def test_unknown_ids_name_the_id(store: Store) -> None:
    with pytest.raises(UsageError, match="run nope: not found"):
        store.get_run("nope")
    with pytest.raises(UsageError, match="suggestion zzz: not found"):
        store.get_suggestion("zzz")


def test_default_location_follows_entra_agents_home(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_HOME", str(tmp_path / "home"))
    store = Store()
    _run(store)
    assert (tmp_path / "home" / "entra-agents.db").exists()
