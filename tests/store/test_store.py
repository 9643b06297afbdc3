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


def test_change_suggestion_is_all_or_nothing(store: Store) -> None:
    from entra_agents.suggestions.lifecycle import TransitionError, transition

    run_id = _run(store)
    sid = store.add_suggestion(tenant_id="t1", agent="a", run_id=run_id, suggestion={"fingerprint": "fp"})["id"]
    doc = store.change_suggestion(sid[:6], lambda d, at: transition(d, "dismiss", by="me", at=at, detail="why"))
    assert doc["status"] == "dismissed" and store.list_suggestions(status="dismissed")[0]["history"] == doc["history"]
    with pytest.raises(TransitionError, match=f"suggestion {sid} is dismissed; cannot apply it"):
        store.change_suggestion(sid, lambda d, at: transition(d, "apply", by="me", at=at))
    assert store.get_suggestion(sid) == doc
    assert store.suggestion_tenant_id(sid) == "t1"


def test_snooze_ends_when_the_clock_passes_it(tmp_path) -> None:
    from datetime import UTC, datetime

    at = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}", clock=lambda: at[0])
    sid = store.add_suggestion(tenant_id="t1", agent="a", run_id=_run(store), suggestion={"fingerprint": "fp"})["id"]
    store.update_suggestion(sid, status="snoozed", snoozedUntil="2026-01-15T00:00:00Z")
    assert store.get_suggestion(sid)["status"] == "snoozed"
    assert store.list_suggestions(status="open") == []
    at[0] = datetime(2026, 1, 15, tzinfo=UTC)
    assert store.get_suggestion(sid)["status"] == "open"
    assert [s["id"] for s in store.list_suggestions(status="open")] == [sid]
    assert store.suggestion_by_fingerprint("t1", "fp")["status"] == "open"  # still known to the agent


def test_a_database_created_by_another_process_at_the_same_moment_is_fine(tmp_path, monkeypatch) -> None:
    """Two schedulers opening a new database at once: one creates the tables between the other's check and its
    CREATE TABLE; the loser sees "already exists" and must simply go on."""
    from sqlalchemy.exc import OperationalError

    from entra_agents.store.tables import Base

    real = Base.metadata.create_all
    calls = []

    def racing(bind, **kwargs):
        calls.append(bind)
        real(bind, **kwargs)  # the other process wins
        if len(calls) == 1:
            raise OperationalError("CREATE TABLE runs", {}, Exception("table runs already exists"))

    monkeypatch.setattr(Base.metadata, "create_all", racing)
    store = Store(f"sqlite:///{tmp_path}/new.db")
    assert store.list_runs() == [] and len(calls) == 2

    def broken(bind, **kwargs):
        raise OperationalError("CREATE TABLE runs", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Base.metadata, "create_all", broken)
    with pytest.raises(OperationalError, match="disk I/O error"):
        Store(f"sqlite:///{tmp_path}/other.db")


def test_many_suggestions_in_one_transaction_and_known_ones_kept(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    run = store.create_run(agent="access-review", tenant_id="t1", tenant_name="T", tenant_source="demo",
                           model="offline")
    page = [{"fingerprint": f"fp{i}", "kind": "access_decision", "title": f"decision {i}"} for i in range(3)]
    stored = store.add_suggestions(tenant_id="t1", agent="access-review", run_id=run, suggestions=page)
    assert [d["fingerprint"] for d in stored] == ["fp0", "fp1", "fp2"]
    again = store.add_suggestions(tenant_id="t1", agent="access-review", run_id=run,
                                  suggestions=[*page[:1], {"fingerprint": "fp3", "kind": "access_decision"}])
    assert again[0]["id"] == stored[0]["id"] and again[1]["fingerprint"] == "fp3"
    assert len(store.list_suggestions(tenant_id="t1")) == 4
