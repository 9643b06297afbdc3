"""The offline chat end to end: the real CLI, the demo tenant, the router through the runtime's guard and trace."""

from __future__ import annotations

import json

from tests.helpers import cli, cli_json


def _cov01_users() -> set[str]:
    doc = cli_json("analyze", "--tenant", "demo")
    return set(next(f for f in doc["findings"] if f["check"] == "COV-01")["affected"]["users"])


def test_mfa_question_names_the_cov01_users_and_policies() -> None:
    turn = cli_json("ask", "which users are not protected by MFA?", "--tenant", "demo")
    assert [c["skill"] for c in turn["toolCalls"]] == ["EntraAgents.Chat.CoverageGaps"]
    assert turn["answer"].startswith("[offline chat: deterministic routing, not an LLM]")
    for user_id in _cov01_users():
        assert user_id in turn["answer"]
    assert "Rosa Ortega" in turn["answer"] and "Kai Carter" in turn["answer"]
    # the policy that excludes them, and the one that applies without requiring enough, cited by name and id
    assert "CA001 - Require MFA for all users (7cfe9287-e3fd-4e59-9bc7-4a16fb0d4cc9)" in turn["answer"]
    assert "CA004" in turn["answer"]


def test_turn_is_a_recorded_run_with_tool_calls_in_its_trace() -> None:
    turn = cli_json("ask", "explain CA001", "--tenant", "demo")
    code, out, _ = cli("runs", "show", turn["runId"][:8])
    assert code == 0 and "ExplainPolicy" in out
    assert "7cfe9287-e3fd-4e59-9bc7-4a16fb0d4cc9" in turn["answer"] and "Sales-Contractors" in turn["answer"]


def test_what_if_extracts_user_platform_client_and_app() -> None:
    turn = cli_json("ask", "What happens when Rosa signs in from Android with the Outlook app?", "--tenant", "demo")
    call = turn["toolCalls"][0]
    assert call["skill"] == "EntraAgents.Chat.WhatIf"
    assert call["arguments"]["platform"] == "android"
    assert call["arguments"]["client"] == "mobileAppsAndDesktopClients"
    assert call["arguments"]["app"] == "00000002-0000-0ff1-ce00-000000000000"
    assert "CA004 - Sales: require compliant device or MFA" in turn["answer"]


def test_unknown_name_is_asked_back_not_guessed() -> None:
    turn = cli_json("ask", "what happens when bob signs in from Android?", "--tenant", "demo")
    assert 'no user named "bob"' in turn["answer"]


def test_ask_without_a_route_explains_what_it_can_do() -> None:
    code, out, _ = cli("ask", "zzz qqq", "--tenant", "demo")
    assert code == 0 and "I can answer questions" in out


def test_help_does_not_import_semantic_kernel() -> None:
    import subprocess
    import sys

    code = ("import sys; from entra_agents.cli.main import build_parser; build_parser(); "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('semantic_kernel', 'msgraph')))))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
