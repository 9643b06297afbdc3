"""SIGTERM to a real `entra-agents schedule run` mid-run: the run ends recorded, never lost or "running"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from entra_agents.store import Store
from entra_agents.store import schedules as db

CONTENT = Path(__file__).parent / "slow_content"


def _wait(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize(("fetch_seconds", "grace", "expected"), [
    ("2", "30", "succeeded"),  # the run finishes within the grace period
    ("60", "0.3", "interrupted"),  # it would not: it is cancelled and recorded interrupted
])
def test_sigterm_mid_run_leaves_the_run_finished_or_interrupted(tmp_path: Path, fetch_seconds: str, grace: str,
                                                                 expected: str) -> None:
    env = {**os.environ, "ENTRA_AGENTS_CONTENT": str(CONTENT), "SLOW_AGENT_SECONDS": fetch_seconds}
    proc = subprocess.Popen([sys.executable, "-m", "entra_agents", "schedule", "run", "--tenant", "demo",
                             "--agent", "slow-agent", "--grace", grace],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        store = Store()  # the same ENTRA_AGENTS_HOME (set per test by conftest)
        running = _wait(lambda: [r for r in store.list_runs() if r["status"] == "running"], 60, "the run to start")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "scheduler stopped" in out
    run = store.get_run(running[0]["id"])
    assert run["status"] == expected and run["finished"]
    state = db.get_state(store, "slow-agent", "demo")
    assert state is not None and state.lease_owner is None
    assert (state.last_status, state.last_run_id) == (expected, run["id"])
