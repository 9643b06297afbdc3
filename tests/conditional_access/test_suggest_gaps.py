"""Coverage gap -> the right kind of change: planted gaps give exactly the suggestions the generator expects,
and the engine confirms each change closes its gap without locking anyone out."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import pytest
import yaml

from entra_agents.conditional_access.config import AnalysisConfig
from entra_agents.conditional_access.coverage import TenantModel
from entra_agents.conditional_access.evaluator import match_users
from entra_agents.conditional_access.remediation import check_lockout, closes_gap
from entra_agents.conditional_access.suggest import gaps
from entra_agents.conditional_access.suggest.candidate import Candidate
from entra_agents.conditional_access.suggest.trial import (
    modify_problems,
    parsed,
    uncovered,
    with_policy,
)
from entra_agents.graph.snapshot import ATTRIBUTES, TenantSnapshot
from entra_agents.graph.sources import demo_tenant_path
from entra_agents.graph.synthetic import generate
from entra_agents.graph.synthetic.manifest import SUGGESTED_CHECKS
from entra_agents.suggestions.diff import apply_changes

SIZE, SEED = 400, 11
CONFIG = AnalysisConfig()


def snapshot_of(doc: dict[str, Any]) -> TenantSnapshot:
    defaults = doc.get("securityDefaults")
    return TenantSnapshot(organization=doc["organization"],
                          security_defaults_enabled=None if defaults is None else bool(defaults.get("isEnabled")),
                          **{attr: doc.get(key, []) for key, attr in ATTRIBUTES.items()})


@lru_cache(maxsize=4)
def planted(mutators: tuple[str, ...] = ("all",)) -> tuple[TenantSnapshot, dict[str, Any], gaps.Plan]:
    tenant = generate(SIZE, SEED, list(mutators))
    snapshot = snapshot_of(tenant.document)
    return snapshot, tenant.manifest, gaps.plan(snapshot, CONFIG)


def closes(candidate: Candidate) -> list[str]:
    return next(e["checks"] for e in candidate.evidence if e["kind"] == "closes")


def shape(candidate: Candidate) -> tuple[Any, ...]:
    return candidate.kind, tuple(closes(candidate)), candidate.target_policy_id


def test_the_agent_handles_the_checks_the_manifest_expects_suggestions_for() -> None:
    assert gaps.HANDLED == SUGGESTED_CHECKS


def test_one_suggestion_per_planted_gap_of_the_expected_kind() -> None:
    _, manifest, plan = planted()
    expected = sorted((e["kind"], tuple(e["checks"]), e["targetPolicyId"]) for e in manifest["expectedSuggestions"])
    assert sorted(shape(c) for c in plan.candidates) == expected
    assert plan.rejected == ()
    # the users a modification covers are exactly the cohort the mutator excluded
    modified = sorted((*shape(c), tuple(c.affected["users"])) for c in plan.candidates if c.kind == "modify_policy")
    assert modified == sorted((e["kind"], tuple(e["checks"]), e["targetPolicyId"], tuple(e["users"]))
                              for e in manifest["expectedSuggestions"] if e["kind"] == "modify_policy")
    assert len({(c.kind, c.key) for c in plan.candidates}) == len(plan.candidates)


def test_each_modification_is_its_diff_closes_its_gaps_and_keeps_break_glass_out() -> None:
    snapshot, _, plan = planted()
    model = TenantModel.build(snapshot, CONFIG)
    raw = {p["id"]: p for p in snapshot.conditional_access_policies}
    for c in (c for c in plan.candidates if c.kind == "modify_policy"):
        before = raw[c.target_policy_id]
        assert apply_changes(before, list(c.changes)) == c.policy
        assert c.policy["state"] == before["state"] and c.policy["id"] == before["id"]
        assert not any(ch["op"] == "remove" and "breakGlass" in ch["path"] for ch in c.changes)
        trial = with_policy(snapshot, c.policy)
        coverage = [x for x in closes(c) if x.startswith("COV-")]
        left = uncovered(trial, CONFIG, coverage)
        assert all(not set(c.affected["users"]) & left[x] for x in coverage), c.title
        assert modify_problems(trial, CONFIG, c.policy) == [], c.title
        after = parsed(snapshot, c.policy)
        assert not any(match_users(after, bg, model.directory).matched for bg in model.break_glass.ids)
        assert c.impact is not None and c.impact["usersNewlyInScope"] == len(c.affected["users"])


def test_each_new_policy_is_report_only_vetted_and_closes_its_check() -> None:
    snapshot, _, plan = planted()
    for c in (c for c in plan.candidates if c.kind == "new_policy"):
        assert c.policy["state"] == "enabledForReportingButNotEnforced" and c.target_policy_id is None
        assert check_lockout(snapshot, CONFIG, c.policy) == []
        assert closes_gap(snapshot, CONFIG, c.check, c.policy) == []


def test_keys_are_stable_across_runs() -> None:
    tenant = generate(SIZE, SEED, ["all"])
    first = gaps.candidates(snapshot_of(tenant.document), CONFIG)
    again = gaps.candidates(snapshot_of(copy.deepcopy(tenant.document)), CONFIG)
    assert [(c.kind, c.key) for c in first] == [(c.kind, c.key) for c in again]


def test_traps_give_no_suggestion_beyond_the_baseline() -> None:
    traps = ("deleted-group-reference", "device-code-both-flows", "auth-strength-instead-of-mfa")
    _, manifest, plan = planted(traps)
    assert all(e["source"] == "baseline" for e in manifest["expectedSuggestions"])
    assert sorted(shape(c) for c in plan.candidates) == sorted(
        (e["kind"], tuple(e["checks"]), None) for e in manifest["expectedSuggestions"])


def test_a_check_the_target_policy_does_not_enforce_stays_a_new_policy() -> None:
    # without the both-flows trap the device-code block never blocked authentication transfer: removing the
    # cohort's exclusion closes COV-10 only, and COV-11 needs its own policy for everyone
    _, manifest, plan = planted(("report-only-only",))
    assert sorted(shape(c) for c in plan.candidates) == sorted(
        (e["kind"], tuple(e["checks"]), e["targetPolicyId"]) for e in manifest["expectedSuggestions"])
    assert ("new_policy", ("COV-11",), None) in {shape(c) for c in plan.candidates}


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return yaml.safe_load(demo_tenant_path().read_text())


def test_demo_exclusion_gap_is_one_modification_listing_every_check_it_closes(demo: dict[str, Any]) -> None:
    plan = gaps.plan(snapshot_of(demo), CONFIG)
    modify = [c for c in plan.candidates if c.kind == "modify_policy"]
    assert [closes(c) for c in modify] == [["COV-01", "COV-14", "EXC-08"]]
    assert modify[0].changes == ({"op": "remove", "path": "conditions.users.excludeGroups",
                                  "values": ["8ea6eee6-dbe9-4d42-aa0a-9039d5639fda"]},)
    assert {c.check for c in plan.candidates if c.kind == "new_policy"} == {
        "COV-08", "COV-10", "COV-11", "COV-15", "COV-17", "COV-21"}


def test_break_glass_in_scope_gives_a_modification_adding_the_exclusion(demo: dict[str, Any]) -> None:
    doc = copy.deepcopy(demo)
    countries = next(p for p in doc["conditionalAccessPolicies"] if p["displayName"].startswith("CA005"))
    countries["conditions"]["users"]["excludeGroups"] = []
    snapshot = snapshot_of(doc)
    # configured: detection would no longer see accounts that some policy does not exclude
    config = AnalysisConfig(break_glass_accounts=("breakglass01@contosodemo.onmicrosoft.com",
                                                  "breakglass02@contosodemo.onmicrosoft.com"))
    plan = gaps.plan(snapshot, config)
    fix = next(c for c in plan.candidates if c.check == "EXC-02")
    bg = sorted(TenantModel.build(snapshot, config).break_glass.ids)
    assert len(bg) == 2 and fix.kind == "modify_policy" and fix.target_policy_id == countries["id"]
    assert fix.key == f"{countries['id']}:breakGlass"
    assert {"op": "add", "path": "conditions.users.excludeUsers", "values": bg} in fix.changes
    assert modify_problems(with_policy(snapshot, fix.policy), config, fix.policy) == []


def test_without_known_break_glass_no_exclusion_is_offered_for_removal(demo: dict[str, Any]) -> None:
    # the break-glass exclusion group would look like any other large exclusion: nothing is removed blind
    doc = copy.deepcopy(demo)
    for role in doc["directoryRoles"]:
        if role["roleTemplateId"] == "62e90394-69f5-4237-9190-012177145e10":
            role["members"] = []
    snapshot = snapshot_of(doc)
    assert not TenantModel.build(snapshot, CONFIG).break_glass.ids
    plan = gaps.plan(snapshot, CONFIG)
    assert plan.candidates and {c.kind for c in plan.candidates} == {"new_policy"}
