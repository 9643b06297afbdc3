"""The ``analysis`` target: the deterministic checks alone on the case's tenant (no model, no store)."""

from __future__ import annotations

from entra_agents.evals.model import JSON, Outcome


async def run_analysis_case(case: JSON) -> Outcome:
    from entra_agents.conditional_access.checks import run_checks
    from entra_agents.conditional_access.config import AnalysisConfig
    from entra_agents.graph.sources import open_tenant

    async with open_tenant(case["tenantSpec"]) as connection:
        snapshot = await connection.snapshot()
    findings = run_checks(snapshot, AnalysisConfig.from_settings(case.get("settings") or {}))
    run = {"tenant": {"id": snapshot.tenant_id, "displayName": snapshot.display_name}, "model": None,
           "status": "succeeded", "usage": {}}
    return Outcome(run=run, findings=[f.to_json() for f in findings], snapshot=snapshot)
