"""A small suite built in a temporary directory from the shipped hand-made fixtures (fast: a few users each)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

SHIPPED = Path(__file__).resolve().parents[2] / "evals" / "ca-optimizer"
BREAK_GLASS = "5a11e000-0000-4000-8000-000000000001"
ENABLED = [f"5a11e000-0000-4000-8000-00000000000{n}" for n in range(2, 7)]


def shipped_case(case_id: str) -> dict[str, Any]:
    suite = yaml.safe_load((SHIPPED / "suite.yaml").read_text(encoding="utf-8"))
    return next(c for c in suite["cases"] if c["id"] == case_id)


def small_suite(root: Path, *, cases: tuple[str, ...] = ("zero-policies", "report-only"), record: bool = True,
                **overrides: Any) -> Path:
    """``root/small/suite.yaml`` with shipped hand-made cases, their fixtures copied, tenants recorded."""
    directory = root / "small"
    (directory / "fixtures").mkdir(parents=True)
    for case in cases:
        shutil.copy(SHIPPED / "fixtures" / f"{case}.yaml", directory / "fixtures")
    suite = {"name": "small", "description": "hand-made tenants", "target": "agent", "agent": "ca-optimizer",
             "scorers": {"findings": {}, "suggestions": {}, "grounding": {}, "cost": {}, "latency": {}},
             "baseline": {"findings.recall": 1.0, "findings.precision": 1.0},
             "cases": [shipped_case(c) for c in cases], **overrides}
    (directory / "suite.yaml").write_text(yaml.safe_dump(suite, sort_keys=False), encoding="utf-8")
    if record:
        from tests.helpers import cli

        code, _, err = cli("eval", "record", str(directory))
        assert code == 0, err
    return directory
