"""The chat eval suite (evals/chat) through the harness, offline: at least 90% of cases pass, grounding 100%."""

from __future__ import annotations

from entra_agents.evals.runner import run_suite
from entra_agents.evals.suite import load_suite


def test_offline_chat_passes_the_suite() -> None:
    suite = load_suite("chat")
    assert len(suite.cases) >= 40
    log = run_suite(suite)
    failed = [(c.id, [s.reason for s in c.failures]) for c in log.cases if not c.passed]
    assert log.aggregates["chat.passed"] >= 0.9, failed
    assert log.aggregates["grounding.grounded"] == 1.0, failed
    assert not log.failed, failed
