"""`entra-agents runs report RUN_ID --format md|html [--out FILE]`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from entra_agents.store import Store
from tests.helpers import cli, cli_json
from tests.reports.sample_run import make_run


def test_report_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    run_id = make_run(Store())
    code, out, err = cli("runs", "report", run_id[:8])
    assert code == 0, err
    assert out.startswith("# ca-optimizer run on Evil") and "## Failed checks and errors" in out
    target = tmp_path / "report.html"
    code, out, err = cli("runs", "report", run_id, "--format", "html", "--out", str(target))
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_unknown_run_is_a_usage_error() -> None:
    code, _, err = cli("runs", "report", "no-such-run")
    assert code == 2 and "run no-such-run: not found" in err


def test_report_of_a_real_run() -> None:
    run = cli_json("run", "ca-optimizer", "--tenant", "demo")["run"]
    code, out, err = cli("runs", "report", run["id"], "--format", "md")
    assert code == 0, err
    assert run["id"] in out and "## Agent summary" in out and "Contoso Demo" in out


def test_report_command_stays_light() -> None:
    # Like --help: reports never pull in Semantic Kernel or msgraph (they only read the store).
    probe = ("import sys\nfrom entra_agents.reports import run_report, summary\nimport entra_agents.notify\n"
             "print(sorted(m for m in sys.modules if m.startswith(('semantic_kernel', 'msgraph'))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip() == "[]", done.stderr
