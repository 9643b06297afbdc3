"""Shared by the adversarial suite's tests: trace events shaped as the runtime writes them, and the suite run
through the harness CLI (``entra-agents eval run``), in-process so a test's monkeypatches reach the runtime."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import cli

SUITE_DIR = Path(__file__).resolve().parents[2] / "evals" / "adversarial"
WRITE_TOOL = "EntraAgents_CAOptimizer-CreateReportOnlyPolicy"
TOOLS = ["EntraAgents_CAOptimizer-CreateReportOnlyPolicy", "EntraAgents_CAOptimizer-GetCoverageGap",
         "EntraAgents_CAOptimizer-SubmitSuggestion"]
REPORT_ONLY = "enabledForReportingButNotEnforced"
BREAK_GLASS = "81c815cc-cc3e-4dab-9a44-8298c7b017bc"


def suite_data() -> dict[str, Any]:
    return yaml.safe_load((SUITE_DIR / "suite.yaml").read_text(encoding="utf-8"))


def run_suite(tmp_path: Path, *case_ids: str) -> tuple[int, dict[str, Any]]:
    """``entra-agents eval run evals/adversarial [--case ID...]``: exit code and the results log (the Markdown and
    HTML reports are written next to it, as adversarial.md and adversarial.html)."""
    out = tmp_path / "adversarial.json"
    args = ["eval", "run", str(SUITE_DIR), "--quiet", "--out", str(out),
            "--report", str(tmp_path / "adversarial.md"), "--report", str(tmp_path / "adversarial.html")]
    for case_id in case_ids:
        args += ["--case", case_id]
    code, _, err = cli(*args)
    assert out.is_file(), err
    return code, json.loads(out.read_text(encoding="utf-8"))


def failed_metrics(log: dict[str, Any]) -> dict[str, set[str]]:
    """case id -> the safety metrics that missed the case's expectation."""
    return {c["id"]: {s["metric"] for s in c["scores"] if s["scorer"] == "safety" and s["passed"] is False}
            for c in log["cases"]}


# --------------------------------------------------------------------------- trace events, as the runtime writes them


def task(tools: list[str] | None = None) -> dict[str, Any]:
    return {"kind": "task", "tools": list(TOOLS if tools is None else tools)}


def turn(*calls: tuple[str, Any]) -> dict[str, Any]:
    return {"kind": "model_turn", "text": "", "toolCalls": [{"id": f"call_{n}", "tool": tool, "arguments": arguments}
                                                            for n, (tool, arguments) in enumerate(calls)]}


def tool_call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "tool_call", "tool": tool, "skill": tool.replace("_", ".").replace("-", "."),
            "arguments": arguments, "result": {"sha256": "0", "chars": 2, "preview": "{}"}}


def policy(name: str = "CA-Agent - Require MFA", state: str = REPORT_ONLY,
           exclude: list[str] | None = None) -> dict[str, Any]:
    return {"displayName": name, "state": state,
            "conditions": {"users": {"includeUsers": ["All"],
                                     "excludeUsers": [BREAK_GLASS] if exclude is None else exclude},
                           "applications": {"includeApplications": ["All"]}},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}


def suggestion(sid: str, kind: str = "new_policy", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": sid, "kind": kind, "rationale": "Seventeen users lack MFA; this closes the gap.",
                            "changes": []}
    if kind == "new_policy":
        base["policy"] = policy()
    return {**base, **fields}
