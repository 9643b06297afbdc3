"""Token cost of one agent run against tenant size: it must not grow with the tenant (DESIGN: "The token cost
of a run must not grow with tenant size").

    .venv/bin/python benchmarks/agent_tokens.py                  # 1,000 vs 100,000 users
    .venv/bin/python benchmarks/agent_tokens.py --users 20000 --baseline-users 1000

For each size the script generates a tenant (seed 1, every mutator, so the agent has gaps to work on; cached in
``benchmarks/.cache/`` by ``load_tenant.tenant_file``), then runs the agent through the CLI
(``entra-agents run AGENT --tenant fixture:PATH --model scripted:SCRIPT --json``) in a fresh data directory, so
every run starts with no earlier suggestions. The scripted model plays the agent's own offline workflow (read
from its prompt, so the benchmark follows content changes) without the conditional (write) steps, and reports
as usage an estimate of everything it is sent: messages and tool definitions, about 4 characters per token.
Tool results that grew with the tenant (full user lists instead of samples) would show up here.

Target: tokens per run at 100,000 users within 10% of those at 1,000 users. Both tenants have the same shape
(every mutator's cohort is 0.5% of the users), so they must give the agent the same gaps to work on, and any
growth is prompt growth. One setting keeps it so: EXC-08 calls an exclusion large at 5% of the users *or* 50
users, and that absolute floor turns 0.5% cohorts into large exclusions at 100,000 users (500 people) but not
at 1,000 (5 people), adding items that have nothing to do with prompt size. The runs set LargeExclusionUsers
out of reach, so the share alone decides; the report lists the items of both runs to show they match.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_tenant import tenant_file  # noqa: E402

from entra_agents.catalog import load_catalog  # noqa: E402
from entra_agents.cli.main import main as cli  # noqa: E402

TARGET_RATIO = 1.10
# the share alone decides what a large exclusion is (see the module docstring)
SHAPE_SETTINGS = ("--setting", "LargeExclusionUsers=1000000000")


def script_for(agent_name: str) -> list[dict[str, Any]]:
    """The agent's offline workflow as scripted turns: one tool call per turn, then a closing text."""
    catalog = load_catalog()
    process = catalog.skill(catalog.agent(agent_name).triggers[0].process_skill)
    workflow = catalog.prompt(process.prompt).execution_settings.get("offline", {}).get("workflow", [])
    turns: list[dict[str, Any]] = [{"tool_calls": [{"tool": step["call"], "arguments": step.get("with", {})}]}
                                   for step in workflow if "when" not in step]
    if not turns:
        raise SystemExit(f"{agent_name}: its prompt declares no offline workflow to script")
    return [*turns, {"text": "Done: suggestion recorded for the administrator."}]


def _cli_json(*argv: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli([*argv, "--json"])
    if code != 0:
        raise SystemExit(f"entra-agents {' '.join(argv)} exited with {code}")
    return json.loads(out.getvalue())


def measure(agent: str, users: int, script: Path, use_cache: bool) -> dict[str, Any]:
    tenant, generated = tenant_file(users, 1, ["all"], use_cache)
    with tempfile.TemporaryDirectory(prefix="agent-tokens-") as home:
        os.environ["ENTRA_AGENTS_HOME"] = home
        started = time.perf_counter()
        doc = _cli_json("run", agent, "--tenant", f"fixture:{tenant}", "--model", f"scripted:{script}",
                        *SHAPE_SETTINGS)
        run = doc["run"]
        elapsed = time.perf_counter() - started
        trace = _cli_json("runs", "show", run["id"])["trace"]
    usage = run["usage"]
    prompts = [e["usage"]["promptTokens"] for e in trace if e["kind"] == "model_turn" and "usage" in e]
    results = [e["result"]["chars"] for e in trace if e["kind"] == "tool_call" and "result" in e]
    items = max(int(usage.get("items", 0)), 1)
    total = int(usage.get("promptTokens", 0)) + int(usage.get("completionTokens", 0))
    kinds = sorted(f"{s['kind']} {s['check']}" for s in doc["suggestions"])
    return {"users": users, "status": run["status"], "items": usage.get("items", 0), "modelCalls": usage["modelCalls"],
            "suggestions": kinds,
            "tokens": total, "tokensPerItem": total / items, "largestPrompt": max(prompts, default=0),
            "largestToolResultChars": max(results, default=0), "seconds": elapsed, "generatedSeconds": generated}


def report(baseline: dict[str, Any], target: dict[str, Any]) -> bool:
    rows = [("status", "status", "{}"), ("items (gaps processed)", "items", "{}"), ("model calls", "modelCalls", "{}"),
            ("tokens per run", "tokens", "{:,}"), ("tokens per item", "tokensPerItem", "{:,.0f}"),
            ("largest single prompt", "largestPrompt", "{:,}"),
            ("largest tool result (chars)", "largestToolResultChars", "{:,}"), ("run time (s)", "seconds", "{:.1f}")]
    print(f"{'':<30}{baseline['users']:>14,} users{target['users']:>14,} users{'ratio':>10}")
    for label, key, fmt in rows:
        a, b = baseline[key], target[key]
        ratio = f"{b / a:>10.3f}" if isinstance(a, (int, float)) and a else f"{'':>10}"
        print(f"{label:<30}{fmt.format(a):>20}{fmt.format(b):>20}{ratio}")
    same = baseline["suggestions"] == target["suggestions"]
    print(f"\nsuggestions: {'the same kinds and checks' if same else 'DIFFERENT'} in both runs "
          f"({', '.join(target['suggestions'])})")
    ratio = target["tokens"] / baseline["tokens"] if baseline["tokens"] else float("inf")
    within = max(ratio, 1 / ratio) < TARGET_RATIO if ratio else False
    print(f"\ntokens per run, {target['users']:,} / {baseline['users']:,} users: {ratio:.3f} "
          f"(target: within {TARGET_RATIO - 1:.0%}) -> {'OK' if within else 'MISSED'}")
    return within


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agent", default="ca-optimizer")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--baseline-users", type=int, default=1_000)
    parser.add_argument("--no-cache", action="store_true", help="regenerate the tenants")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="agent-tokens-script-") as scratch:
        script = Path(scratch) / "script.yaml"
        script.write_text(yaml.safe_dump(script_for(args.agent), sort_keys=False), encoding="utf-8")
        baseline = measure(args.agent, args.baseline_users, script, not args.no_cache)
        target = measure(args.agent, args.users, script, not args.no_cache)
    return 0 if report(baseline, target) else 1


if __name__ == "__main__":
    raise SystemExit(main())
