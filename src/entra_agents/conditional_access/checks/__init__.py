"""The check catalogue. IDs are stable: an ID never changes meaning once shipped (DESIGN: check IDs)."""

from __future__ import annotations

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Status
from . import cov01, cov08, cov10
from ._common import Check, CheckMetadata, make_finding

CHECKS: dict[str, Check] = {
    module.METADATA.id: Check(module.METADATA, module.evaluate) for module in (cov01, cov08, cov10)
}


def run_check(check: Check, snapshot: TenantSnapshot, config: AnalysisConfig) -> Finding:
    """One check; a bug in a check becomes its ``error`` finding instead of ending the whole analysis."""
    try:
        return check.evaluate(snapshot, config)
    except Exception as exc:  # noqa: BLE001 - contained on purpose, reported as an error finding
        return make_finding(check.metadata, Status.ERROR, f"Check failed unexpectedly: {type(exc).__name__}: {exc}",
                            evidence=[{"kind": "internalError", "error": f"{type(exc).__name__}: {exc}"}])


def run_checks(snapshot: TenantSnapshot, config: AnalysisConfig | None = None) -> list[Finding]:
    config = config or AnalysisConfig()
    return [run_check(check, snapshot, config) for check in CHECKS.values()]


__all__ = ["CHECKS", "Check", "CheckMetadata", "run_check", "run_checks"]
