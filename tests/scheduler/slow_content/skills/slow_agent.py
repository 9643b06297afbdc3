"""The slow agent's fetch: it waits (cancellably), so a run is in progress long enough to be signalled."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from entra_agents.skill import skill


@skill(access="read", permissions=[])
async def wait_then_fetch(ctx: Any) -> list[dict[str, Any]]:
    await asyncio.sleep(float(os.environ.get("SLOW_AGENT_SECONDS", "3")))
    return []
