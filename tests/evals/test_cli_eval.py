"""`entra-agents eval` end to end on a small suite: record, run, report, compare, list; and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.evals.small_suite import ENABLED, small_suite
from tests.helpers import cli


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_suite(tmp_path_factory.mktemp("evals"))


def test_run_scores_writes_the_log_and_reports(suite: Path, tmp_path: Path) -> None:
    out, md, page = tmp_path / "r.json", tmp_path / "r.md", tmp_path / "r.html"
    code, stdout, err = cli("eval", "run", str(suite), "--out", str(out), "--report", str(md), "--report", str(page))
    assert code == 0, stdout + err
    assert stdout.startswith("small: PASS  (2 cases") and "Findings per check" in stdout
    assert "COV-01  1          1" in stdout
    log = json.loads(out.read_text())
    assert log["spec"]["cases"] == ["zero-policies", "report-only"] and log["passed"] is True
    assert log["aggregates"]["findings.recall:COV-01"] == 1.0 and log["model"] == "offline"
    assert log["project"]["version"] and log["timestamp"].endswith("Z")
    case = log["cases"][0]
    assert case["passed"] and {s["scorer"] for s in case["scores"]} == {
        "findings", "suggestions", "grounding", "cost", "latency"}
    assert all(s["reason"] for s in case["scores"])
    assert "| COV-01 | 1 | 1 |" in md.read_text().replace("\\-", "-")
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "COV-01" in html


def test_a_drop_below_baseline_fails_the_run(suite: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((suite / "suite.yaml").read_text())
    truth = data["cases"][0]["expect"]["findings"]
    truth["COV-01"]["affected"]["users"] = ENABLED[:3]  # the engine reports five: precision drops to 0.6
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("fixtures", "tenants"):
        (broken / name).symlink_to(suite / name)
    (broken / "suite.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    code, stdout, err = cli("eval", "run", str(broken), "--case", "zero-policies")
    assert code == 1
    assert "below baseline: findings.precision 0.9" in err and "FAIL: 1 metrics below baseline" in stdout
    assert "2 of 5 reported objects not expected" in stdout


def test_compare_shows_regressions_and_improvements(suite: Path, tmp_path: Path) -> None:
    before = tmp_path / "a.json"
    assert cli("eval", "run", str(suite), "--out", str(before), "--quiet")[0] == 0
    code, stdout, _ = cli("eval", "compare", str(before), str(before))
    assert code == 0 and "Regressions: 0" in stdout
    log = json.loads(before.read_text())
    score = next(s for s in log["cases"][1]["scores"] if s["metric"] == "recall:COV-08")
    score.update(passed=False, value=0.5, reason="COV-08: 1 of 2 expected objects not reported")
    log["aggregates"]["findings.recall:COV-08"] = 0.5
    after = tmp_path / "b.json"
    after.write_text(json.dumps(log))
    code, stdout, _ = cli("eval", "compare", str(before), str(after))
    assert code == 1
    assert "report-only: findings.recall:COV-08: COV-08: 1 of 2 expected objects not reported" in stdout
    assert "aggregate findings.recall:COV-08: 1 -> 0.5" in stdout
    code, stdout, _ = cli("eval", "compare", str(after), str(before))
    assert code == 0 and "report-only: findings.recall:COV-08 passes now" in stdout


def test_compare_refuses_a_file_that_is_not_a_log(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    code, _, err = cli("eval", "compare", str(tmp_path / "x.json"), str(tmp_path / "x.json"))
    assert code == 2 and "not an eval results log" in err


def test_list_and_an_llm_suite_skipped_visibly(suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTRA_AGENTS_EVALS", str(suite.parent))
    monkeypatch.chdir(suite.parent)  # ./evals: none here
    code, stdout, _ = cli("eval", "list")
    assert "small" in stdout and "2 cases" in stdout and "ca-optimizer" in stdout  # and the checkout's suites
    data = yaml.safe_load((suite / "suite.yaml").read_text())
    data.update(name="needs-llm", requires={"llm": True})
    llm = tmp_path / "llm"
    llm.mkdir()
    (llm / "suite.yaml").write_text(yaml.safe_dump(data))
    for name in ("fixtures", "tenants"):
        (llm / name).symlink_to(suite / name)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, stdout, _ = cli("eval", "run", str(llm), "--model", "openai:gpt-4.1")
    assert code == 0 and "SKIPPED: suite needs-llm needs a real model" in stdout and "OPENAI_API_KEY not set" in stdout


def test_a_chat_case_needs_a_question(suite: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((suite / "suite.yaml").read_text())
    data["target"] = "chat"
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "fixtures").symlink_to(suite / "fixtures")
    code, _, err = cli("eval", "run", str(tmp_path))
    assert code == 2 and "cases[0].question: a chat case needs the question to ask" in err
