"""The check catalogue. IDs are stable: an ID never changes meaning once shipped (DESIGN: check IDs)."""

from __future__ import annotations

import importlib
import pkgutil
import re

from ...graph.snapshot import TenantSnapshot
from ..config import AnalysisConfig
from ..findings import Finding, Status
from ._common import Check, CheckMetadata, make_finding


def _discover() -> dict[str, Check]:
    """Every module of this package named after a check family (``cov01.py``, ``hyg03.py``, ``exc11.py``)."""
    found: dict[str, Check] = {}
    for info in pkgutil.iter_modules(__path__):
        if not re.fullmatch(r"(cov|hyg|exc|idp|ar)\d{2}", info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.METADATA.id] = Check(module.METADATA, module.evaluate)
    # catalogue order: family, then number (stable output regardless of file-system order)
    family = {"HYG": 0, "COV": 1, "EXC": 2, "IDP": 3, "AR": 4}
    return dict(sorted(found.items(), key=lambda item: (family[item[0].split("-")[0]], item[0])))


CHECKS: dict[str, Check] = _discover()


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
