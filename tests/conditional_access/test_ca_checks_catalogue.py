from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ca_fixtures import snapshot_from_document

from entra_agents.conditional_access import checks
from entra_agents.conditional_access.checks import CHECKS, run_checks
from entra_agents.conditional_access.checks._common import Check
from entra_agents.conditional_access.findings import Severity, Status

SRC = Path(__file__).resolve().parents[2] / "src"


def test_catalogue_ids_and_metadata():
    assert list(CHECKS) == ["COV-01", "COV-08", "COV-10"]
    for check_id, check in CHECKS.items():
        meta = check.metadata
        assert meta.id == check_id and meta.title and meta.rationale and meta.remediation
        assert isinstance(meta.severity, Severity) and all(r.startswith("https://") for r in meta.references)
        assert "conditionalAccessPolicies" in meta.depends_on


def test_finding_json_shape(base_doc):
    for finding in run_checks(snapshot_from_document(base_doc)):
        data = finding.to_json()
        assert list(data) == ["check", "status", "severity", "title", "summary", "affected", "evidence"]
        assert list(data["affected"]) == ["users", "groups", "roles", "apps", "servicePrincipals", "policies"]
        assert data["status"] == "pass"
        assert all(isinstance(e, dict) for e in data["evidence"])


def test_a_crashing_check_becomes_an_error_finding(base_doc, monkeypatch):
    def boom(snapshot, config):
        raise RuntimeError("bug")

    monkeypatch.setitem(checks.CHECKS, "COV-01", Check(CHECKS["COV-01"].metadata, boom))
    findings = {f.check: f for f in run_checks(snapshot_from_document(base_doc))}
    assert findings["COV-01"].status is Status.ERROR and "bug" in findings["COV-01"].summary
    assert findings["COV-08"].status is Status.PASS


def test_domain_does_not_import_semantic_kernel_or_msgraph():
    code = (
        "import sys; import entra_agents.conditional_access.checks, entra_agents.conditional_access.remediation; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('semantic_kernel', 'msgraph', 'azure', 'httpx')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(SRC)}, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
