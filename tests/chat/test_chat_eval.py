"""The chat eval suite (evals/chat/chat-suite.yaml) offline: at least 90% of cases pass, grounding 100%."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from entra_agents.chat.evaluate import chat_verdict, run_chat_case
from entra_agents.cli.plugins import load
from entra_agents.evals.scorers.grounding import GroundingScorer

SUITE = Path(__file__).resolve().parents[2] / "evals" / "chat"


def test_offline_chat_passes_the_suite() -> None:
    suite = yaml.safe_load((SUITE / "chat-suite.yaml").read_text(encoding="utf-8"))
    assert len(suite["cases"]) >= 40
    catalog, grounding = load(), GroundingScorer()
    verdicts, ungrounded = [], []
    for case in suite["cases"]:
        outcome = asyncio.run(run_chat_case(case, SUITE, "offline", catalog))
        verdicts.append(chat_verdict(case, outcome))
        ungrounded += [(case["id"], s.details["ungrounded"]) for s in grounding.score(case, outcome)
                       if s.metric == "ungrounded" and not s.passed]
    failed = [v for v in verdicts if not v["passed"]]
    assert len(failed) <= 0.1 * len(verdicts), failed
    assert not ungrounded, ungrounded
