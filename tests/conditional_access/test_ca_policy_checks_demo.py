"""The bundled demo tenant through the hygiene and exclusion checks: no error, and the planted issues found."""

from __future__ import annotations

from ca_fixtures import snapshot_from_document

from entra_agents.conditional_access.checks import (
    exc01, exc02, exc05, exc07, exc08, exc09, exc10, exc11, hyg01, hyg02, hyg03, hyg04, hyg05, hyg08, hyg09, hyg10,
)
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

MODULES = (hyg01, hyg02, hyg03, hyg04, hyg05, hyg08, hyg09, hyg10, exc01, exc02, exc05, exc07, exc08, exc09, exc10,
           exc11)
ROSA = "5c1aaa7b-3d05-4b2a-8ab6-47e6370aba80"
KAI = "5ede3b88-2df7-42f7-afef-c8b80233ad6d"
SALES_CONTRACTORS = "8ea6eee6-dbe9-4d42-aa0a-9039d5639fda"
CA001_MFA = "7cfe9287-e3fd-4e59-9bc7-4a16fb0d4cc9"
CA002_LEGACY_REPORT_ONLY = "d6e70d73-6378-4949-bc87-0aca1b96195a"
EXPECTED = {
    "HYG-01": Status.REVIEW, "HYG-02": Status.PASS, "HYG-03": Status.PASS, "HYG-04": Status.PASS,
    "HYG-05": Status.PASS, "HYG-08": Status.PASS, "HYG-09": Status.PASS, "HYG-10": Status.PASS,
    "EXC-01": Status.REVIEW, "EXC-02": Status.PASS, "EXC-05": Status.FAIL, "EXC-07": Status.PASS,
    "EXC-08": Status.FAIL, "EXC-09": Status.PASS, "EXC-10": Status.PASS, "EXC-11": Status.PASS,
}


def test_demo_tenant_statuses(demo_doc):
    snapshot = snapshot_from_document(demo_doc)
    findings = {m.METADATA.id: m.evaluate(snapshot, AnalysisConfig()) for m in MODULES}
    for check_id, finding in findings.items():
        print(f"{check_id}: {finding.status.value} - {finding.summary}")
    assert not [k for k, f in findings.items() if f.status is Status.ERROR]
    assert {k: f.status for k, f in findings.items()} == EXPECTED
    # the planted gap: Sales-Contractors (Rosa, Kai nested; Tom disabled) excluded from the MFA baseline, and the
    # sales "MFA or compliant device" policy does not compensate (OR dilution)
    for check_id in ("EXC-05", "EXC-08"):
        assert findings[check_id].affected.users == tuple(sorted([ROSA, KAI]))
        assert findings[check_id].affected.groups == (SALES_CONTRACTORS,)
        assert findings[check_id].affected.policies == (CA001_MFA,)
    assert findings["HYG-01"].affected.policies == (CA002_LEGACY_REPORT_ONLY,)
