"""Peers §11 traps that apply to the hygiene (HYG) and exclusion (EXC) checks: one small tenant file per trap
under ``data/traps/`` (the file's header comment says what it plants) and one test per trap."""

from __future__ import annotations

from pathlib import Path

import yaml
from ca_fixtures import (
    ALICE, BG1, BG2, BOB, CAROL_GUEST, DAVE_DISABLED, P_DEVICE_CODE, P_LEGACY, P_MFA, SECURITY_ADMIN, SYNC,
    snapshot_from_document,
)

from entra_agents.conditional_access.checks import (
    exc01, exc02, exc05, exc07, exc08, exc09, exc10, exc11, hyg01, hyg02, hyg03, hyg04, hyg05, hyg08, hyg09, hyg10,
)
from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.findings import Status

TRAPS = Path(__file__).parent / "data" / "traps"
MODULES = (hyg01, hyg02, hyg03, hyg04, hyg05, hyg08, hyg09, hyg10, exc01, exc02, exc05, exc07, exc08, exc09, exc10,
           exc11)
P_NEW = "0c000000-0000-4000-8000-0000000000a0"
P_NEW2 = "0c000000-0000-4000-8000-0000000000a2"
SALES = [f"0a000000-0000-4000-8000-00000000050{i}" for i in range(4)]
G_SALES = "06000000-0000-4000-8000-00000000005a"
G_SALES_EMEA = "06000000-0000-4000-8000-0000000005ae"


def trap(name):
    return snapshot_from_document(yaml.safe_load((TRAPS / f"{name}.yaml").read_text(encoding="utf-8")))


def run(module, snapshot, config=None):
    finding = module.evaluate(snapshot, config or AnalysisConfig())
    never = {DAVE_DISABLED, SYNC, BG1, BG2}  # disabled, sync and break-glass accounts are never affected
    assert not never & set(finding.affected.users), (module.METADATA.id, finding.affected.users)
    return finding


def kinds(finding):
    return [e["kind"] for e in finding.to_json()["evidence"]]


def test_trap_01_report_only_counted_as_enforced():
    snapshot = trap("trap_01_report_only_counted_as_enforced")
    inventory = run(hyg01, snapshot)
    assert inventory.status is Status.REVIEW and set(inventory.affected.policies) == {P_LEGACY, P_NEW}
    exc = run(exc05, snapshot)
    assert exc.status is Status.FAIL and exc.affected.users == (BOB,)


def test_trap_02_disabled_policies_counted():
    snapshot = trap("trap_02_disabled_policies_counted")
    configured = AnalysisConfig(break_glass_accounts=("bg1@base.test", "bg2@base.test"))
    assert run(exc02, snapshot, configured).status is Status.PASS
    for module in (hyg02, exc07, hyg08):
        assert run(module, snapshot).status is Status.PASS, module.METADATA.id
    detected = run(exc01, snapshot)
    assert detected.status is Status.REVIEW and detected.to_json()["evidence"][0]["users"] == sorted([BG1, BG2])


def test_trap_04_break_glass_deleted_account():
    snapshot = trap("trap_04_break_glass_deleted_account")
    configured = AnalysisConfig(break_glass_accounts=("0b000000-0000-4000-8000-00000000dead", "bg2@base.test"))
    finding = run(exc01, snapshot, configured)
    assert finding.status is Status.FAIL and "not found" in finding.summary
    assert run(exc02, snapshot, configured).status is Status.PASS  # bg2 excluded through a nested group
    stale = run(hyg05, snapshot)
    assert stale.status is Status.FAIL
    assert {r["field"] for r in stale.to_json()["evidence"][0]["references"]} == {"excludeUsers"}
    assert run(exc01, snapshot).status is Status.REVIEW  # detection still finds both through the nesting


def test_trap_05_large_group_excluded_from_all_users():
    snapshot = trap("trap_05_large_group_excluded_from_all_users")
    finding = run(exc08, snapshot)
    assert finding.status is Status.FAIL and finding.affected.users == tuple(sorted(SALES))
    (large,) = [e for e in finding.to_json()["evidence"] if e["kind"] == "largeExclusion"]
    assert large["excludedUsers"] == 4 and large["percentOfEnabledUsers"] == 57.1
    assert {"group": G_SALES, "displayName": "Sales", "transitiveUsers": 4, "nested": True,
            "dynamic": False} in large["exclusions"]
    assert run(exc05, snapshot).affected.users == tuple(sorted(SALES))


def test_trap_06_exclude_roles_on_baseline():
    finding = run(exc07, trap("trap_06_exclude_roles_on_baseline"))
    assert finding.status is Status.FAIL
    assert finding.affected.roles == (SECURITY_ADMIN,) and finding.affected.users == (ALICE,)


def test_trap_07_guest_exclusions():
    snapshot = trap("trap_07_guest_exclusions")
    finding = run(exc09, snapshot)
    assert finding.status is Status.FAIL and finding.affected.users == (CAROL_GUEST,)
    assert run(exc05, snapshot).affected.users == (CAROL_GUEST,)


