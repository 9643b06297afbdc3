"""Re-record a suite's tenants from their fixtures: ``entra-agents eval record SUITE [--case ID]``.

Recording runs from the suite directory with the fixture path as the suite writes it, so ``tenant.json`` says
``fixture:fixtures/NAME.yaml`` wherever the repository lives: the same fixture gives the same bytes (fixtures carry
``asOf``, which a recording keeps as ``recordedAt``; only ``entraAgentsVersion`` follows the installed version).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from entra_agents.errors import UsageError
from entra_agents.evals.suite import Suite

MAX_CASSETTE_BYTES = 5 * 1024 * 1024  # issue 6: cassettes stay under 5 MB each


@dataclass(frozen=True)
class Recorded:
    case: str
    tenant: Path
    size: int  # cassette bytes

    @property
    def too_big(self) -> bool:
        return self.size >= MAX_CASSETTE_BYTES


def record_suite(suite: Suite, case_ids: Sequence[str] = (),
                 progress: Callable[[Recorded], None] | None = None) -> list[Recorded]:
    from entra_agents.graph.recording import CASSETTE, record_from_spec

    cases = [c for c in suite.cases if not case_ids or c["id"] in case_ids]
    unknown = sorted(set(case_ids) - {c["id"] for c in cases})
    if unknown:
        raise UsageError(f"suite {suite.name} has no case {unknown[0]!r}")
    out: list[Recorded] = []
    seen: set[str] = set()
    for case in cases:
        if not case.get("source"):
            raise UsageError(f"{suite.file}: case {case['id']} has no `source` fixture to record its tenant from; "
                             "add `source: fixture:fixtures/NAME.yaml`")
        tenant = str(case["tenant"])
        if tenant in seen:  # several cases may replay one tenant with different settings
            continue
        seen.add(tenant)
        with contextlib.chdir(suite.directory):
            asyncio.run(record_from_spec(case["source"], tenant, force=True))
        done = Recorded(case["id"], suite.directory / tenant, (suite.directory / tenant / CASSETTE).stat().st_size)
        out.append(done)
        if progress is not None:
            progress(done)
    return out
