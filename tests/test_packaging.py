"""A non-editable install works from any directory: content ships inside the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_content_and_runs_from_elsewhere(tmp_path) -> None:
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--wheel-dir", str(tmp_path / "dist"), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "dist").glob("entra_agents-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("entra_agents/content/plugins/ca_optimizer.yaml", "entra_agents/content/skills/ca_optimizer.py",
                     "entra_agents/content/prompts/ca_optimizer_remediate.yaml",
                     "entra_agents/data/demo_tenant.yaml"):
        assert expected in names

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "ENTRA_AGENTS_HOME": str(tmp_path / "home")}
    probe = ("import json, sys, entra_agents, entra_agents.paths as p; "
             "print(json.dumps([entra_agents.__file__, [str(r) for r in p.content_roots()]]))")
    where = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True)
    package_file, roots = json.loads(where.stdout)
    assert package_file.startswith(str(site)) and all(r.startswith(str(site)) for r in roots)

    run = subprocess.run([sys.executable, "-m", "entra_agents", "analyze", "--tenant", "demo", "--json"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert {f["check"] for f in json.loads(run.stdout)["findings"]} >= {"COV-01", "COV-08", "COV-10"}
