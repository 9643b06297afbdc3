"""Synthetic tenants: deterministic, valid tenant files whose planted gaps are exactly what the checks report."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from entra_agents.cli.main import main
from entra_agents.conditional_access.checks import run_checks
from entra_agents.graph import loader
from entra_agents.graph.client import close_graph_client, make_graph_client
from entra_agents.graph.simulator import GraphSimulator
from entra_agents.graph.snapshot import ATTRIBUTES, TenantSnapshot
from entra_agents.graph.synthetic import EPOCH, MUTATORS, dumps, generate
from entra_agents.graph.synthetic.manifest import CHECKS
from entra_agents.graph.tenant_file import load_tenant_file, validate_tenant_data

JSON = dict[str, Any]
SIZE = 300
SEED = 7
TRAPS = [m.name for m in MUTATORS if m.trap]


def snapshot_of(doc: JSON) -> TenantSnapshot:
    """The snapshot the loader builds from a served tenant file as of its epoch, built directly."""
    return TenantSnapshot(organization=doc["organization"],
                          security_defaults_enabled=doc["securityDefaults"]["isEnabled"],
                          **{attribute: doc.get(key, []) for key, attribute in ATTRIBUTES.items()})


def findings_of(snapshot: TenantSnapshot) -> dict[str, JSON]:
    return {f.check: f.to_json() for f in run_checks(snapshot)}


def assert_matches_manifest(findings: dict[str, JSON], manifest: JSON) -> None:
    assert sorted(findings) == sorted(CHECKS), "the manifest must know every check in the catalogue"
    for check in CHECKS:
        expected, got = manifest["expected"][check], findings[check]
        assert (check, got["status"]) == (check, expected["status"]), got["summary"]
        for kind, ids in expected["affected"].items():
            assert (check, kind, got["affected"][kind]) == (check, kind, ids)


@pytest.fixture(scope="module")
def plain() -> Any:
    return generate(SIZE, SEED)


# ------------------------------------------------------------------------------------------- determinism


def test_same_seed_same_bytes() -> None:
    first, second = generate(SIZE, SEED, ["all"]), generate(SIZE, SEED, ["all"])
    for name in ("t.yaml", "t.json"):
        assert dumps(first.document, name) == dumps(second.document, name)
    assert json.dumps(first.manifest) == json.dumps(second.manifest)


def test_same_bytes_across_processes_with_different_hash_seeds() -> None:
    # string hashing differs per process; iterating a set of ids anywhere would show up here
    code = ("import sys; from entra_agents.graph.synthetic import generate, dumps; "
            "g = generate(200, 5, ['all']); sys.stdout.write(dumps(g.document, 't.yaml') + repr(g.manifest))")
    digests = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=120, check=True)
        digests.add(hashlib.sha256(done.stdout).hexdigest())
    assert len(digests) == 1


def test_different_seed_different_tenant(plain: Any) -> None:
    other = generate(SIZE, SEED + 1)
    assert dumps(other.document, "t.json") != dumps(plain.document, "t.json")
    assert {u["id"] for u in other.document["users"]}.isdisjoint(u["id"] for u in plain.document["users"])


def test_mutators_do_not_move_the_baseline(plain: Any) -> None:
    mutated = generate(SIZE, SEED, ["all"])
    assert [u["id"] for u in mutated.document["users"]] == [u["id"] for u in plain.document["users"]]
    assert generate(SIZE, SEED, ["role-exclusion", "app-exclusion"]).manifest["mutators"] == \
        generate(SIZE, SEED, ["app-exclusion", "role-exclusion", "app-exclusion"]).manifest["mutators"]


# -------------------------------------------------------------------------------------- tenant contract


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_written_file_is_a_valid_tenant_file(tmp_path: Path, suffix: str) -> None:
    tenant = generate(150, SEED, ["all"])  # the YAML reader is pure Python: keep the file small
    path = tmp_path / f"tenant{suffix}"
    path.write_text(dumps(tenant.document, path), encoding="utf-8")
    doc = load_tenant_file(path)
    assert doc.data == tenant.document  # timestamps come back as strings, nothing is lost or aliased


def test_content_looks_like_a_real_tenant(plain: Any) -> None:
    doc, counts = plain.document, plain.manifest["counts"]
    users = doc["users"]
    assert len(users) == SIZE and doc["securityDefaults"] == {"isEnabled": False}
    guests = [u for u in users if u["userType"] == "Guest"]
    assert 0.02 <= len(guests) / SIZE <= 0.04
    assert {u["externalUserState"] for u in guests} >= {"Accepted", "PendingAcceptance", None}
    assert any(u["userType"] == "Member" and "#EXT#" in u["userPrincipalName"] for u in users)
    assert 0.01 <= counts["disabled"] / SIZE <= 0.04
    assert all(u["createdDateTime"].endswith("Z") and "signInActivity" in u for u in users)
    dynamic = [g for g in doc["groups"] if "DynamicMembership" in g["groupTypes"]]
    sales = next(g for g in dynamic if g["displayName"] == "All Sales")
    assert sales["membershipRule"] == '(user.department -eq "Sales")'
    assert sales["members"] == [u["id"] for u in users if u["department"] == "Sales"]
    group_ids = {g["id"] for g in doc["groups"]}
    assert any(set(g["members"]) & group_ids for g in doc["groups"])  # nested groups
    roles = {r["displayName"]: r["members"] for r in doc["directoryRoles"]}
    assert {"Global Administrator", "Security Administrator", "Conditional Access Administrator",
            "User Administrator", "Directory Synchronization Accounts"} <= set(roles)
    assert len(roles["Directory Synchronization Accounts"]) == 1
    manager_property = plain.manifest["managerProperty"]
    assert manager_property.startswith("extension_") and any(u.get(manager_property) for u in users)
    assert {s["servicePrincipalType"] for s in doc["servicePrincipals"]} == {"Application", "ManagedIdentity"}
    assert {a["appId"] for a in doc["applications"]} <= {s["appId"] for s in doc["servicePrincipals"]}


def test_activity_has_legacy_and_device_code_sign_ins(plain: Any) -> None:
    sign_ins = plain.document["signIns"]
    clients = {s["clientAppUsed"] for s in sign_ins}
    assert {"Browser", "Mobile Apps and Desktop clients"} <= clients
    assert clients & {"Exchange ActiveSync", "IMAP4", "Other clients"}
    device_code = [s for s in sign_ins if s.get("authenticationProtocol") == "deviceCode"]
    assert device_code and all(s["status"]["errorCode"] == 53003 for s in device_code)  # the baseline blocks it
    assert [s["createdDateTime"] for s in sign_ins] == sorted((s["createdDateTime"] for s in sign_ins), reverse=True)
    assert {a["activityDisplayName"] for a in plain.document["directoryAudits"]} >= {"Update user"}


def test_named_locations_and_strengths(plain: Any) -> None:
    locations = plain.document["namedLocations"]
    assert [loc["@odata.type"] for loc in locations] == ["#microsoft.graph.ipNamedLocation",
                                                         "#microsoft.graph.countryNamedLocation"]
    assert locations[0]["isTrusted"] is True
    types = {s["policyType"] for s in plain.document["authenticationStrengthPolicies"]}
    assert types == {"builtIn", "custom"}


def test_access_reviews_have_an_instance_in_progress_with_insights(plain: Any) -> None:
    reviews = plain.document["accessReviews"]
    instances = [i for d in reviews for i in d["instances"]]
    in_progress = [i for i in instances if i["status"] == "InProgress"]
    assert in_progress and any(i["status"] == "Completed" for i in instances)
    decisions = [d for i in in_progress for d in i["decisions"]]
    assert decisions and all(d["accessReviewId"] for d in decisions)
    assert {d["decision"] for d in decisions} >= {"NotReviewed"}
    # the application review plants decisions without insights (the agent's missing-insight case)
    assert all(d["insights"][0]["@odata.type"] == "#microsoft.graph.userSignInInsight" for d in decisions
               if d["insights"])
    assert any(not d["insights"] for d in decisions)
    assert {d["recommendation"] for d in decisions} <= {"Approve", "Deny"}
    groups = {g["id"]: g for g in plain.document["groups"]}
    for instance in in_progress:
        first = instance["decisions"][0]["resource"] if instance["decisions"] else {}
        resource = first.get("id") if first.get("type") == "group" else None
        if resource:
            assert {d["principal"]["id"] for d in instance["decisions"]} <= set(groups[resource]["members"])


# ----------------------------------------------------------------------------------- expected findings


GAP_CHECKS = ("COV-01", "COV-08", "COV-10")  # the baseline closes these; gap mutators open them


def coverage_users(manifest: JSON) -> dict[str, set[str]]:
    return {c: set(e["affected"]["users"]) for c, e in manifest["expected"].items() if c.startswith("COV-")}


def test_unmutated_tenant_matches_its_manifest(plain: Any) -> None:
    findings = findings_of(snapshot_of(plain.document))
    assert_matches_manifest(findings, plain.manifest)
    assert {c: findings[c]["status"] for c in GAP_CHECKS} == dict.fromkeys(GAP_CHECKS, "pass")
    # what the baseline leaves for later, for everyone (no phishing-resistant MFA outside the privileged roles)
    assert {c for c, f in findings.items() if f["status"] == "fail"} == {
        "COV-02", "COV-11", "COV-12", "COV-15", "COV-17", "COV-20", "COV-21"}
    excluded = next(e for e in findings["COV-01"]["evidence"] if e.get("reason") == "breakGlass")
    assert excluded["source"] == "detected" and excluded["users"] == plain.manifest["excludedByDesign"]["breakGlass"]
    assert findings["EXC-01"]["status"] == "review" and findings["COV-30"]["status"] == "pass"


@pytest.mark.parametrize("name", [m.name for m in MUTATORS])
def test_each_mutator_alone_produces_exactly_its_manifest(name: str, plain: Any) -> None:
    tenant = generate(SIZE, SEED, [name])
    validate_tenant_data(tenant.document, f"{name}.yaml")
    assert_matches_manifest(findings_of(snapshot_of(tenant.document)), tenant.manifest)
    before, after = coverage_users(plain.manifest), coverage_users(tenant.manifest)
    opened = {c for c in after if after[c] - before[c]}
    if name in TRAPS:
        assert not opened and all(after[c] <= before[c] for c in after)
    else:
        assert opened & set(GAP_CHECKS)


def test_all_mutators_through_the_simulator_and_the_real_loader() -> None:
    tenant = generate(400, 11, ["all"])
    doc = validate_tenant_data(tenant.document, "all.yaml")

    async def load() -> TenantSnapshot:
        with GraphSimulator(doc) as sim:
            client = make_graph_client(sim.base_url)
            try:
                return await loader.load_snapshot(client, now=EPOCH)
            finally:
                await close_graph_client(client)

    snapshot = asyncio.run(load())
    assert snapshot.failed == {} and len(snapshot.sign_ins) == tenant.manifest["counts"]["signIns"]
    assert_matches_manifest(findings_of(snapshot), tenant.manifest)
    expected = tenant.manifest["expected"]
    assert {c for c, e in expected.items() if e["status"] == "pass"} == {
        "COV-04", "HYG-02", "HYG-04", "HYG-08", "HYG-09", "HYG-10", "EXC-02"}


def test_mutator_effects_are_disjoint_so_the_union_is_exact() -> None:
    manifest = generate(1000, 3, ["all"]).manifest
    by_check: dict[str, set[str]] = {}
    for effect in manifest["mutatorEffects"]:
        for check, objects in effect["findings"].items():
            users = set(objects.get("users", []))
            if check.startswith("COV-") and check not in ("COV-11",):
                assert not users & by_check.get(check, set()), (check, effect["name"])
            by_check.setdefault(check, set()).update(users)
    for check in GAP_CHECKS:
        assert sorted(by_check[check]) == manifest["expected"][check]["affected"]["users"]
    excluded = manifest["excludedByDesign"]
    by_design = set(excluded["breakGlass"] + excluded["directorySynchronization"])
    assert not by_design & set().union(*coverage_users(manifest).values())


def test_all_mutators_at_a_second_size_and_seed() -> None:
    tenant = generate(1500, 42, ["all"])
    assert_matches_manifest(findings_of(snapshot_of(tenant.document)), tenant.manifest)


def test_large_exclusions_add_up_across_mutators() -> None:
    """No single cohort is large, but together with the guests they pass EXC-08's 5% at this size."""
    names = ["mfa-or-diluted", "mfa-narrowed-by-risk", "app-exclusion", "guest-type-exclusion",
             "empty-include-group"]
    tenant = generate(SIZE, SEED, names)
    assert_matches_manifest(findings_of(snapshot_of(tenant.document)), tenant.manifest)
    assert tenant.manifest["expected"]["EXC-08"]["status"] == "fail"
    assert all(generate(SIZE, SEED, [n]).manifest["expected"]["EXC-08"]["status"] == "pass"
               for n in names if n != "guest-type-exclusion")


