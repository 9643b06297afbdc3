"""Skills of the settings-probe test agent: they report what the runtime handed them."""

from __future__ import annotations

from typing import Any

from entra_agents.skill import skill


@skill(access="read", permissions=[])
def list_items(ctx: Any) -> list[dict[str, str]]:
    return [{"item": name} for name in ("first", "second", "third")]


@skill(access="read", permissions=[])
def probe(ctx: Any) -> dict[str, Any]:
    return {"allow": ctx.settings["AllowReportOnlyPolicyCreation"],
            "newObjects": len(ctx.monitored.objects) if ctx.monitored else None,
            "instructions": ctx.instructions.to_json() if ctx.instructions else None}
