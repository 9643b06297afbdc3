"""suite.yaml errors are one line naming the file, the field and the fix (the catalog's house style)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from entra_agents.errors import ContentError, UsageError
from entra_agents.evals.suite import load_suite

CASE = {"id": "one", "tenant": "tenants/one", "expect": {"findings": {"COV-01": {"status": "pass"}},
                                                         "justification": "nothing is planted in this tenant"}}


def write(tmp_path: Path, **fields: Any) -> Path:
    suite = {"name": "s", "description": "d", "target": "analysis", "scorers": {"findings": {}}, "cases": [CASE]}
    suite.update(fields)
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump(suite), encoding="utf-8")
    return tmp_path


def error(tmp_path: Path, **fields: Any) -> str:
    with pytest.raises(ContentError) as caught:
        load_suite(write(tmp_path, **fields))
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "suite.yaml")) and "\n" not in message
    return message


def test_a_valid_suite_loads_with_defaults_applied(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, defaults={"settings": {"LargeExclusionUsers": 10}}))
    case = suite.cases[0]
    assert case["settings"] == {"LargeExclusionUsers": "10"} and case["truth"]["findings"]["COV-01"]["status"] == "pass"
    assert case["tenantSpec"] == str(tmp_path / "tenants/one") and len(suite.file_hash) == 64


def test_unknown_field_is_named_with_a_did_you_mean(tmp_path: Path) -> None:
    assert "cases[0].tenat: unknown field `tenat`; did you mean `tenant`?" in error(
        tmp_path, cases=[{**CASE, "tenat": "x"}])


def test_missing_required_field(tmp_path: Path) -> None:
    case = {k: v for k, v in CASE.items() if k != "expect"}
    assert "cases[0].expect: missing required field `expect`; add `expect: ...`" in error(tmp_path, cases=[case])


def test_bad_target_lists_the_choices(tmp_path: Path) -> None:
    message = error(tmp_path, target="quiz")
    assert "target: `quiz` is not a valid target" in message and "chat (issue 8, not built yet)" in message


def test_hand_written_truth_needs_a_justification(tmp_path: Path) -> None:
    case = {**CASE, "expect": {"findings": {"COV-01": {"status": "pass"}}}}
    message = error(tmp_path, cases=[case])
    assert "cases[0].expect" in message and "justification" in message


def test_bad_check_id_and_status(tmp_path: Path) -> None:
    bad_id = {**CASE, "expect": {**CASE["expect"], "findings": {"cov-1": {"status": "pass"}}}}
    assert "use a check id such as COV-01" in error(tmp_path, cases=[bad_id])
    bad_status = {**CASE, "expect": {**CASE["expect"], "findings": {"COV-01": {"status": "ok"}}}}
    assert "`ok` is not a valid status; use one of pass, fail" in error(tmp_path, cases=[bad_status])


def test_duplicate_case_ids_and_missing_manifest(tmp_path: Path) -> None:
    assert "case id `one` is used twice" in error(tmp_path, cases=[CASE, CASE])
    manifest = {**CASE, "expect": {"manifest": "fixtures/nope.manifest.json"}}
    assert "cases[0].expect.manifest: `fixtures/nope.manifest.json` does not exist" in error(tmp_path, cases=[manifest])


def test_agent_target_needs_an_agent_and_baseline_names_are_checked(tmp_path: Path) -> None:
    assert "agent: target `agent` needs the agent to run" in error(tmp_path, target="agent")
    assert "scorer.metric" in error(tmp_path, baseline={"recall": 1.0})


def test_unknown_suite_and_unknown_scorer(tmp_path: Path) -> None:
    from entra_agents.evals.runner import run_suite

    with pytest.raises(UsageError, match="no evaluation suite 'nope': give a suite directory or a name"):
        load_suite("nope")
    with pytest.raises(UsageError, match="unknown scorer politeness; known scorers: findings"):
        run_suite(load_suite(write(tmp_path, scorers={"politeness": {}})))
