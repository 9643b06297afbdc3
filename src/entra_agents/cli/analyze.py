"""`analyze`: the deterministic scan alone (no model, no store)."""

from __future__ import annotations

import argparse
from typing import Any

from entra_agents.cli.common import add_json, add_tenant, print_json, run_async

STATUS_MARK = {"pass": "PASS", "fail": "FAIL", "review": "REVIEW", "not_applicable": "N/A", "error": "ERROR"}


def register(sub: Any) -> None:
    parser = sub.add_parser("analyze", help="run the Conditional Access checks against a tenant")
    add_tenant(parser)
    parser.add_argument("--break-glass", default="", metavar="IDS",
                        help="comma-separated object ids or UPNs of break-glass accounts (default: detect)")
    add_json(parser)
    parser.set_defaults(handler=analyze)


async def scan(tenant_spec: str, break_glass: str) -> tuple[Any, list[Any]]:
    from entra_agents.conditional_access.checks import run_checks
    from entra_agents.conditional_access.config import AnalysisConfig
    from entra_agents.graph.sources import open_tenant

    async with open_tenant(tenant_spec) as connection:
        snapshot = await connection.snapshot()
    return snapshot, run_checks(snapshot, AnalysisConfig.from_settings({"BreakGlassAccounts": break_glass}))


def print_findings(findings: list[dict[str, Any]]) -> None:
    for f in findings:
        counts = ", ".join(f"{len(ids)} {kind}" for kind, ids in f["affected"].items() if ids)
        print(f"{STATUS_MARK.get(f['status'], f['status']):<7}{f['check']:<8}{f['title']}")
        print(f"{'':15}{f['summary']}" + (f" [{counts}]" if counts else ""))


def analyze(args: argparse.Namespace) -> int:
    snapshot, findings = run_async(scan(args.tenant, args.break_glass))
    doc = {"tenant": {"id": snapshot.tenant_id, "displayName": snapshot.display_name},
           "findings": [f.to_json() for f in findings]}
    if args.json:
        print_json(doc)
        return 0
    print(f"Tenant {snapshot.display_name} ({snapshot.tenant_id})")
    print_findings(doc["findings"])
    return 0