def test_trap_08_trusted_location_skips_mfa():
    finding = run(exc11, trap("trap_08_trusted_location_skips_mfa"))
    assert finding.status is Status.FAIL
    assert finding.affected.users == tuple(sorted([ALICE, BOB, CAROL_GUEST]))
    (bypass,) = [e for e in finding.to_json()["evidence"] if e["kind"] == "locationBypass"]
    assert bypass["excludeLocations"][0]["type"] == "allTrusted"
    assert all(x["location"] != "untrusted" for x in bypass["examples"])


def test_trap_11_null_versus_empty_collections():
    snapshot = trap("trap_11_null_versus_empty_collections")
    findings = {m.METADATA.id: run(m, snapshot) for m in MODULES}
    assert not [k for k, f in findings.items() if f.status is Status.ERROR]
    assert findings["HYG-04"].status is Status.FAIL and findings["HYG-04"].affected.policies == (P_NEW2,)


def test_trap_12_custom_controls_deprecated():
    snapshot = trap("trap_12_custom_controls_deprecated")
    finding = run(hyg09, snapshot)
    assert finding.status is Status.REVIEW and finding.affected.policies == (P_MFA,)
    assert run(exc05, snapshot).status is Status.PASS


def test_trap_13_empty_and_deleted_groups():
    snapshot = trap("trap_13_empty_and_deleted_groups")
    noop = run(hyg03, snapshot)
    assert noop.status is Status.FAIL and set(noop.affected.policies) == {P_NEW, P_NEW2}
    stale = run(hyg05, snapshot)
    refs = stale.to_json()["evidence"][0]["references"]
    assert stale.status is Status.FAIL and {(r["policy"], r["field"]) for r in refs} == {
        (P_MFA, "excludeGroups"), (P_NEW2, "includeGroups")}


def test_trap_14_nested_group_exclusion():
    snapshot = trap("trap_14_nested_group_exclusion")
    assert run(exc05, snapshot).affected.users == tuple(sorted(SALES))
    large = run(exc08, snapshot)
    assert large.affected.users == tuple(sorted(SALES)) and large.affected.groups == (G_SALES_EMEA,)


def test_trap_15_roles_count_only_when_active():
    snapshot = trap("trap_15_roles_count_only_when_active")
    assert run(hyg03, snapshot).status is Status.PASS
    finding = run(exc07, snapshot)
    assert finding.status is Status.FAIL and finding.affected.roles == (SECURITY_ADMIN,)
    assert not finding.affected.users
    assert finding.to_json()["evidence"][0]["activeHolders"] == 0


def test_trap_17_service_and_sync_accounts():
    snapshot = trap("trap_17_service_and_sync_accounts")
    assert run(exc07, snapshot).status is Status.PASS
    finding = run(exc05, snapshot)
    assert finding.affected.users == ("0a000000-0000-4000-8000-00000000005c",)
    assert set(finding.affected.policies) == {P_MFA, P_LEGACY, P_DEVICE_CODE}


def test_trap_18_all_resources_with_resource_exclusions():
    finding = run(exc10, trap("trap_18_all_resources_with_resource_exclusions"))
    assert finding.status is Status.FAIL
    assert finding.affected.apps == ("499b84ac-1321-427f-aa17-267ca6975798", "Office365")
    assert "March 2026" in finding.to_json()["evidence"][0]["note"]


def test_trap_25_zero_policies():
    snapshot = trap("trap_25_zero_policies")
    findings = {m.METADATA.id: run(m, snapshot) for m in MODULES}
    assert findings.pop("EXC-01").status is Status.FAIL
    assert findings.pop("HYG-01").status is Status.REVIEW
    assert {f.status for f in findings.values()} == {Status.NOT_APPLICABLE}


def test_trap_27_compensation_must_be_control_aware():
    finding = run(exc05, trap("trap_27_compensation_must_be_control_aware"))
    assert finding.status is Status.FAIL
    assert finding.affected.users == tuple(sorted(SALES[2:]))  # Sales-EMEA; Bob has phishing-resistant MFA
    assert finding.affected.groups == (G_SALES_EMEA,) and finding.affected.policies == (P_MFA,)


def test_trap_03_managed_policy_break_glass_not_excluded():
    snapshot = trap("trap_03_managed_policy_break_glass_not_excluded")
    configured = AnalysisConfig(break_glass_accounts=("bg1@base.test", "bg2@base.test"))
    finding = run(exc02, snapshot, configured)
    assert finding.status is Status.REVIEW and finding.affected.policies == (P_NEW,)
    assert all("will bite" in e["detail"] for e in finding.to_json()["evidence"] if e["kind"] == "breakGlassInScope")


def test_trap_16_workload_identity_policy_is_not_a_no_op():
    snapshot = trap("trap_16_workload_identity_policy_is_not_a_no_op")
    assert run(hyg03, snapshot).status is Status.PASS
    configured = AnalysisConfig(break_glass_accounts=("bg1@base.test", "bg2@base.test"))
    assert run(exc02, snapshot, configured).status is Status.PASS


def test_trap_20_case_variants_in_references():
    snapshot = trap("trap_20_case_variants_in_references")
    assert run(hyg05, snapshot).status is Status.PASS
    assert run(exc05, snapshot).affected.users == (BOB,)
    assert run(exc08, snapshot).affected.users == (BOB,)
    assert run(exc01, snapshot).status is Status.REVIEW  # break-glass still detected through the upper-case id