def test_app_gap_reaches_cov30_only_when_the_app_has_sign_ins() -> None:
    """The Expenses exclusion is a COV-30 finding only where Expenses shows up in the sign-in log."""
    quiet = generate(SIZE, SEED, ["app-exclusion"])
    busy = generate(SIZE, SEED, ["app-exclusion"], sign_ins=2000)
    expenses = next(s["appId"] for s in busy.document["servicePrincipals"] if s["displayName"] == "Expenses")
    assert quiet.manifest["expected"]["COV-30"]["status"] == "pass"
    assert busy.manifest["expected"]["COV-30"]["affected"]["apps"] == [expenses]
    for tenant in (quiet, busy):
        assert_matches_manifest(findings_of(snapshot_of(tenant.document)), tenant.manifest)


# ------------------------------------------------------------------------------------------ scale and CLI


def test_five_thousand_users_generate_quickly() -> None:
    started = time.perf_counter()
    tenant = generate(5000, 1, ["all"])
    elapsed = time.perf_counter() - started
    assert len(tenant.document["users"]) == 5000
    assert elapsed < 10, f"generating 5,000 users took {elapsed:.1f} s"


def test_cli_writes_tenant_and_default_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gen" / "tenant.yaml"
    assert main(["tenant", "generate", "--users", "150", "--seed", "3", "--mutate", "role-exclusion",
                 "app-exclusion", "--out", str(out)]) == 0
    manifest = json.loads((tmp_path / "gen" / "tenant.manifest.json").read_text(encoding="utf-8"))
    assert manifest["mutators"] == ["role-exclusion", "app-exclusion"] and manifest["users"] == 150
    assert load_tenant_file(out).data == generate(150, 3, ["app-exclusion", "role-exclusion"]).document
    assert "COV-01 fail" in capsys.readouterr().out


def test_cli_refuses_unknown_mutator_and_tiny_tenants(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "t.json")
    assert main(["tenant", "generate", "--users", "200", "--mutate", "role-exclusions", "--out", out]) == 2
    assert "did you mean 'role-exclusion'" in capsys.readouterr().err
    assert main(["tenant", "generate", "--users", "20", "--out", out]) == 2
    assert main(["tenant", "generate", "--list-mutators"]) == 0
    listed = capsys.readouterr().out
    assert all(m.name in listed for m in MUTATORS)
    assert not Path(out).exists()
